"""The edit as a timeline: which part of which take plays when, how pictures join, what is written
on screen and what is heard. The vocabulary follows OpenTimelineIO (timeline, clip, transition,
marker), sized to a short film of one picture track.

Time is exact. Every position and length is a whole number of frames at the timeline ``rate``
(a :class:`~fractions.Fraction`, e.g. 24 or 24000/1001); seconds appear only in messages and in
:meth:`Timeline.seconds`, for people and for ffmpeg arguments.

The film is a *picture sequence*: the title card (when there is one) as a leader of
``title.end`` frames, then the segments in order. Neighbouring pictures overlap by the length of
the transition between them, so ``transitions`` holds exactly one entry per join, in film order
(join 0 is card -> first segment when there is a card). A cut is a transition of 0 frames.

A segment's source in/out are frames of its take counted at the timeline rate: every take is
conformed to the film's rate before it is cut, so a 30 fps phone clip and a 24 fps generation are
trimmed in the same unit. Its length on the film is ``(out - in) / speed`` frames, rounded.

A timeline cannot be built invalid: the constructor checks it and raises
:class:`TimelineError` (bad input, exit 2) with a sentence naming the clip or text at fault.

The parts of a timeline are :mod:`shortfilm.domain.timeline_parts`'s; its stored form is
:mod:`shortfilm.domain.timeline_json`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline_parts import (
    DIRECTIONS,
    HOOK_WITHIN_S,
    LUFS_RANGE,
    MAX_DUCK_DB,
    SOUND_KINDS,
    SPEED_RANGE,
    AudioPlan,
    Segment,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)

_BOTTOM = (TextKind.CAPTION, TextKind.LOWER_THIRD)
"""Text kinds that share the bottom third, so they must not be on screen at once."""


_TEXT_ORDER = {kind: i for i, kind in enumerate(TextKind)}


@dataclass(frozen=True)
class Timeline:
    """The whole edit. Raises :class:`TimelineError` when built with anything unplayable."""

    rate: Fraction
    segments: tuple[Segment, ...]
    transitions: tuple[Transition, ...]
    """One per join of the picture sequence (title card, then segments), in film order."""
    texts: tuple[TextItem, ...] = ()
    audio: AudioPlan = field(default_factory=AudioPlan)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", Fraction(self.rate))
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        texts = sorted(
            self.texts, key=lambda t: (t.start, t.end, _TEXT_ORDER[t.kind], t.text, t.subtitle)
        )
        object.__setattr__(self, "texts", tuple(texts))
        _validate(self)

    # -- layout -----------------------------------------------------------------------------

    @property
    def title(self) -> TextItem | None:
        """The title card, which is also the film's leader."""
        return next((t for t in self.texts if t.kind is TextKind.TITLE_CARD), None)

    @property
    def leader_frames(self) -> int:
        title = self.title
        return title.end if title is not None else 0

    @property
    def picture_frames(self) -> tuple[int, ...]:
        """Frames of each picture of the sequence: the title card (if any), then the segments."""
        lead = (self.leader_frames,) if self.title is not None else ()
        return lead + tuple(s.frames for s in self.segments)

    @property
    def picture_names(self) -> tuple[str, ...]:
        lead = ("the title card",) if self.title is not None else ()
        return lead + tuple(s.name for s in self.segments)

    @property
    def starts(self) -> tuple[int, ...]:
        """Film frame where each picture begins (it overlaps the previous one by the join)."""
        out, at = [], 0
        joins = (0, *(t.frames for t in self.transitions))
        for n, join in zip(self.picture_frames, joins, strict=True):
            at -= join
            out.append(at)
            at += n
        return tuple(out)

    @property
    def total_frames(self) -> int:
        return sum(self.picture_frames) - sum(t.frames for t in self.transitions)

    @property
    def duration(self) -> Fraction:
        """Exact film length, seconds."""
        return self.seconds(self.total_frames)

    def seconds(self, frames: int | Fraction) -> Fraction:
        return Fraction(frames) / self.rate

    def frames_at(self, seconds: float | Fraction) -> int:
        """Seconds as the nearest whole frame at this rate (see :func:`frames_for`)."""
        return frames_for(seconds, self.rate)

    def segment_index(self, clip: int) -> int:
        """Where ``clip`` sits among the segments; :class:`TimelineError` if not in the film."""
        for i, seg in enumerate(self.segments):
            if seg.clip == clip:
                return i
        raise TimelineError(f"clip-{clip:02d} is not in this edit")

    def join_into(self, clip: int) -> int | None:
        """Index in ``transitions`` of the join into ``clip``; ``None`` when it opens the film."""
        index = self.segment_index(clip) + (1 if self.title is not None else 0)
        return index - 1 if index > 0 else None

    def texts_of(self, kind: TextKind) -> tuple[TextItem, ...]:
        return tuple(t for t in self.texts if t.kind is kind)


def frames_for(seconds: float | Fraction, rate: Fraction) -> int:
    """``seconds`` as the nearest whole frame at ``rate`` (decimals taken as written)."""
    exact = seconds if isinstance(seconds, Fraction) else Fraction(repr(float(seconds)))
    return round(exact * rate)


# -- validation ----------------------------------------------------------------------------


def _fmt(frames: int | Fraction, rate: Fraction) -> str:
    return f"{float(Fraction(frames) / rate):.3f} s"


def _validate(tl: Timeline) -> None:
    rate = tl.rate
    if rate <= 0:
        raise TimelineError(f"timeline rate must be > 0 frames per second, got {rate}")
    if not tl.segments:
        raise TimelineError("a timeline needs at least one clip")
    seen: set[int] = set()
    for seg in tl.segments:
        _validate_segment(seg, rate)
        if seg.clip in seen:
            raise TimelineError(f"{seg.name} is in the edit twice; a clip plays once")
        seen.add(seg.clip)
    titles = tl.texts_of(TextKind.TITLE_CARD)
    if len(titles) > 1:
        raise TimelineError("only one title card can open the film")
    if titles and titles[0].start != 0:
        raise TimelineError(
            f"the title card opens the film, so it starts at 0, not {_fmt(titles[0].start, rate)}"
        )
    frames, names = tl.picture_frames, tl.picture_names
    if len(tl.transitions) != len(frames) - 1:
        raise TimelineError(
            f"{len(frames)} pictures need {len(frames) - 1} transitions, got {len(tl.transitions)}"
        )
    for k, tr in enumerate(tl.transitions):
        _validate_transition(tr, names[k + 1])
    joins = [0, *(t.frames for t in tl.transitions), 0]
    for k, (n, name) in enumerate(zip(frames, names, strict=True)):
        incoming, outgoing = joins[k], joins[k + 1]
        for j, length in ((k - 1, incoming), (k, outgoing)):
            if length > n:
                tr = tl.transitions[j]
                raise TimelineError(
                    f"the {tr.kind} into {names[j + 1]} ({length} frames) is longer than {name} "
                    f"({n} frames, {_fmt(n, rate)})"
                )
        if incoming + outgoing and n <= incoming + outgoing:
            kinds = [
                f"{tl.transitions[j].kind} of {tl.transitions[j].frames}"
                for j in (k - 1, k)
                if 0 <= j < len(tl.transitions) and tl.transitions[j].frames
            ]
            raise TimelineError(
                f"{name} is {n} frames ({_fmt(n, rate)}), too short for its transitions "
                f"({' + '.join(kinds)} frames): shorten the transitions or trim less"
            )
    total = tl.total_frames
    _validate_texts(tl, total)
    _validate_audio(tl.audio, total, rate)


def _validate_segment(seg: Segment, rate: Fraction) -> None:
    name = seg.name
    if seg.clip < 1 or seg.take < 1:
        raise TimelineError(f"{name}: clip and take numbers start at 1")
    if seg.source_in < 0:
        raise TimelineError(f"{name}: in ({seg.source_in} frames) must be >= 0")
    if seg.source_in >= seg.source_out:
        raise TimelineError(
            f"{name}: in ({_fmt(seg.source_in, rate)}) must be before out "
            f"({_fmt(seg.source_out, rate)})"
        )
    low, high = SPEED_RANGE
    if not math.isfinite(seg.speed) or not low <= seg.speed <= high:
        raise TimelineError(f"{name}: speed must be {low}-{high}, got {seg.speed:g}")
    if not math.isfinite(seg.gain_db):
        raise TimelineError(f"{name}: gain must be a number of dB")


def _validate_transition(tr: Transition, into: str) -> None:
    if tr.kind is TransitionKind.CUT and tr.frames != 0:
        raise TimelineError(
            f"the cut into {into} lasts {tr.frames} frames, but a cut has no length"
        )
    if tr.kind is not TransitionKind.CUT and tr.frames <= 0:
        raise TimelineError(f"the {tr.kind} into {into} needs a length above 0 frames")
    if tr.direction not in DIRECTIONS:
        raise TimelineError(
            f"the {tr.kind} into {into}: direction must be one of {', '.join(DIRECTIONS)}"
        )


def _validate_texts(tl: Timeline, total: int) -> None:
    rate = tl.rate
    for t in tl.texts:
        label = f"{t.kind.value.replace('_', ' ')} {t.text!r}"
        if not t.text.strip():
            raise TimelineError(f"{t.kind.value.replace('_', ' ')} has no text")
        if t.start >= total:
            raise TimelineError(
                f"{label} starts at {_fmt(t.start, rate)}, after the film ends "
                f"({_fmt(total, rate)})"
            )
        if t.start < 0 or t.end <= t.start:
            raise TimelineError(
                f"{label}: needs 0 <= start < end, got {_fmt(t.start, rate)}-{_fmt(t.end, rate)}"
            )
        if t.end > total:
            raise TimelineError(
                f"{label} ends at {_fmt(t.end, rate)}, after the film ends ({_fmt(total, rate)})"
            )
        if t.kind is TextKind.HOOK and t.start > HOOK_WITHIN_S * rate:
            raise TimelineError(
                f"{label} starts at {_fmt(t.start, rate)}: a hook is on screen within the first "
                f"{HOOK_WITHIN_S} s"
            )
    for kind in (TextKind.HOOK, TextKind.END_CARD):
        if len(tl.texts_of(kind)) > 1:
            raise TimelineError(f"only one {kind.value.replace('_', ' ')} per film")
    bottom = [t for t in tl.texts if t.kind in _BOTTOM]
    for a, b in zip(bottom, bottom[1:], strict=False):
        if b.start < a.end:
            raise TimelineError(
                f"{b.kind.value.replace('_', ' ')} {b.text!r} ({_fmt(b.start, rate)}) overlaps "
                f"{a.kind.value.replace('_', ' ')} {a.text!r} (until {_fmt(a.end, rate)}): "
                "they share the bottom of the frame"
            )


def _validate_audio(audio: AudioPlan, total: int, rate: Fraction) -> None:
    for cue in audio.sfx:
        label = f"sound {cue.kind} at {_fmt(cue.at, rate)}"
        if cue.kind not in SOUND_KINDS:
            raise TimelineError(f"{label}: unknown kind; use one of {', '.join(SOUND_KINDS)}")
        if cue.at < 0:
            raise TimelineError(f"{label}: must be at or after the film's start")
        if cue.at >= total:
            raise TimelineError(f"{label} starts after the film ends ({_fmt(total, rate)})")
        if cue.frames is not None and cue.frames <= 0:
            raise TimelineError(f"{label}: length must be above 0 frames")
        if not math.isfinite(cue.gain_db):
            raise TimelineError(f"{label}: gain must be a number of dB")
    music = audio.music
    if music is not None:
        for what, value in (("fade-in", music.fade_in), ("fade-out", music.fade_out)):
            if value is not None and value < 0:
                raise TimelineError(f"music {what} must be >= 0 frames, got {value}")
        fades = (music.fade_in or 0) + (music.fade_out or 0)
        if fades > total:
            raise TimelineError(
                f"music fades ({_fmt(fades, rate)}) are longer than the film ({_fmt(total, rate)})"
            )
        if not 0 <= music.duck_db <= MAX_DUCK_DB:
            raise TimelineError(
                f"music ducking must be 0-{MAX_DUCK_DB:g} dB, got {music.duck_db:g}"
            )
    low, high = LUFS_RANGE
    channels: set[str] = set()
    for item in audio.loudness:
        if not low <= item.lufs <= high:
            raise TimelineError(
                f"loudness of {item.channel}: {item.lufs:g} LUFS is outside {low:g} to {high:g}"
            )
        if item.channel.lower() in channels:
            raise TimelineError(f"loudness of {item.channel} is given twice")
        channels.add(item.channel.lower())
