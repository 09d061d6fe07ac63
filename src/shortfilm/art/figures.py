"""The example's people and machines: the heroine with her spinning blade, the robot patrol.

Teal studio and green fog: each drawing has its own dominant colour so shots built from different
references cut visibly (scene-change detection in tests relies on it).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from shortfilm.art.canvas import (
    RGB,
    WIDTH,
    Point,
    add_glow,
    ellipse,
    finish,
    mix,
    radial,
    rgb,
    to_image,
    vertical_gradient,
)

# -- the heroine ------------------------------------------------------------------------------


def _heroine_figure(
    draw: ImageDraw.ImageDraw,
    feet: Point,
    scale: float,
    *,
    coat: RGB,
    coat_shadow: RGB,
    trousers: RGB,
    boots: RGB,
    skin: RGB,
    hair: RGB,
) -> Point:
    """Draw the heroine standing, right arm raised; returns where her blade hub sits."""
    fx, fy = feet

    def p(x: float, y: float) -> Point:
        return (fx + x * scale, fy - y * scale)

    draw.polygon([p(-58, 0), p(-18, 0), p(-22, 40), p(-62, 40)], fill=boots)
    draw.polygon([p(18, 0), p(62, 0), p(58, 40), p(20, 40)], fill=boots)
    draw.polygon([p(-60, 40), p(-22, 40), p(-6, 250), p(-48, 250)], fill=trousers)
    draw.polygon([p(20, 40), p(58, 40), p(48, 250), p(6, 250)], fill=trousers)
    # The long coat: narrow at the shoulders, flaring at the knee-length hem.
    draw.polygon([p(-70, 380), p(70, 380), p(125, 130), p(-125, 130)], fill=coat)
    draw.polygon([p(10, 380), p(70, 380), p(125, 130), p(30, 130)], fill=coat_shadow)
    draw.polygon([p(-4, 380), p(4, 380), p(-10, 130), p(-18, 130)], fill=coat_shadow)
    draw.rectangle((*p(-72, 282), *p(72, 266)), fill=(30, 22, 18))
    draw.polygon([p(-60, 500), p(60, 500), p(74, 380), p(-74, 380)], fill=coat)
    draw.polygon([p(-74, 498), p(-40, 498), p(-92, 300), p(-112, 312)], fill=coat_shadow)
    # Right arm up and out toward the blade, forearm hub at its end.
    hub = p(215, 430)
    draw.polygon([p(50, 490), p(80, 505), p(225, 445), p(205, 415)], fill=coat)
    draw.polygon([p(-70, 492), p(-50, 482), p(-96, 300), p(-118, 306)], fill=coat)
    draw.rectangle((*p(-14, 515), *p(14, 498)), fill=skin)
    draw.rounded_rectangle((*p(-24, 512), *p(24, 494)), radius=4 * scale, fill=(58, 60, 62))
    ellipse(draw, p(0, 560), 36 * scale, 46 * scale, skin)
    draw.pieslice((*p(-38, 610), *p(38, 530)), 180, 360, fill=hair)
    draw.rectangle((*p(-38, 572), *p(-30, 548)), fill=hair)
    return hub


def _spinning_blade(image: Image.Image, hub: Point, radius: float, seed: int) -> None:
    """A steel disc blurred by its own spin, with a hot rim arc and a spray of sparks."""
    draw = ImageDraw.Draw(image)
    x, y = hub
    for ring in range(10, 0, -1):
        r = radius * ring / 10
        shade = 205 - ring * 10  # darker toward the rim, so the bright spin streaks read
        ellipse(draw, hub, r, r * 0.92, (shade, shade + 4, shade + 10))
    for start in range(0, 360, 30):
        r = radius * 0.96
        draw.arc((x - r, y - r * 0.92, x + r, y + r * 0.92), start, start + 14, (235, 240, 245), 3)
    ellipse(draw, hub, radius * 0.22, radius * 0.2, (34, 34, 38))
    ellipse(draw, hub, radius * 0.08, radius * 0.07, (160, 164, 170))
    rng = np.random.default_rng(seed)
    angles = rng.uniform(-0.9, 0.5, 40)
    lengths = rng.uniform(0.4, 1.6, 40) * radius

    def sparks(glow: ImageDraw.ImageDraw) -> None:
        r = radius
        glow.arc((x - r, y - r * 0.92, x + r, y + r * 0.92), -40, 40, (255, 150, 40), 8)
        for angle, length in zip(angles, lengths, strict=True):
            sx = x + np.cos(angle) * radius
            sy = y + np.sin(angle) * radius * 0.92
            ex = sx + np.cos(angle + 0.5) * length
            ey = sy + np.sin(angle + 0.5) * length
            glow.line((sx, sy, ex, ey), fill=(255, 140, 30), width=2)

    add_glow(image, sparks, blur=6)
    sparks(ImageDraw.Draw(image))


def draw_heroine() -> Image.Image:
    """Character sheet: the heroine front-on with the blade spinning, and her silhouette."""
    pixels = vertical_gradient(
        [(0.0, "#1d4a50"), (0.72, "#0b1a1d"), (0.73, "#07100f"), (1.0, "#030606")]
    )
    pixels += radial((470, 330), 520) * np.array([0.16, 0.2, 0.2], dtype=np.float32)
    image = to_image(pixels)
    draw = ImageDraw.Draw(image)
    ellipse(draw, (470, 650), 190, 22, (2, 4, 4))
    ellipse(draw, (1060, 650), 110, 14, (2, 4, 4))
    crimson = rgb("#b3202a")
    hub = _heroine_figure(
        draw,
        (470, 648),
        1.0,
        coat=crimson,
        coat_shadow=(110, 16, 24),
        trousers=(38, 38, 42),
        boots=(138, 104, 66),
        skin=(122, 82, 56),
        hair=(14, 12, 12),
    )
    # Side silhouette: the shape that must read at 10% frame height, rim-lit in crimson.
    for offset, colour in ((4.0, crimson), (0.0, (6, 8, 9))):
        _heroine_figure(
            ImageDraw.Draw(image),
            (1060 + offset, 648),
            0.62,
            coat=colour,
            coat_shadow=colour,
            trousers=colour,
            boots=colour,
            skin=colour,
            hair=colour,
        )
    _spinning_blade(image, hub, 95, seed=11)
    return finish(image, seed=101)


# -- the zombie-robot patrol ------------------------------------------------------------------


def _robot(image: Image.Image, feet: Point, scale: float, fog: float) -> None:
    """One patrol unit: boxy torso wider than tall, square head, one glowing green eye."""
    draw = ImageDraw.Draw(image)
    haze = rgb("#7c8a6c")

    def c(colour: RGB) -> RGB:
        return mix(colour, haze, fog)

    fx, fy = feet

    def p(x: float, y: float) -> Point:
        return (fx + x * scale, fy - y * scale)

    metal, dark, rust = c(rgb("#2b2d30")), c((16, 17, 19)), c((112, 62, 30))
    # Heavy reverse-jointed legs.
    for side in (-1, 1):
        s = side
        draw.polygon([p(s * 70, 0), p(s * 130, 0), p(s * 120, 30), p(s * 60, 30)], fill=dark)
        draw.polygon([p(s * 70, 30), p(s * 110, 30), p(s * 140, 150), p(s * 100, 160)], fill=metal)
        draw.polygon([p(s * 100, 150), p(s * 140, 150), p(s * 95, 270), p(s * 55, 260)], fill=dark)
    # Torso, wider than tall, rust streaks and a missing panel showing cables.
    draw.rectangle((*p(-160, 480), *p(160, 250)), fill=metal)
    draw.rectangle((*p(-160, 480), *p(160, 468)), fill=dark)
    for x0 in (-120, -40, 70):
        draw.polygon([p(x0, 468), p(x0 + 14, 468), p(x0 + 6, 330), p(x0 - 4, 330)], fill=rust)
    draw.rectangle((*p(40, 420), *p(130, 300)), fill=dark)
    for k in range(4):
        draw.line(
            (*p(50 + k * 22, 410), *p(60 + k * 20, 310)),
            fill=c((90, 40, 30)),
            width=max(1, round(4 * scale)),
        )
    # Faded hazard stripe across the chest.
    for k in range(6):
        x0 = -140 + k * 30
        stripe = c((176, 150, 40)) if k % 2 == 0 else dark
        draw.polygon([p(x0, 300), p(x0 + 30, 300), p(x0 + 45, 270), p(x0 + 15, 270)], fill=stripe)
    # Thin arms hanging, one longer (a dragged signpost would be the props' job, not the ref's).
    draw.rectangle((*p(-195, 470), *p(-170, 200)), fill=metal)
    draw.rectangle((*p(170, 470), *p(192, 230)), fill=metal)
    # Square head and shoulder searchlight.
    draw.rectangle((*p(-70, 600), *p(70, 480)), fill=metal)
    draw.rectangle((*p(-70, 600), *p(70, 588)), fill=dark)
    draw.rectangle((*p(-150, 530), *p(-100, 486)), fill=dark)
    eye = p(10, 545)
    lamp = p(-125, 508)
    green = rgb("#39ff88")

    def lights(glow: ImageDraw.ImageDraw) -> None:
        r = 24 * scale
        glow.ellipse(
            (eye[0] - r, eye[1] - r, eye[0] + r, eye[1] + r), fill=mix(green, (0, 0, 0), fog * 0.5)
        )
        glow.polygon(
            [
                lamp,
                (lamp[0] - 420 * scale, lamp[1] + 520 * scale),
                (lamp[0] - 160 * scale, lamp[1] + 560 * scale),
            ],
            fill=mix((70, 72, 60), (0, 0, 0), fog),
        )

    add_glow(image, lights, blur=14 * scale + 4)
    draw = ImageDraw.Draw(image)
    ellipse(draw, eye, 15 * scale, 15 * scale, (220, 255, 232))
    ellipse(draw, lamp, 14 * scale, 14 * scale, c((230, 230, 210)))


def draw_robot_patrol() -> Image.Image:
    """Three patrol units stepping out of sick green fog, the nearest filling the left frame."""
    pixels = vertical_gradient(
        [(0.0, "#46523f"), (0.58, "#7c8a6c"), (0.6, "#4b5240"), (1.0, "#1a1e16")]
    )
    image = to_image(pixels)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(21)
    x = 0.0
    while x < WIDTH:
        w, h = rng.uniform(40, 120), rng.uniform(30, 150)
        draw.rectangle((x, 420 - h, x + w, 432), fill=(92, 104, 82))
        x += w + rng.uniform(10, 60)
    _robot(image, (1040, 470), 0.32, fog=0.6)
    _robot(image, (800, 540), 0.5, fog=0.35)
    _robot(image, (360, 740), 1.0, fog=0.0)
    return finish(image, seed=102, contrast=1.35)


__all__ = ["draw_heroine", "draw_robot_patrol"]
