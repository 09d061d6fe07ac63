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
