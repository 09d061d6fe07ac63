"""Review checkpoints in the workflow: decisions, take selection, overrides, comments, the gates,
and publishing.

Every function here is the one write path for its action, whoever calls it (the command line,
the web app): the rules of :mod:`shortfilm.domain.review` are checked first (role, what a decision
must carry, the second pair of eyes), then the write happens in one short transaction that also
appends an event (the activity log). Errors are :class:`~shortfilm.errors.PermissionDenied`,
:class:`~shortfilm.errors.ConflictError`, :class:`~shortfilm.errors.GateError` or
:class:`~shortfilm.errors.InputError`; nothing is half-written.

**Two reviewers at once.** A decision on a board version, an edit version or a render bumps that
row's ``revision``; a decision on a take, or a selection, bumps its clip's. The bump is a
compare-and-swap (``UPDATE ... WHERE revision = :seen``) and the first statement of the write
transaction, so on SQLite it waits for the other writer and then sees its commit, and on
PostgreSQL the row lock orders them the same way: the second of two decisions on the same item
matches no row and gets :class:`ConflictError` naming what changed. A web form passes the
revision it showed (``expected_revision``); the command line passes nothing and races only with
decisions made while it runs.

**The gates** (:func:`require_board_approved`, :func:`require_clips_approved`, and publishing)
refuse with a :class:`GateError` that names what waits for review and the command that approves
it. ``shortfilm run --yes`` records the local owner's approvals ahead of each gate
(:func:`approve_pending`): only for what nobody has reviewed yet -- a person's request for changes
or rejection is never approved away by a run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shortfilm.domain.checklist import ClipSnapshot, clips_waiting
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.review import (
    CHECKPOINT_OF,
    CRITERION_KEYS,
    GATE_SUBJECT,
    OVERRIDE,
    Action,
    Checkpoint,
    CommentRecord,
    Decision,
    ReviewRecord,
    Score,
    Standing,
    SubjectKind,
    action_for,
    check_decision,
    check_second_pair_of_eyes,
    check_text,
    require,
    rubric_json,
    scores_from_json,
)
from shortfilm.domain.review import standing as standing_of
from shortfilm.domain.staleness import Staleness, render_command
from shortfilm.errors import ConflictError, GateError, InputError, StoreError
from shortfilm.store import naming, repo
from shortfilm.store.read_model.checkpoints import PUBLISHED, production_row, production_snapshot
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Store
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
from shortfilm.team.people import AUTO, current_person

IN_ADVANCE = "in_advance"
"""The key ``reviews.rubric`` carries (true) on an approval given ahead by ``run --yes``."""

_E = TypeVar("_E", bound=StrEnum)


def local_owner() -> Actor:
    """The person at the command line of their own store: an owner, recorded under their name."""
    return Actor(current_person(), Role.OWNER)


# -- the subjects reviews attach to ---------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    kind: SubjectKind
    id: int
    name: str
    """How messages and events name it: ``board v2``, ``clip-02/take-003``, ``edit v2`` ..."""
    scope: str
    """The name of what carries the revision (a take's clip: ``clip-02``)."""
    revision_model: type[BoardRow] | type[ClipRow] | type[EditRow] | type[RenderRow]
    revision_id: int
    revision: int
    created_by: str | None
    status: str
    duration_s: float | None
    clip_id: int | None = None


def _load_subject(s: Session, prod: ProductionRow, kind: SubjectKind, subject_id: int) -> _Subject:
    missing = InputError(f"{prod.slug} has no {kind} with id {subject_id}")
    if kind is SubjectKind.BOARD:
        board = s.get(BoardRow, subject_id)
        if board is None or board.production_id != prod.id:
            raise missing
        name = f"board v{board.version}"
        return _Subject(
            kind, board.id, name, name, BoardRow, board.id, board.revision, board.created_by,
            board.status, None,
        )  # fmt: skip
    if kind is SubjectKind.TAKE:
        take = s.get(TakeRow, subject_id)
        clip = s.get(ClipRow, take.clip_id) if take is not None else None
        if take is None or clip is None or clip.production_id != prod.id:
            raise missing
        duration = take.params.get("duration_s")
        return _Subject(
            kind, take.id, naming.take_subject(clip.position, take.number),
            f"clip-{clip.position:02d}", ClipRow, clip.id, clip.revision, take.created_by,
            take.status, float(duration) if isinstance(duration, int | float) else None, clip.id,
        )  # fmt: skip
    if kind is SubjectKind.EDIT:
        edit = s.get(EditRow, subject_id)
        if edit is None or edit.production_id != prod.id:
            raise missing
        name = f"edit v{edit.version}"
        return _Subject(kind, edit.id, name, name, EditRow, edit.id, edit.revision, None, "", None)
    render = s.get(RenderRow, subject_id)
    edit = s.get(EditRow, render.edit_id) if render is not None else None
    if render is None or edit is None or edit.production_id != prod.id:
        raise missing
    name = f"edit v{edit.version} {render.preset} render"
    return _Subject(
        kind, render.id, name, name, RenderRow, render.id, render.revision, None, render.status,
        render.duration_s,
    )  # fmt: skip


def _enum(cls: type[_E], value: str, field: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(m.value for m in cls)
        raise InputError(f"{field}: {value!r} is not one of {known}") from None


def _second_pair_required(prod: ProductionRow) -> bool:
    """The spec's ``review.second_pair_of_eyes`` (read from the stored spec without a full parse:
    it was validated when imported)."""
    review = prod.spec.get("review") or {}
    return bool(review.get("second_pair_of_eyes", False)) if isinstance(review, dict) else False


def subject_id(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    *,
    version: int | None = None,
    clip: int | None = None,
    take: int | None = None,
    preset: str | None = None,
) -> int:
    """The id of the subject a person names: a board or edit ``version`` (default: the latest),
    take ``take`` of clip ``clip`` (default: the clip's selected take), or the ``preset`` render
    of an edit version (default: the latest; the only render when there is one)."""
    kind = _enum(SubjectKind, kind, "kind")
    with store.session() as s:
        prod = production_row(s, slug)
        if kind in (SubjectKind.BOARD, SubjectKind.EDIT):
            row = (
                _versioned(s, BoardRow, prod.id, version)
                if kind is SubjectKind.BOARD
                else _versioned(s, EditRow, prod.id, version)
            )
            if row is None:
                which = f"v{version}" if version is not None else "version yet"
                raise InputError(f"{slug} has no {kind} {which}")
            return row.id
        if kind is SubjectKind.TAKE:
            if clip is None:
                raise InputError("clip: name the clip whose take is meant")
            clip_row = _clip(s, prod, clip)
            if take is None:
                if clip_row.selected_take_id is None:
                    raise InputError(f"{slug} clip-{clip:02d} has no selected take; name one")
                return clip_row.selected_take_id
            return _take(s, prod, clip_row, take).id
        edit = _versioned(s, EditRow, prod.id, version)
        if edit is None:
            raise InputError(f"{slug} has no edit {f'v{version}' if version else 'yet'}")
        renders = repo.renders(s, edit.id)
        chosen = [r for r in renders if preset is None or r.preset == preset]
        if len(chosen) != 1:
            have = ", ".join(sorted(r.preset for r in renders)) or "none"
            what = f"no {preset} render" if preset else "more than one render (name --preset)"
            raise InputError(f"preset: {slug} edit v{edit.version} has {what}; it has: {have}")
        return chosen[0].id


_V = TypeVar("_V", BoardRow, EditRow)


def _versioned(s: Session, model: type[_V], production_id: int, version: int | None) -> _V | None:
    if version is None:
        return repo.latest(s, model, model.production_id, production_id)
    stmt = select(model).where(model.production_id == production_id, model.version == version)
    return s.scalars(stmt).first()


def _planned_clips(s: Session, prod: ProductionRow) -> list[ClipRow]:
    """The clips the spec plans now (rows of clips cut from the spec are kept, but not played)."""
    return repo.clips(s, prod.id)[: len(prod.spec.get("clips") or ())]


def _clip(s: Session, prod: ProductionRow, position: int) -> ClipRow:
    row = next((c for c in repo.clips(s, prod.id) if c.position == position), None)
    if row is None:
        raise InputError(f"{prod.slug} has no clip-{position:02d}")
    return row


def _take(s: Session, prod: ProductionRow, clip: ClipRow, number: int) -> TakeRow:
    row = next((t for t in repo.takes(s, clip.id) if t.number == number), None)
    if row is None:
        raise InputError(f"{prod.slug} has no {naming.take_subject(clip.position, number)}")
    return row


# -- compare-and-swap ----------------------------------------------------------------------------


def _expected(s: Session, prod_id: int, subject: _Subject, expected: int | None) -> int:
    """The revision to swap from: the one the caller saw, which must still be current."""
    if expected is not None and expected != subject.revision:
        raise _conflict(s, prod_id, subject, expected)
    return subject.revision


def _swap(s: Session, prod_id: int, subject: _Subject, seen: int) -> int:
    """Bump the subject's revision from ``seen``, or raise :class:`ConflictError`."""
    model = subject.revision_model
    stmt = (
        update(model)
        .where(model.id == subject.revision_id, model.revision == seen)
        .values(revision=seen + 1)
    )
    if repo.updated_rows(s, stmt) != 1:
        raise _conflict(s, prod_id, subject, seen)
    return seen + 1


def _conflict(s: Session, prod_id: int, subject: _Subject, seen: int) -> ConflictError:
    model = subject.revision_model
    now = s.scalar(select(model.revision).where(model.id == subject.revision_id))
    last = s.scalars(
        select(EventRow)
        .where(
            EventRow.production_id == prod_id,
            or_(
                EventRow.subject == subject.scope, EventRow.subject.startswith(subject.scope + "/")
            ),
            or_(EventRow.kind.startswith("review."), EventRow.kind == "take.selected"),
        )
        .order_by(EventRow.id.desc())
        .limit(1)
    ).first()
    what = ""
    if last is not None:
        by = last.data.get("by") or "someone"
        what = f": {last.kind.removeprefix('review.')} on {last.subject} by {by}"
    return ConflictError(
        f"{subject.scope} changed since you saw it (revision {seen}, now {now}){what}; "
        "nothing was written: reload and decide again"
    )


# -- decisions -------------------------------------------------------------------------------------


def decide(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    subject_id: int,
    actor: Actor,
    decision: Decision | str,
    *,
    scores: Sequence[Score] = (),
    note: str = "",
    changes: str = "",
    expected_revision: int | None = None,
) -> ReviewRecord:
    """Record ``actor``'s ``decision`` on one exact version (a board version, a take, an edit
    version, a render) and return it.

    Approving a board version marks it ``approved``; approving a take also selects it for its
    clip as ``actor``'s pick (``run`` keeps a person's pick); rejecting a take marks it
    ``rejected`` and unselects it, so the next run makes a new take.
    """
    return _decide(
        store,
        slug,
        _enum(SubjectKind, kind, "kind"),
        subject_id,
        actor,
        _enum(Decision, decision, "decision"),
        scores,
        note,
        changes,
        expected_revision,
        in_advance=False,
    )


_BOARD_STATUS = {
    Decision.APPROVE.value: "approved",
    Decision.REQUEST_CHANGES.value: "changes-requested",
    Decision.REJECT.value: "rejected",
    OVERRIDE: "overridden",
}


def _decide(
    store: Store,
    slug: str,
    kind: SubjectKind,
    subject_id: int,
    actor: Actor,
    decision: Decision,
    scores: Sequence[Score],
    note: str,
    changes: str,
    expected_revision: int | None,
    *,
    in_advance: bool,
) -> ReviewRecord:
    require(actor, action_for(kind, decision))
    check_decision(kind, decision, scores=scores, note=note, changes=changes, in_advance=in_advance)
    with store.session() as s:
        prod = production_row(s, slug)
        prod_id = prod.id
        subject = _load_subject(s, prod, kind, subject_id)
        check_second_pair_of_eyes(
            _second_pair_required(prod), kind, decision, actor, subject.created_by, subject.name
        )
        if decision is Decision.APPROVE:
            _check_approvable(subject)
        seen = _expected(s, prod_id, subject, expected_revision)
    with store.session() as s:
        revision = _swap(s, prod_id, subject, seen)
        rubric: dict[str, Any] = dict(rubric_json(scores))
        if in_advance:
            rubric[IN_ADVANCE] = True
        row = ReviewRow(
            production_id=prod_id,
            checkpoint=CHECKPOINT_OF[kind].value,
            subject_kind=kind.value,
            subject_id=subject.id,
            decision=decision.value,
            reviewer=actor.name,
            role=actor.role.value,
            notes=note.strip(),
            changes=changes.strip(),
            rubric=rubric,
        )
        s.add(row)
        _apply(s, prod_id, subject, decision.value, actor, in_advance, note.strip())
        repo.event(
            s,
            prod_id,
            f"review.{decision.value}",
            subject.name,
            subject_kind=kind.value,
            subject_id=subject.id,
            by=actor.name,
            role=actor.role.value,
            revision=revision,
            in_advance=in_advance,
        )
        s.flush()
        return _record(row, subject.name)


def _check_approvable(subject: _Subject) -> None:
    if subject.kind is SubjectKind.TAKE and subject.status != "succeeded":
        raise GateError(
            f"{subject.name} is {subject.status}: only a take that succeeded can be approved"
        )
    if subject.kind is SubjectKind.RENDER and subject.status == "failed":
        raise GateError(
            f"{subject.name} failed its checks: render it again (or the owner overrides the "
            "final checkpoint, with a reason)"
        )


def _apply(
    s: Session,
    prod_id: int,
    subject: _Subject,
    decision: str,
    actor: Actor,
    in_advance: bool,
    note: str = "",
) -> None:
    """What a decision changes besides the review row: a board's status, a clip's selection."""
    if subject.kind is SubjectKind.BOARD:
        board = s.get(BoardRow, subject.id)
        assert board is not None
        board.status = _BOARD_STATUS[decision]
        return
    if subject.kind is not SubjectKind.TAKE:
        return
    clip = s.get(ClipRow, subject.clip_id)
    take = s.get(TakeRow, subject.id)
    assert clip is not None and take is not None
    if decision == Decision.APPROVE.value and not in_advance:
        if clip.selected_take_id != take.id or clip.selected_by in (None, AUTO):
            clip.selected_take_id = take.id
            clip.selected_by = actor.name
            repo.event(s, prod_id, "take.selected", subject.name, by=actor.name, approved=True)
    elif decision == Decision.REJECT.value:
        take.status = "rejected"
        # the reason joins the take's notes: lint shows it beside a similar prompt later
        take.notes = f"{take.notes}\n{note}".strip() if take.notes else note
        if clip.selected_take_id == take.id:
            clip.selected_take_id = None
            clip.selected_by = None


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


def reviews_of(
    store: Store, slug: str, kind: SubjectKind | str, subject: int
) -> list[ReviewRecord]:
    """Every decision on one exact version, oldest first."""
    return list(_history_of(store, slug, kind, subject).reviews)


def select_take(
    store: Store,
    slug: str,
    position: int,
    take_number: int,
    actor: Actor,
    *,
    expected_revision: int | None = None,
) -> None:
    """Make take ``take_number`` the selection of clip ``position``: ``actor``'s pick, which
    ``run`` keeps. Selecting is not approving: the clip checkpoint still needs the take's
    approval."""
    require(actor, Action.SELECT_TAKE)
    with store.session() as s:
        prod = production_row(s, slug)
        prod_id = prod.id
        take = _take(s, prod, _clip(s, prod, position), take_number)
        subject = _load_subject(s, prod, SubjectKind.TAKE, take.id)
        if take.status != "succeeded":
            raise InputError(f"{subject.name} is {take.status}: only a take that succeeded plays")
        seen = _expected(s, prod_id, subject, expected_revision)
    with store.session() as s:
        revision = _swap(s, prod_id, subject, seen)
        clip = s.get(ClipRow, subject.clip_id)
        assert clip is not None
        clip.selected_take_id = subject.id
        clip.selected_by = actor.name
        repo.event(
            s,
            prod_id,
            "take.selected",
            subject.name,
            by=actor.name,
            role=actor.role.value,
            revision=revision,
        )


# -- overrides -------------------------------------------------------------------------------------


def override(
    store: Store,
    slug: str,
    gate: Checkpoint | str,
    actor: Actor,
    reason: str,
    *,
    subject_id: int | None = None,
) -> None:
    """Let ``gate`` pass for exact versions, on the owner's word: recorded as an ``override``
    review carrying ``reason``.

    ``subject_id`` names the board version, take or render; without it, everything that stops
    the gate now is overridden (the latest board version, every selected take not approved, every
    render of the latest edit not approved). A later version is not covered.
    """
    gate = _enum(Checkpoint, gate, "gate")
    require(actor, Action.OVERRIDE)
    reason = check_text("reason", reason, required=True)
    kind = GATE_SUBJECT[gate]
    with store.session() as s:
        prod = production_row(s, slug)
        prod_id = prod.id
        if subject_id is not None:
            subjects = [_load_subject(s, prod, kind, subject_id)]
        else:
            subjects = _blocking(s, prod, gate)
    with store.session() as s:
        for subject in subjects:
            revision = _swap(s, prod_id, subject, subject.revision)
            s.add(
                ReviewRow(
                    production_id=prod_id,
                    checkpoint=gate.value,
                    subject_kind=kind.value,
                    subject_id=subject.id,
                    decision=OVERRIDE,
                    reviewer=actor.name,
                    role=actor.role.value,
                    notes=reason,
                    rubric={},
                )
            )
            if kind is SubjectKind.BOARD:
                _apply(s, prod_id, subject, OVERRIDE, actor, False)
            repo.event(
                s,
                prod_id,
                "review.override",
                subject.name,
                gate=gate.value,
                subject_kind=kind.value,
                subject_id=subject.id,
                by=actor.name,
                role=actor.role.value,
                reason=reason,
                revision=revision,
            )


def _blocking(s: Session, prod: ProductionRow, gate: Checkpoint) -> list[_Subject]:
    """What stops ``gate`` now; :class:`InputError` when nothing does, or when what is missing
    is not a version an override could pass (a clip with no take)."""
    standings = Standings(s, prod.id)
    out: list[_Subject] = []
    if gate is Checkpoint.BOARD:
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        if board is not None and not standings.of(SubjectKind.BOARD, board.id).passes:
            out.append(_load_subject(s, prod, SubjectKind.BOARD, board.id))
    elif gate is Checkpoint.CLIP:
        for clip in production_snapshot(s, prod).clips:
            if clip.selected_take is None:
                raise InputError(
                    f"{prod.slug} {clip.name} has no selected take: an override passes a take, "
                    "it cannot stand in for a missing one"
                )
        for row in _planned_clips(s, prod):
            take_id = row.selected_take_id
            if take_id is not None and not standings.of(SubjectKind.TAKE, take_id).passes:
                out.append(_load_subject(s, prod, SubjectKind.TAKE, take_id))
    else:
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        for render in repo.renders(s, edit.id) if edit is not None else []:
            if not standings.of(SubjectKind.RENDER, render.id).passes:
                out.append(_load_subject(s, prod, SubjectKind.RENDER, render.id))
    if not out:
        raise InputError(f"{prod.slug}: nothing waits at the {gate} checkpoint to override")
    return out


# -- comments --------------------------------------------------------------------------------------


def add_comment(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    subject_id: int,
    actor: Actor,
    body: str,
    *,
    at_s: float | None = None,
) -> CommentRecord:
    """Leave a remark on one exact version; on a take or a render, optionally at ``at_s``
    seconds into it (kept to the millisecond)."""
    kind = _enum(SubjectKind, kind, "kind")
    require(actor, Action.COMMENT)
    body = check_text("body", body, required=True)
    if at_s is not None:
        if kind not in (SubjectKind.TAKE, SubjectKind.RENDER):
            raise InputError(f"at_s: a {kind} has no time to comment at; only takes and renders")
        if not math.isfinite(at_s) or at_s < 0:
            raise InputError(f"at_s: {at_s} is not a time in seconds >= 0")
    with store.session() as s:
        prod = production_row(s, slug)
        subject = _load_subject(s, prod, kind, subject_id)
        if at_s is not None and subject.duration_s is not None and at_s > subject.duration_s:
            raise InputError(
                f"at_s: {at_s:g} s is past the end of {subject.name} ({subject.duration_s:g} s)"
            )
        row = CommentRow(
            production_id=prod.id,
            subject_kind=kind.value,
            subject_id=subject.id,
            at_ms=round(at_s * 1000) if at_s is not None else None,
            author=actor.name,
            role=actor.role.value,
            body=body,
        )
        s.add(row)
        s.flush()
        repo.event(
            s,
            prod.id,
            "comment.added",
            subject.name,
            subject_kind=kind.value,
            subject_id=subject.id,
            comment_id=row.id,
            at_ms=row.at_ms,
            by=actor.name,
            role=actor.role.value,
        )
        return _comment(row, subject.name)


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


def comments_of(
    store: Store, slug: str, kind: SubjectKind | str, subject: int
) -> list[CommentRecord]:
    """The comments on one exact version, oldest first."""
    return list(_history_of(store, slug, kind, subject).comments)


@dataclass(frozen=True)
class SubjectHistory:
    """The decisions and comments on one exact version, and where its review stands."""

    kind: SubjectKind
    subject_id: int
    name: str
    """``board v2``, ``clip-02/take-003``, ``edit v1``, ``edit v1 vertical render``."""
    standing: Standing
    reviews: tuple[ReviewRecord, ...]
    """Oldest first."""
    comments: tuple[CommentRecord, ...]
    """Oldest first."""


_KIND_ORDER = {k: i for i, k in enumerate((SubjectKind.BOARD, SubjectKind.TAKE,
                                           SubjectKind.EDIT, SubjectKind.RENDER))}  # fmt: skip
"""Workflow order: the board, then takes, then the edit, then its renders."""


def review_history(store: Store, slug: str) -> list[SubjectHistory]:
    """Every version of production ``slug`` that someone decided on or commented on, in
    workflow order (board versions, takes, edit versions, renders; oldest first within each):
    what ``shortfilm review show`` prints. Versions nobody looked at are left out."""
    with store.session() as s:
        prod = production_row(s, slug)
        return _histories(s, prod)


def _history_of(store: Store, slug: str, kind: SubjectKind | str, subject: int) -> SubjectHistory:
    """The history of one subject (it must exist, even with nothing recorded on it yet)."""
    kind = _enum(SubjectKind, kind, "kind")
    with store.session() as s:
        prod = production_row(s, slug)
        name = _load_subject(s, prod, kind, subject).name
        found = _histories(s, prod, kind, subject)
    return found[0] if found else SubjectHistory(kind, subject, name, Standing.UNREVIEWED, (), ())


def _histories(
    s: Session, prod: ProductionRow, kind: SubjectKind | None = None, subject: int | None = None
) -> list[SubjectHistory]:
    """Reviews and comments of ``prod`` (of one subject when ``kind`` and ``subject`` are
    given), grouped by subject: two queries, plus one lookup per subject for its name."""
    review_stmt = select(ReviewRow).where(ReviewRow.production_id == prod.id)
    comment_stmt = select(CommentRow).where(CommentRow.production_id == prod.id)
    if kind is not None and subject is not None:
        review_stmt = review_stmt.where(
            ReviewRow.subject_kind == kind.value, ReviewRow.subject_id == subject
        )
        comment_stmt = comment_stmt.where(
            CommentRow.subject_kind == kind.value, CommentRow.subject_id == subject
        )
    reviews: dict[tuple[SubjectKind, int], list[ReviewRow]] = {}
    for r in s.scalars(review_stmt.order_by(ReviewRow.id)):
        reviews.setdefault((SubjectKind(r.subject_kind), r.subject_id), []).append(r)
    comments: dict[tuple[SubjectKind, int], list[CommentRow]] = {}
    for c in s.scalars(comment_stmt.order_by(CommentRow.id)):
        comments.setdefault((SubjectKind(c.subject_kind), c.subject_id), []).append(c)
    histories = []
    for key in sorted(reviews.keys() | comments.keys(), key=lambda k: (_KIND_ORDER[k[0]], k[1])):
        name = _load_subject(s, prod, *key).name
        decided = [_record(r, name) for r in reviews.get(key, [])]
        histories.append(
            SubjectHistory(
                key[0],
                key[1],
                name,
                standing_of([r.decision for r in decided]),
                tuple(decided),
                tuple(_comment(c, name) for c in comments.get(key, [])),
            )
        )
    return histories


# -- the gates -------------------------------------------------------------------------------------


def require_board_approved(store: Store, slug: str) -> None:
    """:class:`GateError` unless the latest board version of ``slug`` is approved or overridden:
    no take is generated from a board nobody checked. (No board at all is the caller's error.)"""
    with store.session() as s:
        prod = production_row(s, slug)
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        if board is None:
            return
        version = board.version
        standing = Standings(s, prod.id).of(SubjectKind.BOARD, board.id)
    if standing.passes:
        return
    if standing is Standing.UNREVIEWED:
        raise GateError(
            f"{slug}: board v{version} is not approved yet, so nothing was generated; review it: "
            f"`shortfilm review board {slug} --approve` (or --request-changes TEXT), or as the "
            f"owner `shortfilm override {slug} board --reason TEXT`"
        )
    raise GateError(
        f"{slug}: board v{version} is {standing}, so nothing was generated; change the board "
        "(edit the spec and `shortfilm import SPEC`, or `shortfilm board add-reference "
        f"{slug} IMAGE --role ROLE --label TEXT`) and review the new version"
    )


def require_clips_approved(store: Store, slug: str) -> None:
    """:class:`GateError` unless every clip's selected take is approved or overridden: no edit
    is rendered for publishing with a clip nobody checked."""
    with store.session() as s:
        waiting = clips_waiting(production_snapshot(s, production_row(s, slug)).clips)
    if waiting:
        raise GateError(
            f"{slug}: not every clip has an approved take, so nothing was rendered: "
            + "; ".join(_clip_waits(slug, c) for c in waiting)
            + f" (or as the owner `shortfilm override {slug} clip --reason TEXT`)"
        )


def _clip_waits(slug: str, clip: ClipSnapshot) -> str:
    if clip.selected_take is None:
        return f"{clip.name} has no selected take"
    take = naming.take_subject(clip.position, clip.selected_take)
    if clip.take_standing is Standing.UNREVIEWED:
        return (
            f"{take} waits for review "
            f"(`shortfilm review take {slug} {clip.name} {clip.selected_take} --approve`)"
        )
    return (
        f"{take} is {clip.take_standing}: select another of its takes "
        f"(`shortfilm take select {slug} {clip.name} TAKE`; `shortfilm status` lists them), or "
        "change the clip in the spec and generate a new one (`shortfilm run SPEC`)"
    )


def approve_pending(
    store: Store, slug: str, actor: Actor, checkpoint: Checkpoint | str
) -> list[ReviewRecord]:
    """Approve, in advance and as ``actor``, what waits unreviewed at ``checkpoint``: the latest
    board version; every selected take; every render of the latest edit that passed its checks.

    For ``shortfilm run --yes``: the approvals are recorded as given ahead (``in_advance``, no
    rubric). Anything a person already decided on keeps that decision, and the rules still hold
    (the second pair of eyes refuses an approval of one's own board or take).
    """
    checkpoint = _enum(Checkpoint, checkpoint, "checkpoint")
    kind = GATE_SUBJECT[checkpoint]
    with store.session() as s:
        prod = production_row(s, slug)
        ids: list[int] = []
        if checkpoint is Checkpoint.BOARD:
            board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
            ids = [board.id] if board is not None else []
        elif checkpoint is Checkpoint.CLIP:
            ids = [c.selected_take_id for c in _planned_clips(s, prod) if c.selected_take_id]
        else:
            edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
            renders = repo.renders(s, edit.id) if edit is not None else []
            ids = [r.id for r in renders if r.status != "failed"]
        # Each is approved at the revision read here, *before* the reviews: a decision made
        # meanwhile (a person's, or a second run approving the same things) either shows in the
        # reviews or moves the revision on, so it stands and is not approved over again.
        revisions = {i: _load_subject(s, prod, kind, i).revision for i in ids}
        standings = Standings(s, prod.id)
        seen = {i: r for i, r in revisions.items() if standings.of(kind, i) is Standing.UNREVIEWED}
    note = "approved in advance by the local owner (shortfilm run --yes)"
    records: list[ReviewRecord] = []
    for i, revision in seen.items():
        try:
            records.append(
                _decide(
                    store,
                    slug,
                    kind,
                    i,
                    actor,
                    Decision.APPROVE,
                    (),
                    note,
                    "",
                    revision,
                    in_advance=True,
                )  # fmt: skip
            )
        except ConflictError:
            continue
    return records


# -- publishing ------------------------------------------------------------------------------------


def publish(store: Store, slug: str, actor: Actor, *, preset: str | None = None) -> list[Path]:
    """Copy the approved final render(s) of the latest edit, with their caption sidecars, cover
    and a ``manifest.json``, into ``HOME/publish/SLUG/``; return the files written.

    Every render published (all of the latest edit's, or the one of ``preset``) needs an approved
    final -- the owner's review or override -- else :class:`GateError` says what waits. The
    folder is built beside its place and renamed into it, so it is never half-written; publishing
    again replaces it whole.
    """
    require(actor, Action.PUBLISH)
    with store.session() as s:
        prod = production_row(s, slug)
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        if edit is None:
            raise GateError(f"{slug} has no edit yet: nothing to publish")
        renders = sorted(repo.renders(s, edit.id), key=lambda r: r.preset)
        chosen = [r for r in renders if preset is None or r.preset == preset]
        if not renders:
            # a person edited since the last render (or the selection changed): the latest
            # edit is what would be published, and it has not been rendered yet
            raise GateError(_unrendered(slug, edit.version, production_snapshot(s, prod).stale))
        if not chosen:
            have = ", ".join(r.preset for r in renders) or "none"
            raise InputError(f"preset: edit v{edit.version} has no {preset} render; it has: {have}")
        standings = Standings(s, prod.id)
        waiting = [r for r in chosen if not standings.of(SubjectKind.RENDER, r.id).passes]
        if waiting:
            raise GateError(_final_waits(slug, edit.version, waiting, standings))
        stale = production_snapshot(s, prod).stale
        presets = {r.preset for r in chosen}
        refused = [r.preset for r in (stale.renders if stale else ()) if r.preset in presets]
        if refused and stale is not None and stale.under_renders is not None:
            under = stale.under_renders
            raise GateError(
                f"{slug}: nothing was published: the {', '.join(refused)} render of edit "
                f"v{edit.version} is stale, because {under.subject} is stale: {under.because}; "
                f"bring it up to date: `{under.fix}`, then approve the new final and publish"
            )
        files: list[tuple[Path, str]] = []
        entries: list[dict[str, Any]] = []
        for render in chosen:
            entry, render_files = _manifest_entry(store, s, slug, edit.version, render)
            entries.append(entry)
            files.extend(render_files)
        manifest = {
            "slug": slug,
            "title": prod.title,
            "edit_version": edit.version,
            "published_by": actor.name,
            "published_role": actor.role.value,
            "published_at": datetime.now(UTC).isoformat(),
            "renders": entries,
        }
        prod_id, version = prod.id, edit.version
    dest = _write_folder(store.home / "publish" / slug, files, manifest)
    with store.session() as s:
        repo.event(
            s,
            prod_id,
            PUBLISHED,
            slug,
            edit_version=version,
            presets=[e["preset"] for e in entries],
            renders={e["preset"]: e["sha256"] for e in entries},
            by=actor.name,
            role=actor.role.value,
            folder=str(dest),
        )
    return sorted(dest / name for _, name in files) + [dest / "manifest.json"]


def _unrendered(slug: str, version: int, stale: Staleness | None) -> str:
    """Why nothing can be published when the latest edit has no render: the edit's own
    staleness (a selection changed under it) first, since its fix comes before the render."""
    said = f"{slug}: nothing was published: edit v{version} has no render yet"
    if stale is not None and stale.edit is not None:
        return f"{said}, and {stale.edit}, then approve the new final and publish"
    return f"{said}: render it with `{render_command(slug)}`, then approve the final and publish"


def _final_waits(slug: str, version: int, waiting: list[RenderRow], standings: Standings) -> str:
    parts = []
    for r in waiting:
        st = standings.of(SubjectKind.RENDER, r.id)
        parts.append(f"{r.preset} {'waits for the owner' if st is Standing.UNREVIEWED else st}")
    scores = " ".join(f"--score {key}=N" for key in CRITERION_KEYS)
    return (
        f"{slug}: the final of edit v{version} is not approved ({', '.join(parts)}), so nothing "
        f"was published; the owner approves it with the rubric: `shortfilm review final {slug} "
        f"--preset PRESET --approve {scores}`, or overrides: "
        f"`shortfilm override {slug} final --reason TEXT`"
    )


def _manifest_entry(
    store: Store, s: Session, slug: str, edit_version: int, render: RenderRow
) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    video = Path(naming.render(slug, edit_version, render.preset)).name
    files = [(store.artifact_path(render.sha256), video)]
    sidecars: dict[str, str] = {}
    for key, sha, suffix in (
        ("srt", render.srt_sha256, ".srt"),
        ("vtt", render.vtt_sha256, ".vtt"),
        ("cover", render.cover_sha256, "__cover.jpg"),
    ):
        if sha is not None:
            name = Path(naming.render_sidecar(slug, edit_version, render.preset, suffix)).name
            files.append((store.artifact_path(sha), name))
            sidecars[key] = name
    approval = s.scalars(
        select(ReviewRow)
        .where(
            ReviewRow.subject_kind == SubjectKind.RENDER.value, ReviewRow.subject_id == render.id
        )
        .order_by(ReviewRow.id.desc())
        .limit(1)
    ).first()
    assert approval is not None, "the caller checked the render passes the final gate"
    entry = {
        "preset": render.preset,
        "file": video,
        "sha256": render.sha256,
        "duration_s": render.duration_s,
        "width": render.width,
        "height": render.height,
        "integrated_lufs": render.integrated_lufs,
        "checks": render.status,
        "sidecars": sidecars,
        "approval": {
            "decision": approval.decision,
            "by": approval.reviewer,
            "role": approval.role,
            "at": approval.created_at.isoformat(),
            "note": approval.notes,
            "in_advance": bool(approval.rubric.get(IN_ADVANCE, False)),
            "rubric": {k: v for k, v in approval.rubric.items() if k != IN_ADVANCE},
        },
    }
    return entry, files


def _write_folder(dest: Path, files: list[tuple[Path, str]], manifest: dict[str, Any]) -> Path:
    """Build the folder beside ``dest`` and rename it into place (an old one is swapped out)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = dest.with_name(f".{dest.name}.{tag}.partial")
    old = dest.with_name(f".{dest.name}.{tag}.old")
    try:
        tmp.mkdir()
        for source, name in files:
            if not source.exists():
                raise StoreError(f"{source}: the stored file of {name} is missing")
            shutil.copyfile(source, tmp / name)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if dest.exists():
            os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except OSError:
            if old.exists():
                os.replace(old, dest)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return dest
