"""Retries, backoff and downloads shared by the hosted-provider adapters (httpx underneath).

Hosted generation is paid, so the rules are a payment system's, not a scraper's:

- **What is retried.** 429 and 5xx answers, timeouts, broken connections and unreadable bodies:
  the server was busy or the line was bad, and asking again may succeed. 400/401/403/404 and
  the rest of 4xx are the caller's fault and are never retried: trying again would fail the
  same way (or, for 401, hammer the auth service with a bad key).
- **How long to wait.** Exponential backoff with "equal jitter": attempt ``n`` waits between
  half and all of ``min(cap, base * 2**n)``, so a burst of clients that failed together does
  not come back together, while each still waits at least half the backoff. A ``Retry-After``
  header raises the wait (never above the cap).
- **What "outcome unknown" means.** A request that *may* have reached the server (a read
  timeout, a connection dropped after the body went out, a 5xx from a gateway, a garbled 200)
  is marked ``outcome_unknown``. Re-sending a read is harmless; re-sending a *create* might pay
  twice, so adapters check the provider's state before re-sending one (see ``before_retry``).
  A connection that was never established (refused, connect timeout, no pool slot) is known
  not to have sent anything.

Nothing here knows a provider's JSON; the adapter turns responses into data and errors.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from shortfilm.errors import ProviderError

T = TypeVar("T")

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth asking again; other 5xx are retried too (see :func:`is_retryable_status`)."""

EXPIRED_STATUS = frozenset({403, 404, 410})
"""What an expired presigned result URL answers (object stores say 403 or 404; some 410)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. Delays are seconds."""

    attempts: int = 6
    """Tries in total, the first included (so ``attempts - 1`` retries)."""
    base_s: float = 1.0
    """Backoff before the first retry (its upper bound; the wait is half to all of it)."""
    cap_s: float = 60.0
    """No single wait is longer, whatever the attempt number or ``Retry-After`` says."""

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based), jittered."""
        ceiling = min(self.cap_s, self.base_s * (2.0**retry))
        wait = ceiling / 2 + rng.uniform(0.0, ceiling / 2)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.cap_s))
        return wait


class TransientError(Exception):
    """One attempt failed in a way that another attempt may fix.

    ``outcome_unknown`` is True when the request may have been acted on by the server (so a
    create must be reconciled before it is sent again); ``retry_after`` is the server's hint in
    seconds, if it gave one.
    """

    def __init__(
        self, message: str, *, outcome_unknown: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after


def is_retryable_status(status: int) -> bool:
    """429 and every 5xx: the server is busy or broken right now, not the request wrong."""
    return status == 429 or 500 <= status <= 599


def request_maybe_sent(exc: httpx.TransportError) -> bool:
    """Whether a transport failure may have delivered the request to the server.

    Only failures to *establish* a connection (refused, DNS, connect timeout, no free pool
    slot) prove nothing was sent; a write/read timeout or a dropped connection may have
    delivered it completely.
    """
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def transient_from_transport(exc: httpx.TransportError, what: str) -> TransientError:
    """A :class:`TransientError` for a timeout or broken connection during ``what``."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    detail = type(exc).__name__
    return TransientError(f"{what}: {kind} ({detail})", outcome_unknown=request_maybe_sent(exc))


def retry_after_s(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delta or HTTP date), or ``None``."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def run_with_retries(
    attempt: Callable[[int], T],
    *,
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    before_retry: Callable[[TransientError], T | None] | None = None,
    on_exhausted: Callable[[TransientError], T | None] | None = None,
) -> T:
    """Call ``attempt(n)`` until it returns, retrying on :class:`TransientError` with backoff.

    ``before_retry`` runs after the wait and before the next attempt; if it returns a value,
    that value is the result (a create reconciled against the server's task list). Any other
    exception (notably a non-retryable :class:`ProviderError`) ends the loop at once. When the
    attempts are used up, ``on_exhausted`` may still produce a result; otherwise a retryable
    :class:`ProviderError` naming ``what`` and the last failure is raised.
    """
    rng = rng or random.Random()
    last: TransientError | None = None
    for n in range(max(1, policy.attempts)):
        if last is not None:
            wait = policy.delay(n - 1, rng, last.retry_after)
            log.warning("%s: %s; retry %d/%d in %.2fs", what, last, n, policy.attempts - 1, wait)
            sleep(wait)
            if before_retry is not None:
                found = before_retry(last)
                if found is not None:
                    return found
        try:
            return attempt(n)
        except TransientError as exc:
            last = exc
    assert last is not None
    if on_exhausted is not None:
        found = on_exhausted(last)
        if found is not None:
            return found
    raise ProviderError(
        f"{what}: gave up after {policy.attempts} attempts; last error: {last}", retryable=True
    )


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    what: str,
    policy: RetryPolicy,
    timeout: httpx.Timeout | float,
    headers: httpx.Headers | None = None,
    expiry: str = "result URLs live 24 h",
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` atomically (temporary name, then ``os.replace``).

    Credentials go only where the caller puts them in ``headers`` (result URLs are usually
    presigned and may live on another host, which must never see the API key), and redirects
    are never followed, so they cannot carry them elsewhere. 5xx/429/timeouts are retried;
    403/404/410 mean the URL expired (``expiry`` says how long results live) or the object is
    gone and raise a non-retryable :class:`ProviderError`, as does any other answer from 300
    up; a body shorter than its ``Content-Length`` is retried. ``dest`` exists only when
    complete.

    Resumable: bytes received so far stay in ``.<name>.partial`` when the transfer breaks (or
    the process is killed), and the next attempt asks only for the rest (``Range``); a server
    answering 416 to a range starting at the end means the partial file is already complete.
    A paid result is never downloaded in full twice.
    """
    shown = _without_query(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError(f"{what}: not an http(s) URL: {shown}", retryable=False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")

    def once(_: int) -> Path:
        have = tmp.stat().st_size if tmp.exists() else 0
        sent = httpx.Headers(headers)  # a fresh copy: its repr masks Authorization
        if have:
            sent["Range"] = f"bytes={have}-"
        try:
            with client.stream(
                "GET", url, timeout=timeout, headers=sent, follow_redirects=False
            ) as response:
                if response.status_code == 416 and have:
                    total = response.headers.get("content-range", "").rpartition("/")[2]
                    if total.isdigit() and int(total) == have:
                        os.replace(tmp, dest)
                        return dest
                    tmp.unlink(missing_ok=True)  # a stale partial of something else: restart
                    raise TransientError(f"{what}: partial download did not match; restarting")
                if response.status_code in EXPIRED_STATUS:
                    raise ProviderError(
                        f"{what}: result URL {shown} answered HTTP {response.status_code}: it "
                        f"expired ({expiry}) or the file was deleted; the take must be "
                        "generated again",
                        retryable=False,
                    )
                if is_retryable_status(response.status_code):
                    raise TransientError(
                        f"{what}: HTTP {response.status_code}",
                        retry_after=retry_after_s(response),
                    )
                if response.status_code >= 300:
                    raise ProviderError(
                        f"{what}: result URL {shown} answered HTTP {response.status_code}",
                        retryable=False,
                    )
                expected = response.headers.get("content-length")
                resumed = response.status_code == 206 and have > 0
                written = 0
                with tmp.open("ab" if resumed else "wb") as fh:
                    for chunk in response.iter_bytes(1 << 16):
                        fh.write(chunk)
                        written += len(chunk)
                if expected is not None and expected.isdigit() and int(expected) != written:
                    raise TransientError(f"{what}: body cut short ({written}/{expected} bytes)")
        except httpx.TransportError as exc:
            raise transient_from_transport(exc, what) from None  # keep the partial: resume
        except TransientError:
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, dest)
        return dest

    return run_with_retries(once, policy=policy, what=what, sleep=sleep, rng=rng)


def _without_query(url: str) -> str:
    """A URL fit for messages and logs: presigned query strings (signatures) dropped."""
    return url.split("?", 1)[0]
