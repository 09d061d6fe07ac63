"""A production as written by a person: script, asset board, clip plans and edit intent.

These are the values a spec holds. They are frozen so that a production read from YAML, from the
store or from an export can be compared with ``==`` (export -> import must give an equal one).
Durations are seconds as written by the author; media code converts them to frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SCHEMA = "shortfilm/1"

PREVIOUS_KEYFRAME = "keyframe"
"""The ``first_frame`` value meaning "start exactly on the previous clip's chosen keyframe".

A word rather than a path because that image does not exist when the spec is written: it is
picked from whichever take of the previous clip is selected, at generation time.
"""


class CampaignRole(StrEnum):
    """Decided first: it shapes the first shot, the board and the review standard."""

    HOOK = "hook"
    TOP_OF_FUNNEL = "top-of-funnel"
    EDUCATIONAL = "educational"
    BRAND_WORLD = "brand-world"


class CharacterRole(StrEnum):
    MAIN = "main"
    SIDE = "side"


@dataclass(frozen=True)
class Script:
    logline: str
    beats: tuple[str, ...]


@dataclass(frozen=True)
class Character:
    name: str
    role: CharacterRole
    description: str = ""
    outfit: str = ""
    silhouette: str = ""
    props: str = ""
    reference: str | None = None
    """Path of a reference image, relative to the spec's folder."""
    aliases: tuple[str, ...] = ()
    """Other names shots use for the character ("the scavenger"); see :mod:`.subjects`."""


@dataclass(frozen=True)
class EnvironmentView:
    name: str
    description: str
    reference: str | None = None
    aliases: tuple[str, ...] = ()
    """Other names shots use for the place ("the house"); see :mod:`.subjects`."""


@dataclass(frozen=True)
class Style:
    """The board's look; any part may be blank (``""``), which lint reports, not the loader."""

    camera: str = ""
    lighting: str = ""
    texture: str = ""
    realism: str = ""
    palette: tuple[str, ...] = ()
    """Hex colours (``#rrggbb``) the board anchors; used by previz and palette-drift checks."""


@dataclass(frozen=True)
class AssetBoard:
    world: str
    """May be blank, like every block below but ``characters``: lint judges a thin board."""
    characters: tuple[Character, ...]
    environment: tuple[EnvironmentView, ...] = ()
    style: Style = field(default_factory=Style)
    consistency: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    """Extra reference images (mood, palette) beyond those of characters and views."""

    def reference_paths(self) -> tuple[str, ...]:
        """Every reference image in a stable order: characters, views, then extras."""
        paths = [c.reference for c in self.characters if c.reference]
        paths += [v.reference for v in self.environment if v.reference]
        paths += list(self.references)
        return tuple(dict.fromkeys(paths))


@dataclass(frozen=True)
class Shot:
    """One visual moment. Every text may be blank here; lint reports a shot missing any."""

    camera: str = ""
    """Camera angle and framing, e.g. ``low-angle wide``."""
    movement: str = ""
    """Camera movement in words, e.g. ``slow push-in``; see :func:`parse_camera_move`."""
    subject: str = ""
    action: str = ""
    timing_s: float | None = None
    """How long this shot lasts; ``None`` shares the clip's remaining time evenly."""


@dataclass(frozen=True)
class ClipPlan:
    name: str
    job: str
    """The one job this clip does (establish, conflict, continue, twist, close ...)."""
    tone_world: str
    """May be ``""``, as may ``character_environment`` and ``sound_rule``: lint reports it.

    They keep no default because ``shots`` and ``duration_s`` follow them and callers build
    clips positionally; the spec loader supplies ``""`` when the YAML leaves them out.
    """
    character_environment: str
    shots: tuple[Shot, ...]
    sound_rule: str
    duration_s: float
    continues_previous: bool = False
    first_frame: str | None = None
    """The exact image the clip opens on: a path relative to the spec's folder, or
    :data:`PREVIOUS_KEYFRAME` for the previous clip's chosen keyframe.

    Setting it switches the clip to first/last-frame mode: the model is handed these frames and
    no board reference images (the two modes cannot be mixed in one request). ``keyframe`` is a
    frame-exact continuation, stronger than ``continues_previous`` alone, where the keyframe is
    only one reference among the board's and the model may re-stage the moment.
    """
    last_frame: str | None = None
    """The image the clip must end on (a path relative to the spec's folder), so a clip can be
    steered to land on a planned composition; it needs a ``first_frame`` (the models refuse a
    last frame alone)."""

    @property
    def frame_mode(self) -> bool:
        """Whether the clip is generated from first/last frames instead of board references."""
        return self.first_frame is not None or self.last_frame is not None

    @property
    def starts_on_keyframe(self) -> bool:
        """Whether the first frame is the previous clip's keyframe, so it must wait for it."""
        return self.first_frame == PREVIOUS_KEYFRAME

    def shot_durations(self) -> tuple[float, ...]:
        """Seconds of each shot: given timings kept, the rest of the clip shared evenly."""
        fixed = sum(s.timing_s for s in self.shots if s.timing_s is not None)
        free = [s for s in self.shots if s.timing_s is None]
        share = max(self.duration_s - fixed, 0.0) / len(free) if free else 0.0
        return tuple(s.timing_s if s.timing_s is not None else share for s in self.shots)


@dataclass(frozen=True)
class TitleCard:
    text: str
    subtitle: str = ""
    duration_s: float = 2.5


@dataclass(frozen=True)
class Caption:
    text: str
    start_s: float
    end_s: float


class SoundKind(StrEnum):
    IMPACT = "impact"
    WHOOSH = "whoosh"
    AMBIENCE = "ambience"


@dataclass(frozen=True)
class SoundEffectCue:
    kind: SoundKind
    at_s: float
    """Seconds from the start of the film (title card included)."""
    gain_db: float = 0.0
    duration_s: float | None = None


@dataclass(frozen=True)
class MusicSource:
    """Which music plays under the film, and how loud.

    The base of the spec's :class:`Music` (fades in seconds, as written) and of the timeline's
    ``MusicBed`` (fades in frames, once the rate is known): the source and its level have no
    unit, so both read them from here; only the fades differ in unit.
    """

    path: str | None = None
    """An audio file relative to the spec's folder; ``None`` uses the built-in drone bed."""
    gain_db: float = -18.0


@dataclass(frozen=True)
class Music(MusicSource):
    fade_in_s: float | None = None
    """Seconds of fade-in; ``None``: 1 s for a music file (a quarter of a short film at most),
    none for the drone bed."""
    fade_out_s: float | None = None
    """Seconds of fade-out at the film's end; ``None``: 2 s for a music file, none for the drone."""
    duck_db: float = 0.0
    """How far (dB, 0-40) the bed dips while an impact or whoosh plays; 0 never ducks."""


class TransitionKind(StrEnum):
    """How one picture gives way to the next; every kind but ``cut`` has a length."""

    CUT = "cut"
    CROSSFADE = "crossfade"
    DIP = "dip"
    """Fade through black."""
    WHIP = "whip"
    """A fast directional push (smooth slide), as if the camera whipped to the next shot."""
    SLIDE = "slide"
    """The next picture slides in over the last one."""


@dataclass(frozen=True)
class ClipEdit:
    """An author's cut of one clip: the part of its take used, its speed, the transition into it
    and its sound. Seconds are of the take (in/out) and of the film (transition)."""

    clip: int
    """1-based clip position."""
    in_s: float | None = None
    """Where the clip starts in its take; ``None``: the take's first frame."""
    out_s: float | None = None
    """Where the clip ends in its take; ``None``: the take's last frame."""
    speed: float = 1.0
    """Playback speed, 0.25-4.0 (2.0 plays twice as fast, half as long)."""
    transition: TransitionKind | None = None
    """The transition into this clip; ``None``: a crossfade of ``crossfade_s`` (a cut if 0)."""
    transition_s: float | None = None
    """Its length; ``None``: ``crossfade_s`` (0.4 s if that is 0). A cut has none."""
    audio: bool = True
    """Whether the take's own sound is heard."""
    gain_db: float = 0.0
    """Gain of the take's sound, dB."""


@dataclass(frozen=True)
class Hook:
    """Text on screen in the first seconds, to stop the scroll."""

    text: str
    start_s: float = 0.0
    end_s: float = 3.0


@dataclass(frozen=True)
class EndCard:
    """Text over the film's last seconds (a call to action, the account's name)."""

    text: str
    duration_s: float = 3.0


@dataclass(frozen=True)
class ChannelLoudness:
    """The integrated loudness one channel is mastered to; channels not listed get -14 LUFS."""

    channel: str
    lufs: float = -14.0


@dataclass(frozen=True)
class EditIntent:
    title_card: TitleCard | None = None
    captions: tuple[Caption, ...] = ()
    sfx: tuple[SoundEffectCue, ...] = ()
    music: Music | None = None
    crossfade_s: float = 0.4
    clips: tuple[ClipEdit, ...] = ()
    """Per-clip trims, speed, transitions and sound; clips not listed play whole."""
    hook: Hook | None = None
    end_card: EndCard | None = None
    lower_thirds: tuple[Caption, ...] = ()
    """Name or place tags, bottom left; times on the film timeline like captions."""
    loudness: tuple[ChannelLoudness, ...] = ()


@dataclass(frozen=True)
class Budget:
    """The most a production may spend on generation, in one provider cost unit."""

    limit: float
    unit: str
    """The provider's cost unit it applies to, e.g. ``tokens`` (Seedance) or ``seconds``."""


@dataclass(frozen=True)
class ReviewPolicy:
    """How strict the production's review checkpoints are (``review:`` in the spec)."""

    second_pair_of_eyes: bool = False
    """Nobody approves a board version or a take they made themselves."""


@dataclass(frozen=True)
class RhythmClip:
    """One clip's cut in a variant's rhythm: another trim or speed of the same approved take.
    Seconds are of the take, as in the spec's ``edit.clips``; ``None`` keeps the edit's."""

    clip: int
    in_s: float | None = None
    out_s: float | None = None
    speed: float | None = None


@dataclass(frozen=True)
class Variant:
    """What one post of the film changes, and where it goes."""

    name: str
    account: str
    """The account (``shortfilm account add``) the variant is posted to."""
    hook: Hook | None = None
    """Opening text in place of the edit's; ``None`` keeps the edit's."""
    end_card: EndCard | None = None
    """Closing text in place of the edit's; ``None`` keeps the edit's."""
    caption: str = ""
    """The post's text (not burned into the film)."""
    hashtags: tuple[str, ...] = ()
    """Added to the caption as posted, those the caption does not already carry."""
    order: tuple[int, ...] = ()
    """The clips in the variant's order (clip positions of the production); empty keeps the
    edit's order. A clip left out is not played."""
    clips: tuple[RhythmClip, ...] = ()
    """Trims and speeds that differ from the edit's."""
    preset: str | None = None
    """The frame; ``None``: the account's preset."""
    title: str | None = None
    """The post's title, for a platform with one (YouTube); ``None``: the film's title."""

    @property
    def retimed(self) -> bool:
        """Whether the variant changes the edit's rhythm (order, trims or speed)."""
        return bool(self.order or self.clips)


@dataclass(frozen=True)
class Campaign:
    """The variants of a production, declared in the spec's ``campaign:`` or with
    ``shortfilm variant add``."""

    variants: tuple[Variant, ...] = ()

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class Production:
    title: str
    slug: str
    campaign_role: CampaignRole
    target_duration_s: float
    channels: tuple[str, ...]
    owner: str
    script: Script
    board: AssetBoard
    clips: tuple[ClipPlan, ...]
    edit: EditIntent = field(default_factory=EditIntent)
    budget: Budget | None = None
    """``None``: no limit. A take whose estimated cost would pass it is not started."""
    review: ReviewPolicy = field(default_factory=ReviewPolicy)
    campaign: Campaign = field(default_factory=Campaign)
    """The variants of the approved film, each routed to one account."""
    schema: str = SCHEMA

    def clip_seconds(self) -> float:
        return sum(c.duration_s for c in self.clips)
