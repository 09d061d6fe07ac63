"""The parts a :class:`~shortfilm.domain.timeline.Timeline` is made of: segments (a take's part on
the film), transitions, texts, sound cues, the music bed, and the bounds each is held to.

Positions and lengths are whole frames at the timeline's rate; each part checks only what it can
know alone (a transition's kind), the timeline checks how they fit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from shortfilm.domain.production import ChannelLoudness, MusicSource, SoundKind, TransitionKind
from shortfilm.errors import InputError

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
class MusicBed(MusicSource):
    """The music under the whole film; its file is stored with the production."""

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
