"""The campaign's tables: each variant's versions (and, as publishing grows, its renders and
publications). Kept apart from :mod:`shortfilm.store.tables` so each module stays one subject;
they share its ``Base``, so migrations and the model check see them as one schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortfilm.store.table_base import Base, utcnow


class VariantRow(Base):
    """One version of a variant (:class:`shortfilm.domain.production.Variant`): a new row per
    change, never an update in place. ``body`` is the variant as the spec writes it."""

    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("production_id", "name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    version: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(63))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every review decision on it: a stale one is refused (compare-and-swap)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublicationRow(Base):
    """One variant version sent to its account (:class:`shortfilm.domain.publishing.Publication`).

    ``state`` moves only along the domain's transitions, each move a compare-and-swap on the
    state it was seen in, written before the step after it is taken, so a killed process leaves
    a row that says how far it got. ``upload`` holds what the target answered for the media (a
    Postiz upload's ``{id, path}``), so a retry after a lost create finds the post by it."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("variant_id", "account"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    variant: Mapped[str] = mapped_column(String(63))
    variant_version: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(63))
    target: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mark: Mapped[str] = mapped_column(String(200))
    media_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    upload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    remote_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    remote_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    reason: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The post's figures as last imported or pulled (views, watch time, completion, ...)."""
    metrics_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
