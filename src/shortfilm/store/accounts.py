"""The queries of the team's accounts: users and their web login sessions.

:mod:`shortfilm.team.accounts` holds the rules (argon2, expiry, who may log in) and asks these
functions for :class:`~shortfilm.domain.accounts.UserRecord` values, so its SQL lives here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select

from shortfilm.domain.accounts import SessionUser, UserRecord
from shortfilm.domain.mirror import mirror
from shortfilm.store.repo import Store, Tx, updated_rows
from shortfilm.store.tables import UserRow, WebSessionRow


def _record(row: UserRow) -> UserRecord:
    return mirror(UserRecord, row)


def name_taken(tx: Tx, name: str) -> bool:
    return tx.scalars(select(UserRow.id).where(UserRow.name == name)).first() is not None


def add_user(tx: Tx, name: str, role: str, password_hash: str) -> UserRecord:
    row = UserRow(name=name, role=role, password_hash=password_hash)
    tx.add(row)
    tx.flush()
    return _record(row)


def user_named(tx: Tx, name: str) -> UserRecord | None:
    """The user called ``name`` exactly (the caller strips it), active or not."""
    row = tx.scalars(select(UserRow).where(UserRow.name == name)).first()
    return None if row is None else _record(row)


def users(tx: Tx, *, active_only: bool = False) -> list[UserRecord]:
    """Every user (or every active one), by name."""
    stmt = select(UserRow).order_by(UserRow.name)
    if active_only:
        stmt = stmt.where(UserRow.active.is_(True))
    return [_record(r) for r in tx.scalars(stmt)]


def set_password_hash(tx: Tx, user_id: int, password_hash: str) -> UserRecord:
    row = tx.get_one(UserRow, user_id)
    row.password_hash = password_hash
    tx.flush()
    return _record(row)


def set_active(tx: Tx, user_id: int, active: bool, since: datetime | None) -> UserRecord:
    """Let the user log in (``active``) or lock them out ``since`` then; both set together."""
    row = tx.get_one(UserRow, user_id)
    row.active = active
    row.deactivated_at = since
    tx.flush()
    return _record(row)


def open_session(
    tx: Tx, token_sha256: str, user_id: int, csrf: str, now: datetime, expires_at: datetime
) -> None:
    """Record a login session, purging the ones expired by ``now`` first."""
    tx.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
    tx.add(
        WebSessionRow(
            token_sha256=token_sha256,
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )


_SESSION_USER = (
    select(
        UserRow.id,
        UserRow.name,
        UserRow.role,
        UserRow.active,
        WebSessionRow.csrf_token,
        WebSessionRow.expires_at,
    )
    .join(WebSessionRow, WebSessionRow.user_id == UserRow.id)
    .where(WebSessionRow.token_sha256 == bindparam("token"))
)
"""Built once: SQLAlchemy reuses its compiled form (building it per request cost more than
running it)."""


def session_user(store: Store, token_sha256: str) -> SessionUser | None:
    """The user behind a session token's hash, expired or not. One indexed query on a plain
    connection (no ORM session): every web request asks it."""
    with store.engine.connect() as conn:
        found = conn.execute(_SESSION_USER, {"token": token_sha256}).first()
    if found is None:
        return None
    user_id, name, role, active, csrf, expires_at = found
    return SessionUser(user_id, name, role, active, str(csrf), expires_at)


def close_session(tx: Tx, token_sha256: str) -> None:
    tx.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == token_sha256))


def close_sessions(tx: Tx, user_id: int, *, keep_sha256: str | None = None) -> int:
    """Delete the user's web sessions (all but the one whose token hash is ``keep_sha256``);
    how many."""
    query = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
    if keep_sha256:
        query = query.where(WebSessionRow.token_sha256 != keep_sha256)
    return updated_rows(tx, query)
