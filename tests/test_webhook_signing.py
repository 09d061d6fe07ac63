"""Webhook deliveries' signatures: what a sender writes and what a receiver accepts.

The scheme is pinned by an HMAC computed here with :mod:`hmac` directly, so the code cannot drift
from what receivers were told; then every way a delivery can be wrong is refused by name.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shortfilm.campaign.webhook_signing import (
    HEADER,
    TOLERANCE_S,
    SignatureError,
    idempotency_key,
    signature_header,
    verify,
)

SECRET = "whsec-test-0123456789"
BODY = b'{"variant":"tt-hook","account":"tt-main","video":"https://files.test/v.mp4"}'
NOW = 1_796_000_000


def test_the_header_is_an_hmac_of_the_time_and_the_exact_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature_header([SECRET], BODY, NOW) == f"t={NOW},v1={expected}"
    assert verify(f"t={NOW},v1={expected}", BODY, [SECRET], now=NOW + 5) == NOW


def test_while_a_secret_is_replaced_either_one_is_accepted() -> None:
    header = signature_header(["new-secret", SECRET], BODY, NOW)
    assert header.count("v1=") == 2
    assert verify(header, BODY, [SECRET], now=NOW) == NOW
    assert verify(header, BODY, ["new-secret"], now=NOW) == NOW
    assert verify(signature_header([SECRET], BODY, NOW), BODY, ["new-secret", SECRET], NOW) == NOW


@pytest.mark.parametrize(
    ("header", "body", "secrets", "now", "words"),
    [
        (None, BODY, [SECRET], NOW, "no Shortfilm-Signature header"),
        ("", BODY, [SECRET], NOW, "no Shortfilm-Signature header"),
        ("garbage", BODY, [SECRET], NOW, "is not key=value"),
        ("t=soon,v1=ab", BODY, [SECRET], NOW, "is not a time in seconds"),
        ("v1=ab", BODY, [SECRET], NOW, "no t= time"),
        (f"t={NOW}", BODY, [SECRET], NOW, "no v1= signature"),
        ("SIGNED", BODY + b" ", [SECRET], NOW, "no signature matches"),
        ("SIGNED", BODY, ["another-secret"], NOW, "no signature matches"),
        ("SIGNED", BODY, [SECRET], NOW + TOLERANCE_S + 1, "a replay or a wrong clock"),
        ("SIGNED", BODY, [SECRET], NOW - TOLERANCE_S - 1, "a replay or a wrong clock"),
        ("SIGNED", BODY, [""], NOW, "no secret to check against"),
    ],
)
def test_a_delivery_that_does_not_hold_is_refused_saying_why(
    header: str | None, body: bytes, secrets: list[str], now: int, words: str
) -> None:
    if header == "SIGNED":
        header = signature_header([SECRET], BODY, NOW)
    with pytest.raises(SignatureError, match=words):
        verify(header, body, secrets, now=now)


def test_a_signature_for_one_time_does_not_pass_for_another() -> None:
    header = signature_header([SECRET], BODY, NOW)
    moved = header.replace(f"t={NOW}", f"t={NOW + 60}")
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(moved, BODY, [SECRET], now=NOW + 60)
    assert HEADER == "Shortfilm-Signature"


def test_the_idempotency_key_names_one_publication() -> None:
    key = idempotency_key("wasteland-villa", "tt-hook", 2, "tt-main")
    assert key == idempotency_key("wasteland-villa", "tt-hook", 2, "tt-main")
    assert key.startswith("sf-") and len(key) == 43
    others = {
        idempotency_key("wasteland-villa", "tt-hook", 3, "tt-main"),
        idempotency_key("wasteland-villa", "tt-hook", 2, "ig-reels"),
        idempotency_key("wasteland-villa", "yt-hook", 2, "tt-main"),
        idempotency_key("wasteland-vill", "att-hook", 2, "tt-main"),
    }
    assert key not in others and len(others) == 4
