"""The takes stage's queries: takes, the clips they belong to, what they are made from, their QC.

Every function takes the open transaction (:data:`~shortfilm.store.repo.Tx`) and returns domain
types (:mod:`shortfilm.domain.take`), so the stage never holds an ORM row. Writes go through
:func:`add_take` and :func:`update_take`; a status change is checked against
:func:`~shortfilm.domain.take.may_become`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from shortfilm.domain.mirror import mirror
from shortfilm.domain.review import Standing, SubjectKind, standing
from shortfilm.domain.take import (
    StoredAnalysis,
    Take,
    TakeClip,
    TakeSource,
    TakeState,
    may_become,
)
from shortfilm.errors import StoreError
from shortfilm.store import repo
from shortfilm.store.boards import newest_board_row
from shortfilm.store.repo import Tx, updated_rows
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    ProductionRow,
    PromptRow,
    ReviewRow,
    TakeAnalysisRow,
    TakeRow,
    utcnow,
)


def as_take(row: TakeRow) -> Take:
    return mirror(
        Take,
        row,
        status=TakeState(row.status),
        params=dict(row.params or {}),
        references=list(row.references or []),
        cost=row.cost or 0.0,
        cost_unit=row.cost_unit or "",
        notes=row.notes or "",
        forced=bool(row.forced),
        meta=dict(row.meta or {}),
    )


def as_clip(row: ClipRow) -> TakeClip:
    return TakeClip(
        id=row.id,
        production_id=row.production_id,
        position=row.position,
        continues_previous=bool(row.continues_previous),
        selected_take_id=row.selected_take_id,
        selected_by=row.selected_by,
    )


# --- reading ------------------------------------------------------------------------------------


def take(tx: Tx, take_id: int) -> Take | None:
    row = tx.get(TakeRow, take_id)
    return as_take(row) if row is not None else None


def clip_takes(tx: Tx, clip_id: int) -> list[Take]:
    """The clip's takes, by number."""
    return [as_take(row) for row in repo.takes(tx, clip_id)]


def take_for_request(tx: Tx, clip_id: int, request_hash: str) -> Take | None:
    """The take already made (or in flight) for this exact request (see
    :func:`shortfilm.store.repo.take_for_request`)."""
    row = repo.take_for_request(tx, clip_id, request_hash)
    return as_take(row) if row is not None else None


def clip(tx: Tx, clip_id: int) -> TakeClip:
    row = tx.get(ClipRow, clip_id)
    if row is None:
        raise StoreError(f"no clip with id {clip_id}")
    return as_clip(row)


def clips(tx: Tx, production_id: int) -> list[TakeClip]:
    """The production's clips, in film order."""
    return [as_clip(row) for row in repo.clips(tx, production_id)]


def production_slug(tx: Tx, production_id: int) -> str:
    row = tx.get(ProductionRow, production_id)
    assert row is not None
    return row.slug


def prompt(tx: Tx, prompt_id: int) -> TakeSource:
    row = tx.get(PromptRow, prompt_id)
    assert row is not None
    return TakeSource(row.id, row.version, row.content_hash, dict(row.sections))


def board(tx: Tx, board_id: int) -> TakeSource:
    row = tx.get(BoardRow, board_id)
    assert row is not None
    return _board(row)


def newest_prompt(tx: Tx, clip_id: int) -> TakeSource | None:
    """The clip's newest prompt version: what a new take of it is made from."""
    row = repo.latest(tx, PromptRow, PromptRow.clip_id, clip_id)
    return prompt(tx, row.id) if row is not None else None


def newest_board(tx: Tx, production_id: int) -> TakeSource | None:
    """The production's newest asset board version (one it references from its template
    source included: :func:`~shortfilm.store.boards.newest_board_row`)."""
    row = newest_board_row(tx, production_id)
    return _board(row) if row is not None else None


def _board(row: BoardRow) -> TakeSource:
    return TakeSource(
        row.id, row.version, row.content_hash, dict(row.blocks), list(row.references or [])
    )


def committed_cost(tx: Tx, production_id: int, unit: str) -> float:
    """Cost spent plus estimated (takes in flight) in ``unit``."""
    return repo.committed_cost(tx, production_id, unit)


# --- writing ------------------------------------------------------------------------------------


def add_take(tx: Tx, clip_id: int, **fields: Any) -> Take:
    """Insert the clip's next take (numbered here) with ``fields``; its id is known on return."""
    row = TakeRow(clip_id=clip_id, number=repo.next_take_number(tx, clip_id), **fields)
    tx.add(row)
    tx.flush()
    return as_take(row)


def update_take(tx: Tx, take_id: int, **changes: Any) -> Take:
    """Change ``take_id``'s columns; a new ``status`` must be one its state may become."""
    row = tx.get(TakeRow, take_id)
    if row is None:
        raise StoreError(f"no take with id {take_id}")
    new = changes.get("status")
    if new is not None and not may_become(row.status, new):
        raise StoreError(f"take {take_id} cannot go from {row.status} to {new}")
    for name, value in changes.items():
        setattr(row, name, value)
    return as_take(row)


def select_take(tx: Tx, clip_id: int, take_id: int | None, by: str | None) -> TakeClip:
    """Make ``take_id`` the clip's selection (``None``: none), picked ``by``."""
    row = tx.get(ClipRow, clip_id)
    assert row is not None
    row.selected_take_id = take_id
    row.selected_by = by
    return as_clip(row)


def take_standing(tx: Tx, take_id: int) -> Standing:
    """Where the take stands after its reviews (the latest decision wins)."""
    decisions = tx.scalars(
        select(ReviewRow.decision)
        .where(ReviewRow.subject_kind == SubjectKind.TAKE.value, ReviewRow.subject_id == take_id)
        .order_by(ReviewRow.id)
    )
    return standing(list(decisions))


# --- QC reports ---------------------------------------------------------------------------------


def analysis(tx: Tx, take_id: int) -> StoredAnalysis | None:
    """The stored QC report of a take, if it has been analysed."""
    row = repo.take_analysis(tx, take_id)
    if row is None:
        return None
    return StoredAnalysis(row.take_id, row.version, row.status, dict(row.report), row.analysed_at)


def save_analysis(tx: Tx, take_id: int, version: int, status: str, report: dict[str, Any]) -> None:
    """Keep ``report`` as the take's one QC report, replacing any older one."""
    row = repo.take_analysis(tx, take_id)
    if row is None:
        row = TakeAnalysisRow(take_id=take_id, version=version, status="", report={})
        tx.add(row)
    row.version = version
    row.status = status
    row.report = report
    row.analysed_at = utcnow()


# --- holds (:mod:`shortfilm.takes.claims`) ------------------------------------------------------


def hold(tx: Tx, take_id: int, runner: str, now: datetime, stale_before: datetime) -> bool:
    """Mark ``take_id`` held by ``runner`` if it is free, already its, or its hold went stale."""
    free = or_(
        TakeRow.runner.is_(None),
        TakeRow.runner == runner,
        TakeRow.runner_seen < stale_before,
    )
    held = update(TakeRow).values(runner=runner, runner_seen=now)
    return updated_rows(tx, held.where(TakeRow.id == take_id, free)) == 1


def take_over(tx: Tx, take_id: int, runner: str, holder: str, now: datetime) -> bool:
    """Move the hold of ``take_id`` from ``holder`` (gone) to ``runner``; ``False`` if it moved."""
    held = update(TakeRow).values(runner=runner, runner_seen=now)
    return updated_rows(tx, held.where(TakeRow.id == take_id, TakeRow.runner == holder)) == 1


def holder(tx: Tx, take_id: int) -> str | None:
    """The run holding ``take_id``, if any."""
    return tx.scalar(select(TakeRow.runner).where(TakeRow.id == take_id))


def release(tx: Tx, runner: str, take_id: int | None = None) -> None:
    """Let go of ``take_id``, or of every take ``runner`` holds; never of another run's."""
    mine = [TakeRow.runner == runner] + ([TakeRow.id == take_id] if take_id is not None else [])
    tx.execute(update(TakeRow).where(*mine).values(runner=None, runner_seen=None))


def renew(tx: Tx, runner: str) -> None:
    """Renew every hold of ``runner`` at once (one statement)."""
    tx.execute(update(TakeRow).where(TakeRow.runner == runner).values(runner_seen=utcnow()))
