"""The declarative base every table shares, so the schema is one ``Base.metadata`` however many
modules its tables live in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime | None) -> datetime | None:
    """SQLite gives back the times it was given without their zone: they were UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}
