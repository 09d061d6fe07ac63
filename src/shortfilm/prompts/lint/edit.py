"""Story rules about the cut (S410-S414): what the edit would refuse once the takes exist.

``run`` assembles the edit only after every take has been generated, so a caption over a lower
third, or a text that starts after the film ends, used to be refused after the credits were
spent. These rules lay out the same timeline the edit would (:func:`default_timeline`, at the
rate takes are conformed to), with each take as long as its clip's planned ``duration_s``, and
report what the timeline's own checks refuse. The checks are the edit's, not copies of them, so
lint and the edit cannot drift apart. S412 runs the render's own text layout
(:mod:`shortfilm.media.text_layout`) on every channel's preset, with the takes at the size they
are asked for (``CLIP_SIZE``, whose shot-tag slot the layout keeps clear).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from shortfilm.domain.production import Caption, EditIntent
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.domain.take import CLIP_SIZE
from shortfilm.domain.timeline import Timeline, frames_for
from shortfilm.domain.timeline_parts import DEFAULT_RATE, TimelineError
from shortfilm.errors import InputError
from shortfilm.media.overlays import film_layout, title_card_layout
from shortfilm.media.presets import preset_for_channel
from shortfilm.media.text_layout import Block, TextFitError
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.registry import Hit, LintContext, production_rule
from shortfilm.spec.source import FieldPath

ERROR = Severity.ERROR

FILM_RATE = DEFAULT_RATE
"""The rate the edit lays the film out at (every take is conformed to it): frames, not seconds,
decide whether two texts touch, exactly as in the edit."""


@dataclass(frozen=True)
class _BottomText:
    """A caption or lower third: both are drawn in the bottom third of the frame."""

    path: tuple[str, str, int]
    label: str
    start: int
    end: int


def _planned_takes(ctx: LintContext) -> list[TakeSource]:
    """One take per clip, as long as the clip's ``duration_s`` (what is asked of the model)."""
    return [
        TakeSource(i + 1, 1, 0, "", max(1, frames_for(clip.duration_s, FILM_RATE)))
        for i, clip in enumerate(ctx.production.clips)
    ]


def _planned(ctx: LintContext, edit: EditIntent) -> Timeline:
    return default_timeline(edit, _planned_takes(ctx), FILM_RATE)


def planned_film(ctx: LintContext) -> Timeline | None:
    """The film the spec's edit plans, every take as long as its clip's ``duration_s``;
    ``None`` when the edit cannot be laid out (S410/S411 say why)."""
    try:
        return _planned(ctx, ctx.production.edit)
    except TimelineError:
        return None


def _film_end(ctx: LintContext) -> int | None:
    """Frames of the planned film without its texts; ``None`` when it cannot be laid out."""
    edit = ctx.production.edit
    bare = replace(edit, captions=(), lower_thirds=(), hook=None, end_card=None)
    try:
        return _planned(ctx, bare).total_frames
    except TimelineError:
        return None


def _bottom_texts(ctx: LintContext) -> list[_BottomText]:
    edit = ctx.production.edit
    end = _film_end(ctx)
    out: list[_BottomText] = []
    groups: tuple[tuple[str, str, tuple[Caption, ...]], ...] = (
        ("captions", "caption", edit.captions),
        ("lower_thirds", "lower third", edit.lower_thirds),
    )
    for field, kind, items in groups:
        for index, item in enumerate(items):
            stop = frames_for(item.end_s, FILM_RATE)
            out.append(
                _BottomText(
                    ("edit", field, index),
                    f"{kind} {item.text!r} ({item.start_s:g}-{item.end_s:g} s)",
                    frames_for(item.start_s, FILM_RATE),
                    stop if end is None else min(stop, end),  # the edit cuts a text at the end
                )
            )
    return sorted(out, key=lambda t: (t.start, t.end, t.path))


def _overlapping(ctx: LintContext) -> list[tuple[_BottomText, _BottomText]]:
    """Every (earlier, later) pair of bottom texts on screen at once."""
    texts = _bottom_texts(ctx)
    return [
        (a, b)
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if b.start < a.end and b.start < b.end
    ]


@production_rule(
    "S410",
    "bottom-texts-overlap",
    ERROR,
    "Two bottom-third texts (captions, lower thirds) are on screen at once.",
)
def bottom_texts_overlap(ctx: LintContext) -> Iterator[Hit]:
    for a, b in _overlapping(ctx):
        yield Hit(
            b.path,
            f"the {b.label} is on screen with the {a.label}: both are drawn in the bottom "
            "third, and the edit refuses the film",
            f"start it at {float(a.end / FILM_RATE):g} s or later, or end the other one sooner",
        )


@production_rule(
    "S411",
    "edit-not-playable",
    ERROR,
    "The edit would refuse the cut the spec describes, once the takes exist.",
)
def edit_not_playable(ctx: LintContext) -> Iterator[Hit]:
    edit = ctx.production.edit
    # texts S410 reports are left out here, so each problem is reported once
    later = {b.path for _, b in _overlapping(ctx)}
    kept = replace(
        edit,
        captions=tuple(
            c for i, c in enumerate(edit.captions) if ("edit", "captions", i) not in later
        ),
        lower_thirds=tuple(
            c for i, c in enumerate(edit.lower_thirds) if ("edit", "lower_thirds", i) not in later
        ),
    )
    try:
        _planned(ctx, kept)
    except TimelineError as exc:
        yield Hit(
            ("edit",),
            f"with each take as long as its clip's duration_s, the edit would refuse the film: "
            f"{exc}",
            "change the edit section (times, trims, transitions) so the cut fits the film",
        )


_FIELDS = {"caption": "captions", "lower_third": "lower_thirds"}


def _text_path(edit: EditIntent, block: Block | None) -> FieldPath:
    """The spec field a text of the layout came from (``("edit",)`` if it cannot be told)."""
    if block is None:
        return ("edit",)
    if block.kind in ("title", "subtitle"):
        return ("edit", "title_card")
    field = _FIELDS.get(block.kind)
    if field is None:
        return ("edit", block.kind)
    items: tuple[Caption, ...] = getattr(edit, field)
    index = next((i for i, c in enumerate(items) if c.text == block.text), None)
    return ("edit", field) if index is None else ("edit", field, index)


@production_rule(
    "S412",
    "text-does-not-fit",
    ERROR,
    "A text of the edit fits nowhere in the safe area of a channel's frame.",
)
def text_does_not_fit(ctx: LintContext) -> Iterator[Hit]:
    edit = ctx.production.edit
    try:
        timeline = _planned(ctx, edit)
    except TimelineError:
        return  # S410 / S411 report why the cut cannot be laid out
    presets = []
    for channel in ctx.production.channels:
        try:
            preset = preset_for_channel(channel)
        except InputError:
            continue  # S413 names an unknown channel
        if preset not in presets:
            presets.append(preset)
    for preset in presets:
        try:
            if timeline.title is not None:
                title_card_layout(timeline.title, preset.size, preset.safe)
            film_layout(timeline.texts, preset, [CLIP_SIZE])
        except TextFitError as exc:
            yield Hit(
                _text_path(edit, exc.block),
                f"the {preset.name} export ({', '.join(ctx.production.channels)}) would refuse "
                f"the film: {exc}",
                "shorten the text, or start it when no other text is on screen",
            )


@production_rule(
    "S413",
    "unknown-channel",
    ERROR,
    "A channel the spec names has no export preset: the render would refuse it.",
)
def unknown_channel(ctx: LintContext) -> Iterator[Hit]:
    for i, channel in enumerate(ctx.production.channels):
        try:
            preset_for_channel(channel)
        except InputError as exc:
            yield Hit(
                ("channels", i),
                f"{exc}: the render would refuse the film after every take was paid for",
                "use a known channel name (e.g. shorts for YouTube Shorts, reels, tiktok)",
            )


@production_rule(
    "S414",
    "film-too-long-for-channel",
    ERROR,
    "The planned film is longer than a channel's export takes: the render would refuse it.",
)
def film_too_long_for_channel(ctx: LintContext) -> Iterator[Hit]:
    end = _film_end(ctx)
    if end is None:
        return  # S411 reports why the cut cannot be laid out
    seconds = end / FILM_RATE
    for i, channel in enumerate(ctx.production.channels):
        try:
            preset = preset_for_channel(channel)
        except InputError:
            continue  # S413 names an unknown channel
        limit = preset.max_duration_s
        if seconds > limit + 1e-9:  # the render's own test (Preset.check_duration)
            yield Hit(
                ("channels", i),
                f"the planned film is {float(seconds):.2f} s but {channel} takes at most "
                f"{limit:g} s (its {preset.name} export): the render would refuse the film after "
                "every take was paid for",
                f"cut clips or trim the edit to {limit:g} s or less, or drop {channel} from "
                "channels",
            )
