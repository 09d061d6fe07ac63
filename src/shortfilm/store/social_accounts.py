"""The queries of the home's publishing accounts (:mod:`shortfilm.domain.social_accounts`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError

from shortfilm.domain.mirror import mirror
from shortfilm.domain.social_accounts import PublishTarget, SocialAccount, TargetKind
from shortfilm.errors import ConflictError
from shortfilm.store.repo import Tx
from shortfilm.store.tables import SocialAccountRow


def _account(row: SocialAccountRow) -> SocialAccount:
    stored = dict(row.target)
    target = PublishTarget(
        TargetKind(stored["kind"]),
        url=stored.get("url"),
        integration=stored.get("integration"),
        secret_env=stored.get("secret_env"),
    )
    return mirror(SocialAccount, row, target=target)


def _live(name: str) -> ColumnElement[bool]:
    return (SocialAccountRow.name == name) & SocialAccountRow.removed_at.is_(None)


def live_account(tx: Tx, name: str) -> SocialAccount | None:
    row = tx.scalars(select(SocialAccountRow).where(_live(name))).first()
    return None if row is None else _account(row)


def add_account(tx: Tx, account: SocialAccount) -> SocialAccount:
    row = SocialAccountRow(
        name=account.name,
        platform=account.platform,
        handle=account.handle,
        locale=account.locale,
        preset=account.preset,
        target=account.target.as_json(),
        created_by=account.created_by,
        created_at=account.created_at,
    )
    tx.add(row)
    try:
        tx.flush()
    except (
        IntegrityError
    ):  # added by someone else since the caller looked: the transaction is spent
        raise ConflictError(f"account {account.name} was added by someone else just now") from None
    return _account(row)


def live_accounts(tx: Tx) -> list[SocialAccount]:
    """The accounts not removed, by name."""
    stmt = (
        select(SocialAccountRow)
        .where(SocialAccountRow.removed_at.is_(None))
        .order_by(SocialAccountRow.name)
    )
    return [_account(r) for r in tx.scalars(stmt)]


def remove_account(tx: Tx, name: str, when: datetime) -> bool:
    """Mark the live account ``name`` removed at ``when``; ``False`` if there is none."""
    row = tx.scalars(select(SocialAccountRow).where(_live(name))).first()
    if row is None:
        return False
    row.removed_at = when
    tx.flush()
    return True
