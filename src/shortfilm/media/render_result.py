"""What a render wrote: the file, its length and frame, its measured loudness, what sits where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shortfilm.media.film import TimelineEntry
from shortfilm.media.loudness import Loudness


@dataclass(frozen=True)
class RenderResult:
    path: Path
    duration_s: float
    """Film length from the timeline (exact frames / fps), seconds."""
    width: int
    height: int
    loudness: Loudness
    """Measured on the written export (after AAC)."""
    timeline: list[TimelineEntry]
    silent: bool = False
    """The film has no sound at all (see :attr:`~shortfilm.media.film.FilmTimeline.silent`): its
    audio track is digital silence, not mastered to a loudness."""
