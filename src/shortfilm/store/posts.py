"""The queries of a production's publications: one row per variant version and account.

Rows stay here: callers get :class:`~shortfilm.domain.publishing.Publication` back. Every change
of state is a compare-and-swap on the state the caller saw (``UPDATE ... WHERE state = :seen``),
so two processes publishing the same variant cannot both send it: the second's move matches no
row and is a :class:`~shortfilm.errors.ConflictError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from shortfilm.domain.publishing import Publication, PublicationState
from shortfilm.errors import ConflictError
from shortfilm.store import repo
from shortfilm.store.campaign_tables import PublicationRow
from shortfilm.store.repo import Tx
from shortfilm.store.table_base import as_utc, utcnow


def _publication(row: PublicationRow) -> Publication:
    return Publication(
        variant=row.variant,
        variant_version=row.variant_version,
        account=row.account,
        state=PublicationState(row.state),
        at=as_utc(row.at),
        mark=row.mark,
        remote_id=row.remote_id,
        reason=row.reason,
        attempts=row.attempts,
        stored_id=row.id,
        target=row.target,
        remote_url=row.remote_url,
        upload=row.upload,
        media_sha256=row.media_sha256,
        metrics=row.metrics,
    )


def of_production(tx: Tx, production_id: int) -> list[Publication]:
    """Every publication of the production, oldest first."""
    rows = tx.scalars(
        select(PublicationRow)
        .where(PublicationRow.production_id == production_id)
        .order_by(PublicationRow.id)
    )
    return [_publication(r) for r in rows]


def find(tx: Tx, variant_id: int, account: str) -> Publication | None:
    """The publication of one variant version to ``account``, if it was ever queued."""
    row = tx.scalars(
        select(PublicationRow).where(
            PublicationRow.variant_id == variant_id, PublicationRow.account == account
        )
    ).first()
    return _publication(row) if row is not None else None


def get(tx: Tx, stored_id: int) -> Publication:
    row = tx.get(PublicationRow, stored_id)
    assert row is not None, f"publication {stored_id} exists"
    return _publication(row)


def queue(
    tx: Tx,
    production_id: int,
    variant_id: int,
    pub: Publication,
    by: str,
) -> Publication:
    """Store ``pub`` (pending) as a new row and return it with its id."""
    row = PublicationRow(
        production_id=production_id,
        variant_id=variant_id,
        variant=pub.variant,
        variant_version=pub.variant_version,
        account=pub.account,
        target=pub.target,
        state=pub.state.value,
        at=pub.at,
        mark=pub.mark,
        created_by=by,
    )
    tx.add(row)
    tx.flush()
    return _publication(row)


def move(tx: Tx, pub: Publication, to: PublicationState, **changes: Any) -> Publication:
    """Move ``pub`` from the state it was read in to ``to``, writing ``changes`` (columns of the
    row) with it; :class:`ConflictError` when the move is not allowed or another process moved
    it first. Returns the publication as now stored."""
    pub.moved(to)  # a move not in the transitions is the named ConflictError
    stmt = (
        update(PublicationRow)
        .where(PublicationRow.id == pub.stored_id, PublicationRow.state == pub.state.value)
        .values(state=to.value, updated_at=utcnow(), **changes)
    )
    if repo.updated_rows(tx, stmt) != 1:
        now = tx.scalar(select(PublicationRow.state).where(PublicationRow.id == pub.stored_id))
        raise ConflictError(
            f"publication of {pub.variant} v{pub.variant_version} to {pub.account} is {now} "
            f"now, not {pub.state}: another process is publishing it; nothing was sent twice"
        )
    return get(tx, pub.stored_id)


def note(tx: Tx, pub: Publication, **changes: Any) -> Publication:
    """Write ``changes`` without a move (what the target answered for the upload; an attempt
    counted), still only if the state is the one seen."""
    stmt = (
        update(PublicationRow)
        .where(PublicationRow.id == pub.stored_id, PublicationRow.state == pub.state.value)
        .values(updated_at=utcnow(), **changes)
    )
    if repo.updated_rows(tx, stmt) != 1:
        raise ConflictError(
            f"publication of {pub.variant} v{pub.variant_version} to {pub.account} changed "
            "under this attempt: another process is publishing it"
        )
    return get(tx, pub.stored_id)


def set_metrics(tx: Tx, stored_id: int, metrics: Mapping[str, Any], at: datetime) -> None:
    """Store a post's figures (the newest import or pull replaces the last)."""
    tx.execute(
        update(PublicationRow)
        .where(PublicationRow.id == stored_id)
        .values(metrics=dict(metrics), metrics_at=at)
        .execution_options(synchronize_session=False)
    )
