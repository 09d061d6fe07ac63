"""How a webhook delivery is signed, and how a receiver checks it.

A delivery carries ``Shortfilm-Signature: t=<unix seconds>,v1=<hex>``, where the hex is
HMAC-SHA256, keyed with the account's secret, over ``<t>.`` followed by the exact body bytes.
Signing the time with the body lets a receiver refuse a delivery replayed later (outside
:data:`TOLERANCE_S`) as well as one altered on the way; several ``v1=`` values may be sent while a
secret is being replaced, and a receiver accepts any that matches one of its secrets. The scheme
is the one Stripe and others document, so a receiver may already have the code for it.

Each delivery also carries an ``Idempotency-Key`` (:func:`idempotency_key`): the same for every
retry of one publication, so a receiver that saw it already answers without acting twice.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

HEADER = "Shortfilm-Signature"
TOLERANCE_S = 300
"""How far a delivery's time may be from the receiver's clock (seconds, either way)."""


class SignatureError(ValueError):
    """A delivery whose signature does not hold: the message says which part failed."""


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with ``secret``."""
    if not secret:
        raise ValueError("an empty secret signs nothing")
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``: one ``v1`` per secret (the current
    one first; the old one too while receivers move to the new)."""
    values = [f"v1={signature(s, body, timestamp)}" for s in secrets]
    if not values:
        raise ValueError("a delivery is signed with at least one secret")
    return ",".join([f"t={int(timestamp)}", *values])


def verify(header: str | None, body: bytes, secrets: Iterable[str], now: float) -> int:
    """Check a delivery as a receiver does; return its timestamp, or raise
    :class:`SignatureError` saying what failed (no header, a malformed one, a time too far from
    ``now``, no signature matching any of ``secrets``)."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    stamp: int | None = None
    sent: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"{HEADER}: {part.strip()!r} is not key=value")
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise SignatureError(f"{HEADER}: t={value!r} is not a time in seconds")
            stamp = int(value)
        elif key == "v1":
            sent.append(value)
    if stamp is None:
        raise SignatureError(f"{HEADER}: no t= time")
    if not sent:
        raise SignatureError(f"{HEADER}: no v1= signature")
    if abs(now - stamp) > TOLERANCE_S:
        raise SignatureError(
            f"{HEADER}: signed at {stamp}, {abs(now - stamp):.0f} s from now "
            f"(at most {TOLERANCE_S} s): a replay or a wrong clock"
        )
    expected = [signature(s, body, stamp) for s in secrets if s]
    if not expected:
        raise SignatureError("the receiver has no secret to check against")
    if any(hmac.compare_digest(e, v) for e in expected for v in sent):
        return stamp
    raise SignatureError(f"{HEADER}: no signature matches the body and a known secret")


def idempotency_key(slug: str, variant: str, version: int, account: str) -> str:
    """The key every delivery of one publication carries: the same production, variant version
    and account give the same key, so a retried delivery is recognised as the same post."""
    blob = "\x1f".join((slug, variant, str(version), account)).encode("utf-8")
    return "sf-" + hashlib.sha256(blob).hexdigest()[:40]
