"""Login throttling: failed logins make the next ones from the same place wait, without letting
a stranger lock a named person out.

Three counts of failed logins, each closing logins for a window once it is over its threshold
(30 s, then doubling with every further failure, at most 15 min):

* **per address** (:attr:`~LoginThrottle.address_failures`, 10): one client guessing, whatever
  names it tries (password spraying). Checked first.
* **per (name, address) pair** (:attr:`~LoginThrottle.free_failures`, 5): one client guessing
  one person's password. An attacker at address A failing for ``alice`` closes logins for
  ``alice`` *from A*; alice logging in from B is not touched.
* **per name** (:attr:`~LoginThrottle.name_failures`, 100): many addresses guessing one name
  (a botnet). Each address adds at most ``free_failures`` to it, so closing it takes 20
  addresses or more; and while it is closed the addresses the name has logged in from (in
  this process, the last :data:`KNOWN_ADDRESSES`) still pass, so the real person keeps a way
  in from where they usually log in.

While a window is open every login it covers is answered 429 with ``Retry-After`` before the
password is checked, so a right password does not get through either, and a name that exists is
throttled exactly like one that does not. A success clears its pair's count (not the address's:
an attacker with one account must not reset the count of the address they guess other names
from; nor the name's: it measures an attack on the name, and its own address is exempt anyway).
A count is forgotten once it has seen no failure for :attr:`LoginThrottle.forget_after_s`.

Counting is atomic: :meth:`LoginThrottle.attempt` reserves the attempt under the lock *before*
the password is checked, and a count lets only as many attempts in flight as it has failures
left before it closes (one after a window passes), so 200 parallel wrong passwords for one name
make 5 password checks, not 44.

The counts live **in this process's memory**: a restart forgets them, and each uvicorn worker
(``shortfilm serve --workers N``) counts for itself, so an attacker gets at most N times the
attempts. At most :attr:`LoginThrottle.max_entries` counts are kept (the least recently used are
dropped first), so a flood of made-up names cannot fill the memory. The address is the TCP
peer's: ``shortfilm serve`` believes ``X-Forwarded-For`` only from the proxies named with
``--trusted-proxy`` (anyone can send the header); behind a proxy that is not named, every client
shares the proxy's address.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

KNOWN_ADDRESSES = 8
"""Addresses remembered per name that has logged in: they pass the name-wide window."""
NAME_CHARS = 200
"""A user name's longest (:func:`~shortfilm.team.accounts.add_user`): a key keeps no more of
what was typed, so 10,000 counts of made-up names stay a few megabytes."""


class Throttled(Exception):
    """Logins for this name or from this address wait ``retry_after`` whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class _Count:
    threshold: int
    failures: int = 0
    in_flight: int = 0
    last_failure: float = 0.0
    closed_until: float = 0.0

    def room(self, now: float) -> int:
        """How many more attempts may be in flight now: none while the window is closed; the
        failures left before it closes; one after a window has passed."""
        if now < self.closed_until:
            return 0
        return max(self.threshold - self.failures, 1)


@dataclass
class Attempt:
    """One login attempt holding its reservation; tell it how the password check went."""

    name_key: str
    keys: list[str]
    address: str
    outcome: bool | None = None

    def succeeded(self) -> None:
        self.outcome = True

    def failed(self) -> None:
        self.outcome = False


class LoginThrottle:
    """Counts failed logins per address, per (name, address) and per name; thread-safe (the
    password check runs in a worker thread). ``clock`` is in seconds (monotonic), replaceable
    for tests."""

    def __init__(
        self,
        *,
        free_failures: int = 5,
        address_failures: int = 10,
        name_failures: int = 100,
        first_wait_s: float = 30.0,
        max_wait_s: float = 900.0,
        forget_after_s: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.address_failures = address_failures
        self.name_failures = name_failures
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.forget_after_s = forget_after_s
        self.max_entries = max_entries
        self._clock = clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._known: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def _thresholds(self, name: str, address: str) -> dict[str, int]:
        """The counts one login attempt touches, address first, with their thresholds."""
        folded = self._folded(name)
        return {
            f"addr:{address}": self.address_failures,
            f"pair:{folded}\x00{address}": self.free_failures,
            f"name:{folded}": self.name_failures,
        }

    @staticmethod
    def _folded(name: str) -> str:
        return name.strip().casefold()[:NAME_CHARS]

    @contextmanager
    def attempt(self, name: str, address: str) -> Iterator[Attempt]:
        """Reserve a login attempt (or raise :class:`Throttled`), then settle it: a failure
        counts, a success clears the pair and remembers the address for the name, and an
        attempt left unsettled (the check raised) counts as nothing."""
        now = self._clock()
        thresholds = self._thresholds(name, address)
        name_key = f"name:{self._folded(name)}"
        with self._lock:
            known = address in self._known.get(name_key, ())
            keys = [key for key in thresholds if not (known and key == name_key)]
            counts = [self._count(key, thresholds[key], now) for key in keys]
            blocked = any(count.room(now) <= count.in_flight for count in counts)
            if not blocked:
                for count in counts:
                    count.in_flight += 1
            self._trim()
        if blocked:
            longest = max(count.closed_until - now for count in counts)
            raise Throttled(max(math.ceil(longest), 1))
        attempt = Attempt(name_key, keys, address)
        try:
            yield attempt
        finally:
            self._settle(attempt)

    def _settle(self, attempt: Attempt) -> None:
        now = self._clock()
        pair_failures = 0
        with self._lock:
            for key in attempt.keys:  # address, pair, then name
                count = self._counts.get(key)
                if count is None:  # dropped for room meanwhile
                    continue
                count.in_flight = max(count.in_flight - 1, 0)
                if key.startswith("pair:"):
                    pair_failures = count.failures + (attempt.outcome is False)
                if key.startswith("name:") and pair_failures > self.free_failures:
                    continue  # one address adds at most free_failures to its name's count
                if attempt.outcome is False:
                    count.failures += 1
                    count.last_failure = now
                    over = count.failures - count.threshold
                    if over >= 0:
                        wait = min(self.first_wait_s * 2**over, self.max_wait_s)
                        count.closed_until = now + wait
                elif attempt.outcome is True and key.startswith("pair:"):
                    del self._counts[key]
            if attempt.outcome is True:
                known = [a for a in self._known.pop(attempt.name_key, []) if a != attempt.address]
                self._known[attempt.name_key] = [attempt.address, *known][:KNOWN_ADDRESSES]
            self._trim()

    def _count(self, key: str, threshold: int, now: float) -> _Count:
        count = self._live(key, now) or _Count(threshold)
        self._counts[key] = count
        self._counts.move_to_end(key)
        return count

    def _trim(self) -> None:
        while len(self._counts) > self.max_entries:
            self._counts.popitem(last=False)
        while len(self._known) > self.max_entries:
            self._known.popitem(last=False)

    def _live(self, key: str, now: float) -> _Count | None:
        """The count of ``key`` unless it is old enough to forget (then it is dropped)."""
        count = self._counts.get(key)
        if count is None:
            return None
        idle = now - count.last_failure >= self.forget_after_s
        if count.in_flight == 0 and now >= count.closed_until and idle:
            del self._counts[key]
            return None
        return count


__all__ = ["Attempt", "LoginThrottle", "Throttled"]
