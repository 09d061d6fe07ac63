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
:func:`timeline_to_json` / :func:`timeline_from_json` give the stored form, labelled
``shortfilm.timeline/1``; :func:`upgrade_timeline_json` turns the dicts that earlier versions
stored for an Edit into that form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from shortfilm.domain.production import ChannelLoudness, SoundKind, TransitionKind
from shortfilm.errors import InputError

SCHEMA = "shortfilm.timeline/1"
"""The label every stored timeline carries; bump the number and add an upgrade when the shape
changes."""

DEFAULT_RATE = Fraction(24)
"""Rate assumed for timelines stored before the rate was recorded (the generators' rate)."""

SPEED_RANGE = (0.25, 4.0)
"""Slowest and fastest playback speed a segment may have."""

DEFAULT_LUFS = -14.0
"""Integrated loudness of a channel the timeline names no target for (LUFS)."""

LUFS_RANGE = (-36.0, -6.0)
"""Loudness targets accepted (LUFS): quieter is inaudible on a phone, louder only distorts."""

HOOK_WITHIN_S = 3
"""A hook must be on screen within this many seconds of the film's start."""

MAX_DUCK_DB = 40.0
"""The deepest the music may dip under sound effects (dB)."""

DIRECTIONS = ("left", "right", "up", "down")
"""Directions of ``whip`` and ``slide`` transitions (where the new picture moves to)."""

SOUND_KINDS = (*(k.value for k in SoundKind), "drone")
"""Sound-effect kinds the renderer can synthesise."""


class TimelineError(InputError):
    """A timeline that cannot be played as asked: an overlap, an empty trim, a transition longer
    than a picture, text off the film. Bad input: exit 2, nothing stored."""


class TextKind(StrEnum):
    """What a text item is, which decides where and how it is drawn."""

    TITLE_CARD = "title_card"
    """A full-frame card that opens the film (its leader): start is always 0."""
    HOOK = "hook"
    """Large text at the top in the first seconds."""
    CAPTION = "caption"
    """A subtitle-like line in the bottom third."""
    LOWER_THIRD = "lower_third"
    """A name or place tag, bottom left."""
    END_CARD = "end_card"
    """Text centred over the film's last seconds."""


_BOTTOM = (TextKind.CAPTION, TextKind.LOWER_THIRD)
"""Text kinds that share the bottom third, so they must not be on screen at once."""


@dataclass(frozen=True)
class Segment:
    """One clip's take on the film: the part used, its speed and its sound."""

    clip: int
    """1-based clip position in the production (not the place in the film)."""
    take: int
    """Take number within the clip."""
    take_id: int
    """The take's id in the store; 0 for media that is not a stored take (a test clip)."""
    media_sha256: str
    """Content hash of the take's video file ("" for media not in the store)."""
    source_in: int
    """First frame used, counted in the take at the timeline rate."""
    source_out: int
    """Frame after the last one used (exclusive)."""
    speed: float = 1.0
    """Playback speed, within :data:`SPEED_RANGE`."""
    audio: bool = True
    """Whether the take's own sound is heard."""
    gain_db: float = 0.0
    """Gain of the take's sound (dB)."""

    @property
    def name(self) -> str:
        return f"clip-{self.clip:02d}"

    @property
    def speed_ratio(self) -> Fraction:
        """The speed as an exact ratio (the decimal written, e.g. 1.5 -> 3/2)."""
        return Fraction(repr(float(self.speed))).limit_denominator(10_000)

    @property
    def frames(self) -> int:
        """Frames the segment lasts on the film: the trim played at its speed."""
        return max(1, round(Fraction(self.source_out - self.source_in) / self.speed_ratio))


@dataclass(frozen=True)
class Transition:
    """How one picture gives way to the next, over ``frames`` frames (0 for a cut)."""

    kind: TransitionKind = TransitionKind.CROSSFADE
    frames: int = 0
    direction: str = "left"
    """For ``whip`` and ``slide``: where the new picture moves to; other kinds keep ``left``."""

    def __post_init__(self) -> None:
        try:
            kind = TransitionKind(self.kind)
        except ValueError:
            known = ", ".join(k.value for k in TransitionKind)
            raise TimelineError(f"{self.kind!r} is not a transition: use one of {known}") from None
        object.__setattr__(self, "kind", kind)
        if kind not in (TransitionKind.WHIP, TransitionKind.SLIDE):
            # a direction means nothing here: equal transitions must compare (and hash) equal
            object.__setattr__(self, "direction", "left")


CUT = Transition(TransitionKind.CUT, 0)


@dataclass(frozen=True)
class TextItem:
    """Text on the film from ``start`` to ``end`` (frames on the film, end exclusive)."""

    kind: TextKind
    text: str
    start: int
    end: int
    subtitle: str = ""
    """The title card's second line; empty for other kinds."""


@dataclass(frozen=True)
class SoundCue:
    """A synthesised sound effect starting at film frame ``at``."""

    kind: str
    """One of :data:`SOUND_KINDS`."""
    at: int
    gain_db: float = 0.0
    frames: int | None = None
    """Length in frames; ``None`` is the kind's natural length (ambience: to the film's end)."""


@dataclass(frozen=True)
class MusicBed:
    """The music under the whole film."""

    path: str | None = None
    """A file relative to the spec's folder (stored with the production); ``None``: drone bed."""
    gain_db: float = -18.0
    fade_in: int | None = None
    """Frames of fade-in; ``None``: the automatic fades (1 s in / 2 s out for a music file)."""
    fade_out: int | None = None
    duck_db: float = 0.0
    """dB the bed dips under impacts and whooshes (ambience never ducks it); 0: no ducking."""


@dataclass(frozen=True)
class AudioPlan:
    """Sound beyond the takes' own: effects, music, and the loudness each channel is mastered to."""

    sfx: tuple[SoundCue, ...] = ()
    music: MusicBed | None = None
    loudness: tuple[ChannelLoudness, ...] = ()

    def __post_init__(self) -> None:
        # Canonical order: the same set of cues is the same plan (and the same content hash).
        ordered = sorted(
            self.sfx, key=lambda c: (c.at, c.kind, c.gain_db, -1 if c.frames is None else c.frames)
        )
        object.__setattr__(self, "sfx", tuple(ordered))
        object.__setattr__(
            self, "loudness", tuple(sorted(self.loudness, key=lambda x: x.channel.lower()))
        )

    def lufs_for(self, channel: str) -> float:
        """The target of ``channel`` (case ignored), :data:`DEFAULT_LUFS` if none is set."""
        for item in self.loudness:
            if item.channel.lower() == channel.strip().lower():
                return item.lufs
        return DEFAULT_LUFS


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


# -- JSON ----------------------------------------------------------------------------------


def timeline_to_json(tl: Timeline) -> dict[str, Any]:
    """The stored form: plain JSON values, keys in a fixed order, labelled :data:`SCHEMA`."""
    music = tl.audio.music
    return {
        "schema": SCHEMA,
        "rate": str(tl.rate),
        "segments": [
            {
                "clip": s.clip,
                "take": s.take,
                "take_id": s.take_id,
                "media_sha256": s.media_sha256,
                "in": s.source_in,
                "out": s.source_out,
                "speed": float(s.speed),
                "audio": s.audio,
                "gain_db": float(s.gain_db),
            }
            for s in tl.segments
        ],
        "transitions": [
            {"kind": t.kind.value, "frames": t.frames}
            | ({"direction": t.direction} if t.kind in _DIRECTIONAL else {})
            for t in tl.transitions
        ],
        "texts": [
            {"kind": t.kind.value, "text": t.text, "start": t.start, "end": t.end}
            | ({"subtitle": t.subtitle} if t.subtitle else {})
            for t in tl.texts
        ],
        "audio": {
            "sfx": [
                {"kind": c.kind, "at": c.at, "gain_db": float(c.gain_db), "frames": c.frames}
                for c in tl.audio.sfx
            ],
            "music": None
            if music is None
            else {
                "path": music.path,
                "gain_db": float(music.gain_db),
                "fade_in": music.fade_in,
                "fade_out": music.fade_out,
                "duck_db": float(music.duck_db),
            },
            "loudness": [{"channel": x.channel, "lufs": float(x.lufs)} for x in tl.audio.loudness],
        },
    }


_DIRECTIONAL = (TransitionKind.WHIP, TransitionKind.SLIDE)


def timeline_from_json(data: Mapping[str, Any]) -> Timeline:
    """A timeline from its stored form (:data:`SCHEMA` only; see :func:`upgrade_timeline_json`).

    Raises :class:`TimelineError` naming the key that is missing or of the wrong type, or the rule
    the content breaks.
    """
    schema = data.get("schema")
    if schema != SCHEMA:
        raise TimelineError(f"timeline schema {schema!r} is not {SCHEMA!r}: upgrade it first")
    try:
        audio = data.get("audio") or {}
        music = audio.get("music")
        return Timeline(
            rate=Fraction(str(data["rate"])),
            segments=tuple(
                Segment(
                    clip=int(s["clip"]),
                    take=int(s["take"]),
                    take_id=int(s["take_id"]),
                    media_sha256=str(s["media_sha256"]),
                    source_in=int(s["in"]),
                    source_out=int(s["out"]),
                    speed=float(s.get("speed", 1.0)),
                    audio=bool(s.get("audio", True)),
                    gain_db=float(s.get("gain_db", 0.0)),
                )
                for s in data["segments"]
            ),
            transitions=tuple(
                Transition(
                    TransitionKind(t["kind"]), int(t["frames"]), str(t.get("direction", "left"))
                )
                for t in data["transitions"]
            ),
            texts=tuple(
                TextItem(
                    TextKind(t["kind"]),
                    str(t["text"]),
                    int(t["start"]),
                    int(t["end"]),
                    str(t.get("subtitle", "")),
                )
                for t in data.get("texts", ())
            ),
            audio=AudioPlan(
                sfx=tuple(
                    SoundCue(
                        str(c["kind"]),
                        int(c["at"]),
                        float(c.get("gain_db", 0.0)),
                        None if c.get("frames") is None else int(c["frames"]),
                    )
                    for c in audio.get("sfx", ())
                ),
                music=None
                if music is None
                else MusicBed(
                    path=music.get("path"),
                    gain_db=float(music.get("gain_db", -18.0)),
                    fade_in=None if music.get("fade_in") is None else int(music["fade_in"]),
                    fade_out=None if music.get("fade_out") is None else int(music["fade_out"]),
                    duck_db=float(music.get("duck_db", 0.0)),
                ),
                loudness=tuple(
                    ChannelLoudness(str(x["channel"]), float(x["lufs"]))
                    for x in audio.get("loudness", ())
                ),
            ),
        )
    except KeyError as exc:
        raise TimelineError(f"timeline JSON lacks the key {exc.args[0]!r}") from exc
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        if isinstance(exc, TimelineError):
            raise
        raise TimelineError(f"timeline JSON has a value of the wrong kind: {exc}") from exc


SourceFrames = Callable[[str], int]
"""``source_frames(media_sha256)``: how many frames a take holds at the timeline rate."""


def is_legacy(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` is the dict ``assemble_edit`` stored before timelines had a schema."""
    return "schema" not in data and "clips" in data and "crossfade_s" in data


def upgrade_timeline_json(
    data: Mapping[str, Any], source_frames: SourceFrames, rate: Fraction = DEFAULT_RATE
) -> dict[str, Any]:
    """Any stored timeline dict in the current shape (a current one is returned as a copy).

    The first stored shape (``{"clips", "crossfade_s", "title_card", "captions", "sfx",
    "music"}``) recorded only which takes played and the edit intent in seconds; the film it made
    played every take whole, joined by one crossfade. That film is rebuilt here, which is why the
    takes' lengths are needed (``source_frames``). Texts and cues that started after the film's
    end were never rendered, so they are dropped; a caption running past the end is cut there, as
    the renderer did.
    """
    if data.get("schema") == SCHEMA:
        return dict(data)
    if not is_legacy(data):
        raise TimelineError(f"unknown timeline shape (schema {data.get('schema')!r})")
    xf = frames_for(float(data["crossfade_s"]), rate)
    card = data.get("title_card")
    segments: list[dict[str, Any]] = [
        {
            "clip": int(c["position"]),
            "take": int(c["take"]),
            "take_id": int(c["take_id"]),
            "media_sha256": str(c["video_sha256"]),
            "in": 0,
            "out": source_frames(str(c["video_sha256"])),
        }
        for c in data["clips"]
    ]
    texts: list[dict[str, Any]] = []
    pictures = [int(c["out"]) for c in segments]
    if card:
        lead = max(1, frames_for(float(card["duration_s"]), rate))
        pictures.insert(0, lead)
        texts.append(
            {
                "kind": TextKind.TITLE_CARD.value,
                "text": str(card["text"]),
                "subtitle": str(card.get("subtitle") or ""),
                "start": 0,
                "end": lead,
            }
        )
    joins = len(pictures) - 1
    kind = TransitionKind.CROSSFADE if xf > 0 else TransitionKind.CUT
    total = sum(pictures) - (xf if xf > 0 else 0) * joins
    for text, start_s, end_s in data.get("captions", ()):
        start, end = frames_for(float(start_s), rate), frames_for(float(end_s), rate)
        if start < total:
            texts.append(
                {"kind": "caption", "text": str(text), "start": start, "end": min(end, total)}
            )
    sfx = []
    for kind_name, at_s, gain_db, duration_s in data.get("sfx", ()):
        at = frames_for(float(at_s), rate)
        if at < total:
            length = None if duration_s is None else max(1, frames_for(float(duration_s), rate))
            sfx.append(
                {"kind": str(kind_name), "at": at, "gain_db": float(gain_db), "frames": length}
            )
    music = data.get("music")
    return {
        "schema": SCHEMA,
        "rate": str(rate),
        "segments": segments,
        "transitions": [{"kind": kind.value, "frames": xf if xf > 0 else 0}] * joins,
        "texts": texts,
        "audio": {
            "sfx": sfx,
            "music": None
            if music is None
            else {"path": music.get("path"), "gain_db": float(music.get("gain_db", -18.0))},
            "loudness": [],
        },
    }


def read_timeline(
    data: Mapping[str, Any], source_frames: SourceFrames, rate: Fraction = DEFAULT_RATE
) -> Timeline:
    """A stored timeline of any shape this version knows, upgraded and checked."""
    return timeline_from_json(upgrade_timeline_json(data, source_frames, rate))
