"""The still a shot's camera moves over: a reference composed larger than the frame.

A reference is graded with a light film look and cropped to cover the oversized frame
(:func:`compose_still`), or shown whole on a blurred fill of itself when its shape is far from
the frame's. (A shot without a picture of its subject gets a labelled placeholder card, drawn in
:mod:`shortfilm.providers.animatic_picture`, no longer a palette gradient that said nothing of
what the shot is about.) Pure: same inputs, same pixels.
"""

from __future__ import annotations

from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from shortfilm.media.motion import Size, source_size


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


__all__ = [
    "compose_still",
    "contain_on_fill",
    "cover",
    "grade",
]
