"""The queries of publishing and of the final gate: an edit's renders and the approval each
carries.

Rows stay here: :mod:`shortfilm.publish` and :mod:`shortfilm.review` get
:class:`~shortfilm.domain.render.Render` and :class:`~shortfilm.domain.publication.Approval` back.
"""

from __future__ import annotations

from sqlalchemy import select

from shortfilm.domain.publication import Approval
from shortfilm.domain.render import Render
from shortfilm.domain.review import IN_ADVANCE, SubjectKind
from shortfilm.store import repo
from shortfilm.store.renders import render_of
from shortfilm.store.repo import Tx
from shortfilm.store.tables import ProductionRow, ReviewRow


def title(tx: Tx, production_id: int) -> str:
    """The production's title, as the manifest names it."""
    prod = tx.get(ProductionRow, production_id)
    assert prod is not None
    return prod.title


def renders(tx: Tx, edit_id: int) -> list[Render]:
    """Every render of edit ``edit_id`` (one per preset), in no particular order."""
    return [render_of(r) for r in repo.renders(tx, edit_id)]


def approval(tx: Tx, render_id: int) -> Approval | None:
    """The latest review of render ``render_id`` (its approval or override once it passed the
    final gate), or ``None`` when nobody reviewed it."""
    row = tx.scalars(
        select(ReviewRow)
        .where(
            ReviewRow.subject_kind == SubjectKind.RENDER.value, ReviewRow.subject_id == render_id
        )
        .order_by(ReviewRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Approval(
        decision=row.decision,
        reviewer=row.reviewer,
        role=row.role,
        created_at=row.created_at,
        note=row.notes,
        in_advance=bool(row.rubric.get(IN_ADVANCE, False)),
        rubric={k: v for k, v in row.rubric.items() if k != IN_ADVANCE},
    )
