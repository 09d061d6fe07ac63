"""Login throttling: repeated failed logins for one name, or from one address, wait a while.

Each user name (as typed, case-folded) and each client address keeps a count of failed logins.
The :attr:`~LoginThrottle.free_failures`-th failure (5 by default) and every later one close
logins for that name or address for a window that doubles each time (30 s, 1 min, 2 min ... at
most 15 min). While a window is open every login for it is answered 429 with ``Retry-After``,
before the password is even checked, so a right password does not get through either, and a
name that exists is throttled exactly like one that does not (nothing tells them apart). A
success clears its name's count but not its address's (an attacker with one account must not
reset the count of the address they guess other names from); a count is forgotten once it has
seen no failure for :attr:`LoginThrottle.forget_after_s`.

The counts live **in this process's memory**: a restart forgets them, and each uvicorn worker
(``shortfilm serve --workers N``) counts for itself, so an attacker gets at most N times the
attempts. At most :attr:`LoginThrottle.max_entries` names and addresses are kept (the least
recently failed are dropped first), so a flood of made-up names cannot fill the memory. The
address is the TCP peer's: behind a reverse proxy every client shares the proxy's address (the
per-name count still holds), and ``X-Forwarded-For`` is not trusted since anyone can send it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Count:
    failures: int
    last_failure: float
    closed_until: float


class LoginThrottle:
    """Counts failed logins per name and per address; thread-safe (the login route runs in a
    worker thread). ``clock`` is in seconds (monotonic), replaceable for tests."""

    def __init__(
        self,
        *,
        free_failures: int = 5,
        first_wait_s: float = 30.0,
        max_wait_s: float = 900.0,
        forget_after_s: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.forget_after_s = forget_after_s
        self.max_entries = max_entries
        self._clock = clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def keys(name: str, address: str) -> tuple[str, str]:
        """The two counters one login attempt touches."""
        return f"name:{name.strip().casefold()}", f"addr:{address}"

    def retry_after(self, name: str, address: str) -> int | None:
        """Whole seconds until a login for ``name`` from ``address`` is heard again, or ``None``
        when it may be tried now."""
        now = self._clock()
        with self._lock:
            waits = [
                count.closed_until - now
                for key in self.keys(name, address)
                if (count := self._live(key, now)) is not None
            ]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else None

    def failed(self, name: str, address: str) -> None:
        """Count a failed login; from the ``free_failures``-th on, close the window."""
        now = self._clock()
        with self._lock:
            for key in self.keys(name, address):
                count = self._live(key, now) or _Count(0, now, now)
                count.failures += 1
                count.last_failure = now
                over = count.failures - self.free_failures
                if over >= 0:
                    wait = min(self.first_wait_s * 2**over, self.max_wait_s)
                    count.closed_until = now + wait
                self._counts[key] = count
                self._counts.move_to_end(key)
            while len(self._counts) > self.max_entries:
                self._counts.popitem(last=False)

    def succeeded(self, name: str) -> None:
        """A login for ``name`` worked: its count starts again (the address's does not)."""
        with self._lock:
            self._counts.pop(self.keys(name, "")[0], None)

    def _live(self, key: str, now: float) -> _Count | None:
        """The count of ``key`` unless it is old enough to forget (then it is dropped)."""
        count = self._counts.get(key)
        if count is None:
            return None
        if now >= count.closed_until and now - count.last_failure >= self.forget_after_s:
            del self._counts[key]
            return None
        return count


__all__ = ["LoginThrottle"]
