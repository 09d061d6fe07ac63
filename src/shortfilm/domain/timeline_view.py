"""An edit's timeline as the edit page draws it, read-only: its pictures (the title card and
the clips, each with the take and trim it plays), the joins between them and the texts over
them, all in seconds of the film and as a share of its length.

Read off the stored ``shortfilm.timeline/1`` form (:func:`~.timeline_json.timeline_from_json`,
the same reader the renderer trusts), so the page shows what a render would play.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_json import SCHEMA, timeline_from_json
from shortfilm.domain.timeline_parts import TimelineError


@dataclass(frozen=True)
class Span:
    """Where a piece sits on the film: seconds, and percent of the film (for drawing)."""

    start_s: float
    end_s: float
    left_pct: float
    width_pct: float


@dataclass(frozen=True)
class PictureView:
    name: str
    """``the title card`` or ``clip-02``."""
    detail: str
    """What plays: ``take-001, 0.00-12.50 s of the take`` (and its speed when not 1x)."""
    span: Span


@dataclass(frozen=True)
class JoinView:
    kind: str
    frames: int
    into: str
    """The picture the join leads into."""
    span: Span
    """The overlap of the two pictures (zero wide for a cut)."""


@dataclass(frozen=True)
class TextView:
    kind: str
    text: str
    subtitle: str
    span: Span


@dataclass(frozen=True)
class TimelineView:
    duration_s: float
    rate: str
    pictures: tuple[PictureView, ...]
    joins: tuple[JoinView, ...]
    texts: tuple[TextView, ...]
    ticks: tuple[tuple[float, float], ...]
    """``(seconds, percent)`` of each ruler mark, every :func:`ruler_step` seconds."""


RULER_STEPS = (5, 10, 15, 30, 60, 120, 300, 600)
"""Seconds between ruler marks, the first that keeps a film within :data:`RULER_MARKS`."""
RULER_MARKS = 12
"""Most marks on the ruler: their time codes stay legible at a desktop's width, and at a
phone's every other one is shown (``app.css``)."""


def ruler_step(seconds: float) -> int:
    """Seconds between the ruler's marks for a film of ``seconds``: every 5 s for the 50 s
    example, every 15 s for three minutes, every minute for ten (marks every 5 s would crowd
    a 10-minute film's ruler at 12 px apart on a desktop)."""
    return next((s for s in RULER_STEPS if seconds / s <= RULER_MARKS), RULER_STEPS[-1])


def timeline_view(tl: Timeline) -> TimelineView:
    """The drawing of ``tl``: every position is exact frames turned into seconds and percent."""
    total = max(tl.total_frames, 1)

    def span(start: int, end: int) -> Span:
        return Span(
            round(float(tl.seconds(start)), 3),
            round(float(tl.seconds(end)), 3),
            round(100 * start / total, 3),
            round(100 * max(end - start, 0) / total, 3),
        )

    starts, lengths, names = tl.starts, tl.picture_frames, tl.picture_names
    lead = 1 if tl.title is not None else 0
    pictures = []
    for i, (start, frames, name) in enumerate(zip(starts, lengths, names, strict=True)):
        if i < lead:
            detail = "title card"
        else:
            seg = tl.segments[i - lead]
            trim = f"{float(tl.seconds(seg.source_in)):.2f}-{float(tl.seconds(seg.source_out)):.2f}"
            speed = f", at {seg.speed:g}x" if seg.speed != 1 else ""
            detail = f"take-{seg.take:03d}, {trim} s of the take{speed}"
        pictures.append(PictureView(name, detail, span(start, start + frames)))
    joins = tuple(
        JoinView(str(t.kind), t.frames, names[i + 1], span(starts[i + 1], starts[i + 1] + t.frames))
        for i, t in enumerate(tl.transitions)
    )
    texts = tuple(TextView(str(t.kind), t.text, t.subtitle, span(t.start, t.end)) for t in tl.texts)
    seconds = float(tl.duration)
    step = ruler_step(seconds)
    ticks = tuple(
        (float(at), round(100 * at / seconds, 3)) for at in range(0, int(seconds) + 1, step)
    )
    return TimelineView(round(seconds, 3), str(tl.rate), tuple(pictures), joins, texts, ticks)


def stored_timeline_view(data: Mapping[str, Any]) -> TimelineView | None:
    """The drawing of a stored timeline; ``None`` for a form older than :data:`SCHEMA` (it
    needs its takes' lengths to be read: ``shortfilm edit`` rewrites it) or one that does not
    read."""
    if data.get("schema") != SCHEMA:
        return None
    try:
        return timeline_view(timeline_from_json(data))
    except (TimelineError, KeyError, TypeError, ValueError):
        return None
