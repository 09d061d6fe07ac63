"""Virtual time for the fakes: a clock that moves only when a test says so."""

from __future__ import annotations

import threading
from collections.abc import Callable


class ManualClock:
    """A clock that moves only when told: ``clock()`` -> unix seconds; ``advance(s)``."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


Latency = float | Callable[[], float]
"""Seconds, fixed or drawn per job (e.g. ``lambda: rng.uniform(2, 4)``)."""
