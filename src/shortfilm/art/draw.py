"""Reference images for the example production, drawn in code with Pillow and numpy.

The example must run offline and be redistributable, so its asset board cannot be downloaded
art. These drawings are stand-ins a person can still read as the board: the heroine with her
spinning blade, the zombie-robot patrol, the white villa on the wasteland coast, the road through
the ruins and the palette. Each image has its own dominant colour and layout (teal studio, green
fog, bright blue day, orange dusk, colour bars) so shots built from different references cut
visibly, which scene-change detection in tests relies on.

Every image is 1280x720, deterministic (fixed seeds, no clock, no fonts from the system) and
drawn in a few tens of milliseconds. The shared canvas is :mod:`.canvas`; the people and
machines are drawn in :mod:`.figures`, the places in :mod:`.places`; the palette and the list of
references are here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from shortfilm.art.canvas import HEIGHT, WIDTH, rgb, to_image
from shortfilm.art.figures import draw_heroine, draw_robot_patrol
from shortfilm.art.places import draw_villa_exterior, draw_wasteland_road

PALETTE: tuple[tuple[str, str], ...] = (
    ("#f2efe6", "villa white"),
    ("#1f4e79", "sea"),
    ("#c8782a", "dusk rust"),
    ("#2b2d30", "gunmetal"),
    ("#b3202a", "coat crimson"),
    ("#39ff88", "robot eye"),
    ("#ff2bd6", "antenna neon"),
)
"""The board's colours with their roles; the example spec's ``style.palette`` lists the same."""


# -- the palette ------------------------------------------------------------------------------


def draw_palette() -> Image.Image:
    """Mood swatch: one bar per board colour in exact values, labelled with hex and role.

    No grain or grading is applied to the bars, so a palette-drift check can sample them.
    """
    image = Image.new("RGB", (WIDTH, HEIGHT), (12, 12, 14))
    draw = ImageDraw.Draw(image)
    weights = (3, 3, 2, 3, 2, 2, 2)
    total = sum(weights)
    font = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=16)
    x = 0.0
    for (hex_colour, role), weight in zip(PALETTE, weights, strict=True):
        width = WIDTH * weight / total
        draw.rectangle((round(x), 0, round(x + width) - 1, 560), fill=rgb(hex_colour))
        draw.text((round(x) + 12, 580), hex_colour, fill=(230, 230, 230), font=font)
        draw.text((round(x) + 12, 612), role, fill=(150, 150, 150), font=small)
        x += width
    # A thin strip of the key contrast: white villa against the dark machines.
    strip = np.linspace(0.0, 1.0, WIDTH, dtype=np.float32)[None, :, None]
    light = np.array(rgb("#f2efe6"), dtype=np.float32) / 255
    dark = np.array(rgb("#2b2d30"), dtype=np.float32) / 255
    band = np.broadcast_to(light + (dark - light) * strip, (40, WIDTH, 3)).astype(np.float32)
    image.paste(to_image(band), (0, 670))
    return image


EXAMPLE_REFS: dict[str, Callable[[], Image.Image]] = {
    "heroine.png": draw_heroine,
    "robot_patrol.png": draw_robot_patrol,
    "villa_exterior.png": draw_villa_exterior,
    "wasteland_road.png": draw_wasteland_road,
    "palette.png": draw_palette,
}
"""File name of each example reference and the function that draws it."""


def draw_example_refs(dest: Path) -> list[Path]:
    """Draw every example reference into ``dest`` (created if needed); returns the PNG paths.

    Existing files of the same names are replaced; the output is byte-identical on every run
    with the same Pillow and numpy.
    """
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, draw in EXAMPLE_REFS.items():
        path = dest / name
        draw().save(path, format="PNG")
        written.append(path)
    return written


__all__ = ["EXAMPLE_REFS", "PALETTE", "draw_example_refs", "draw_palette"]
