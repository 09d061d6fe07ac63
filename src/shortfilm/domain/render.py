"""A stored render: one edit version exported with one channel preset, as review and publishing
read it back from the store."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Render:
    """One ``renders`` row: the file, its caption and cover sidecars, and what its checks said."""

    id: int
    preset: str
    sha256: str
    duration_s: float
    """Seconds, read back from the file."""
    width: int
    height: int
    integrated_lufs: float
    status: str
    """``passed`` or ``failed`` (its checks); ``unchecked`` for renders made before checks."""
    srt_sha256: str | None
    vtt_sha256: str | None
    cover_sha256: str | None
    revision: int
    """Bumped by every review decision on it (compare-and-swap)."""
