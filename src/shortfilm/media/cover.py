"""The cover image of an export: one frame of the film at the preset's size, with the title.

Channels show a cover before anyone presses play (YouTube's thumbnail, the Reels grid, a feed
post's poster), and the frame they pick by themselves is often a blur mid-transition. The cover
is the frame the hook sits on (the film's promise) or, without a hook, a second into the first
clip (past any fade in), cropped to fill the frame, with the title in the safe area at the top,
placed by :mod:`shortfilm.media.text_layout` clear of the take's shot-tag slot (which
:mod:`shortfilm.media.take_tags` keeps inside the crop).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageOps

from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import TextKind
from shortfilm.media.overlays import grab_frame
from shortfilm.media.presets import Preset
from shortfilm.media.take_tags import reserved_slots
from shortfilm.media.text_layout import Block, Box, draw_block, solve


def cover_source(timeline: Timeline) -> tuple[int, Fraction]:
    """Which segment (index into ``timeline.segments``) and which second of its file to show.

    The film frame is the hook's first frame, else one second into the first clip (clamped to
    the clip); it is mapped back through the segment's trim and speed to the take's own time.
    """
    hooks = timeline.texts_of(TextKind.HOOK)
    lead = 1 if timeline.title is not None else 0
    starts = timeline.starts[lead:]
    if hooks:
        at = hooks[0].start
        index = max((i for i, s in enumerate(starts) if s <= at), default=0)
    else:
        index = 0
        at = starts[0] + min(round(timeline.rate), timeline.segments[0].frames - 1)
    seg = timeline.segments[index]
    into = min(max(0, at - starts[index]), seg.frames - 1)
    source_frame = seg.source_in + into * seg.speed_ratio
    return index, timeline.seconds(source_frame)


def cover_image(
    timeline: Timeline, clips: Sequence[Path], preset: Preset, title: str
) -> Image.Image:
    """An RGB image of ``preset.size``: the chosen frame (see :func:`cover_source`) filling the
    frame, and ``title`` drawn like the hook, inside the preset's safe area.

    ``clips`` holds each segment's file in film order. :class:`MediaError` for an unreadable clip,
    :class:`~shortfilm.media.text_layout.TextFitError` for a title that fits no size or slot.
    """
    index, at_s = cover_source(timeline)
    frame = grab_frame(clips[index], float(at_s))
    picture = ImageOps.fit(frame.convert("RGB"), preset.size, Image.Resampling.LANCZOS)
    if title.strip():
        (placed,) = solve(
            [Block("cover title", TextKind.HOOK.value, title)],
            preset.size,
            Box(*preset.safe.box(*preset.size)),
            reserved=reserved_slots([frame.size], preset, "cover"),
            where=f"cover of preset {preset.name}",
        )
        canvas = picture.convert("RGBA")
        draw_block(canvas, placed)
        picture = canvas.convert("RGB")
    return picture


def write_cover(
    timeline: Timeline, clips: Sequence[Path], preset: Preset, title: str, out: Path
) -> Path:
    """Write :func:`cover_image` to ``out`` as a JPEG (quality 90): a photograph, so a few
    hundred kB where a PNG would be megabytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cover_image(timeline, clips, preset, title).save(out, "JPEG", quality=90)
    return out
