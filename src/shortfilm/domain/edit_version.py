"""An Edit version: one stored timeline of a production, and who made it from which cut.

The store returns these (``store/edits.py``); the edit stage reads, changes and saves them
without touching rows. A version changed by a person carries ``edited_by``, ``via``, ``what``
and ``base`` (the spec's cut their changes are relative to); the spec's own cut has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from shortfilm.domain.carry import CarriedEdits
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_json import timeline_to_json

RATE = Fraction(24)
"""The timeline rate of new edits: the rate every generator renders at (``CLIP_FPS``)."""


@dataclass(frozen=True)
class EditVersion:
    """One Edit version as read back: its timeline and, for a person's version, its origin."""

    slug: str
    edit_id: int
    version: int
    timeline: Timeline
    edited_by: str | None = None
    """The person who made this version, ``None`` for the spec's cut."""
    via: str | None = None
    """``cli`` or ``import`` for a person's version."""
    what: str = ""
    base: Timeline | None = None
    """The spec's cut the person's changes are relative to."""
    carried: CarriedEdits | None = None
    """Set by :func:`record_edit` on a version it made by carrying a person's changes over a
    new cut: what was kept, clamped and dropped (not stored apart from ``what``)."""

    def to_json(self) -> dict[str, Any]:
        """The stored timeline plus where each picture sits on the film (seconds, for people)."""
        tl = self.timeline
        names = (["title"] if tl.title is not None else []) + [s.name for s in tl.segments]
        film = [
            {
                "picture": name,
                "start_s": round(float(tl.seconds(start)), 3),
                "end_s": round(float(tl.seconds(start + n)), 3),
            }
            for name, start, n in zip(names, tl.starts, tl.picture_frames, strict=True)
        ]
        return {
            "slug": self.slug,
            "version": self.version,
            "edited_by": self.edited_by,
            "via": self.via,
            "what": self.what,
            "duration_s": round(float(tl.duration), 3),
            "film": film,
            "timeline": timeline_to_json(tl),
        }


@dataclass(frozen=True)
class TakeIdentity:
    """The stored take a clip shows."""

    clip: int
    take: int
    take_id: int
    media_sha256: str
