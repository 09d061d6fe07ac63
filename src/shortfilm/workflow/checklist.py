"""Where a production stands at its checkpoints: read from the store into the domain's snapshots.

The rules live in :mod:`shortfilm.domain.review`; this module only reads -- the latest board
version, each clip's selected take, the latest edit's renders, and every review of them -- with a
fixed number of queries however many reviews there are, so a dashboard can ask on every page.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.review import (
    BoardSnapshot,
    ChecklistStep,
    ClipSnapshot,
    ProductionSnapshot,
    RenderSnapshot,
    Standing,
    SubjectKind,
    production_checklist,
    standing,
)
from shortfilm.errors import StoreError
from shortfilm.media.presets import presets_for_channels
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Store
from shortfilm.store.tables import (
    BoardRow,
    EditRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    ReviewRow,
    ScriptRow,
    TakeRow,
)

PUBLISHED = "production.published"
"""The event kind a publish appends (its ``edit_version`` says what was shipped)."""


class Standings:
    """Every subject's standing in one production, from one query of its reviews."""

    def __init__(self, s: Session, production_id: int) -> None:
        decisions: dict[tuple[str, int], list[str]] = defaultdict(list)
        stmt = (
            select(ReviewRow.subject_kind, ReviewRow.subject_id, ReviewRow.decision)
            .where(ReviewRow.production_id == production_id)
            .order_by(ReviewRow.id)
        )
        for kind, subject_id, decision in s.execute(stmt):
            decisions[(kind, subject_id)].append(decision)
        self._decisions = decisions

    def of(self, kind: SubjectKind, subject_id: int) -> Standing:
        return standing(self._decisions.get((kind.value, subject_id), []))


def production_row(s: Session, slug: str) -> ProductionRow:
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise StoreError(f"no production {slug!r}; import its spec first")
    return prod


def production_snapshot(s: Session, prod: ProductionRow) -> ProductionSnapshot:
    """The production as the checkpoint rules see it."""
    production = spec_from_dict(prod.spec)
    standings = Standings(s, prod.id)
    script = repo.latest(s, ScriptRow, ScriptRow.production_id, prod.id)
    board_row = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
    board = (
        BoardSnapshot(
            board_row.id, board_row.version, standings.of(SubjectKind.BOARD, board_row.id)
        )
        if board_row is not None
        else None
    )
    clip_rows = repo.clips(s, prod.id)[: len(production.clips)]
    clip_ids = [c.id for c in clip_rows]
    prompted = set(
        s.scalars(select(PromptRow.clip_id).where(PromptRow.clip_id.in_(clip_ids)).distinct())
    )
    take_counts: dict[int, list[str]] = defaultdict(list)
    for clip_id, status in s.execute(
        select(TakeRow.clip_id, TakeRow.status).where(TakeRow.clip_id.in_(clip_ids))
    ):
        take_counts[clip_id].append(status)
    selected_ids = [c.selected_take_id for c in clip_rows if c.selected_take_id is not None]
    numbers: dict[int, int] = {
        take_id: number
        for take_id, number in s.execute(
            select(TakeRow.id, TakeRow.number).where(TakeRow.id.in_(selected_ids))
        )
    }
    with_keyframe = set(
        s.scalars(
            select(KeyframeRow.take_id).where(
                KeyframeRow.take_id.in_(selected_ids), KeyframeRow.chosen.is_(True)
            )
        )
    )
    clips: list[ClipSnapshot] = []
    for clip, plan in zip(clip_rows, production.clips, strict=False):
        take_id = clip.selected_take_id
        statuses = take_counts.get(clip.id, [])
        clips.append(
            ClipSnapshot(
                position=clip.position,
                has_prompt=clip.id in prompted,
                takes=len(statuses),
                failed_takes=sum(1 for st in statuses if st in FAILED_TAKE_STATUSES),
                selected_take=numbers.get(take_id) if take_id is not None else None,
                take_standing=(
                    standings.of(SubjectKind.TAKE, take_id)
                    if take_id is not None
                    else Standing.UNREVIEWED
                ),
                continues_previous=plan.continues_previous or plan.starts_on_keyframe,
                has_keyframe=take_id in with_keyframe,
            )
        )
    edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
    renders = (
        tuple(
            RenderSnapshot(r.id, r.preset, r.status, standings.of(SubjectKind.RENDER, r.id))
            for r in sorted(repo.renders(s, edit.id), key=lambda r: r.preset)
        )
        if edit is not None
        else ()
    )
    return ProductionSnapshot(
        script_version=script.version if script is not None else None,
        board=board,
        clips=tuple(clips),
        edit_version=edit.version if edit is not None else None,
        presets=tuple(p.name for p in presets_for_channels(production.channels)),
        renders=renders,
        published_edit_version=published_edit_version(s, prod.id),
    )


def published_edit_version(s: Session, production_id: int) -> int | None:
    """The edit version the latest publish shipped, if any."""
    stmt = (
        select(EventRow.data)
        .where(EventRow.production_id == production_id, EventRow.kind == PUBLISHED)
        .order_by(EventRow.id.desc())
        .limit(1)
    )
    data = s.scalars(stmt).first()
    version = data.get("edit_version") if data else None
    return int(version) if isinstance(version, int) else None


def checklist(store: Store, slug: str) -> list[ChecklistStep]:
    """The production checklist of ``slug``: each step's owner, output, review check, state and
    who it waits for (:func:`shortfilm.domain.review.production_checklist`)."""
    with store.session() as s:
        return production_checklist(production_snapshot(s, production_row(s, slug)))
