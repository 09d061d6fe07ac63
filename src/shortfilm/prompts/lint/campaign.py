"""Campaign rules (V501-V506): what publishing a variant would refuse, said before its render.

A variant is posted to one account on one platform. A caption past the platform's limit, one
hashtag too many, a film longer than the platform takes, an account nobody added or texts that
collide once the variant's hook, end card and rhythm are laid over the edit: each would be
refused by the render or the platform after the film was made, so lint says it first. The
variant's film is laid out as the edit's is (:mod:`shortfilm.prompts.lint.edit`: every take as
long as its clip's ``duration_s``) and then as the variant changes it
(:func:`~shortfilm.domain.variant.variant_timeline`); the platform's rules are
:mod:`shortfilm.domain.platforms`'s, the same ones publishing checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.platforms import PLATFORMS, check_post
from shortfilm.domain.production import Variant
from shortfilm.domain.take import CLIP_SIZE
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import TimelineError
from shortfilm.domain.variant import role_findings, variant_timeline
from shortfilm.media.overlays import film_layout
from shortfilm.media.presets import PRESETS
from shortfilm.media.text_layout import TextFitError
from shortfilm.prompts.lint.edit import planned_film
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.registry import Hit, LintContext, production_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _variants(ctx: LintContext) -> Iterator[tuple[int, Variant]]:
    yield from enumerate(ctx.production.campaign.variants)


def _film(ctx: LintContext, variant: Variant) -> Timeline | None:
    """The variant's planned film; ``None`` when the edit or the variant cannot be laid out
    (S411 and V503 say why)."""
    base = planned_film(ctx)
    if base is None:
        return None
    try:
        return variant_timeline(base, variant)
    except TimelineError:
        return None


def _preset_name(ctx: LintContext, variant: Variant) -> str | None:
    """The variant's frame: its own, else its account's; ``None`` when neither is known."""
    if variant.preset is not None:
        return variant.preset
    account = (ctx.accounts or {}).get(variant.account)
    if account is not None:
        return account.preset
    return None


@production_rule(
    "V501",
    "variant-unknown-account",
    ERROR,
    "A variant is routed to an account this home does not have.",
)
def variant_unknown_account(ctx: LintContext) -> Iterator[Hit]:
    if ctx.accounts is None:
        return
    for i, variant in _variants(ctx):
        if variant.account not in ctx.accounts:
            have = ", ".join(sorted(ctx.accounts)) or "none yet"
            yield Hit(
                ("campaign", "variants", i, "account"),
                f"variant {variant.name}: no account named {variant.account!r} (accounts: {have})",
                f"add it: `shortfilm account add {variant.account} --platform tiktok "
                "--handle @you` (its platform and handle), or route the variant to an account "
                "that exists",
            )


@production_rule(
    "V502",
    "variant-breaks-platform-rule",
    ERROR,
    "A variant's post breaks its account's platform rules (length, caption, hashtags, title).",
)
def variant_breaks_platform_rule(ctx: LintContext) -> Iterator[Hit]:
    if ctx.accounts is None:
        return
    for i, variant in _variants(ctx):
        account = ctx.accounts.get(variant.account)
        if account is None:
            continue  # V501
        film = _film(ctx, variant)
        where = PLATFORMS[account.platform]
        breaks = check_post(
            where,
            duration_s=None if film is None else float(film.duration),
            caption=variant.caption,
            hashtags=variant.hashtags,
            title=variant.title if variant.title is not None else ctx.production.title,
            preset=_preset_name(ctx, variant) or account.preset,
        )
        for rule in breaks:
            field = {"the post text": "caption", "the hashtags": "hashtags", "the title": "title",
                     "the frame": "preset"}.get(rule.rule)  # fmt: skip
            path = ("campaign", "variants", i) + ((field,) if field else ())
            yield Hit(
                path,
                f"variant {variant.name} for {account.label}: {rule}",
                "change the variant so the post keeps the platform's rule, or route it to an "
                "account on a platform that takes it",
            )


@production_rule(
    "V503",
    "variant-not-playable",
    ERROR,
    "A variant's hook, end card or rhythm does not fit the approved edit.",
)
def variant_not_playable(ctx: LintContext) -> Iterator[Hit]:
    base = planned_film(ctx)
    if base is None:
        return  # S411
    for i, variant in _variants(ctx):
        try:
            variant_timeline(base, variant)
        except TimelineError as exc:
            yield Hit(
                ("campaign", "variants", i),
                f"with each take as long as its clip's duration_s, the render would refuse it: "
                f"{exc}",
                "change the variant's order, trims or texts so they fit the edit",
            )


@production_rule(
    "V504",
    "variant-unknown-preset",
    ERROR,
    "A variant names a frame no export preset has.",
)
def variant_unknown_preset(ctx: LintContext) -> Iterator[Hit]:
    for i, variant in _variants(ctx):
        if variant.preset is not None and variant.preset not in PRESETS:
            yield Hit(
                ("campaign", "variants", i, "preset"),
                f"variant {variant.name}: no preset named {variant.preset!r}",
                f"use one of {', '.join(PRESETS)}, or leave preset out to take the account's",
            )


@production_rule(
    "V505",
    "variant-text-does-not-fit",
    ERROR,
    "A variant's text fits nowhere in the safe area of its frame.",
)
def variant_text_does_not_fit(ctx: LintContext) -> Iterator[Hit]:
    for i, variant in _variants(ctx):
        name = _preset_name(ctx, variant)
        preset = PRESETS.get(name) if name is not None else None
        film = _film(ctx, variant)
        if preset is None or film is None:
            continue
        try:
            film_layout(film.texts, preset, [CLIP_SIZE])
        except TextFitError as exc:
            yield Hit(
                ("campaign", "variants", i),
                f"variant {variant.name}: the {preset.name} export would refuse it: {exc}",
                "shorten the text, or start it when no other text is on screen",
            )


@production_rule(
    "V506",
    "variant-misses-campaign-role",
    WARNING,
    "A variant does not do what the production's campaign role asks: a hook campaign's opening "
    "text, an educational film's step labels.",
)
def variant_misses_campaign_role(ctx: LintContext) -> Iterator[Hit]:
    base_hook = ctx.production.edit.hook
    role = ctx.production.campaign_role
    for i, variant in _variants(ctx):
        film = _film(ctx, variant)
        for about, message in role_findings(role, variant, base_hook, film):
            step = about == "steps"
            yield Hit(
                ("campaign", "variants", i) if step else ("campaign", "variants", i, "hook"),
                f"variant {variant.name}: {message}",
                "add a caption over each step in the spec's `edit: captions:` (or a lower third)"
                if step
                else "add `hook: {text: ..., start_s: 0, end_s: 2}` to the variant",
            )
