"""The spec's field types and shared rules: text, paths, seconds, slugs, colours.

Every validation model of the spec (:mod:`shortfilm.spec.models`, :mod:`shortfilm.spec.edit_models`)
is built from these, so a rule such as "text an author must write is never blank" or "a file
stays inside the spec's folder" is stated once.
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
    CampaignRole,
    CharacterRole,
    SoundKind,
    TransitionKind,
)
from shortfilm.spec.limits import MAX_PROMPT_LINES, MAX_TEXT_CHARS
from shortfilm.spec.paths import relative_path

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


def check_slug(value: str) -> str:
    if len(value) > MAX_SLUG_CHARS:
        raise ValueError(f"a slug of at most {MAX_SLUG_CHARS} characters, got {len(value)}")
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug: use lowercase letters, digits and '-' only")
    return value


def known_schema(value: str) -> str:
    if value != SCHEMA:
        raise ValueError(
            f"unknown schema {_shown(value)}: this version of shortfilm reads {SCHEMA!r}"
        )
    return value


def hex_colour(value: str) -> str:
    if not _HEX_COLOUR.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not a colour: write it as #rrggbb, e.g. #1f4e79")
    return value


def not_keyframe(value: str) -> str:
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


def null_as(empty: object) -> BeforeValidator:
    """Read a key written with no value (``world:``, YAML null) as the blank ``empty``."""
    return BeforeValidator(lambda value: empty if value is None else value)


Draft = Annotated[Plain, null_as("")]
"""Prompt text that may be left out or blank while drafting; lint, not the loader, judges it."""
DraftList = Annotated[list[Text], null_as([]), Field(max_length=MAX_PROMPT_LINES)]
"""A prompt block of lines that may be left out or empty; each line written must say something."""
Seconds = Annotated[float, Field(gt=0)]
"""A length of time in seconds, above zero."""
Instant = Annotated[float, Field(ge=0)]
"""A point on the film timeline in seconds from its start (title card included)."""

# Enums arrive from YAML as plain strings; strict mode would want enum instances, so the enum
# fields alone are validated in lax mode (the value must still be one of the members).
CampaignRoleField = Annotated[CampaignRole, Field(strict=False)]
CharacterRoleField = Annotated[CharacterRole, Field(strict=False)]
SoundKindField = Annotated[SoundKind, Field(strict=False)]
TransitionKindField = Annotated[TransitionKind, Field(strict=False)]


class SpecModel(BaseModel):
    """Shared rules: unknown keys refused, no silent coercion, no infinities or NaN."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def later_than(earlier: str, later: str) -> Any:
    """A validator for a model's ``later`` field: when both it and ``earlier`` are given, it must
    be greater (a caption's ``end_s`` after its ``start_s``, a cut's ``out_s`` after its ``in_s``).

    Assign it in the model's body (``_ends_after_start = later_than("start_s", "end_s")``);
    ``earlier`` must be declared first. It is absent from what the validator sees when it failed
    its own check, and that error is the one reported.
    """

    def check(cls: type[BaseModel], value: float | None, info: ValidationInfo) -> float | None:
        before = info.data.get(earlier)
        if value is not None and before is not None and value <= before:
            raise ValueError(f"must be after {earlier} ({before:g}), got {value:g}")
        return value

    return field_validator(later)(check)
