"""What the pages show, read in a handful of bulk queries per page (never one per take).

Each function takes an open session and returns plain dataclasses the templates and the JSON
API both render. Writes never happen here: they go through :mod:`shortfilm.review.decisions`.
A subject's standing is its latest review decision (:func:`shortfilm.domain.review.standing`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.domain.review import CRITERIA, Criterion, Standing, SubjectKind, standing
from shortfilm.domain.staleness import Stale, stale_take
from shortfilm.review.checklist import clip_facts, production_snapshot
from shortfilm.store import repo
from shortfilm.store.tables import (
    ArtifactNameRow,
    ArtifactRow,
    BoardRow,
    ClipRow,
    CommentRow,
    EditRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    RenderRow,
    ReviewRow,
    TakeAnalysisRow,
    TakeRow,
)
from shortfilm.web.errors import NotFound

ACTIVITY_LIMIT = 50


@dataclass(frozen=True)
class ProductionSummary:
    slug: str
    title: str
    clips: int
    takes: int
    last_activity: datetime | None


@dataclass(frozen=True)
class ReviewView:
    id: int
    decision: str
    reviewer: str
    role: str
    note: str
    changes: str
    rubric: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class CommentView:
    id: int
    at_ms: int | None
    author: str
    role: str
    body: str
    created_at: datetime

    @property
    def at_s(self) -> float | None:
        return None if self.at_ms is None else self.at_ms / 1000

    @property
    def timecode(self) -> str:
        """``mm:ss.d`` for display; empty for a comment on the whole subject."""
        if self.at_ms is None:
            return ""
        minutes, ms = divmod(self.at_ms, 60_000)
        return f"{minutes:02d}:{ms // 1000:02d}.{ms % 1000 // 100}"


@dataclass(frozen=True)
class Reviewed:
    """Reviews and comments of one subject, and where it stands."""

    reviews: tuple[ReviewView, ...] = ()
    comments: tuple[CommentView, ...] = ()

    @property
    def standing(self) -> Standing:
        return standing([r.decision for r in self.reviews])


@dataclass(frozen=True)
class Reference:
    label: str
    role: str
    sha256: str


@dataclass(frozen=True)
class BoardVersion:
    id: int
    version: int
    status: str
    revision: int
    created_by: str | None
    image_sha256: str | None
    references: tuple[Reference, ...]
    reviewed: Reviewed


@dataclass(frozen=True)
class BoardPage:
    slug: str
    title: str
    versions: tuple[BoardVersion, ...]
    """Newest first."""
    uploads: tuple[tuple[str, str], ...]
    """Reference images uploaded for the board: ``(name, sha256)``."""


@dataclass(frozen=True)
class KeyframeView:
    time_ms: int
    sha256: str
    score: float
    chosen: bool


@dataclass(frozen=True)
class TakeView:
    id: int
    number: int
    status: str
    provider: str
    model: str
    video_sha256: str | None
    notes: str
    error: str | None
    created_by: str | None
    qc_status: str | None
    qc_report: dict[str, Any] | None
    keyframes: tuple[KeyframeView, ...]
    reviewed: Reviewed
    selected: bool

    @property
    def name(self) -> str:
        return f"take-{self.number:03d}"


@dataclass(frozen=True)
class ClipPage:
    slug: str
    title: str
    id: int
    position: int
    name: str
    job: str
    duration_s: float
    revision: int
    selected_by: str | None
    prompt: str
    takes: tuple[TakeView, ...]
    clip_count: int
    stale: str = ""
    """Why the selected take is stale and the command that brings it up to date, if it is."""

    @property
    def label(self) -> str:
        return f"clip-{self.position:02d}"


@dataclass(frozen=True)
class RenderView:
    id: int
    preset: str
    sha256: str
    status: str
    revision: int
    duration_s: float
    width: int
    height: int
    integrated_lufs: float
    reasons: tuple[str, ...]
    vtt_sha256: str | None
    cover_sha256: str | None
    reviewed: Reviewed


@dataclass(frozen=True)
class EditVersion:
    id: int
    version: int
    revision: int
    segments: int
    renders: tuple[RenderView, ...]
    reviewed: Reviewed


@dataclass(frozen=True)
class EditPage:
    slug: str
    title: str
    versions: tuple[EditVersion, ...]
    """Newest first."""
    criteria: tuple[Criterion, ...] = CRITERIA
    stale: tuple[Stale, ...] = ()
    """The latest edit, its renders or the publication, where stale, with why and the fix."""


@dataclass(frozen=True)
class OverviewTake:
    id: int
    number: int
    status: str
    qc_status: str | None
    standing: Standing
    selected: bool
    video_sha256: str | None
    thumb_sha256: str | None
    comments: int
    stale: str = ""
    """Why this (selected) take is stale and the command that brings it up to date; empty when
    it is not (:mod:`shortfilm.domain.staleness`)."""


@dataclass(frozen=True)
class OverviewClip:
    id: int
    position: int
    name: str
    revision: int
    takes: tuple[OverviewTake, ...]
    stale: str = ""
    """Why the clip's selected take is stale, if it is."""


@dataclass(frozen=True)
class ReviewOverview:
    slug: str
    title: str
    clips: tuple[OverviewClip, ...]
    counts: dict[str, int] = field(default_factory=dict)
    """Takes per standing, for the page's summary line."""


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    subject: str
    data: dict[str, Any]
    at: datetime


# -- queries ----------------------------------------------------------------------------------


def production(s: Session, slug: str) -> ProductionRow:
    row = s.scalars(select(ProductionRow).where(ProductionRow.slug == slug)).first()
    if row is None:
        raise NotFound(f"no production {slug!r}")
    return row


_LAST_EVENT = select(func.max(EventRow.id)).where(
    EventRow.production_id
    == select(ProductionRow.id).where(ProductionRow.slug == bindparam("slug")).scalar_subquery()
)
_PRODUCTION_ID = select(ProductionRow.id).where(ProductionRow.slug == bindparam("slug"))
"""Built once: SQLAlchemy then reuses the compiled form (building the statement per call cost
more than running it)."""


def last_event_id(conn: Connection, slug: str) -> int:
    """The newest event of a production (0 for none): every write appends one, so a page
    rendered at this id is still right while it holds. Asked on every page view, so it runs on
    a plain connection with a prebuilt statement."""
    last = conn.execute(_LAST_EVENT, {"slug": slug}).scalar()
    if last is None and conn.execute(_PRODUCTION_ID, {"slug": slug}).first() is None:
        raise NotFound(f"no production {slug!r}")
    return int(last or 0)


def productions(s: Session) -> list[ProductionSummary]:
    clip_counts = dict(
        s.execute(select(ClipRow.production_id, func.count()).group_by(ClipRow.production_id)).all()
    )
    take_counts = dict(
        s.execute(
            select(ClipRow.production_id, func.count(TakeRow.id))
            .join(TakeRow, TakeRow.clip_id == ClipRow.id)
            .group_by(ClipRow.production_id)
        ).all()
    )
    last = dict(
        s.execute(
            select(EventRow.production_id, func.max(EventRow.at)).group_by(EventRow.production_id)
        ).all()
    )
    return [
        ProductionSummary(
            p.slug, p.title, clip_counts.get(p.id, 0), take_counts.get(p.id, 0), last.get(p.id)
        )
        for p in s.scalars(select(ProductionRow).order_by(ProductionRow.id))
    ]


def activity(s: Session, production_id: int, limit: int = ACTIVITY_LIMIT) -> list[EventView]:
    """The newest events of a production, newest first."""
    rows = s.execute(
        select(EventRow.id, EventRow.kind, EventRow.subject, EventRow.data, EventRow.at)
        .where(EventRow.production_id == production_id)
        .order_by(EventRow.id.desc())
        .limit(limit)
    ).all()
    return [EventView(*row) for row in rows]


def _reviewed(
    s: Session, production_id: int, kind: SubjectKind, ids: Iterable[int]
) -> dict[int, Reviewed]:
    """Reviews and comments of many subjects of one kind: two queries."""
    wanted = list(ids)
    if not wanted:
        return {}
    reviews: dict[int, list[ReviewView]] = defaultdict(list)
    for r in s.execute(
        select(
            ReviewRow.subject_id,
            ReviewRow.id,
            ReviewRow.decision,
            ReviewRow.reviewer,
            ReviewRow.role,
            ReviewRow.notes,
            ReviewRow.changes,
            ReviewRow.rubric,
            ReviewRow.created_at,
        )
        .where(
            ReviewRow.production_id == production_id,
            ReviewRow.subject_kind == kind.value,
            ReviewRow.subject_id.in_(wanted),
        )
        .order_by(ReviewRow.id)
    ):
        reviews[r[0]].append(ReviewView(*r[1:]))
    comments: dict[int, list[CommentView]] = defaultdict(list)
    for c in s.execute(
        select(
            CommentRow.subject_id,
            CommentRow.id,
            CommentRow.at_ms,
            CommentRow.author,
            CommentRow.role,
            CommentRow.body,
            CommentRow.created_at,
        )
        .where(
            CommentRow.production_id == production_id,
            CommentRow.subject_kind == kind.value,
            CommentRow.subject_id.in_(wanted),
        )
        .order_by(CommentRow.at_ms.is_(None), CommentRow.at_ms, CommentRow.id)
    ):
        comments[c[0]].append(CommentView(*c[1:]))
    return {i: Reviewed(tuple(reviews[i]), tuple(comments[i])) for i in wanted}


def board_page(s: Session, slug: str) -> BoardPage:
    prod = production(s, slug)
    rows = list(
        s.scalars(
            select(BoardRow)
            .where(BoardRow.production_id == prod.id)
            .order_by(BoardRow.version.desc())
        )
    )
    reviewed = _reviewed(s, prod.id, SubjectKind.BOARD, (b.id for b in rows))
    versions = []
    for b in rows:
        image = b.blocks.get(BOARD_IMAGE_KEY)
        refs = tuple(
            Reference(str(r.get("label", "")), str(r.get("role", "")), str(r["sha256"]))
            for r in b.references
            if isinstance(r, dict) and r.get("sha256")
        )
        versions.append(
            BoardVersion(
                b.id,
                b.version,
                b.status,
                b.revision,
                b.created_by,
                str(image["sha256"]) if isinstance(image, dict) and image.get("sha256") else None,
                refs,
                reviewed[b.id],
            )
        )
    uploads = s.execute(
        select(ArtifactNameRow.name, ArtifactNameRow.sha256)
        .where(ArtifactNameRow.name.like(f"{slug}/board/uploads/%"))
        .order_by(ArtifactNameRow.created_at)
    ).all()
    return BoardPage(slug, prod.title, tuple(versions), tuple((n, h) for n, h in uploads))


def clip_page(s: Session, slug: str, position: int) -> ClipPage:
    prod = production(s, slug)
    clip = s.scalars(
        select(ClipRow).where(ClipRow.production_id == prod.id, ClipRow.position == position)
    ).first()
    if clip is None:
        raise NotFound(f"{slug} has no clip {position}")
    clip_count = s.scalar(select(func.count()).where(ClipRow.production_id == prod.id)) or 0
    prompt = s.scalars(
        select(PromptRow.text)
        .where(PromptRow.clip_id == clip.id)
        .order_by(PromptRow.version.desc())
        .limit(1)
    ).first()
    takes = list(
        s.scalars(select(TakeRow).where(TakeRow.clip_id == clip.id).order_by(TakeRow.number))
    )
    ids = [t.id for t in takes]
    analyses = {
        a.take_id: a
        for a in s.scalars(select(TakeAnalysisRow).where(TakeAnalysisRow.take_id.in_(ids)))
    }
    frames: dict[int, list[KeyframeView]] = defaultdict(list)
    for k in s.scalars(
        select(KeyframeRow)
        .where(KeyframeRow.take_id.in_(ids))
        .order_by(KeyframeRow.chosen.desc(), KeyframeRow.score.desc(), KeyframeRow.time_ms)
    ):
        frames[k.take_id].append(KeyframeView(k.time_ms, k.sha256, k.score, k.chosen))
    reviewed = _reviewed(s, prod.id, SubjectKind.TAKE, ids)
    [facts] = clip_facts(s, [clip])
    why = stale_take(slug, facts)
    views = tuple(
        TakeView(
            t.id,
            t.number,
            t.status,
            t.provider,
            t.model,
            t.video_sha256,
            t.notes,
            t.error,
            t.created_by,
            analyses[t.id].status if t.id in analyses else None,
            analyses[t.id].report if t.id in analyses else None,
            tuple(frames[t.id][:6]),
            reviewed[t.id],
            t.id == clip.selected_take_id,
        )
        for t in takes
    )
    return ClipPage(
        slug,
        prod.title,
        clip.id,
        clip.position,
        clip.name,
        clip.job,
        clip.duration_s,
        clip.revision,
        clip.selected_by,
        prompt or "",
        views,
        int(clip_count),
        str(why) if why is not None else "",
    )


def edit_page(s: Session, slug: str) -> EditPage:
    prod = production(s, slug)
    edits = list(
        s.scalars(
            select(EditRow).where(EditRow.production_id == prod.id).order_by(EditRow.version.desc())
        )
    )
    edit_ids = [e.id for e in edits]
    renders: dict[int, list[RenderRow]] = defaultdict(list)
    for r in s.scalars(
        select(RenderRow).where(RenderRow.edit_id.in_(edit_ids)).order_by(RenderRow.preset)
    ):
        renders[r.edit_id].append(r)
    render_reviews = _reviewed(
        s, prod.id, SubjectKind.RENDER, (r.id for rs in renders.values() for r in rs)
    )
    edit_reviews = _reviewed(s, prod.id, SubjectKind.EDIT, edit_ids)
    versions = []
    for e in edits:
        segments = e.timeline.get("segments")
        views = tuple(
            RenderView(
                r.id,
                r.preset,
                r.sha256,
                r.status,
                r.revision,
                r.duration_s,
                r.width,
                r.height,
                r.integrated_lufs,
                tuple(str(x) for x in (r.checks or {}).get("reasons", [])),
                r.vtt_sha256,
                r.cover_sha256,
                render_reviews[r.id],
            )
            for r in renders[e.id]
        )
        versions.append(
            EditVersion(
                e.id,
                e.version,
                e.revision,
                len(segments) if isinstance(segments, list) else 0,
                views,
                edit_reviews[e.id],
            )
        )
    stale = production_snapshot(s, prod).stale
    later = (*stale.all[len(stale.takes) :],) if stale is not None else ()
    return EditPage(slug, prod.title, tuple(versions), stale=later)


def review_overview(s: Session, slug: str) -> ReviewOverview:
    """Every clip with every take, for the whole-production review page: five queries, only
    the columns shown (no QC report, no take params)."""
    prod = production(s, slug)
    clips = s.execute(
        select(
            ClipRow.id, ClipRow.position, ClipRow.name, ClipRow.revision, ClipRow.selected_take_id
        )
        .where(ClipRow.production_id == prod.id)
        .order_by(ClipRow.position)
    ).all()
    takes = s.execute(
        select(
            TakeRow.id,
            TakeRow.clip_id,
            TakeRow.number,
            TakeRow.status,
            TakeRow.video_sha256,
            TakeAnalysisRow.status,
        )
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .outerjoin(TakeAnalysisRow, TakeAnalysisRow.take_id == TakeRow.id)
        .where(ClipRow.production_id == prod.id)
        .order_by(TakeRow.clip_id, TakeRow.number)
    ).all()
    decisions: dict[int, list[str]] = defaultdict(list)
    for subject_id, decision in s.execute(
        select(ReviewRow.subject_id, ReviewRow.decision)
        .where(ReviewRow.production_id == prod.id, ReviewRow.subject_kind == SubjectKind.TAKE.value)
        .order_by(ReviewRow.id)
    ):
        decisions[subject_id].append(decision)
    thumbs = dict(
        s.execute(
            select(KeyframeRow.take_id, KeyframeRow.sha256)
            .join(TakeRow, KeyframeRow.take_id == TakeRow.id)
            .join(ClipRow, TakeRow.clip_id == ClipRow.id)
            .where(ClipRow.production_id == prod.id, KeyframeRow.chosen.is_(True))
        ).all()
    )
    comment_counts = dict(
        s.execute(
            select(CommentRow.subject_id, func.count())
            .where(
                CommentRow.production_id == prod.id,
                CommentRow.subject_kind == SubjectKind.TAKE.value,
            )
            .group_by(CommentRow.subject_id)
        ).all()
    )
    selected = {c.id: c.selected_take_id for c in clips}
    clip_rows = repo.clips(s, prod.id)
    stale = {
        clip.id: str(why)
        for clip, facts in zip(clip_rows, clip_facts(s, clip_rows), strict=True)
        if (why := stale_take(slug, facts)) is not None
    }
    per_clip: dict[int, list[OverviewTake]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for take_id, clip_id, number, status, video, qc in takes:
        stand = standing(decisions.get(take_id, ()))
        counts[stand.value] += 1
        per_clip[clip_id].append(
            OverviewTake(
                take_id,
                number,
                status,
                qc,
                stand,
                selected[clip_id] == take_id,
                video,
                thumbs.get(take_id),
                int(comment_counts.get(take_id, 0)),
                stale.get(clip_id, "") if selected[clip_id] == take_id else "",
            )
        )
    return ReviewOverview(
        slug,
        prod.title,
        tuple(
            OverviewClip(
                c.id, c.position, c.name, c.revision, tuple(per_clip[c.id]), stale.get(c.id, "")
            )
            for c in clips
        ),
        dict(counts),
    )


def artifact_media_type(s: Session, sha: str) -> str | None:
    """The stored media type of an artifact, ``None`` when the store has no such artifact."""
    return s.scalars(select(ArtifactRow.media_type).where(ArtifactRow.sha256 == sha)).first()
