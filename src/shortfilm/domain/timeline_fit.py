"""Laying a timeline out again after a change: its joins, and its texts and cues fitted to its new
length.

Text and sound cues sit at absolute film times, like markers in an editor: when a change makes
the film shorter, what would start after the end is dropped and what would run past it is cut at
the end; an end card that closed the film moves with the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import (
    CUT,
    AudioPlan,
    Segment,
    TextItem,
    TextKind,
    Transition,
)


def film_frames(segments: Sequence[Segment], transitions: Sequence[Transition], leader: int) -> int:
    """Length of a film of these pictures (leader 0: no title card), before it is checked."""
    return leader + sum(s.frames for s in segments) - sum(t.frames for t in transitions)


def incoming(tl: Timeline) -> dict[int, Transition]:
    """The transition into each clip, by clip position (the film's opening clip has none)."""
    offset = 1 if tl.title is not None else 0
    out: dict[int, Transition] = {}
    for k, seg in enumerate(tl.segments):
        join = k + offset - 1
        if join >= 0:
            out[seg.clip] = tl.transitions[join]
    return out


def usual_transition(tl: Timeline) -> Transition:
    """The timeline's most common transition (a cut when there is none): what a new join gets."""
    if not tl.transitions:
        return CUT
    return Counter(tl.transitions).most_common(1)[0][0]


def relayout(
    tl: Timeline,
    *,
    segments: Sequence[Segment] | None = None,
    transitions: Sequence[Transition] | None = None,
    texts: Iterable[TextItem] | None = None,
    audio: AudioPlan | None = None,
) -> Timeline:
    """``tl`` with some parts replaced, texts and cues fitted to the new length (see module)."""
    return fitted_timeline(
        tl.rate,
        tl.segments if segments is None else segments,
        tl.transitions if transitions is None else transitions,
        tl.texts if texts is None else texts,
        tl.audio if audio is None else audio,
        previous_total=tl.total_frames,
    )


def fitted_timeline(
    rate: Fraction,
    segments: Sequence[Segment],
    transitions: Sequence[Transition],
    texts: Iterable[TextItem],
    audio: AudioPlan,
    *,
    previous_total: int | None = None,
) -> Timeline:
    """A timeline of these parts with texts and cues fitted to its length (see module).

    An end card that ended at ``previous_total`` (the film's old end) moves to the new end.
    """
    segments, transitions, texts = tuple(segments), tuple(transitions), tuple(texts)
    title = next((t for t in texts if t.kind is TextKind.TITLE_CARD), None)
    total = film_frames(segments, transitions, title.end if title else 0)
    fitted: list[TextItem] = []
    for t in texts:
        if t.kind is TextKind.END_CARD and t.end == previous_total and total != previous_total:
            length = t.end - t.start
            t = replace(t, start=max(0, total - length), end=total)
        if t.start >= total:
            continue
        fitted.append(replace(t, end=min(t.end, total)))
    sfx = tuple(c for c in audio.sfx if c.at < total)
    return Timeline(
        rate=rate,
        segments=segments,
        transitions=transitions,
        texts=tuple(fitted),
        audio=replace(audio, sfx=sfx),
    )


def joins_for(
    tl: Timeline,
    order: Sequence[Segment],
    into: Mapping[int, Transition],
    fallback: Timeline,
    has_title: bool | None = None,
) -> list[Transition]:
    """Joins for ``order``: ``into`` a clip when known, else what ``fallback`` has at that join."""
    title = (tl.title is not None) if has_title is None else has_title
    pictures = order if title else order[1:]
    out = []
    for k, seg in enumerate(pictures):
        if seg.clip in into:
            out.append(into[seg.clip])
        elif k < len(fallback.transitions):
            out.append(fallback.transitions[k])
        else:
            out.append(usual_transition(fallback))
    return out
