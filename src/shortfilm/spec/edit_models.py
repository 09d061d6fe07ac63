"""Validation models for the spec's ``edit:`` section: titles, captions, sound, music, cuts.

Each mirrors one dataclass of :mod:`shortfilm.domain.production` field for field, with the same
rules as the rest of the spec (:mod:`shortfilm.spec.fields`): unknown keys refused, strict types.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from shortfilm.domain.mirror import mirror
from shortfilm.domain.production import (
    Caption,
    ChannelLoudness,
    ClipEdit,
    EditIntent,
    EndCard,
    Hook,
    Music,
    SoundEffectCue,
    TitleCard,
    TransitionKind,
)
from shortfilm.spec.fields import (
    Instant,
    Plain,
    Seconds,
    SoundKindField,
    SpecModel,
    SpecPath,
    Text,
    TransitionKindField,
    later_than,
)
from shortfilm.spec.limits import MAX_CAPTIONS, MAX_CHANNELS, MAX_CLIPS, MAX_SFX


class TitleCardSpec(SpecModel):
    text: Text
    subtitle: Plain = ""
    duration_s: Seconds = 2.5

    def to_domain(self) -> TitleCard:
        return mirror(TitleCard, self)


class CaptionSpec(SpecModel):
    text: Text
    start_s: Instant
    end_s: Instant

    _ends_after_start = later_than("start_s", "end_s")

    def to_domain(self) -> Caption:
        return mirror(Caption, self)


class SoundEffectCueSpec(SpecModel):
    kind: SoundKindField
    at_s: Instant
    gain_db: float = 0.0
    duration_s: Seconds | None = None

    def to_domain(self) -> SoundEffectCue:
        return mirror(SoundEffectCue, self)


class MusicSpec(SpecModel):
    path: SpecPath | None = None
    gain_db: float = -18.0
    fade_in_s: Annotated[float, Field(ge=0)] | None = None
    fade_out_s: Annotated[float, Field(ge=0)] | None = None
    duck_db: Annotated[float, Field(ge=0, le=40)] = 0.0

    def to_domain(self) -> Music:
        return mirror(Music, self)


class ClipEditSpec(SpecModel):
    """One clip's cut. Whether ``clip`` names a clip of the spec, and ``out_s`` falls inside the
    take, are checked where they can be known (on load, and when the edit is assembled)."""

    clip: Annotated[int, Field(ge=1)]
    in_s: Instant | None = None
    out_s: Seconds | None = None
    speed: Annotated[float, Field(ge=0.25, le=4.0)] = 1.0
    transition: TransitionKindField | None = None
    transition_s: Annotated[float, Field(ge=0)] | None = None
    audio: bool = True
    gain_db: float = 0.0

    _out_after_in = later_than("in_s", "out_s")

    @field_validator("transition_s")
    @classmethod
    def _cut_has_no_length(cls, seconds: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("transition") is TransitionKind.CUT and seconds:
            raise ValueError("a cut has no length: leave transition_s out or pick another kind")
        return seconds

    def to_domain(self) -> ClipEdit:
        return mirror(ClipEdit, self)


class HookSpec(SpecModel):
    text: Text
    start_s: Annotated[float, Field(ge=0, le=3)] = 0.0
    end_s: Seconds = 3.0

    _ends_after_start = later_than("start_s", "end_s")

    def to_domain(self) -> Hook:
        return mirror(Hook, self)


class EndCardSpec(SpecModel):
    text: Text
    duration_s: Seconds = 3.0

    def to_domain(self) -> EndCard:
        return mirror(EndCard, self)


class ChannelLoudnessSpec(SpecModel):
    channel: Text
    lufs: Annotated[float, Field(ge=-36, le=-6)] = -14.0

    def to_domain(self) -> ChannelLoudness:
        return mirror(ChannelLoudness, self)


class EditIntentSpec(SpecModel):
    title_card: TitleCardSpec | None = None
    captions: Annotated[list[CaptionSpec], Field(max_length=MAX_CAPTIONS)] = []
    sfx: Annotated[list[SoundEffectCueSpec], Field(max_length=MAX_SFX)] = []
    music: MusicSpec | None = None
    crossfade_s: Annotated[float, Field(ge=0)] = 0.4
    clips: Annotated[list[ClipEditSpec], Field(max_length=MAX_CLIPS)] = []
    hook: HookSpec | None = None
    end_card: EndCardSpec | None = None
    lower_thirds: Annotated[list[CaptionSpec], Field(max_length=MAX_CAPTIONS)] = []
    loudness: Annotated[list[ChannelLoudnessSpec], Field(max_length=MAX_CHANNELS)] = []

    def to_domain(self) -> EditIntent:
        return EditIntent(
            title_card=self.title_card.to_domain() if self.title_card else None,
            captions=tuple(c.to_domain() for c in self.captions),
            sfx=tuple(s.to_domain() for s in self.sfx),
            music=self.music.to_domain() if self.music else None,
            crossfade_s=self.crossfade_s,
            clips=tuple(c.to_domain() for c in self.clips),
            hook=self.hook.to_domain() if self.hook else None,
            end_card=self.end_card.to_domain() if self.end_card else None,
            lower_thirds=tuple(c.to_domain() for c in self.lower_thirds),
            loudness=tuple(x.to_domain() for x in self.loudness),
        )
