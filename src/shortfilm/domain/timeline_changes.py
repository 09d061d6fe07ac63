"""The changes a person makes to a timeline: trim, speed, sound, transitions, order, texts, music
and loudness.

Every function here is pure: it takes a timeline and returns a new one (already validated, so an
impossible change raises :class:`~shortfilm.domain.timeline_parts.TimelineError` and changes
nothing); texts and cues are fitted to the new length (:mod:`shortfilm.domain.timeline_fit`).
"""

from __future__ import annotations

from dataclasses import replace

from shortfilm.domain.production import ChannelLoudness
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_fit import incoming, joins_for, relayout
from shortfilm.domain.timeline_parts import (
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)


def _with_segment(tl: Timeline, clip: int, **changes: object) -> Timeline:
    index = tl.segment_index(clip)
    segments = list(tl.segments)
    segments[index] = replace(segments[index], **changes)  # type: ignore[arg-type]
    return relayout(tl, segments=segments)


def trim(tl: Timeline, clip: int, source_in: int | None, source_out: int | None) -> Timeline:
    """Play frames ``source_in``..``source_out`` of the clip's take (``None`` keeps that end)."""
    seg = tl.segments[tl.segment_index(clip)]
    return _with_segment(
        tl,
        clip,
        source_in=seg.source_in if source_in is None else source_in,
        source_out=seg.source_out if source_out is None else source_out,
    )


def set_speed(tl: Timeline, clip: int, speed: float) -> Timeline:
    return _with_segment(tl, clip, speed=float(speed))


def set_audio(tl: Timeline, clip: int, on: bool | None, gain_db: float | None) -> Timeline:
    seg = tl.segments[tl.segment_index(clip)]
    return _with_segment(
        tl,
        clip,
        audio=seg.audio if on is None else on,
        gain_db=seg.gain_db if gain_db is None else float(gain_db),
    )


def set_transition(tl: Timeline, clip: int, transition: Transition) -> Timeline:
    """Join into ``clip`` with ``transition``; the film's opening clip has nothing to join."""
    join = tl.join_into(clip)
    if join is None:
        raise TimelineError(
            f"clip-{clip:02d} opens the film: there is nothing before it to transition from"
        )
    transitions = list(tl.transitions)
    transitions[join] = transition
    return relayout(tl, transitions=transitions)


def move(tl: Timeline, clip: int, to: int) -> Timeline:
    """Put ``clip`` at 1-based place ``to`` among the segments.

    The transition into each clip travels with it. A clip that lands first with no title card
    before it loses its transition; the clip that moves out of first place takes the transition
    that was at the join it now fills.
    """
    if not 1 <= to <= len(tl.segments):
        raise TimelineError(f"--to must be 1-{len(tl.segments)} (places in the film), got {to}")
    order = list(tl.segments)
    seg = order.pop(tl.segment_index(clip))
    order.insert(to - 1, seg)
    return relayout(tl, segments=order, transitions=joins_for(tl, order, incoming(tl), tl))


def add_text(tl: Timeline, item: TextItem) -> Timeline:
    """Put ``item`` on the film (the title card is the film's leader: it is set in the spec)."""
    if item.kind is TextKind.TITLE_CARD:
        raise TimelineError(
            "the title card is the film's leader: change it in the spec (edit.title_card)"
        )
    return Timeline(tl.rate, tl.segments, tl.transitions, (*tl.texts, item), tl.audio)


def remove_text(tl: Timeline, kind: TextKind, which: str) -> tuple[Timeline, TextItem]:
    """Take one ``kind`` text off the film: ``which`` is its 1-based number among that kind (as
    ``edit show`` lists them) or its exact text. Returns the new timeline and what was removed."""
    if kind is TextKind.TITLE_CARD:
        raise TimelineError(
            "the title card is the film's leader: change it in the spec (edit.title_card)"
        )
    items = tl.texts_of(kind)
    label = kind.value.replace("_", " ")
    if not items:
        raise TimelineError(f"this edit has no {label}")
    if which.strip().isdigit():
        number = int(which)
        if not 1 <= number <= len(items):
            raise TimelineError(f"{label} {number}: this edit has {label}s 1-{len(items)}")
        gone = items[number - 1]
    else:
        matches = [t for t in items if t.text == which]
        if not matches:
            raise TimelineError(f"no {label} reads {which!r}")
        gone = matches[0]
    texts = list(tl.texts)
    texts.remove(gone)
    return Timeline(tl.rate, tl.segments, tl.transitions, tuple(texts), tl.audio), gone


def set_music(
    tl: Timeline,
    *,
    gain_db: float | None = None,
    fade_in: int | None = None,
    fade_out: int | None = None,
    duck_db: float | None = None,
) -> Timeline:
    """Change the music bed's level, fades or ducking (``None`` keeps a value)."""
    music = tl.audio.music
    if music is None:
        raise TimelineError("this edit has no music: add it in the spec (edit.music)")
    music = replace(
        music,
        gain_db=music.gain_db if gain_db is None else float(gain_db),
        fade_in=music.fade_in if fade_in is None else fade_in,
        fade_out=music.fade_out if fade_out is None else fade_out,
        duck_db=music.duck_db if duck_db is None else float(duck_db),
    )
    return relayout(tl, audio=replace(tl.audio, music=music))


def set_loudness(tl: Timeline, channel: str, lufs: float) -> Timeline:
    """Master ``channel`` to ``lufs`` (LUFS integrated)."""
    others = [x for x in tl.audio.loudness if x.channel.lower() != channel.strip().lower()]
    loudness = (*others, ChannelLoudness(channel.strip(), float(lufs)))
    return relayout(tl, audio=replace(tl.audio, loudness=loudness))
