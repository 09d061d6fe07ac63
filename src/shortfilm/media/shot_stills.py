"""The still a shot's camera moves over: a reference composed larger than the frame, or a gradient.

A reference is graded with a light film look and cropped to cover the oversized frame
(:func:`compose_still`), or shown whole on a blurred fill of itself when its shape is far from
the frame's; a take without any reference gets a gradient of the board's palette
(:func:`gradient_still`). Pure: same inputs, same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from shortfilm.media.colour import parse_hex
from shortfilm.media.motion import Size, shot_rng, source_size

DEFAULT_PALETTE: tuple[str, ...] = ("#1b2a41", "#3c6e71", "#d9a05b", "#7d2e46")
"""Used for the no-reference gradient when the board names no colours: dusk blue to ember."""


def cover(image: Image.Image, size: Size, *, focus_y: float = 0.5) -> Image.Image:
    """``image`` scaled to fill ``size`` and cropped; ``focus_y`` (0 top .. 1 bottom) picks which
    band of a too-tall image survives (0.4 keeps faces in a standing figure)."""
    return ImageOps.fit(image, size, Image.Resampling.BILINEAR, centering=(0.5, focus_y), bleed=0.0)


def contain_on_fill(image: Image.Image, size: Size) -> Image.Image:
    """``image`` whole, centred on a darkened blurred fill of itself: a portrait character in a
    landscape frame keeps its head and feet instead of being cropped to the torso."""
    small = (max(size[0] // 8, 1), max(size[1] // 8, 1))
    fill = cover(image, small).filter(ImageFilter.GaussianBlur(max(small[0] / 40.0, 1.0)))
    fill = ImageEnhance.Brightness(fill).enhance(0.55)
    canvas = fill.resize(size, Image.Resampling.BILINEAR)
    fitted = ImageOps.contain(image, size, Image.Resampling.BILINEAR)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return canvas


def _grade_lut() -> list[int]:
    """A light film look as a 768-entry LUT: S-curve contrast, cool shadows, warm highlights."""
    lut: list[int] = []
    for channel in range(3):
        for v in range(256):
            x = v / 255.0
            y = x + 0.35 * (x * x * (3.0 - 2.0 * x) - x)
            y = 0.02 + 0.96 * y  # lifted blacks, soft whites
            if channel == 0:
                y += 0.035 * x * x
            elif channel == 2:
                y += 0.035 * (1.0 - x) ** 2
            lut.append(min(255, max(0, round(y * 255.0))))
    return lut


_LUT = _grade_lut()


def grade(image: Image.Image) -> Image.Image:
    """The animatic's cinematic grade: contrast S-curve, split tone and a touch of saturation."""
    return ImageEnhance.Color(image.convert("RGB").point(_LUT)).enhance(1.08)


def compose_still(
    image: Image.Image, out_size: Size, *, fill: bool, focus_y: float = 0.5
) -> Image.Image:
    """The graded oversized still (``source_size(out_size)``) a shot's camera moves over.

    ``fill`` crops to cover the frame (environments, keyframes). Otherwise an image whose aspect
    differs from the frame's by more than 25 % is shown whole on a blurred fill of itself.
    """
    size = source_size(out_size)
    rgb = image.convert("RGB")
    ratio = (rgb.width / max(rgb.height, 1)) / (size[0] / size[1])
    if fill or 0.8 <= ratio <= 1.25:
        still = cover(rgb, size, focus_y=focus_y)
    else:
        still = contain_on_fill(rgb, size)
    return grade(still)


def gradient_still(
    palette: Sequence[str], out_size: Size, *, seed: int, shot_index: int
) -> Image.Image:
    """A still made of the board's palette, for takes with no reference image at all.

    A diagonal gradient through the colours (rotated per shot, so cuts stay visible) with a few
    large soft discs, so camera moves read on screen. Empty ``palette`` uses ``DEFAULT_PALETTE``.
    """
    colours = [parse_hex(c) for c in (palette or DEFAULT_PALETTE)]
    if len(colours) == 1:
        r, g, b = colours[0]
        colours.append((int(r * 0.35), int(g * 0.35), int(b * 0.35)))
    k = shot_index % len(colours)
    colours = colours[k:] + colours[:k]
    rng = shot_rng(seed, shot_index)
    size = source_size(out_size)
    # Work at 1/4 scale: a gradient and blurred discs lose nothing and cost a sixteenth.
    sw, sh = max(size[0] // 4, 2), max(size[1] // 4, 2)
    angle = math.radians(25.0 + 67.0 * shot_index)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float64)
    t = xs / sw * math.cos(angle) + ys / sh * math.sin(angle)
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-9)
    stops = np.linspace(0.0, 1.0, len(colours))
    arr = np.stack([np.interp(t, stops, [c[ch] for c in colours]) for ch in range(3)], axis=-1)
    base = Image.fromarray(arr.astype(np.uint8))
    # Discs are painted opaque on a copy and blended through a blurred mask: blurring an RGBA
    # layer directly would darken their rims with the transparent black around them.
    paint = base.copy()
    mask = Image.new("L", (sw, sh), 0)
    draw, draw_mask = ImageDraw.Draw(paint), ImageDraw.Draw(mask)
    for _ in range(7):
        radius = float(rng.uniform(0.06, 0.2)) * sh
        cx, cy = float(rng.uniform(0, sw)), float(rng.uniform(0, sh))
        r, g, b = colours[int(rng.integers(len(colours)))]
        disc = (cx - radius, cy - radius, cx + radius, cy + radius)
        draw.ellipse(disc, fill=(int(r * 0.6 + 100), int(g * 0.6 + 100), int(b * 0.6 + 100)))
        draw_mask.ellipse(disc, fill=95)
    soften = ImageFilter.GaussianBlur(max(sh / 90.0, 0.5))
    base = Image.composite(paint.filter(soften), base, mask.filter(soften))
    return grade(base.resize(size, Image.Resampling.BILINEAR))


__all__ = [
    "DEFAULT_PALETTE",
    "compose_still",
    "contain_on_fill",
    "cover",
    "grade",
    "gradient_still",
]
