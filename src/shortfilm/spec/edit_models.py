"""Validation models for the spec's ``edit:`` section: titles, captions, sound, music, cuts.

Each mirrors one dataclass of :mod:`shortfilm.domain.production` field for field, with the same
rules as the rest of the spec (:mod:`shortfilm.spec.fields`): unknown keys refused, strict types.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

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
)
from shortfilm.spec.limits import MAX_CAPTIONS, MAX_CHANNELS, MAX_CLIPS, MAX_SFX


class TitleCardSpec(SpecModel):
    text: Text
    subtitle: Plain = ""
    duration_s: Seconds = 2.5

    def to_domain(self) -> TitleCard:
        return TitleCard(text=self.text, subtitle=self.subtitle, duration_s=self.duration_s)


class CaptionSpec(SpecModel):
    text: Text
    start_s: Instant
    end_s: Instant

    @field_validator("end_s")
    @classmethod
    def _ends_after_start(cls, end_s: float, info: ValidationInfo) -> float:
        # start_s is absent from info.data when it failed its own check; that error is reported.
        start_s = info.data.get("start_s")
        if start_s is not None and end_s <= start_s:
            raise ValueError(f"must be after start_s ({start_s:g}), got {end_s:g}")
        return end_s

    def to_domain(self) -> Caption:
        return Caption(text=self.text, start_s=self.start_s, end_s=self.end_s)


class SoundEffectCueSpec(SpecModel):
    kind: SoundKindField
    at_s: Instant
    gain_db: float = 0.0
    duration_s: Seconds | None = None

    def to_domain(self) -> SoundEffectCue:
        return SoundEffectCue(
            kind=self.kind, at_s=self.at_s, gain_db=self.gain_db, duration_s=self.duration_s
        )


class MusicSpec(SpecModel):
    path: SpecPath | None = None
    gain_db: float = -18.0
    fade_in_s: Annotated[float, Field(ge=0)] | None = None
    fade_out_s: Annotated[float, Field(ge=0)] | None = None
    duck_db: Annotated[float, Field(ge=0, le=40)] = 0.0

    def to_domain(self) -> Music:
        return Music(
            path=self.path,
            gain_db=self.gain_db,
            fade_in_s=self.fade_in_s,
            fade_out_s=self.fade_out_s,
            duck_db=self.duck_db,
        )


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

    @field_validator("out_s")
    @classmethod
    def _out_after_in(cls, out_s: float | None, info: ValidationInfo) -> float | None:
        in_s = info.data.get("in_s")
        if out_s is not None and in_s is not None and out_s <= in_s:
            raise ValueError(f"must be after in_s ({in_s:g}), got {out_s:g}")
        return out_s

    @field_validator("transition_s")
    @classmethod
    def _cut_has_no_length(cls, seconds: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("transition") is TransitionKind.CUT and seconds:
            raise ValueError("a cut has no length: leave transition_s out or pick another kind")
        return seconds

    def to_domain(self) -> ClipEdit:
        return ClipEdit(
            clip=self.clip,
            in_s=self.in_s,
            out_s=self.out_s,
            speed=self.speed,
            transition=self.transition,
            transition_s=self.transition_s,
            audio=self.audio,
            gain_db=self.gain_db,
        )


class HookSpec(SpecModel):
    text: Text
    start_s: Annotated[float, Field(ge=0, le=3)] = 0.0
    end_s: Seconds = 3.0

    @field_validator("end_s")
    @classmethod
    def _ends_after_start(cls, end_s: float, info: ValidationInfo) -> float:
        start_s = info.data.get("start_s")
        if start_s is not None and end_s <= start_s:
            raise ValueError(f"must be after start_s ({start_s:g}), got {end_s:g}")
        return end_s

    def to_domain(self) -> Hook:
        return Hook(text=self.text, start_s=self.start_s, end_s=self.end_s)


class EndCardSpec(SpecModel):
    text: Text
    duration_s: Seconds = 3.0

    def to_domain(self) -> EndCard:
        return EndCard(text=self.text, duration_s=self.duration_s)


class ChannelLoudnessSpec(SpecModel):
    channel: Text
    lufs: Annotated[float, Field(ge=-36, le=-6)] = -14.0

    def to_domain(self) -> ChannelLoudness:
        return ChannelLoudness(channel=self.channel, lufs=self.lufs)


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
