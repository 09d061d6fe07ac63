"""The queries of a production's variants: each change a new version, the newest of each name.

Rows stay here: callers get :class:`~shortfilm.domain.variant.StoredVariant` back. A variant's
``body`` is stored as the spec writes it and read back through the spec's own model, so a
variant reads the same from the file, the store and an export.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shortfilm.domain.production import Variant
from shortfilm.domain.review import Standing, SubjectKind
from shortfilm.domain.variant import StoredVariant
from shortfilm.spec.campaign_models import VariantSpec
from shortfilm.spec.dump import section_to_dict
from shortfilm.store.campaign_tables import VariantRow
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Tx, content_hash
from shortfilm.store.tables import EventRow

VARIANT_RENDER = "variant.render"
"""The event a variant's film is announced by (:mod:`shortfilm.campaign.variant_renders`)."""


def _stored(row: VariantRow, standings: Standings | None = None) -> StoredVariant:
    variant = VariantSpec.model_validate(row.body).to_domain()
    standing = (
        standings.of(SubjectKind.VARIANT, row.id) if standings is not None else Standing.UNREVIEWED
    )
    return StoredVariant(row.id, row.version, variant, row.created_by, row.created_at,
                         row.revision, standing)  # fmt: skip


def latest(tx: Tx, production_id: int) -> list[StoredVariant]:
    """The newest version of each of the production's variants, by name."""
    newest = (
        select(VariantRow.name, func.max(VariantRow.version).label("v"))
        .where(VariantRow.production_id == production_id)
        .group_by(VariantRow.name)
        .subquery()
    )
    rows = tx.scalars(
        select(VariantRow)
        .join(newest, (VariantRow.name == newest.c.name) & (VariantRow.version == newest.c.v))
        .where(VariantRow.production_id == production_id)
        .order_by(VariantRow.name)
    )
    standings = Standings(tx, production_id)
    return [_stored(r, standings) for r in rows]


def versions(tx: Tx, production_id: int, name: str) -> list[StoredVariant]:
    """Every version of variant ``name``, oldest first."""
    rows = tx.scalars(
        select(VariantRow)
        .where(VariantRow.production_id == production_id, VariantRow.name == name)
        .order_by(VariantRow.version)
    )
    standings = Standings(tx, production_id)
    return [_stored(r, standings) for r in rows]


def record(tx: Tx, production_id: int, variant: Variant, by: str) -> StoredVariant | None:
    """Store ``variant`` as its next version, or ``None`` when its newest version says the same."""
    body = section_to_dict(variant)
    digest = content_hash(body)
    newest = tx.scalars(
        select(VariantRow)
        .where(VariantRow.production_id == production_id, VariantRow.name == variant.name)
        .order_by(VariantRow.version.desc())
        .limit(1)
    ).first()
    if newest is not None and newest.content_hash == digest:
        return None
    row = VariantRow(
        production_id=production_id,
        name=variant.name,
        version=1 if newest is None else newest.version + 1,
        account=variant.account,
        body=body,
        content_hash=digest,
        created_by=by,
    )
    tx.add(row)
    tx.flush()
    return _stored(row)


def renders(
    tx: Tx, production_id: int, name: str | None = None, kind: str = VARIANT_RENDER
) -> list[dict[str, Any]]:
    """What each ``kind`` event (a variant's render) of variant ``name`` (of every variant when
    ``None``) recorded, newest first, with ``file`` its stored name."""
    rows = tx.scalars(
        select(EventRow)
        .where(EventRow.production_id == production_id, EventRow.kind == kind)
        .order_by(EventRow.id.desc())
    )
    return [
        {**r.data, "file": r.subject} for r in rows if name is None or r.data.get("variant") == name
    ]
