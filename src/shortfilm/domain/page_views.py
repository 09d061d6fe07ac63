"""What the web pages show of a production: the frozen views the store's read model returns.

:mod:`shortfilm.store.read_model` fills them in a handful of bulk queries per page; the templates
and the JSON API both render them as they are (their field names are the API's JSON). A subject's
standing is its latest review decision (:func:`shortfilm.domain.review.standing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shortfilm.domain.board_brief import BriefChange, BriefLine
from shortfilm.domain.checklist import ChecklistStep
from shortfilm.domain.review import Standing, standing
from shortfilm.domain.rubric import CRITERIA, Criterion
from shortfilm.domain.staleness import Stale, Staleness
from shortfilm.domain.timeline_view import TimelineView


@dataclass(frozen=True)
class ProductionSummary:
    slug: str
    title: str
    clips: int
    takes: int
    last_activity: datetime | None


@dataclass(frozen=True)
class ProductionCard:
    """A production as the productions page shows it: where it stands, a picture of it and
    what waits for whom."""

    summary: ProductionSummary
    state: str
    """The first checklist step not done and its state (``Clip generation: waiting-review``),
    or ``done`` when every step is."""
    state_key: str
    """That step's :class:`~shortfilm.domain.checklist.StepState` value (``done`` when all are)."""
    thumb_sha256: str | None
    """A still of the film that the store holds (a render's cover, a chosen keyframe, the
    board image or a reference), ``None`` before there is any."""
    waiting: tuple[ChecklistStep, ...]
    """The steps that wait for someone, in checklist order."""


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
    brief: tuple[BriefLine, ...] = ()
    """What this version states (:func:`~shortfilm.domain.board_brief.brief_lines`)."""
    changes: tuple[BriefChange, ...] = ()
    """What it states differently from the version before it (none for v1)."""
    superseded_by: int | None = None
    """The latest version's number when this one is not the latest: a decision on it no
    longer counts for the board checkpoint."""


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
    prompt_version: int | None = None
    """The version of the clip's prompt this take was generated from (or imported against)."""

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
    prompt_version: int = 0
    """The version of :attr:`prompt`, the clip's latest (0 before it has one)."""

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
    timeline: TimelineView | None = None
    """The edit's timeline, drawn read-only (``None`` when its stored form is too old)."""


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


@dataclass(frozen=True)
class DashboardView:
    """A production's checklist, what is stale in it, and its newest events (newest first)."""

    slug: str
    title: str
    steps: tuple[ChecklistStep, ...]
    stale: Staleness
    events: tuple[EventView, ...]
