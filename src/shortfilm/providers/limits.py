"""Limits on how hard a provider is driven: a submit rate, shared by every worker thread.

Hosted models cap both concurrent tasks and request rate; the concurrency cap is the worker
pool's size, and this token bucket spaces out the submits so a burst of ready clips does not
earn a 429 (which would only be retried later, costing time).
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Allow at most ``per_second`` acquisitions per second on average, bursting to ``burst``."""

    def __init__(self, per_second: float | None, *, burst: int = 1) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a submit may go out (returns at once when unlimited)."""
        if not self.per_second:
            return
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.per_second)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.per_second
            time.sleep(wait)
