"""The queries of a production's record: found by slug, created, its stored spec rewritten.

The spec's values travel as :class:`~shortfilm.domain.Production` and JSON data; the stages
never hold the row (:class:`~shortfilm.domain.production_record.ProductionRecord` instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from shortfilm.domain import Production
from shortfilm.domain.production_record import ProductionRecord
from shortfilm.store import repo
from shortfilm.store.repo import Tx, content_hash
from shortfilm.store.tables import EventRow, ProductionRow, utcnow


def _record(row: ProductionRow) -> ProductionRecord:
    return ProductionRecord(
        id=row.id, slug=row.slug, title=row.title, spec=row.spec, spec_hash=row.spec_hash
    )


def production_record(tx: Tx, slug: str) -> ProductionRecord | None:
    """The production called ``slug``, or ``None``."""
    row = repo.production_by_slug(tx, slug)
    return None if row is None else _record(row)


def production_id(tx: Tx, slug: str) -> int | None:
    return tx.scalar(select(ProductionRow.id).where(ProductionRow.slug == slug))


def create_production(tx: Tx, production: Production, spec: Mapping[str, Any]) -> ProductionRecord:
    """Record a new production stating ``spec`` (``production`` as data)."""
    row = ProductionRow(
        slug=production.slug,
        title=production.title,
        campaign_role=str(production.campaign_role),
        target_duration_s=production.target_duration_s,
        owner=production.owner,
        spec=dict(spec),
        spec_hash=content_hash(spec),
    )
    tx.add(row)
    tx.flush()
    return _record(row)


def locked_production(tx: Tx, production_id: int) -> ProductionRecord:
    """The production as committed now, held for this transaction alone (see
    :func:`~shortfilm.store.repo.lock_production`): what a merge into its spec reads."""
    repo.lock_production(tx, production_id)
    row = tx.get_one(ProductionRow, production_id)
    tx.refresh(row)
    return _record(row)


def set_spec(tx: Tx, production_id: int, spec: Mapping[str, Any]) -> None:
    """Make ``spec`` the production's stored spec (and its hash)."""
    row = tx.get_one(ProductionRow, production_id)
    row.spec = dict(spec)
    row.spec_hash = content_hash(spec)
    row.updated_at = utcnow()


def update_production(
    tx: Tx, production_id: int, production: Production, spec: Mapping[str, Any]
) -> None:
    """Make ``production`` (``spec`` as data) what the record states: its title, role,
    duration, owner and stored spec."""
    row = tx.get_one(ProductionRow, production_id)
    row.title = production.title
    row.campaign_role = str(production.campaign_role)
    row.target_duration_s = production.target_duration_s
    row.owner = production.owner
    row.spec = dict(spec)
    row.spec_hash = content_hash(spec)
    row.updated_at = utcnow()


def added_reference_paths(tx: Tx, production_id: int) -> set[str]:
    """The spec paths of the reference images people added (``board.reference_added``)."""
    stmt = (
        select(EventRow)
        .where(EventRow.production_id == production_id, EventRow.kind == "board.reference_added")
        .order_by(EventRow.id)
    )
    return {str(e.data.get("path")) for e in tx.scalars(stmt)}
