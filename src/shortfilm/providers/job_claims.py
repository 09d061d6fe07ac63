"""Which hosted jobs a provider has handed out, and one submission gate per request key.

Two takes must never share a paid job. Every job id a provider hands out is claimed here; a
reconciliation picks and claims a match in one step, so two callers never get the same job; and
identical requests go out one at a time (a gate per request key), so a reconciliation never
mistakes a concurrent twin's job for its own. Thread-safe; one per provider instance.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Set


class JobClaims:
    """The job ids one provider has handed out, and its per-request-key gates."""

    def __init__(self) -> None:
        self._claimed: set[str] = set()
        self._gates: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def gate(self, key: str) -> threading.Lock:
        """The lock identical requests (same ``key``) are submitted under, one at a time."""
        with self._lock:
            return self._gates.setdefault(key, threading.Lock())

    def claim(self, job_id: str) -> None:
        """Mark ``job_id`` handed out: no reconciliation hands it out again."""
        with self._lock:
            self._claimed.add(job_id)

    def held(self, job_id: str) -> bool:
        """Whether ``job_id`` was already handed out by this provider."""
        with self._lock:
            return job_id in self._claimed

    def taken(self, exclude: Set[str]) -> set[str]:
        """``exclude`` plus every job id handed out here: what a search should leave out."""
        with self._lock:
            return set(exclude) | self._claimed

    def pick(self, candidates: Iterable[str], exclude: Set[str]) -> str | None:
        """The first of ``candidates`` nobody holds (here or in ``exclude``), claimed in the same
        step as it is picked; ``None`` when all are held."""
        with self._lock:
            for job_id in candidates:
                if job_id not in self._claimed and job_id not in exclude:
                    self._claimed.add(job_id)
                    return job_id
        return None


__all__ = ["JobClaims"]
