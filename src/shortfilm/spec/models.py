"""Validation models for the YAML spec: the one place untrusted production text is checked.

Each model mirrors one dataclass of :mod:`shortfilm.domain.production` field for field, with the
same names as YAML keys, so a reader of the file and a reader of the domain see one vocabulary.
Unknown keys are refused (a typo such as ``duration:`` must not silently become a default) and
types are strict: a number is not accepted where text is expected, and text is not accepted where
a number is. Lists in YAML become tuples in the domain, so the domain stays hashable and frozen.

Only shape and single-value rules live here (slug characters, durations above zero, a caption
ending after it starts). Judgements such as "3-4 shots per clip" or "the clips add up to the
target" are lint rules, reported as advice and never as a refusal to load. The prompt blocks a
person is still drafting (a shot's camera, a clip's sound rule, the board's style ...) may be left
out or blank for the same reason: :mod:`shortfilm.prompts.lint` names each gap with a rule code,
its place and a hint, which says more than a load error could.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from shortfilm.domain.production import (
    PREVIOUS_KEYFRAME,
    SCHEMA,
    AssetBoard,
    Budget,
    CampaignRole,
    Caption,
    ChannelLoudness,
    Character,
    CharacterRole,
    ClipEdit,
    ClipPlan,
    EditIntent,
    EndCard,
    EnvironmentView,
    Hook,
    Music,
    Production,
    ReviewPolicy,
    Script,
    Shot,
    SoundEffectCue,
    SoundKind,
    Style,
    TitleCard,
    TransitionKind,
)
from shortfilm.spec.limits import (
    MAX_BEATS,
    MAX_BOARD_REFERENCES,
    MAX_CAPTIONS,
    MAX_CHANNELS,
    MAX_CHARACTERS,
    MAX_CLIPS,
    MAX_ENVIRONMENT_VIEWS,
    MAX_PALETTE,
    MAX_PROMPT_LINES,
    MAX_SFX,
    MAX_TEXT_CHARS,
)
from shortfilm.spec.paths import relative_path

MAX_SHOTS_PER_CLIP = 6
"""The schema's hard ceiling; the 3-4 shot habit of the workflow is advice given by lint."""

MAX_SLUG_CHARS = 80
"""A slug names folders and files (``wasteland-villa/clip-02/...``), so it stays short."""

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SLUG = re.compile(r"[a-z0-9-]+")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _shown(value: str) -> str:
    """``value`` quoted for a message, cut short: a refusal must not echo a megabyte back."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _slug(value: str) -> str:
    if len(value) > MAX_SLUG_CHARS:
        raise ValueError(f"a slug of at most {MAX_SLUG_CHARS} characters, got {len(value)}")
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug: use lowercase letters, digits and '-' only")
    return value


def _known_schema(value: str) -> str:
    if value != SCHEMA:
        raise ValueError(
            f"unknown schema {_shown(value)}: this version of shortfilm reads {SCHEMA!r}"
        )
    return value


def _hex_colour(value: str) -> str:
    if not _HEX_COLOUR.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not a colour: write it as #rrggbb, e.g. #1f4e79")
    return value


def _not_keyframe(value: str) -> str:
    if value == PREVIOUS_KEYFRAME:
        raise ValueError(
            f"{PREVIOUS_KEYFRAME!r} names the previous clip's last moment, so it can only be a "
            "first_frame; give last_frame an image path"
        )
    return value


Plain = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
"""Any text, blank allowed, up to :data:`~shortfilm.spec.limits.MAX_TEXT_CHARS` characters."""
Text = Annotated[Plain, AfterValidator(_not_blank)]
"""Text an author must actually write: empty or whitespace-only is refused."""
SpecPath = Annotated[Text, AfterValidator(relative_path)]
"""A file named relative to the spec's folder, never leaving it (no absolute path, no ``..``)."""


def _null_as(empty: object) -> BeforeValidator:
    """Read a key written with no value (``world:``, YAML null) as the blank ``empty``."""
    return BeforeValidator(lambda value: empty if value is None else value)


Draft = Annotated[Plain, _null_as("")]
"""Prompt text that may be left out or blank while drafting; lint, not the loader, judges it."""
DraftList = Annotated[list[Text], _null_as([]), Field(max_length=MAX_PROMPT_LINES)]
"""A prompt block of lines that may be left out or empty; each line written must say something."""
Seconds = Annotated[float, Field(gt=0)]
"""A length of time in seconds, above zero."""
Instant = Annotated[float, Field(ge=0)]
"""A point on the film timeline in seconds from its start (title card included)."""

# Enums arrive from YAML as plain strings; strict mode would want enum instances, so the enum
# fields alone are validated in lax mode (the value must still be one of the members).
_CampaignRoleField = Annotated[CampaignRole, Field(strict=False)]
_CharacterRoleField = Annotated[CharacterRole, Field(strict=False)]
_SoundKindField = Annotated[SoundKind, Field(strict=False)]
_TransitionKindField = Annotated[TransitionKind, Field(strict=False)]


class _SpecModel(BaseModel):
    """Shared rules: unknown keys refused, no silent coercion, no infinities or NaN."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class ScriptSpec(_SpecModel):
    logline: Text
    beats: Annotated[list[Text], Field(min_length=1, max_length=MAX_BEATS)]

    def to_domain(self) -> Script:
        return Script(logline=self.logline, beats=tuple(self.beats))


class CharacterSpec(_SpecModel):
    name: Text
    role: _CharacterRoleField
    description: Draft = ""
    outfit: Draft = ""
    silhouette: Draft = ""
    props: Plain = ""
    reference: SpecPath | None = None

    def to_domain(self) -> Character:
        return Character(
            name=self.name,
            role=self.role,
            description=self.description,
            outfit=self.outfit,
            silhouette=self.silhouette,
            props=self.props,
            reference=self.reference,
        )


class EnvironmentViewSpec(_SpecModel):
    name: Text
    description: Text
    reference: SpecPath | None = None

    def to_domain(self) -> EnvironmentView:
        return EnvironmentView(
            name=self.name, description=self.description, reference=self.reference
        )


class StyleSpec(_SpecModel):
    camera: Draft = ""
    lighting: Draft = ""
    texture: Draft = ""
    realism: Draft = ""
    palette: Annotated[
        list[Annotated[str, AfterValidator(_hex_colour)]], Field(max_length=MAX_PALETTE)
    ] = []

    def to_domain(self) -> Style:
        return Style(
            camera=self.camera,
            lighting=self.lighting,
            texture=self.texture,
            realism=self.realism,
            palette=tuple(self.palette),
        )


class AssetBoardSpec(_SpecModel):
    world: Draft = ""
    characters: Annotated[list[CharacterSpec], Field(max_length=MAX_CHARACTERS)]
    environment: Annotated[
        list[EnvironmentViewSpec], _null_as([]), Field(max_length=MAX_ENVIRONMENT_VIEWS)
    ] = []
    style: Annotated[StyleSpec, _null_as({})] = StyleSpec()
    consistency: DraftList = []
    negative: DraftList = []
    references: Annotated[list[SpecPath], Field(max_length=MAX_BOARD_REFERENCES)] = []

    def to_domain(self) -> AssetBoard:
        return AssetBoard(
            world=self.world,
            characters=tuple(c.to_domain() for c in self.characters),
            environment=tuple(v.to_domain() for v in self.environment),
            style=self.style.to_domain(),
            consistency=tuple(self.consistency),
            negative=tuple(self.negative),
            references=tuple(self.references),
        )


class ShotSpec(_SpecModel):
    camera: Draft = ""
    movement: Draft = ""
    subject: Draft = ""
    action: Draft = ""
    timing_s: Seconds | None = None

    def to_domain(self) -> Shot:
        return Shot(
            camera=self.camera,
            movement=self.movement,
            subject=self.subject,
            action=self.action,
            timing_s=self.timing_s,
        )


class ClipPlanSpec(_SpecModel):
    name: Text
    job: Text
    tone_world: Draft = ""
    character_environment: Draft = ""
    shots: Annotated[list[ShotSpec], Field(min_length=1, max_length=MAX_SHOTS_PER_CLIP)]
    sound_rule: Draft = ""
    duration_s: Seconds
    continues_previous: bool = False
    first_frame: SpecPath | None = None
    """An image path relative to the spec's folder, or ``keyframe`` (the previous clip's)."""
    last_frame: Annotated[SpecPath, AfterValidator(_not_keyframe)] | None = None

    def to_domain(self) -> ClipPlan:
        return ClipPlan(
            name=self.name,
            job=self.job,
            tone_world=self.tone_world,
            character_environment=self.character_environment,
            shots=tuple(s.to_domain() for s in self.shots),
            sound_rule=self.sound_rule,
            duration_s=self.duration_s,
            continues_previous=self.continues_previous,
            first_frame=self.first_frame,
            last_frame=self.last_frame,
        )


class TitleCardSpec(_SpecModel):
    text: Text
    subtitle: Plain = ""
    duration_s: Seconds = 2.5

    def to_domain(self) -> TitleCard:
        return TitleCard(text=self.text, subtitle=self.subtitle, duration_s=self.duration_s)


class CaptionSpec(_SpecModel):
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


class SoundEffectCueSpec(_SpecModel):
    kind: _SoundKindField
    at_s: Instant
    gain_db: float = 0.0
    duration_s: Seconds | None = None

    def to_domain(self) -> SoundEffectCue:
        return SoundEffectCue(
            kind=self.kind, at_s=self.at_s, gain_db=self.gain_db, duration_s=self.duration_s
        )


class MusicSpec(_SpecModel):
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


class ClipEditSpec(_SpecModel):
    """One clip's cut. Whether ``clip`` names a clip of the spec, and ``out_s`` falls inside the
    take, are checked where they can be known (on load, and when the edit is assembled)."""

    clip: Annotated[int, Field(ge=1)]
    in_s: Instant | None = None
    out_s: Seconds | None = None
    speed: Annotated[float, Field(ge=0.25, le=4.0)] = 1.0
    transition: _TransitionKindField | None = None
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


class HookSpec(_SpecModel):
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


class EndCardSpec(_SpecModel):
    text: Text
    duration_s: Seconds = 3.0

    def to_domain(self) -> EndCard:
        return EndCard(text=self.text, duration_s=self.duration_s)


class ChannelLoudnessSpec(_SpecModel):
    channel: Text
    lufs: Annotated[float, Field(ge=-36, le=-6)] = -14.0

    def to_domain(self) -> ChannelLoudness:
        return ChannelLoudness(channel=self.channel, lufs=self.lufs)


class EditIntentSpec(_SpecModel):
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


class BudgetSpec(_SpecModel):
    limit: Annotated[float, Field(gt=0)]
    unit: Text

    def to_domain(self) -> Budget:
        return Budget(limit=self.limit, unit=self.unit)


class ReviewPolicySpec(_SpecModel):
    second_pair_of_eyes: bool = False

    def to_domain(self) -> ReviewPolicy:
        return ReviewPolicy(second_pair_of_eyes=self.second_pair_of_eyes)


class ProductionSpec(_SpecModel):
    """The whole file. ``schema`` may be left out; when written it must be ``shortfilm/1``."""

    # ``schema`` is a deprecated BaseModel method, so the attribute gets another name.
    schema_: Annotated[str, AfterValidator(_known_schema)] = Field(default=SCHEMA, alias="schema")
    title: Text
    slug: Annotated[str, AfterValidator(_slug)]
    campaign_role: _CampaignRoleField
    target_duration_s: Seconds
    channels: Annotated[list[Text], Field(max_length=MAX_CHANNELS)]
    owner: Text
    script: ScriptSpec
    board: AssetBoardSpec
    clips: Annotated[list[ClipPlanSpec], Field(min_length=1, max_length=MAX_CLIPS)]
    edit: EditIntentSpec = EditIntentSpec()
    budget: BudgetSpec | None = None
    review: Annotated[ReviewPolicySpec, _null_as({})] = ReviewPolicySpec()

    def to_domain(self) -> Production:
        return Production(
            title=self.title,
            slug=self.slug,
            campaign_role=self.campaign_role,
            target_duration_s=self.target_duration_s,
            channels=tuple(self.channels),
            owner=self.owner,
            script=self.script.to_domain(),
            board=self.board.to_domain(),
            clips=tuple(c.to_domain() for c in self.clips),
            edit=self.edit.to_domain(),
            budget=self.budget.to_domain() if self.budget else None,
            review=self.review.to_domain(),
            schema=self.schema_,
        )


SPEC_MODELS: dict[type[_SpecModel], type[Any]] = {
    ProductionSpec: Production,
    ScriptSpec: Script,
    AssetBoardSpec: AssetBoard,
    CharacterSpec: Character,
    EnvironmentViewSpec: EnvironmentView,
    StyleSpec: Style,
    ClipPlanSpec: ClipPlan,
    ShotSpec: Shot,
    EditIntentSpec: EditIntent,
    TitleCardSpec: TitleCard,
    CaptionSpec: Caption,
    SoundEffectCueSpec: SoundEffectCue,
    MusicSpec: Music,
    ClipEditSpec: ClipEdit,
    HookSpec: Hook,
    EndCardSpec: EndCard,
    ChannelLoudnessSpec: ChannelLoudness,
    BudgetSpec: Budget,
    ReviewPolicySpec: ReviewPolicy,
}
"""Each validation model and the dataclass it mirrors; a test holds their fields equal."""
