"""Render plans for the render tests, written the way a production's spec writes its edit: an
:class:`EditIntent` in seconds over whole clips, laid out as the spec's cut
(:func:`~shortfilm.domain.timeline_ops.default_timeline`) exactly as the pipeline lays it out."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.production import EditIntent
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.media.film import RenderPlan, take_frames

RATE = Fraction(24)
WHOLE_CLIPS = EditIntent()
"""Every clip whole, joined by the spec's default 0.4 s crossfade."""


def spec_plan(
    clips: Sequence[Path],
    intent: EditIntent = WHOLE_CLIPS,
    *,
    rate: Fraction = RATE,
    music_file: Path | None = None,
) -> RenderPlan:
    """The plan playing ``intent`` over ``clips`` (clip ``i`` is ``clips[i - 1]``, played whole
    unless the intent cuts it) at ``rate``; ``music_file`` is the intent's music file."""
    sources = [
        TakeSource(clip=i, take=1, take_id=0, media_sha256="", frames=take_frames(p, rate))
        for i, p in enumerate(clips, start=1)
    ]
    return RenderPlan(default_timeline(intent, sources, rate), clips, music_file=music_file)
