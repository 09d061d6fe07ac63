"""What a production's export links together in ``lineage.json``: each clip's prompt version and
takes, and the edit, as the store holds them.

Plain values read once from the store, so the export writes them without holding rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TakeLineage:
    """One take of a clip: who made it, at what cost, what came of it."""

    number: int
    status: str
    provider: str
    model: str
    job_id: str | None
    cost: float
    notes: str
    error: str | None
    video_sha256: str | None
    keyframe_id: int | None


@dataclass(frozen=True)
class ClipLineage:
    """A clip, its newest prompt version and its takes (by number)."""

    position: int
    prompt_version: int | None
    """``None`` for a clip with no prompt version yet."""
    prompt_sections: Mapping[str, Any]
    """The newest prompt version's sections (its ``frames`` name the clip's frame images)."""
    selected_take_id: int | None
    takes: tuple[TakeLineage, ...]


@dataclass(frozen=True)
class EditLineage:
    """The production's newest edit version and its timeline data."""

    version: int
    timeline: Mapping[str, Any]
