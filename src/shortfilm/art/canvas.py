"""The canvas every example drawing shares: its size, colours, gradients, glow and film finish.

Images are 1280x720; float pixels are ``(HEIGHT, WIDTH, 3)`` arrays with channels in 0..1.
:func:`finish` gives every drawing the same look (contrast curve, vignette, grain), so the
references read as one board.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH = 1280
HEIGHT = 720

RGB = tuple[int, int, int]
Point = tuple[float, float]
FloatImage = NDArray[np.float32]
"""An ``(HEIGHT, WIDTH, 3)`` image with channels in 0..1."""


def rgb(hex_colour: str) -> RGB:
    """``#rrggbb`` -> ``(r, g, b)`` in 0..255."""
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` toward ``b``: how fog and distance fade a colour."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def vertical_gradient(stops: Sequence[tuple[float, str]]) -> FloatImage:
    """A top-to-bottom gradient through ``(position 0..1, colour)`` stops."""
    positions = np.array([p for p, _ in stops], dtype=np.float32)
    colours = np.array([rgb(c) for _, c in stops], dtype=np.float32) / 255.0
    ys = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)
    column = np.stack([np.interp(ys, positions, colours[:, ch]) for ch in range(3)], axis=-1)
    return np.broadcast_to(column[:, None, :], (HEIGHT, WIDTH, 3)).astype(np.float32)


def radial(centre: Point, radius: float) -> FloatImage:
    """Weight 1 at ``centre`` falling smoothly to 0 at ``radius`` pixels, shape ``(H, W, 1)``."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    distance = np.hypot(xs - centre[0], ys - centre[1]) / radius
    weight: FloatImage = (np.clip(1.0 - distance, 0.0, 1.0) ** 2)[..., None].astype(np.float32)
    return weight


def to_image(pixels: FloatImage) -> Image.Image:
    """Float pixels (clipped to 0..1) as an 8-bit RGB image."""
    return Image.fromarray((np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def to_pixels(image: Image.Image) -> FloatImage:
    """An image as float RGB pixels in 0..1."""
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def add_glow(image: Image.Image, paint: Callable[[ImageDraw.ImageDraw], None], blur: float) -> None:
    """Add light painted by ``paint`` on black, blurred, onto ``image`` (like bloom on film).

    The blur runs at quarter size: a glow has no fine detail, and it keeps each image fast.
    """
    layer = Image.new("RGB", image.size, (0, 0, 0))
    paint(ImageDraw.Draw(layer))
    small = layer.reduce(4).filter(ImageFilter.GaussianBlur(blur / 4))
    glow = small.resize(image.size, Image.Resampling.BILINEAR).point(_GLOW_GAIN)
    image.paste(ImageChops.add(image, glow))


_GLOW_GAIN = [min(255, round(v * 1.6)) for v in range(256)] * 3
"""Lookup table brightening the blurred glow so its core still burns after the blur."""


@functools.cache
def vignette() -> FloatImage:
    """Corner darkening, ``(H, W, 1)``: the same for every image, so computed once."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    edge = np.hypot((xs - WIDTH / 2) / (WIDTH / 2), (ys - HEIGHT / 2) / (HEIGHT / 2))
    weight: FloatImage = (1.0 - 0.45 * np.clip(edge - 0.55, 0.0, 1.0) ** 1.5)[..., None]
    weight.setflags(write=False)
    return weight


def finish(
    image: Image.Image, *, seed: int, contrast: float = 1.3, grain: float = 0.03
) -> Image.Image:
    """The shared film look: an S-curve for strong contrast, a vignette and luminance grain."""
    pixels = to_pixels(image)
    pixels = np.clip(0.5 + (pixels - 0.5) * contrast, 0.0, 1.0)
    pixels = pixels * pixels * (3.0 - 2.0 * pixels) * 0.35 + pixels * 0.65
    pixels *= vignette()
    rng = np.random.default_rng(seed)
    # Grain in 2x2 clumps of a few levels: it still reads as 35 mm texture at 720p, and keeps
    # each PNG near half a megabyte instead of several.
    clumps = np.round(rng.normal(0.0, 1.0, (HEIGHT // 2, WIDTH // 2, 1))).astype(np.float32)
    noise = np.repeat(np.repeat(clumps, 2, axis=0), 2, axis=1) * grain
    return to_image(pixels + noise)


def ellipse(draw: ImageDraw.ImageDraw, centre: Point, rx: float, ry: float, fill: RGB) -> None:
    """An ellipse of radii ``rx``, ``ry`` pixels around ``centre``, filled."""
    x, y = centre
    draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=fill)


__all__ = [
    "HEIGHT",
    "RGB",
    "WIDTH",
    "FloatImage",
    "Point",
    "add_glow",
    "ellipse",
    "finish",
    "mix",
    "radial",
    "rgb",
    "to_image",
    "to_pixels",
    "vertical_gradient",
    "vignette",
]
