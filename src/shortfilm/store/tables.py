"""The SQL tables: one row per stored thing, every row linked to what it was made from.

The same schema runs on SQLite (the embedded default) and PostgreSQL (teams); Alembic migrations
in ``migrations/`` create it, and a test checks that they match these models exactly.
Versioned things (boards, prompts, edits) get a new row per change, never an update in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shortfilm.store.table_base import Base, utcnow


class ProductionRow(Base):
    __tablename__ = "productions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    campaign_role: Mapped[str] = mapped_column(String(40))
    target_duration_s: Mapped[float] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The whole spec as last imported: what ``export`` writes back."""
    spec_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScriptRow(Base):
    __tablename__ = "scripts"
    __table_args__ = (UniqueConstraint("production_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    logline: Mapped[str] = mapped_column(Text)
    beats: Mapped[list[Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BoardRow(Base):
    __tablename__ = "asset_boards"
    __table_args__ = (UniqueConstraint("production_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    blocks: Mapped[dict[str, Any]] = mapped_column(JSON)
    references: Mapped[list[Any]] = mapped_column(JSON)
    """``[{"path", "sha256", "role", "label"}]`` in the stable order prompts name them by."""
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    """``draft`` until reviewed, then the latest decision's standing (``approved`` ...)."""
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every review decision on it: a stale one is refused (compare-and-swap)."""
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Who made this version (for the second pair of eyes); ``None`` before it was recorded."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClipRow(Base):
    __tablename__ = "clips"
    __table_args__ = (UniqueConstraint("production_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """1-based order in the film."""
    name: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float)
    continues_previous: Mapped[bool] = mapped_column(Boolean, default=False)
    selected_take_id: Mapped[int | None] = mapped_column(
        ForeignKey("takes.id", use_alter=True, name="fk_clips_selected_take"), nullable=True
    )
    selected_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """``auto`` when ``run`` picked the take, else the reviewer: a person's pick is never undone."""
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every take decision and selection: a stale one is refused (compare-and-swap)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PromptRow(Base):
    __tablename__ = "video_prompts"
    __table_args__ = (UniqueConstraint("clip_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TakeRow(Base):
    """One generation attempt. Failed and cancelled takes are kept: they teach."""

    __tablename__ = "takes"
    __table_args__ = (UniqueConstraint("clip_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("video_prompts.id"))
    board_id: Mapped[int] = mapped_column(ForeignKey("asset_boards.id"), index=True)
    keyframe_id: Mapped[int | None] = mapped_column(
        ForeignKey("keyframes.id", use_alter=True, name="fk_takes_keyframe"),
        nullable=True,
        index=True,
    )
    """The previous clip's keyframe given as a reference, if any: continuity lineage."""
    provider: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64), index=True)
    """Hash of everything sent to the provider: the same request is never paid for twice."""
    job_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    references: Mapped[list[Any]] = mapped_column(JSON)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    cost_unit: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    video_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_frame_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Who asked for this take (for the second pair of eyes); ``None`` before it was recorded."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    runner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The run driving this take to its end (``host:pid:token``), so a second run started at
    the same moment waits for it instead of paying again; ``None`` when no run holds it."""
    runner_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When ``runner`` last said it was alive (it renews this while it holds the take)."""


class KeyframeRow(Base):
    __tablename__ = "keyframes"
    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id"), index=True)
    time_ms: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    """0..1 for a candidate, relative within its take (sharp, well exposed, still, a face);
    rows made before candidates existed hold the frame's sharpness instead."""
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    """The one keyframe of the take handed to the next clip; a replaced one is kept, unchosen."""
    chosen_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Who picked this frame as the keyframe: ``auto`` (the default pick) or a person, whose pick
    ``run`` never undoes. ``None`` for a candidate nobody picked: its image is the thumbnail, while
    a picked frame's image is the full-size PNG."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TakeAnalysisRow(Base):
    """The QC report of one take (:mod:`shortfilm.takes.qc_rules`): the analysis summary, each check
    against the clip's plan, and the keyframe candidates found. Derived from the take's video, so
    re-made in place (newer QC rules, ``qc show --again``), never versioned."""

    __tablename__ = "take_analyses"
    id: Mapped[int] = mapped_column(primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    """``QC_VERSION`` of the rules that judged it."""
    status: Mapped[str] = mapped_column(String(20))
    """``pass``, ``warn``, ``fail``, or ``error`` when QC could not run (the take is kept)."""
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EditRow(Base):
    __tablename__ = "edits"
    __table_args__ = (UniqueConstraint("production_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every review decision on it: a stale one is refused (compare-and-swap)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RenderRow(Base):
    __tablename__ = "renders"
    __table_args__ = (UniqueConstraint("edit_id", "preset"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edit_id: Mapped[int] = mapped_column(ForeignKey("edits.id"), index=True)
    preset: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    integrated_lufs: Mapped[float] = mapped_column(Float)
    true_peak_dbtp: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="passed")
    """``passed`` or ``failed`` (:mod:`shortfilm.media.verify`); ``unchecked`` for renders made
    before verification existed."""
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """``{"reasons": [...], "measured": {...}}``: why it failed (empty list if it passed) and
    the figures read back from the file."""
    srt_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The SubRip caption sidecar (``None`` for renders made before sidecars existed)."""
    vtt_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The WebVTT caption sidecar."""
    cover_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The cover image (JPEG at the preset's size)."""
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every review decision on it: a stale one is refused (compare-and-swap)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    checkpoint: Mapped[str] = mapped_column(String(20))
    """``board``, ``clip`` or ``final``."""
    subject_kind: Mapped[str] = mapped_column(String(20), server_default="")
    """``board``, ``take``, ``edit`` or ``render``: the table ``subject_id`` points into."""
    subject_id: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    """``approve``, ``request-changes``, ``reject``, or ``override`` (the owner's, with reason)."""
    reviewer: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), server_default="")
    """The reviewer's role when deciding (their rights came from it)."""
    notes: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="", server_default="")
    """What to change, for ``request-changes``."""
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_reviews_subject", ReviewRow.subject_kind, ReviewRow.subject_id)


class CommentRow(Base):
    """A remark on one exact version, optionally at a time in a take or render (``at_ms``)."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_comments_subject", CommentRow.subject_kind, CommentRow.subject_id)


class ArtifactRow(Base):
    """Bytes stored once by content; ``names`` give them readable, linked paths."""

    __tablename__ = "artifacts"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArtifactNameRow(Base):
    __tablename__ = "artifact_names"
    name: Mapped[str] = mapped_column(String(500), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("artifacts.sha256"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    """The append-only log: the store never updates or deletes these rows."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    production_id: Mapped[int | None] = mapped_column(
        ForeignKey("productions.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRow(Base):
    """A person who logs in to the web app: one role each (:class:`shortfilm.domain.people.Role`).

    Only the argon2 hash of the password is stored; ``active`` false locks the account out
    without losing the name its past reviews and comments carry, and ``deactivated_at`` says
    since when (both are set and cleared together, in :mod:`shortfilm.team.accounts`)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSessionRow(Base):
    """A logged-in browser: the cookie's token is stored only as its sha256, so a copy of the
    database cannot be replayed as a login; the CSRF token is per session."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    """A long step a person started (:class:`shortfilm.domain.jobs.Job`): written before it
    is queued, then by whichever runner carries it out. ``worker`` names the process driving
    it (``host:pid``); ``attempts`` counts the deliveries (more than one: a worker died)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created", "state", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    production_id: Mapped[int | None] = mapped_column(
        ForeignKey("productions.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """The heartbeat of the worker running it (see migration 0009)."""


class SocialAccountRow(Base):
    """An account the home's films are posted to (:class:`shortfilm.domain.social_accounts.
    SocialAccount`). ``target`` holds the publish target's kind and settings, never a secret
    (only the name of the variable that holds one). A removed account keeps its row, for the
    publications that name it; its name is free again (the unique index covers live rows)."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        Index(
            "ux_social_accounts_live_name",
            "name",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(20))
    preset: Mapped[str] = mapped_column(String(40))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# the campaign's, the templates' and the library's tables share Base: imported here, they are
# in every schema
from shortfilm.store import campaign_tables, search_tables, template_tables  # noqa: E402,F401

__all__ = ["Base", "utcnow"]
