"""Validation models for the spec's ``campaign:`` section: the variants of the approved film.

Each mirrors one dataclass of :mod:`shortfilm.domain.variant` field for field, with the rules of
the rest of the spec (:mod:`shortfilm.spec.fields`). Whether a variant's account exists, and
whether its texts keep its platform's rules, is lint's to say (it knows the home's accounts);
the loader checks only what a file alone can show.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from shortfilm.domain.mirror import mirror
from shortfilm.domain.platforms import hashtag
from shortfilm.domain.production import Campaign, RhythmClip, Variant
from shortfilm.domain.variant import NAME
from shortfilm.spec.edit_models import EndCardSpec, HookSpec
from shortfilm.spec.fields import Instant, Plain, Seconds, SpecModel, Text, later_than
from shortfilm.spec.limits import MAX_CLIPS, MAX_HASHTAGS, MAX_VARIANTS


def _variant_name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError(
            f"{value[:40]!r} is not a variant name: lowercase letters, digits and '-', "
            "at most 63 characters"
        )
    return value


def _tag(value: str) -> str:
    """A hashtag as stored: without its ``#`` (:func:`~shortfilm.domain.platforms.hashtag`)."""
    try:
        return hashtag(value[:200])
    except ValueError:
        raise ValueError(
            f"{value[:40]!r} is not a hashtag: letters, digits and '_' only, not all digits"
        ) from None


class RhythmClipSpec(SpecModel):
    clip: Annotated[int, Field(ge=1)]
    in_s: Instant | None = None
    out_s: Seconds | None = None
    speed: Annotated[float, Field(ge=0.25, le=4.0)] | None = None

    _out_after_in = later_than("in_s", "out_s")

    def to_domain(self) -> RhythmClip:
        return mirror(RhythmClip, self)


class VariantSpec(SpecModel):
    name: Annotated[str, AfterValidator(_variant_name)]
    account: Text
    hook: HookSpec | None = None
    end_card: EndCardSpec | None = None
    caption: Plain = ""
    hashtags: Annotated[
        list[Annotated[str, AfterValidator(_tag)]], Field(max_length=MAX_HASHTAGS)
    ] = []
    order: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_CLIPS)] = []
    clips: Annotated[list[RhythmClipSpec], Field(max_length=MAX_CLIPS)] = []
    preset: Text | None = None
    title: Text | None = None

    @field_validator("order")
    @classmethod
    def _each_clip_once(cls, order: list[int]) -> list[int]:
        twice = sorted({c for c in order if order.count(c) > 1})
        if twice:
            raise ValueError(f"clip {twice[0]} is named twice: a clip plays once")
        return order

    def to_domain(self) -> Variant:
        return mirror(
            Variant,
            self,
            hook=self.hook.to_domain() if self.hook else None,
            end_card=self.end_card.to_domain() if self.end_card else None,
            hashtags=tuple(self.hashtags),
            order=tuple(self.order),
            clips=tuple(c.to_domain() for c in self.clips),
        )


class CampaignSpec(SpecModel):
    variants: Annotated[list[VariantSpec], Field(max_length=MAX_VARIANTS)] = []

    @field_validator("variants")
    @classmethod
    def _names_unique(cls, variants: list[VariantSpec]) -> list[VariantSpec]:
        seen: set[str] = set()
        for v in variants:
            if v.name in seen:
                raise ValueError(f"variant {v.name!r} is declared twice")
            seen.add(v.name)
        return variants

    def to_domain(self) -> Campaign:
        return Campaign(variants=tuple(v.to_domain() for v in self.variants))
