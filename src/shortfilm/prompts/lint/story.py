"""Story rules (S4xx): the clips together make one film for one campaign role.

The workflow splits a film into controlled clips ("for a 50-second film, split the story into
several controlled clips. Each clip should have one job: establish the scene, start the fight,
continue the action, reveal a twist, or close the moment") and decides the campaign role first,
because it "should shape the first shot, the asset board, and the review standard".
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.production import CampaignRole, ClipPlan
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.job_words import hook_words, job_families, tension_words
from shortfilm.prompts.lint.registry import Hit, LintContext, production_rule
from shortfilm.prompts.lint.vocabulary import starts_with_step, step_numbers

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

TARGET_TOLERANCE = (0.10, 0.25)
"""Clip total vs target: beyond the first fraction is a warning, beyond the second an error."""
HOOK_TEXT_BY_S = 2.0
"""A hook shows its first on-screen text within this many seconds of the film's start."""


def _shot_texts(clip: ClipPlan) -> list[str]:
    return [f"{s.subject}. {s.action}" for s in clip.shots]


def _target_gap(ctx: LintContext) -> tuple[float, float, float]:
    """(clip total, target, signed fraction off) in seconds and as a fraction of the target.

    A production built in code may lack a target (0); the spec never allows it. Then: 0 off.
    """
    total = ctx.production.clip_seconds()
    target = ctx.production.target_duration_s
    return total, target, (total - target) / target if target > 0 else 0.0


def _duration_hit(total: float, target: float, off: float) -> Hit:
    gap = abs(total - target)
    way = "short" if off < 0 else "over"
    fix = f"add {gap:g} s of clips" if off < 0 else f"cut {gap:g} s of clips"
    percent = f"{abs(off) * 100:.1f}".rstrip("0").rstrip(".")
    return Hit(
        ("clips",),
        f"the clips add up to {total:g} s against a {target:g} s target ({percent}% {way})",
        f"{fix}, or set target_duration_s: {total:g}",
    )


@production_rule(
    "S401", "duration-off-target", WARNING, "Clip durations miss the target by more than 10%."
)
def duration_off_target(ctx: LintContext) -> Iterator[Hit]:
    total, target, off = _target_gap(ctx)
    if TARGET_TOLERANCE[0] < abs(off) <= TARGET_TOLERANCE[1]:
        yield _duration_hit(total, target, off)


@production_rule(
    "S402",
    "duration-far-off-target",
    ERROR,
    "Clip durations miss the target by more than 25%.",
)
def duration_far_off_target(ctx: LintContext) -> Iterator[Hit]:
    total, target, off = _target_gap(ctx)
    if abs(off) > TARGET_TOLERANCE[1]:
        yield _duration_hit(total, target, off)


@production_rule(
    "S403", "first-clip-no-hook", WARNING, "The first clip neither establishes nor hooks."
)
def first_clip_no_hook(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.production.clips:
        return  # a plan still being written; the spec itself requires a clip
    first = ctx.production.clips[0]
    families = job_families(first.job, _shot_texts(first))
    if "establish" in families or hook_words(" | ".join([first.job, *_shot_texts(first)])):
        return
    yield Hit(
        ("clips", 0, "job"),
        f"the first clip's job {first.job!r} neither establishes the world nor hooks",
        "open by establishing where we are and what threatens it, or with the tension itself",
    )


@production_rule("S404", "last-clip-no-close", WARNING, "The last clip does not close.")
def last_clip_no_close(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.production.clips:
        return  # a plan still being written; the spec itself requires a clip
    index = len(ctx.production.clips) - 1
    last = ctx.production.clips[index]
    if "close" in job_families(last.job, _shot_texts(last)):
        return
    yield Hit(
        ("clips", index, "job"),
        f"the last clip's job {last.job!r} does not close the moment",
        "make the last clip's one job the close: resolve, settle, end on a held image",
    )


@production_rule(
    "S405", "hook-first-clip-no-tension", WARNING, "A hook's first clip carries no tension."
)
def hook_without_tension(ctx: LintContext) -> Iterator[Hit]:
    if ctx.production.campaign_role is not CampaignRole.HOOK or not ctx.production.clips:
        return
    first = ctx.production.clips[0]
    if tension_words(" | ".join([first.job, *_shot_texts(first)])):
        return
    yield Hit(
        ("clips", 0, "job"),
        "a hook's first clip should carry the tension; its job and shots name no conflict, "
        "chase or threat",
        "open on the threat or the first clash and give it the first close-up; establish later",
    )


@production_rule(
    "S406", "hook-no-early-text", WARNING, "A hook shows no on-screen text within 2 s."
)
def hook_without_early_text(ctx: LintContext) -> Iterator[Hit]:
    if ctx.production.campaign_role is not CampaignRole.HOOK:
        return
    edit = ctx.production.edit
    card = edit.title_card
    if any(c.start_s <= HOOK_TEXT_BY_S for c in edit.captions):
        return
    if edit.hook is not None and edit.hook.start_s <= HOOK_TEXT_BY_S:
        return  # the hook text is exactly the early line this rule asks for
    if card is not None and card.duration_s <= HOOK_TEXT_BY_S:
        return
    if card is not None:
        yield Hit(
            ("edit", "title_card", "duration_s"),
            f"the title card holds the screen for {card.duration_s:g} s; a hook's first line "
            f"of text must land within {HOOK_TEXT_BY_S:g} s",
            f"shorten the title card to {HOOK_TEXT_BY_S:g} s or add a caption with start_s "
            f"<= {HOOK_TEXT_BY_S:g}",
        )
        return
    first = (
        f"the first caption starts at {min(c.start_s for c in edit.captions):g} s"
        if edit.captions
        else "the edit has no title card and no captions"
    )
    if edit.hook is not None:
        first = f"the hook text starts at {edit.hook.start_s:g} s"
    yield Hit(
        ("edit", "captions"),
        f"a hook needs on-screen text within {HOOK_TEXT_BY_S:g} s; {first}",
        f"add a hook text or a caption with start_s <= {HOOK_TEXT_BY_S:g} that states the stakes",
    )


@production_rule(
    "S407", "educational-no-step-labels", WARNING, "An educational film has no step labels."
)
def educational_without_steps(ctx: LintContext) -> Iterator[Hit]:
    production = ctx.production
    if production.campaign_role is not CampaignRole.EDUCATIONAL:
        return
    if production.clips and all(starts_with_step(c.job) for c in production.clips):
        return
    texts = [c.text for c in production.edit.captions]
    texts += [s.action for c in production.clips for s in c.shots]
    labels = {n for text in texts for n in step_numbers(text)}
    if len(labels) >= min(2, len(production.clips)):
        return
    yield Hit(
        ("edit", "captions"),
        f"an educational film needs step labels; found {len(labels)} distinct "
        "('Step 1', 'Step 2' ...)",
        "add captions 'Step 1: ...', 'Step 2: ...' over the clips, or start each job with one",
    )


@production_rule(
    "S408", "brand-world-no-palette", WARNING, "A brand-world board anchors no palette."
)
def brand_world_without_palette(ctx: LintContext) -> Iterator[Hit]:
    production = ctx.production
    if production.campaign_role is CampaignRole.BRAND_WORLD and not production.board.style.palette:
        yield Hit(
            ("board", "style", "palette"),
            "a brand world's main asset is consistency, but the board anchors no colour palette",
            "list the brand colours as #rrggbb in board.style.palette",
        )


@production_rule("S409", "no-on-screen-text", INFO, "The edit has no title card and no captions.")
def no_on_screen_text(ctx: LintContext) -> Iterator[Hit]:
    edit = ctx.production.edit
    texts = (edit.title_card, edit.hook, edit.end_card, *edit.captions, *edit.lower_thirds)
    if not any(text is not None for text in texts):
        yield Hit(
            ("edit",),
            "the edit has no text on screen (title card, hook, captions, lower thirds, end card)",
            "a title card or a caption or two helps the viewer understand the setup quickly",
        )
