"""The productions list, a production's dashboard and activity, and its whole-production review
page: what a visitor sees first, read in a few bulk queries.

:func:`last_event_id` is the page cache's key: every write appends an event, so a page rendered at
that id stays right while it holds.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from shortfilm.domain.checklist import production_checklist
from shortfilm.domain.page_views import (
    DashboardView,
    EventView,
    OverviewClip,
    OverviewTake,
    ProductionSummary,
    ReviewOverview,
)
from shortfilm.domain.review import SubjectKind, standing
from shortfilm.domain.staleness import stale_take
from shortfilm.errors import NotFound
from shortfilm.store import repo
from shortfilm.store.read_model.checkpoints import clip_facts, production_snapshot
from shortfilm.store.tables import (
    ArtifactRow,
    ClipRow,
    CommentRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    ReviewRow,
    TakeAnalysisRow,
    TakeRow,
)

ACTIVITY_LIMIT = 50


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


def dashboard(s: Session, slug: str) -> DashboardView:
    """The production's checklist, what is stale in it and its newest events, from one read."""
    prod = production(s, slug)
    events = activity(s, prod.id)
    snap = production_snapshot(s, prod)
    assert snap.stale is not None, "production_snapshot always reads staleness"
    steps = tuple(production_checklist(snap))
    return DashboardView(slug, prod.title, steps, snap.stale, tuple(events))


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
