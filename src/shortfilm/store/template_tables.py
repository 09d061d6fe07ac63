"""The table of templates: which production a production was made from (``shortfilm new SLUG
--from OTHER``), the board version it reuses by reference, and what it kept. Kept apart from
:mod:`shortfilm.store.tables` so each module stays one subject; it shares its ``Base``, so
migrations and the model check see one schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shortfilm.store.table_base import Base, utcnow


class TemplateRow(Base):
    """The lineage of a production made from another: one row per such production, never
    changed. ``board_id`` is the source's board version the new production uses *by reference*
    (its takes point at that row; no copy is made) until it adds a board version of its own,
    which ends the reference; the row is kept as the record of where it started."""

    __tablename__ = "production_templates"
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), primary_key=True)
    source_production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    board_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset_boards.id"), nullable=True, index=True
    )
    """The referenced board version; ``None`` when ``board`` was not kept."""
    kept: Mapped[list[Any]] = mapped_column(JSON)
    """What was kept of the source, in the ``--keep`` words (``["board", "style", ...]``)."""
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
