"""Caption sidecars: the timeline's captions and hook as SubRip (``.srt``) and WebVTT (``.vtt``).

Platforms burn nothing in for us but accept a caption file next to the upload (YouTube, TikTok
and LinkedIn take SRT; the web player and Instagram's tools take WebVTT), and a caption file is
what makes a muted autoplay readable and the film accessible. The times come from the timeline's
frames, converted exactly (:class:`fractions.Fraction`) and rounded once to the millisecond, so a
cue starts on the frame its text appears on the film.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import TextKind

SIDECAR_KINDS = (TextKind.HOOK, TextKind.CAPTION)
"""Text kinds written to the sidecars: what is said or read, not name tags or the end card."""


@dataclass(frozen=True)
class Cue:
    """One caption on the film, in whole milliseconds (end exclusive)."""

    start_ms: int
    end_ms: int
    text: str


def frames_to_ms(frames: int, rate: Fraction) -> int:
    """Film frames at ``rate`` as milliseconds, rounded half up (exact arithmetic)."""
    return math.floor(Fraction(frames) * 1000 / Fraction(rate) + Fraction(1, 2))


def cues(timeline: Timeline) -> list[Cue]:
    """The hook and caption items of ``timeline`` in film order (start, then end)."""
    items = [t for t in timeline.texts if t.kind in SIDECAR_KINDS]
    out = [
        Cue(frames_to_ms(t.start, timeline.rate), frames_to_ms(t.end, timeline.rate), t.text)
        for t in items
    ]
    return sorted(out, key=lambda c: (c.start_ms, c.end_ms))


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _lines(text: str) -> str:
    """Cue text without blank lines, which would end the cue early in both formats."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(kept)


def _vtt_text(text: str) -> str:
    """Cue text as WebVTT cue text: ``&``, ``<`` and ``>`` as the character references the
    WebVTT spec names (``&amp;`` ``&lt;`` ``&gt;``), so a caption such as ``Tom & Jerry <b>`` is
    shown as written instead of opening a bold span or a broken reference."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt(timeline: Timeline) -> str:
    """SubRip text: numbered cues from 1, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, a blank line after
    each. Empty when the timeline has no captions or hook.

    SubRip has no escape: the text is written as it is (``&`` stays ``&``; players that read
    ``<b>``-style tags in SRT will read them in a caption too); only ``-->`` becomes ``->``."""
    blocks = [
        f"{i}\n{_clock(c.start_ms, ',')} --> {_clock(c.end_ms, ',')}\n{text}\n"
        for i, c in enumerate(cues(timeline), start=1)
        # "-->" on a text line would read as a timing line
        for text in [_lines(c.text).replace("-->", "->")]
    ]
    return "\n".join(blocks)


def webvtt(timeline: Timeline) -> str:
    """WebVTT text: the ``WEBVTT`` header, then numbered cues with ``HH:MM:SS.mmm`` times; the
    cue text escaped (see :func:`_vtt_text`), so it is read as text, never as markup."""
    blocks = [
        f"{i}\n{_clock(c.start_ms, '.')} --> {_clock(c.end_ms, '.')}\n{text}\n"
        for i, c in enumerate(cues(timeline), start=1)
        for text in [_vtt_text(_lines(c.text))]
    ]
    return "\n".join(["WEBVTT\n", *blocks])
