"""A web app user as the store holds them: the facts the account rules read and change.

:mod:`shortfilm.team.accounts` decides (passwords, who may log in); :mod:`shortfilm.store.accounts`
reads and writes these records, so neither needs the other's insides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class UserRecord:
    """One ``users`` row: who, their role, their argon2 hash and whether they may log in."""

    id: int
    name: str
    role: str
    """A :class:`~shortfilm.domain.people.Role` value."""
    password_hash: str
    active: bool
    created_at: datetime
    deactivated_at: datetime | None
    """Set with ``active`` false; ``None`` while the user may log in (or locked by hand)."""


@dataclass(frozen=True)
class SessionUser:
    """The user behind a web session token, and that session's CSRF token and expiry."""

    user_id: int
    name: str
    role: str
    active: bool
    csrf_token: str
    expires_at: datetime
    """As the database hands it back: SQLite's is naive (stored as UTC)."""
