"""The example's places: the white villa on the wasteland coast, the road through the ruins.

Bright blue day and orange dusk: each drawing has its own dominant colour so shots built from
different references cut visibly (scene-change detection in tests relies on it).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from shortfilm.art.canvas import (
    HEIGHT,
    WIDTH,
    add_glow,
    ellipse,
    finish,
    radial,
    rgb,
    to_image,
    to_pixels,
    vertical_gradient,
)

# -- the villa exterior -----------------------------------------------------------------------


def draw_villa_exterior() -> Image.Image:
    """The bright white villa on its cliff: blue day, level sea horizon, cracked wasteland below,
    the antenna mast with its neon ring."""
    horizon = 300
    pixels = vertical_gradient(
        [
            (0.0, "#5f9fd4"),
            (horizon / HEIGHT, "#d8ebf6"),
            (horizon / HEIGHT + 0.001, "#1f4e79"),
            (1.0, "#1f4e79"),
        ]
    )
    pixels += radial((180, 90), 420) * np.array([0.5, 0.45, 0.3], dtype=np.float32)
    rng = np.random.default_rng(31)
    # Wasteland: ochre ground below a cliff edge rising to the right, noisy and cracked.
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    edge = 395 - xs * 0.03 + 8 * np.sin(xs / 37.0)
    ground = ys > edge
    depth = np.clip((ys - edge) / 300.0, 0.0, 1.0)[..., None]
    ochre = np.array(rgb("#d2a76c"), dtype=np.float32) / 255
    dirt = np.array(rgb("#7d4f28"), dtype=np.float32) / 255
    coarse = np.clip(rng.normal(128.0, 32.0, (HEIGHT // 4, WIDTH // 4)), 0, 255).astype(np.uint8)
    smooth = Image.fromarray(coarse).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    texture = (np.asarray(smooth, dtype=np.float32)[..., None] - 128.0) / 255.0 * 0.4
    soil = ochre + (dirt - ochre) * depth + texture
    pixels = np.where(ground[..., None], soil, pixels).astype(np.float32)
    image = to_image(pixels)
    draw = ImageDraw.Draw(image)
    # Sea glints near the horizon.
    for _ in range(140):
        gx, gy = rng.uniform(0, WIDTH), rng.uniform(horizon + 4, 380)
        draw.line((gx, gy, gx + rng.uniform(8, 30), gy), fill=(150, 190, 220), width=1)
    for _ in range(26):
        cx, cy = rng.uniform(0, WIDTH), rng.uniform(470, HEIGHT)
        points = [(cx, cy)]
        for _ in range(5):
            cx, cy = cx + rng.uniform(-60, 60), cy + rng.uniform(-12, 20)
            points.append((cx, cy))
        draw.line(points, fill=(70, 42, 22), width=2)
    for _ in range(18):
        rx, ry, size = rng.uniform(0, WIDTH), rng.uniform(520, HEIGHT), rng.uniform(10, 40)
        ellipse(draw, (rx, ry), size, size * 0.45, (60, 44, 30))
    # The villa: two white boxes, shadowed right faces, dark glazing, a long cast shadow.
    white, shade, glass = rgb("#f2efe6"), (168, 170, 168), (22, 30, 40)
    draw.polygon([(470, 420), (960, 420), (1080, 470), (560, 470)], fill=(110, 80, 52))
    draw.rectangle((450, 250, 880, 420), fill=white)
    draw.polygon([(880, 250), (950, 280), (950, 430), (880, 420)], fill=shade)
    draw.rectangle((540, 170, 800, 250), fill=white)
    draw.polygon([(800, 170), (850, 190), (850, 262), (800, 250)], fill=shade)
    draw.rectangle((430, 242, 900, 252), fill=white)
    draw.rectangle((520, 162, 820, 172), fill=white)
    for x0 in (480, 600, 720):
        draw.rectangle((x0, 300, x0 + 90, 390), fill=glass)
        draw.line((x0 + 10, 385, x0 + 40, 305), fill=(90, 120, 150), width=2)
    draw.rectangle((570, 190, 770, 232), fill=glass)
    for x0 in range(440, 890, 18):
        draw.line((x0, 236, x0, 250), fill=(140, 140, 138), width=2)
    # Antenna mast with cross bars and the neon ring that must be in every villa shot.
    mast_x, ring_y = 760, 70
    draw.line((mast_x, 170, mast_x, ring_y), fill=(30, 32, 36), width=6)
    for k, half in enumerate((40, 30, 22)):
        y = 150 - k * 28
        draw.line((mast_x - half, y, mast_x + half, y), fill=(30, 32, 36), width=3)
    draw.line((mast_x, ring_y + 10, 930, 250), fill=(40, 40, 44), width=1)
    neon = rgb("#ff2bd6")

    def ring(glow: ImageDraw.ImageDraw) -> None:
        glow.ellipse((mast_x - 46, ring_y - 16, mast_x + 46, ring_y + 16), outline=neon, width=7)

    add_glow(image, ring, blur=12)
    ImageDraw.Draw(image).ellipse(
        (mast_x - 46, ring_y - 16, mast_x + 46, ring_y + 16), outline=(255, 200, 245), width=3
    )
    return finish(image, seed=103, contrast=1.2, grain=0.025)


# -- the wasteland road -----------------------------------------------------------------------


def draw_wasteland_road() -> Image.Image:
    """The coast road through collapsed ruins at burnt-orange dusk, vanishing at the horizon."""
    horizon = 390
    h = horizon / HEIGHT
    pixels = vertical_gradient(
        [
            (0.0, "#2e0f06"),
            (h * 0.6, "#8a3512"),
            (h, "#f08a34"),
            (h + 0.001, "#3a2216"),
            (1.0, "#120a06"),
        ]
    )
    pixels += radial((820, horizon - 30), 380) * np.array([0.6, 0.4, 0.12], dtype=np.float32)
    image = to_image(pixels)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(41)
    ruin = (22, 12, 9)
    for x0, x1, top in (
        (0, 230, 120),
        (230, 330, 250),
        (330, 420, 320),
        (880, 960, 300),
        (960, 1280, 90),
    ):
        jag = [(x, top + rng.uniform(0, 60)) for x in np.linspace(x0, x1, 7)]
        draw.polygon([(x0, horizon + 20), *jag, (x1, horizon + 20)], fill=ruin)
        # Blown-out windows glowing with the dusk behind, only where the wall is tall enough.
        window_count = int((x1 - x0) / 18) if horizon - top > 120 else 0
        for _ in range(window_count):
            wx, wy = rng.uniform(x0 + 10, x1 - 30), rng.uniform(top + 70, horizon - 30)
            draw.rectangle((wx, wy, wx + 16, wy + 24), fill=(120, 50, 20))
    # A leaning pylon on the right.
    base = (1120, horizon + 10)
    top_point = (1060, 40)
    for dx in (-40, 40):
        draw.line((base[0] + dx, base[1], top_point[0], top_point[1]), fill=ruin, width=5)
    for k in range(1, 8):
        t = k / 8
        y = base[1] + (top_point[1] - base[1]) * t
        half = 40 * (1 - t)
        cx = base[0] + (top_point[0] - base[0]) * t
        draw.line((cx - half, y, cx + half, y), fill=ruin, width=3)
    # The road: asphalt converging on the vanishing point, faded centre dashes, cracks.
    vanish = (640, horizon)
    draw.polygon([(150, HEIGHT), (1130, HEIGHT), (660, horizon), (620, horizon)], fill=(52, 44, 40))
    draw.line((150, HEIGHT, 620, horizon), fill=(120, 70, 40), width=3)
    draw.line((1130, HEIGHT, 660, horizon), fill=(120, 70, 40), width=3)
    for k in range(12):
        t0, t1 = (k / 12) ** 1.8, ((k + 0.45) / 12) ** 1.8
        y0 = vanish[1] + (HEIGHT - vanish[1]) * t0
        y1 = vanish[1] + (HEIGHT - vanish[1]) * t1
        draw.line((640, y0, 640, y1), fill=(200, 160, 70), width=max(1, round(10 * t1)))
    for _ in range(30):
        cx, cy = rng.uniform(250, 1030), rng.uniform(470, HEIGHT)
        points = [(cx, cy)]
        for _ in range(4):
            cx, cy = cx + rng.uniform(-40, 40), cy + rng.uniform(-10, 16)
            points.append((cx, cy))
        draw.line(points, fill=(18, 14, 12), width=2)
    sun = (820, horizon - 30)

    def sun_disc(glow: ImageDraw.ImageDraw) -> None:
        glow.ellipse((sun[0] - 44, sun[1] - 44, sun[0] + 44, sun[1] + 44), fill=(255, 196, 110))

    add_glow(image, sun_disc, blur=30)
    ellipse(ImageDraw.Draw(image), sun, 40, 40, (255, 226, 170))
    # Dust haze lying on the horizon.
    pixels = to_pixels(image)
    ys = np.arange(HEIGHT, dtype=np.float32)
    haze = np.exp(-(((ys - horizon) / 45.0) ** 2))[:, None, None] * 0.22
    pixels = pixels + (np.array([0.95, 0.55, 0.25], dtype=np.float32) - pixels) * haze
    return finish(to_image(pixels.astype(np.float32)), seed=104, contrast=1.35)


__all__ = ["draw_villa_exterior", "draw_wasteland_road"]
