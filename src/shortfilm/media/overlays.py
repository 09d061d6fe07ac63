"""Pictures drawn with Pillow for the film: the title card and the texts over it (captions, lower
thirds, the hook, the end card), placed together by :mod:`shortfilm.media.text_layout` inside the
preset's safe area, never on each other nor on the takes' shot tags.

They are drawn once per render (:func:`draw_stills`) and read by ffmpeg as PNG inputs of the
filter graph, so a text looks the same in the full render and in every window of a draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from shortfilm.domain.timeline_parts import TextItem, TextKind
from shortfilm.errors import MediaError
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.presets import Preset, SafeArea
from shortfilm.media.take_tags import reserved_slots
from shortfilm.media.text_layout import (
    Block,
    Box,
    Placed,
    TextFitError,
    block_image,
    draw_block,
    fit_block,
    solve,
)


def grab_frame(path: Path, at_s: float = 1.0) -> Image.Image:
    """An RGB frame of the video at about ``at_s`` seconds (the last one if it is shorter)."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            picked = None
            for frame in container.decode(stream):
                picked = frame
                if frame.time is not None and frame.time >= at_s:
                    break
            if picked is None:
                raise MediaError("no video frame to grab", file=path)
            rgb = picked.to_ndarray(format="rgb24")
            return Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot grab a frame: {exc}", file=path) from exc


def _graded_background(frame: Image.Image | None, size: tuple[int, int]) -> Image.Image:
    """A dark, blurred, cool-graded version of ``frame`` filling ``size`` (a gradient if None).

    Everything in it is smooth (blur, grade, vignette), so it is made at a quarter of the size
    and scaled up: a sixteenth of the arithmetic of a full 1080x1920 frame.
    """
    w, h = size
    sw, sh = max(2, w // 4), max(2, h // 4)
    if frame is None:
        top, bottom = np.array([20.0, 26.0, 40.0]), np.array([5.0, 6.0, 10.0])
        ramp = np.linspace(0.0, 1.0, sh)[:, None, None]
        arr = np.broadcast_to(top + (bottom - top) * ramp, (sh, sw, 3)).copy()
    else:
        small = ImageOps.fit(frame, (sw, sh), Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(radius=max(1.0, min(w, h) / 160)))
        small = ImageEnhance.Color(small).enhance(0.7)
        arr = np.asarray(small, dtype=np.float64) * 0.32
        arr = arr * np.array([0.85, 0.95, 1.1]) + np.array([4.0, 6.0, 10.0])
    yy, xx = np.mgrid[0:sh, 0:sw]
    r2 = ((xx + 0.5 - sw / 2) / (sw / 2)) ** 2 + ((yy + 0.5 - sh / 2) / (sh / 2)) ** 2
    vignette = np.clip(1.0 - 0.35 * r2, 0.3, 1.0)[:, :, None]
    graded = Image.fromarray(np.clip(arr * vignette, 0, 255).astype(np.uint8))
    return graded.resize(size, Image.Resampling.BICUBIC)


def title_card_layout(title: TextItem, size: tuple[int, int], safe: SafeArea) -> list[Placed]:
    """Where the title card's title (above the middle) and subtitle (below it) go, wrapped and
    shrunk to fit their half of the safe area; :class:`TextFitError` if one cannot."""
    w, h = size
    left, top, right, bottom = safe.box(w, h)
    short = min(w, h)
    gap = max(4, round(short * 0.03))
    mid = h // 2
    halves = [(Block("title card", "title", title.text), Box(left, top, right, mid - gap))]
    if title.subtitle:
        sub = Block("title card subtitle", "subtitle", title.subtitle)
        halves.append((sub, Box(left, mid + gap, right, bottom)))
    placed = []
    for block, half in halves:
        got = fit_block(block, half, short)
        if got is None:
            raise TextFitError(
                f"{block.key}: {block.text!r} does not fit half the safe area of a {w}x{h} "
                "frame at any size down to the floor; shorten it",
                block,
            )
        placed.append(got)
    return placed


def render_title_card(
    title: TextItem, size: tuple[int, int], safe: SafeArea, frame: Image.Image | None = None
) -> Image.Image:
    """The title card as an RGB image: graded background, big title above a rule, subtitle below.

    Type sizes follow the frame's short side (title 8.5 %, subtitle 4 %) and lines wrap inside the
    safe area (:func:`title_card_layout`), so the same card reads on a 9:16 phone and a 16:9 screen.
    """
    w, h = size
    card = _graded_background(frame, size).convert("RGBA")
    short = min(w, h)
    for placed in title_card_layout(title, size, safe):
        shadow = max(1, placed.size // 24)  # inside the box: the padding is a third of the size
        draw_block(card, placed, offset=(-shadow, -shadow), fill=(0, 0, 0, 170))
        draw_block(card, placed)
    mid = h // 2
    rule_w, rule_h = max(8, round(w * 0.12)), max(2, round(short / 360))
    ImageDraw.Draw(card).rectangle(
        ((w - rule_w) // 2, mid - rule_h // 2, (w + rule_w) // 2, mid + rule_h - rule_h // 2),
        fill=(232, 188, 110, 255),
    )
    return card.convert("RGB")


def text_blocks(texts: Sequence[TextItem]) -> list[Block]:
    """The texts drawn over the film (not the title card, a picture of its own) as layout blocks,
    named in errors by kind and number (``caption 2``)."""
    counts: dict[TextKind, int] = {}
    blocks = []
    for text in texts:
        if text.kind is TextKind.TITLE_CARD:
            continue
        counts[text.kind] = counts.get(text.kind, 0) + 1
        key = f"{text.kind.value.replace('_', ' ')} {counts[text.kind]}"
        blocks.append(Block(key, text.kind.value, text.text, text.start, text.end))
    return blocks


def film_layout(
    texts: Sequence[TextItem], preset: Preset, takes: Iterable[tuple[int, int]] = ()
) -> list[Placed]:
    """Every text over the film placed together on ``preset``'s frame (one :class:`Placed` per
    :func:`text_blocks` block), inside its safe area and clear of the shot-tag slots of takes of
    the sizes ``takes`` (see :mod:`shortfilm.media.take_tags`); :class:`TextFitError` for a text
    that fits nowhere."""
    return solve(
        text_blocks(texts),
        preset.size,
        Box(*preset.safe.box(*preset.size)),
        reserved=reserved_slots(takes, preset, "film"),
        where=f"preset {preset.name}, {preset.width}x{preset.height}",
    )


@dataclass(frozen=True)
class Stills:
    """Pictures drawn once per render and shared by every pass that needs them: the title card
    and the texts (each text's PNG and its place on the frame)."""

    title: Path | None
    texts: tuple[tuple[TextItem, Path, int, int], ...]


def draw_stills(plan: RenderPlan, tl: FilmTimeline, preset: Preset, folder: Path) -> Stills:
    """Draw the title card (over a graded frame of the first take, a second into it) and every
    text for ``preset`` into ``folder``."""
    edit = tl.timeline
    title = None
    if edit.title is not None:
        at_s = float(tl.seconds(edit.segments[0].source_in)) + 1.0
        card = render_title_card(
            edit.title, preset.size, preset.safe, grab_frame(plan.clips[0], at_s)
        )
        title = folder / "title.png"
        card.save(title, compress_level=1)  # read once, by ffmpeg: speed over size
    texts = []
    over = [t for t in edit.texts if t.kind is not TextKind.TITLE_CARD]
    sizes = [(info.width, info.height) for info in tl.clips]
    for j, (text, placed) in enumerate(zip(over, film_layout(over, preset, sizes), strict=True)):
        png = folder / f"{text.kind.value}-{j}.png"
        block_image(placed).save(png)
        texts.append((text, png, placed.box.left, placed.box.top))
    return Stills(title, tuple(texts))
