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

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from shortfilm.domain.mirror import mirror
from shortfilm.domain.production import (
    SCHEMA,
    AssetBoard,
    Budget,
    Campaign,
    Caption,
    ChannelLoudness,
    Character,
    ClipEdit,
    ClipPlan,
    EditIntent,
    EndCard,
    EnvironmentView,
    Hook,
    Music,
    Production,
    ReviewPolicy,
    RhythmClip,
    Script,
    Shot,
    SoundEffectCue,
    Style,
    TitleCard,
    Variant,
)
from shortfilm.spec.campaign_models import CampaignSpec, RhythmClipSpec, VariantSpec
from shortfilm.spec.edit_models import (
    CaptionSpec,
    ChannelLoudnessSpec,
    ClipEditSpec,
    EditIntentSpec,
    EndCardSpec,
    HookSpec,
    MusicSpec,
    SoundEffectCueSpec,
    TitleCardSpec,
)
from shortfilm.spec.fields import (
    CampaignRoleField,
    CharacterRoleField,
    Draft,
    DraftList,
    Plain,
    Seconds,
    SpecModel,
    SpecPath,
    Text,
    check_slug,
    hex_colour,
    known_schema,
    not_keyframe,
    null_as,
)
from shortfilm.spec.limits import (
    MAX_BEATS,
    MAX_BOARD_REFERENCES,
    MAX_CHANNELS,
    MAX_CHARACTERS,
    MAX_CLIPS,
    MAX_ENVIRONMENT_VIEWS,
    MAX_PALETTE,
)

MAX_ALIASES = 12
"""Other names one board entry may have (shots resolve subjects by them)."""

MAX_SHOTS_PER_CLIP = 6
"""The schema's hard ceiling; the 3-4 shot habit of the workflow is advice given by lint."""


class ScriptSpec(SpecModel):
    logline: Text
    beats: Annotated[list[Text], Field(min_length=1, max_length=MAX_BEATS)]

    def to_domain(self) -> Script:
        return mirror(Script, self, beats=tuple(self.beats))


class CharacterSpec(SpecModel):
    name: Text
    role: CharacterRoleField
    description: Draft = ""
    outfit: Draft = ""
    silhouette: Draft = ""
    props: Plain = ""
    reference: SpecPath | None = None
    aliases: Annotated[list[Text], Field(max_length=MAX_ALIASES)] = []

    def to_domain(self) -> Character:
        return mirror(Character, self, aliases=tuple(self.aliases))


class EnvironmentViewSpec(SpecModel):
    name: Text
    description: Text
    reference: SpecPath | None = None
    aliases: Annotated[list[Text], Field(max_length=MAX_ALIASES)] = []

    def to_domain(self) -> EnvironmentView:
        return mirror(EnvironmentView, self, aliases=tuple(self.aliases))


class StyleSpec(SpecModel):
    camera: Draft = ""
    lighting: Draft = ""
    texture: Draft = ""
    realism: Draft = ""
    palette: Annotated[
        list[Annotated[str, AfterValidator(hex_colour)]], Field(max_length=MAX_PALETTE)
    ] = []

    def to_domain(self) -> Style:
        return mirror(Style, self, palette=tuple(self.palette))


class AssetBoardSpec(SpecModel):
    world: Draft = ""
    characters: Annotated[list[CharacterSpec], Field(max_length=MAX_CHARACTERS)]
    environment: Annotated[
        list[EnvironmentViewSpec], null_as([]), Field(max_length=MAX_ENVIRONMENT_VIEWS)
    ] = []
    style: Annotated[StyleSpec, null_as({})] = StyleSpec()
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


class ShotSpec(SpecModel):
    camera: Draft = ""
    movement: Draft = ""
    subject: Draft = ""
    action: Draft = ""
    timing_s: Seconds | None = None

    def to_domain(self) -> Shot:
        return mirror(Shot, self)


class ClipPlanSpec(SpecModel):
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
    last_frame: Annotated[SpecPath, AfterValidator(not_keyframe)] | None = None

    def to_domain(self) -> ClipPlan:
        return mirror(ClipPlan, self, shots=tuple(s.to_domain() for s in self.shots))


class BudgetSpec(SpecModel):
    limit: Annotated[float, Field(gt=0)]
    unit: Text

    def to_domain(self) -> Budget:
        return mirror(Budget, self)


class ReviewPolicySpec(SpecModel):
    second_pair_of_eyes: bool = False

    def to_domain(self) -> ReviewPolicy:
        return mirror(ReviewPolicy, self)


class ProductionSpec(SpecModel):
    """The whole file. ``schema`` may be left out; when written it must be ``shortfilm/1``."""

    # ``schema`` is a deprecated BaseModel method, so the attribute gets another name.
    schema_: Annotated[str, AfterValidator(known_schema)] = Field(default=SCHEMA, alias="schema")
    title: Text
    slug: Annotated[str, AfterValidator(check_slug)]
    campaign_role: CampaignRoleField
    target_duration_s: Seconds
    channels: Annotated[list[Text], Field(max_length=MAX_CHANNELS)]
    owner: Text
    script: ScriptSpec
    board: AssetBoardSpec
    clips: Annotated[list[ClipPlanSpec], Field(min_length=1, max_length=MAX_CLIPS)]
    edit: EditIntentSpec = EditIntentSpec()
    budget: BudgetSpec | None = None
    review: Annotated[ReviewPolicySpec, null_as({})] = ReviewPolicySpec()
    campaign: Annotated[CampaignSpec, null_as({})] = CampaignSpec()

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
            campaign=self.campaign.to_domain(),
            schema=self.schema_,
        )


SPEC_MODELS: dict[type[SpecModel], type[Any]] = {
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
    CampaignSpec: Campaign,
    VariantSpec: Variant,
    RhythmClipSpec: RhythmClip,
}
"""Each validation model and the dataclass it mirrors; a test holds their fields equal."""
