"""The slot a take's burned-in shot tag lives in, chosen so the edit never draws over it.

The animatic used to burn a slate and a two-line shot description into its takes, near the top
and bottom edges of the take. Once the edit fitted the take to a preset and drew its own
captions, the description sat under a caption, two takes' descriptions overlapped during a
transition, the line near the bottom fell outside the title-safe area, and the vertical cover
(which crops the take to fill 9:16) cut it mid-word.

So a take now carries only a small tag (clip and shot number), in a slot every output can keep:
:func:`tag_area` is the part of the take that lands inside the safe area of every preset, both
as the film fits it (the whole take, letterboxed over a blurred fill when the aspect differs,
see :func:`shortfilm.media.film_graph.fit_chain`) and as the cover crops it
(:func:`shortfilm.media.cover.cover_image`). The tag sits at the top of that area, and the edit's
layout reserves the slot (:func:`reserved_slot`) on every preset, so captions, hooks and end
cards are placed around it by :func:`shortfilm.media.text_layout.solve`. The shot's description
stays in the take's metadata (``delivery.json``), where the review reads it; drawing it at render
time would need the edit to know which takes are animatics, which it does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shortfilm.media.presets import PRESETS, Preset
from shortfilm.media.text_layout import Block, Box, Placed, fit_block, measure, type_sizes

FitMode = str
"""``"film"``: the whole take scaled into the frame (contain); ``"cover"``: scaled to fill it and
cropped at the centre."""

MODES: tuple[FitMode, ...] = ("film", "cover")


def _transform(take: tuple[int, int], frame: tuple[int, int], mode: FitMode) -> tuple[float, ...]:
    """Scale and offsets mapping take pixels onto the frame: ``x' = s * x + ox``."""
    (tw, th), (fw, fh) = take, frame
    if mode == "film" and abs(tw / th - fw / fh) < 0.01:
        return fw / tw, fh / th, 0.0, 0.0
    scale = min(fw / tw, fh / th) if mode == "film" else max(fw / tw, fh / th)
    return scale, scale, (fw - tw * scale) / 2, (fh - th * scale) / 2


def map_box(box: Box, take: tuple[int, int], preset: Preset, mode: FitMode) -> Box:
    """``box`` (take pixels) where it lands on ``preset``'s frame, rounded outwards."""
    sx, sy, ox, oy = _transform(take, preset.size, mode)
    return Box(
        int(box.left * sx + ox),
        int(box.top * sy + oy),
        -int(-(box.right * sx + ox) // 1),
        -int(-(box.bottom * sy + oy) // 1),
    )


def tag_area(take: tuple[int, int], presets: Iterable[Preset] | None = None) -> Box | None:
    """The part of a take of size ``take`` that lands in the safe area of every preset in both
    fit modes (take pixels, rounded inwards); ``None`` when no pixel does."""
    tw, th = take
    left, top, right, bottom = 0.0, 0.0, float(tw), float(th)
    for preset in PRESETS.values() if presets is None else presets:
        safe = preset.safe.box(*preset.size)
        for mode in MODES:
            sx, sy, ox, oy = _transform(take, preset.size, mode)
            left, right = max(left, (safe[0] - ox) / sx), min(right, (safe[2] - ox) / sx)
            top, bottom = max(top, (safe[1] - oy) / sy), min(bottom, (safe[3] - oy) / sy)
    box = Box(int(left) + 1, int(top) + 1, int(right), int(bottom))
    return box if box.width > 0 and box.height > 0 else None


def tag_slot(take: tuple[int, int]) -> Box | None:
    """The band of the take a tag may use: the top of :func:`tag_area`, one line of tag tall
    (take pixels); ``None`` when the take is too small for a legible tag."""
    area = tag_area(take)
    if area is None:
        return None
    size = type_sizes("shot_tag", min(take))[0]
    _, _, h = measure("0", size, area.width)
    slot = Box(area.left, area.top, area.right, area.top + area.top % 2 + h)  # even top
    if h > area.height or fit_block(Block("tag", "shot_tag", "9/9"), slot, min(take)) is None:
        return None
    return slot


def shot_tag(take: tuple[int, int], texts: Sequence[str]) -> Placed | None:
    """The first of ``texts`` (longest first, e.g. ``"opening · shot 2/3"``, ``"2/3"``) that fits
    :func:`tag_slot`, placed there; ``None`` when none fits (a take too small to carry a legible
    tag carries none: it is a review aid, not part of the film)."""
    slot = tag_slot(take)
    if slot is None:
        return None
    for text in texts:
        placed = fit_block(Block("shot tag", "shot_tag", text), slot, min(take))
        if placed is not None:
            return placed
    return None


def reserved_slots(takes: Iterable[tuple[int, int]], preset: Preset, mode: FitMode) -> list[Box]:
    """Where the tag slots of takes of the given sizes land on ``preset``'s frame, grown by two
    pixels (scaling blurs a tag's edge): the edit's texts keep clear of them."""
    boxes = []
    for take in sorted(set(takes)):
        slot = tag_slot(take)
        if slot is not None:
            boxes.append(map_box(slot, take, preset, mode).grown(2))
    return boxes


__all__ = ["MODES", "map_box", "reserved_slots", "shot_tag", "tag_area", "tag_slot"]
