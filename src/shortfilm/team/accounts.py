"""Accounts of the team web app: users with a role, argon2 password hashes, login sessions.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, re-hashed on login when
those defaults grow). A session token is 32 random bytes handed to the browser once; the store
keeps its sha256, so a copy of the database cannot be replayed as a login. Each session carries
its own CSRF token, which every state-changing request must echo.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shortfilm.domain.accounts import UserRecord
from shortfilm.domain.people import Actor, Role
from shortfilm.errors import InputError
from shortfilm.store import accounts as stored
from shortfilm.store.repo import Store, Tx

MIN_PASSWORD_LENGTH = 8
SESSION_TTL_S = 8 * 3600
"""A working day: a reviewer logs in once in the morning."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")
"""Verified against when the name is unknown, so a wrong name costs as long as a wrong password
(no timing oracle telling which names exist)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(role: Role | str) -> Role:
    """``role`` as a :class:`Role`; InputError naming the roles there are."""
    if isinstance(role, Role):
        return role
    try:
        return Role(role.strip().lower().replace("_", "-").replace(" ", "-"))
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {role!r}: one of {names}") from None


def _actor(row: UserRecord) -> Actor:
    return Actor(name=row.name, role=Role(row.role), user_id=row.id)


def add_user(store: Store, name: str, role: Role | str, password: str) -> Actor:
    """Create a user; InputError on an empty or taken name, an unknown role, a short password."""
    name = name.strip()
    if not name or len(name) > 200 or any(ch in name for ch in "\r\n\t"):
        raise InputError("a user name is 1-200 characters on one line")
    parsed = parse_role(role)
    _check_password(password)
    with store.session() as s:
        if stored.name_taken(s, name):
            raise InputError(f"user {name!r} exists already")
        row = stored.add_user(s, name, parsed.value, _hasher.hash(password))
        return _actor(row)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def authenticate(store: Store, name: str, password: str) -> Actor | None:
    """The active user with this name and password, else ``None`` (never says which was wrong)."""
    with store.session() as s:
        row = stored.user_named(s, name.strip())
        if row is None or not row.active:
            with contextlib.suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password)
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row = stored.set_password_hash(s, row.id, _hasher.hash(password))
        return _actor(row)


def open_session(store: Store, actor: Actor, *, ttl_s: int = SESSION_TTL_S) -> tuple[str, str]:
    """A new login session for a user: ``(session token, csrf token)``; expired ones are purged."""
    if actor.user_id is None:
        raise InputError("the local owner has no web session: add a user with 'shortfilm user add'")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.session() as s:
        stored.open_session(
            s, _token_hash(token), actor.user_id, csrf, now, now + timedelta(seconds=ttl_s)
        )
    return token, csrf


def session_actor(store: Store, token: str) -> tuple[Actor, str] | None:
    """The user behind a session token and the session's CSRF token; ``None`` when the token is
    unknown, expired, or its user was deactivated. One indexed query on a plain connection (no
    ORM session): every web request asks it."""
    if not token:
        return None
    found = stored.session_user(store, _token_hash(token))
    if found is None:
        return None
    user_id, name, role, active = found.user_id, found.name, found.role, found.active
    csrf, expires_at = found.csrf_token, found.expires_at
    if expires_at.tzinfo is None:  # SQLite hands back naive datetimes (stored as UTC)
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= datetime.now(UTC) or not active:
        return None
    return Actor(name=name, role=Role(role), user_id=user_id), str(csrf)


def close_session(store: Store, token: str) -> None:
    """Log out: the token stops working at once."""
    with store.session() as s:
        stored.close_session(s, _token_hash(token))


def list_users(store: Store) -> list[Actor]:
    """Every active user, by name."""
    with store.session() as s:
        return [_actor(r) for r in stored.users(s, active_only=True)]


@dataclass(frozen=True)
class Account:
    """A user as the owner manages them: who, and whether (since when) they are locked out."""

    actor: Actor
    deactivated_at: datetime | None
    """``None`` while the user may log in."""

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


def list_accounts(store: Store) -> list[Account]:
    """Every user, deactivated ones too, by name."""
    with store.session() as s:
        return [_account(r) for r in stored.users(s)]


def _account(row: UserRecord) -> Account:
    since = row.deactivated_at
    if not row.active and since is None:  # locked out by hand in the database
        since = row.created_at
    if since is not None and since.tzinfo is None:  # SQLite hands back naive UTC
        since = since.replace(tzinfo=UTC)
    return Account(_actor(row), None if row.active else since)


def get_account(store: Store, name: str) -> Account:
    """The account called ``name``; InputError when there is none."""
    with store.session() as s:
        return _account(_user(s, name))


def _user(s: Tx, name: str) -> UserRecord:
    row = stored.user_named(s, name.strip())
    if row is None:
        raise InputError(f"no user {name.strip()!r}: 'shortfilm user list' shows who there is")
    return row


def _close_sessions(s: Tx, user_id: int, *, keep: str | None = None) -> int:
    """Delete the user's web sessions (all but the one whose token is ``keep``); how many."""
    return stored.close_sessions(s, user_id, keep_sha256=_token_hash(keep) if keep else None)


@dataclass(frozen=True)
class AccountChange:
    """What a change to an account did."""

    account: Account
    changed: bool
    """False when the account already was as asked (activating an active user)."""
    sessions_closed: int


def deactivate_user(store: Store, name: str) -> AccountChange:
    """Lock ``name`` out: their open web sessions end at once (deleted, so their next request is
    sent to the login page) and later logins get the answer a wrong password gets. Their name
    stays on what they wrote. InputError for an unknown name."""
    with store.session() as s:
        row = _user(s, name)
        changed = row.active
        if changed:
            row = stored.set_active(s, row.id, False, datetime.now(UTC))
        closed = _close_sessions(s, row.id)
        return AccountChange(_account(row), changed, closed)


def activate_user(store: Store, name: str) -> AccountChange:
    """Let a deactivated ``name`` log in again (with their old password). InputError for an
    unknown name."""
    with store.session() as s:
        row = _user(s, name)
        changed = not row.active
        row = stored.set_active(s, row.id, True, None)
        return AccountChange(_account(row), changed, 0)


def change_password(
    store: Store, name: str, password: str, *, keep_session: str | None = None
) -> AccountChange:
    """Give ``name`` a new password (the rules of :func:`add_user`) and end their other web
    sessions: whoever logged in with the old password is logged out. ``keep_session`` is the
    token of the session making the change, if any, which stays open. A deactivated user's
    password may be changed; they stay deactivated. InputError for an unknown name or a short
    password."""
    _check_password(password)
    hashed = _hasher.hash(password)
    with store.session() as s:
        row = _user(s, name)
        row = stored.set_password_hash(s, row.id, hashed)
        closed = _close_sessions(s, row.id, keep=keep_session)
        return AccountChange(_account(row), True, closed)
