"""The queries of the review stage: the subjects reviews attach to, their revisions, and the
review, comment and selection rows.

Rows stay here: the review stage (:mod:`shortfilm.review`) gets domain values back
(:class:`~shortfilm.domain.review.Subject`, :class:`~shortfilm.domain.review.ReviewRecord`,
:class:`~shortfilm.domain.review.CommentRecord`) and passes the open transaction ``tx`` it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import or_, select, update

from shortfilm.domain.people import Actor
from shortfilm.domain.review import (
    IN_ADVANCE,
    Checkpoint,
    CommentRecord,
    LastChange,
    ReviewRecord,
    Subject,
    SubjectKind,
)
from shortfilm.domain.rubric import scores_from_json
from shortfilm.errors import InputError, StoreError
from shortfilm.store import naming, repo
from shortfilm.store.boards import board_row_numbered, board_rows
from shortfilm.store.campaign_tables import VariantRow
from shortfilm.store.repo import Tx
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    CommentRow,
    EditRow,
    EventRow,
    ProductionRow,
    RenderRow,
    ReviewRow,
    TakeRow,
)

_REVISION_MODEL: Mapping[
    SubjectKind,
    type[BoardRow] | type[ClipRow] | type[EditRow] | type[RenderRow] | type[VariantRow],
] = {
    SubjectKind.BOARD: BoardRow,
    SubjectKind.TAKE: ClipRow,
    SubjectKind.EDIT: EditRow,
    SubjectKind.RENDER: RenderRow,
    SubjectKind.VARIANT: VariantRow,
}
"""The table carrying each kind of subject's revision (a take's is its clip's)."""


# -- the production ----------------------------------------------------------------------------


def production_id(tx: Tx, slug: str) -> int:
    """The id of production ``slug``; :class:`StoreError` when it was never imported."""
    return _production(tx, slug).id


def _production(tx: Tx, slug: str) -> ProductionRow:
    prod = repo.production_by_slug(tx, slug)
    if prod is None:
        raise StoreError(f"no production {slug!r}; import its spec first")
    return prod


def second_pair_of_eyes(tx: Tx, production_id: int) -> bool:
    """The spec's ``review.second_pair_of_eyes`` (read from the stored spec without a full parse:
    it was validated when imported)."""
    prod = tx.get(ProductionRow, production_id)
    assert prod is not None
    review = prod.spec.get("review") or {}
    return bool(review.get("second_pair_of_eyes", False)) if isinstance(review, dict) else False


def planned_selected_takes(tx: Tx, production_id: int) -> list[int]:
    """The selected take of each clip the spec plans now, in clip order (rows of clips cut from
    the spec are kept, but not played; a clip with no selection is left out)."""
    prod = tx.get(ProductionRow, production_id)
    assert prod is not None
    planned = repo.clips(tx, production_id)[: len(prod.spec.get("clips") or ())]
    return [c.selected_take_id for c in planned if c.selected_take_id]


# -- the subjects reviews attach to ------------------------------------------------------------


def load_subject(
    tx: Tx, production_id: int, slug: str, kind: SubjectKind, subject_id: int
) -> Subject:
    """Subject ``subject_id`` of ``kind`` in the production; :class:`InputError` when the
    production has none such."""
    missing = InputError(f"{slug} has no {kind} with id {subject_id}")
    if kind is SubjectKind.BOARD:
        board = tx.get(BoardRow, subject_id)
        if board is None or board not in board_rows(tx, production_id):
            raise missing
        name = f"board v{board.version}"
        return Subject(
            kind, board.id, name, name, board.id, board.revision, board.created_by, board.status,
            None,
        )  # fmt: skip
    if kind is SubjectKind.TAKE:
        take = tx.get(TakeRow, subject_id)
        clip = tx.get(ClipRow, take.clip_id) if take is not None else None
        if take is None or clip is None or clip.production_id != production_id:
            raise missing
        duration = take.params.get("duration_s")
        return Subject(
            kind, take.id, naming.take_subject(clip.position, take.number),
            f"clip-{clip.position:02d}", clip.id, clip.revision, take.created_by,
            take.status, float(duration) if isinstance(duration, int | float) else None, clip.id,
        )  # fmt: skip
    if kind is SubjectKind.EDIT:
        edit = tx.get(EditRow, subject_id)
        if edit is None or edit.production_id != production_id:
            raise missing
        name = f"edit v{edit.version}"
        return Subject(kind, edit.id, name, name, edit.id, edit.revision, None, "", None)
    if kind is SubjectKind.VARIANT:
        variant = tx.get(VariantRow, subject_id)
        if variant is None or variant.production_id != production_id:
            raise missing
        name = naming.variant_subject(variant.name, variant.version)
        return Subject(
            kind, variant.id, name, name, variant.id, variant.revision, variant.created_by, "",
            None,
        )  # fmt: skip
    render = tx.get(RenderRow, subject_id)
    edit = tx.get(EditRow, render.edit_id) if render is not None else None
    if render is None or edit is None or edit.production_id != production_id:
        raise missing
    name = f"edit v{edit.version} {render.preset} render"
    return Subject(
        kind, render.id, name, name, render.id, render.revision, None, render.status,
        render.duration_s,
    )  # fmt: skip


def version(
    tx: Tx, production_id: int, kind: SubjectKind, number: int | None = None
) -> tuple[int, int] | None:
    """``(id, version)`` of board or edit version ``number`` of the production (default: the
    latest), or ``None`` when there is none."""
    row = (
        board_row_numbered(tx, production_id, number)
        if kind is SubjectKind.BOARD
        else _versioned(tx, EditRow, production_id, number)
    )
    return (row.id, row.version) if row is not None else None


_V = TypeVar("_V", BoardRow, EditRow)


def _versioned(tx: Tx, model: type[_V], production_id: int, version: int | None) -> _V | None:
    if version is None:
        return repo.latest(tx, model, model.production_id, production_id)
    stmt = select(model).where(model.production_id == production_id, model.version == version)
    return tx.scalars(stmt).first()


def selected_take_id(tx: Tx, production_id: int, slug: str, position: int) -> int | None:
    """The take selected for clip ``position`` (:class:`InputError` when there is no such
    clip)."""
    return _clip(tx, production_id, slug, position).selected_take_id


def take_id(tx: Tx, production_id: int, slug: str, position: int, number: int) -> int:
    """The id of take ``number`` of clip ``position`` (:class:`InputError` when there is none)."""
    clip = _clip(tx, production_id, slug, position)
    row = next((t for t in repo.takes(tx, clip.id) if t.number == number), None)
    if row is None:
        raise InputError(f"{slug} has no {naming.take_subject(clip.position, number)}")
    return row.id


def _clip(tx: Tx, production_id: int, slug: str, position: int) -> ClipRow:
    row = next((c for c in repo.clips(tx, production_id) if c.position == position), None)
    if row is None:
        raise InputError(f"{slug} has no clip-{position:02d}")
    return row


# -- revisions (compare-and-swap) ----------------------------------------------------------------


def swap_revision(tx: Tx, subject: Subject, seen: int) -> bool:
    """Bump the revision of what carries ``subject``'s from ``seen``; whether it was still
    ``seen`` (else nothing changed)."""
    model = _REVISION_MODEL[subject.kind]
    stmt = (
        update(model)
        .where(model.id == subject.revision_id, model.revision == seen)
        .values(revision=seen + 1)
    )
    return repo.updated_rows(tx, stmt) == 1


def revision_now(tx: Tx, subject: Subject) -> int | None:
    model = _REVISION_MODEL[subject.kind]
    return tx.scalar(select(model.revision).where(model.id == subject.revision_id))


def last_change(tx: Tx, production_id: int, scope: str) -> LastChange | None:
    """The latest review or selection event on ``scope`` or anything under it."""
    last = tx.scalars(
        select(EventRow)
        .where(
            EventRow.production_id == production_id,
            or_(EventRow.subject == scope, EventRow.subject.startswith(scope + "/")),
            or_(EventRow.kind.startswith("review."), EventRow.kind == "take.selected"),
        )
        .order_by(EventRow.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    return LastChange(last.kind, last.subject, last.data.get("by"))


# -- what a decision changes ---------------------------------------------------------------------


def add_review(
    tx: Tx,
    production_id: int,
    checkpoint: Checkpoint,
    subject: Subject,
    decision: str,
    actor: Actor,
    *,
    note: str,
    changes: str = "",
    rubric: Mapping[str, Any],
) -> ReviewRecord:
    """Record a decision (or override) on ``subject`` and return it."""
    row = ReviewRow(
        production_id=production_id,
        checkpoint=checkpoint.value,
        subject_kind=subject.kind.value,
        subject_id=subject.id,
        decision=decision,
        reviewer=actor.name,
        role=actor.role.value,
        notes=note,
        changes=changes,
        rubric=dict(rubric),
    )
    tx.add(row)
    tx.flush()
    return _record(row, subject.name)


def set_board_status(tx: Tx, board_id: int, status: str) -> None:
    board = tx.get(BoardRow, board_id)
    assert board is not None
    board.status = status


def selection(tx: Tx, clip_id: int) -> tuple[int | None, str | None]:
    """``(selected take id, selected by)`` of a clip."""
    clip = tx.get(ClipRow, clip_id)
    assert clip is not None
    return clip.selected_take_id, clip.selected_by


def select_take(tx: Tx, clip_id: int, take_id: int, by: str) -> None:
    """Make ``take_id`` the clip's selection, ``by``'s pick."""
    clip = tx.get(ClipRow, clip_id)
    assert clip is not None
    clip.selected_take_id = take_id
    clip.selected_by = by


def reject_take(tx: Tx, clip_id: int, take_id: int, note: str) -> None:
    """Mark the take ``rejected`` with ``note`` joined to its notes, and unselect it."""
    clip = tx.get(ClipRow, clip_id)
    take = tx.get(TakeRow, take_id)
    assert clip is not None and take is not None
    take.status = "rejected"
    # the reason joins the take's notes: lint shows it beside a similar prompt later
    take.notes = f"{take.notes}\n{note}".strip() if take.notes else note
    if clip.selected_take_id == take.id:
        clip.selected_take_id = None
        clip.selected_by = None


def add_comment(
    tx: Tx, production_id: int, subject: Subject, at_ms: int | None, actor: Actor, body: str
) -> CommentRecord:
    row = CommentRow(
        production_id=production_id,
        subject_kind=subject.kind.value,
        subject_id=subject.id,
        at_ms=at_ms,
        author=actor.name,
        role=actor.role.value,
        body=body,
    )
    tx.add(row)
    tx.flush()
    return _comment(row, subject.name)


# -- what was recorded ---------------------------------------------------------------------------


def reviews(
    tx: Tx, production_id: int, kind: SubjectKind | None = None, subject: int | None = None
) -> list[ReviewRecord]:
    """The reviews of the production (of one subject when ``kind`` and ``subject`` are given),
    oldest first, their ``subject`` names left blank."""
    stmt = select(ReviewRow).where(ReviewRow.production_id == production_id)
    if kind is not None and subject is not None:
        stmt = stmt.where(ReviewRow.subject_kind == kind.value, ReviewRow.subject_id == subject)
    return [_record(r) for r in tx.scalars(stmt.order_by(ReviewRow.id))]


def comments(
    tx: Tx, production_id: int, kind: SubjectKind | None = None, subject: int | None = None
) -> list[CommentRecord]:
    """The comments of the production (of one subject when ``kind`` and ``subject`` are
    given), oldest first, their ``subject`` names left blank."""
    stmt = select(CommentRow).where(CommentRow.production_id == production_id)
    if kind is not None and subject is not None:
        stmt = stmt.where(CommentRow.subject_kind == kind.value, CommentRow.subject_id == subject)
    return [_comment(c) for c in tx.scalars(stmt.order_by(CommentRow.id))]


def _record(row: ReviewRow, subject: str = "") -> ReviewRecord:
    return ReviewRecord(
        id=row.id,
        kind=SubjectKind(row.subject_kind),
        subject_id=row.subject_id,
        checkpoint=Checkpoint(row.checkpoint),
        decision=row.decision,
        reviewer=row.reviewer,
        role=row.role,
        note=row.notes,
        changes=row.changes,
        scores=scores_from_json(row.rubric),
        in_advance=bool(row.rubric.get(IN_ADVANCE, False)),
        created_at=row.created_at,
        subject=subject,
    )


def _comment(row: CommentRow, subject: str = "") -> CommentRecord:
    return CommentRecord(
        id=row.id,
        kind=SubjectKind(row.subject_kind),
        subject_id=row.subject_id,
        at_s=row.at_ms / 1000 if row.at_ms is not None else None,
        author=row.author,
        role=row.role,
        body=row.body,
        created_at=row.created_at,
        subject=subject,
    )
