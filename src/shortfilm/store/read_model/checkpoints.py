"""Where a production stands at its checkpoints: read from the store into the domain's snapshots.

The rules live in :mod:`shortfilm.domain.checklist` and :mod:`shortfilm.domain.staleness`; this
module only reads -- the latest board version, each clip's selected take, the latest edit's
renders, and every review of them -- with a fixed number of queries however many reviews there
are, so a dashboard can ask on every page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.checklist import (
    BoardSnapshot,
    ClipSnapshot,
    ProductionSnapshot,
    RenderSnapshot,
)
from shortfilm.domain.review import Standing, SubjectKind
from shortfilm.domain.staleness import (
    ClipFacts,
    PublicationFacts,
    RenderFacts,
    StalenessFacts,
    staleness,
)
from shortfilm.errors import StoreError
from shortfilm.media.presets import presets_for_channels
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.boards import newest_board_row
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import FAILED_TAKE_STATUSES
from shortfilm.store.tables import (
    ClipRow,
    EditRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    ScriptRow,
    TakeRow,
)

PUBLISHED = "production.published"
"""The event kind a publish appends (its ``edit_version`` says what was shipped)."""


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
    board_row = newest_board_row(s, prod.id)
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
    render_rows = sorted(repo.renders(s, edit.id), key=lambda r: r.preset) if edit else []
    renders = tuple(
        RenderSnapshot(r.id, r.preset, r.status, standings.of(SubjectKind.RENDER, r.id))
        for r in render_rows
    )
    publication = latest_publication(s, prod.id)
    stale = staleness(
        StalenessFacts(
            slug=prod.slug,
            clips=clip_facts(s, clip_rows, standings),
            edit_version=edit.version if edit is not None else None,
            edit_plays=plays(edit.timeline) if edit is not None else {},
            renders=tuple(
                RenderFacts(r.preset, r.sha256, snap.standing.passes)
                for r, snap in zip(render_rows, renders, strict=True)
            ),
            publication=publication,
        )
    )
    return ProductionSnapshot(
        script_version=script.version if script is not None else None,
        board=board,
        clips=tuple(clips),
        edit_version=edit.version if edit is not None else None,
        presets=tuple(p.name for p in presets_for_channels(production.channels)),
        renders=renders,
        published_edit_version=publication.edit_version if publication else None,
        stale=stale,
    )


def latest_publication(s: Session, production_id: int) -> PublicationFacts | None:
    """What the latest publish shipped (its event's ``edit_version`` and ``renders``), if any."""
    stmt = (
        select(EventRow.data)
        .where(EventRow.production_id == production_id, EventRow.kind == PUBLISHED)
        .order_by(EventRow.id.desc())
        .limit(1)
    )
    data = s.scalars(stmt).first()
    version = data.get("edit_version") if data else None
    if data is None or not isinstance(version, int):
        return None
    shipped = data.get("renders")
    renders = {str(k): str(v) for k, v in shipped.items()} if isinstance(shipped, Mapping) else {}
    return PublicationFacts(version, renders)


def published_edit_version(s: Session, production_id: int) -> int | None:
    """The edit version the latest publish shipped, if any."""
    publication = latest_publication(s, production_id)
    return publication.edit_version if publication is not None else None


def plays(timeline: Mapping[str, Any]) -> dict[int, int]:
    """Clip position -> the take number a stored edit timeline plays (current or first shape)."""
    segments = timeline.get("segments")
    if isinstance(segments, list):
        return {int(seg["clip"]): int(seg["take"]) for seg in segments}
    legacy = timeline.get("clips")
    if isinstance(legacy, list):
        return {int(c["position"]): int(c["take"]) for c in legacy}
    return {}


def clip_facts(
    s: Session, clip_rows: list[ClipRow], standings: Standings | None = None
) -> list[ClipFacts]:
    """Each clip's selected take against its latest prompt version, in three queries (two with
    the production's ``standings`` given)."""
    if not clip_rows:
        return []
    standings = standings or Standings(s, clip_rows[0].production_id)
    clip_ids = [c.id for c in clip_rows]
    latest: dict[int, tuple[int, int]] = {}  # clip id -> (version, prompt id)
    versions: dict[int, int] = {}  # prompt id -> version
    for prompt_id, clip_id, version in s.execute(
        select(PromptRow.id, PromptRow.clip_id, PromptRow.version).where(
            PromptRow.clip_id.in_(clip_ids)
        )
    ):
        versions[prompt_id] = version
        if clip_id not in latest or version > latest[clip_id][0]:
            latest[clip_id] = (version, prompt_id)
    takes: dict[int, list[tuple[int, int, int, str, str | None]]] = defaultdict(list)
    for row in s.execute(
        select(
            TakeRow.clip_id, TakeRow.id, TakeRow.number, TakeRow.prompt_id, TakeRow.status,
            TakeRow.video_sha256,
        ).where(TakeRow.clip_id.in_(clip_ids))
    ):  # fmt: skip
        clip_id, take_id, number, prompt_id, status, video = row
        takes[clip_id].append((take_id, number, prompt_id, status, video))
    out: list[ClipFacts] = []
    for clip in clip_rows:
        newest = latest.get(clip.id)
        selected = next((t for t in takes[clip.id] if t[0] == clip.selected_take_id), None)
        usable = [
            number
            for take_id, number, prompt_id, status, video in takes[clip.id]
            if newest is not None
            and prompt_id == newest[1]
            and take_id != clip.selected_take_id
            and video is not None
            and status not in FAILED_TAKE_STATUSES
        ]
        out.append(
            ClipFacts(
                position=clip.position,
                selected_take=selected[1] if selected else None,
                take_prompt_version=versions.get(selected[2]) if selected else None,
                latest_prompt_version=newest[0] if newest else None,
                newer_take=max(usable) if usable else None,
                selected_passes=(
                    selected is not None and standings.of(SubjectKind.TAKE, selected[0]).passes
                ),
            )
        )
    return out
