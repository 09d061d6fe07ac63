"""A render: one finished export of an Edit version for one channel preset, as the renders table
keeps it (the file by content hash, what was measured on it, and whether it passed its checks).

Review drafts are not renders: they are files only (see :mod:`shortfilm.edit.assemble`), so the
final review and publishing, which read renders, never take a draft for the publishable film.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Render:
    """An export of Edit ``edit_id`` for ``preset``; at most one per edit and preset."""

    edit_id: int
    preset: str
    sha256: str
    """The export's bytes in the artifact store."""
    duration_s: float
    """Film length from the timeline (exact frames / fps), seconds."""
    width: int
    height: int
    integrated_lufs: float
    true_peak_dbtp: float
    status: str = "passed"
    """``passed`` or ``failed`` (:mod:`shortfilm.media.verify`); ``unchecked`` for renders made
    before verification existed. Only a passed render is reused."""
    checks: Mapping[str, Any] = field(default_factory=dict)
    """``{"reasons": [...], "measured": {...}}``: why it failed and the figures read back."""
    srt_sha256: str | None = None
    """The SubRip caption sidecar (``None`` for renders made before sidecars existed)."""
    vtt_sha256: str | None = None
    """The WebVTT caption sidecar."""
    cover_sha256: str | None = None
    """The cover image (JPEG at the preset's size)."""
    id: int | None = None
    """The stored render's id; ``None`` before it is stored."""
    revision: int = 0
    """Bumped by every review decision on it (compare-and-swap)."""

    @property
    def stored_id(self) -> int:
        """The id of a render read back from the store (review and publishing only see those)."""
        if self.id is None:
            raise ValueError(f"the {self.preset} render is not stored yet: it has no id")
        return self.id

    @property
    def passed(self) -> bool:
        return self.status == "passed"
