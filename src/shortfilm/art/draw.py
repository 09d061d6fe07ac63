"""Reference images for the example production, drawn in code with Pillow and numpy.

The example must run offline and be redistributable, so its asset board cannot be downloaded
art. These drawings are stand-ins a person can still read as the board: the heroine with her
spinning blade, the zombie-robot patrol, the white villa on the wasteland coast, the road through
the ruins and the palette. Each image has its own dominant colour and layout (teal studio, green
fog, bright blue day, orange dusk, colour bars) so shots built from different references cut
visibly, which scene-change detection in tests relies on.

Every image is 1280x720, deterministic (fixed seeds, no clock, no fonts from the system) and
drawn in a few tens of milliseconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

WIDTH = 1280
HEIGHT = 720

RGB = tuple[int, int, int]
Point = tuple[float, float]
FloatImage = NDArray[np.float32]
"""An ``(HEIGHT, WIDTH, 3)`` image with channels in 0..1."""

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


def rgb(hex_colour: str) -> RGB:
    """``#rrggbb`` -> ``(r, g, b)`` in 0..255."""
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` toward ``b``: how fog and distance fade a colour."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _vertical_gradient(stops: Sequence[tuple[float, str]]) -> FloatImage:
    """A top-to-bottom gradient through ``(position 0..1, colour)`` stops."""
    positions = np.array([p for p, _ in stops], dtype=np.float32)
    colours = np.array([rgb(c) for _, c in stops], dtype=np.float32) / 255.0
    ys = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)
    column = np.stack([np.interp(ys, positions, colours[:, ch]) for ch in range(3)], axis=-1)
    return np.broadcast_to(column[:, None, :], (HEIGHT, WIDTH, 3)).astype(np.float32)


def _radial(centre: Point, radius: float) -> FloatImage:
    """Weight 1 at ``centre`` falling smoothly to 0 at ``radius`` pixels, shape ``(H, W, 1)``."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    distance = np.hypot(xs - centre[0], ys - centre[1]) / radius
    weight: FloatImage = (np.clip(1.0 - distance, 0.0, 1.0) ** 2)[..., None].astype(np.float32)
    return weight


def _to_image(pixels: FloatImage) -> Image.Image:
    return Image.fromarray((np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def _to_pixels(image: Image.Image) -> FloatImage:
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def _add_glow(
    image: Image.Image, paint: Callable[[ImageDraw.ImageDraw], None], blur: float
) -> None:
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
def _vignette() -> FloatImage:
    """Corner darkening, ``(H, W, 1)``: the same for every image, so computed once."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    edge = np.hypot((xs - WIDTH / 2) / (WIDTH / 2), (ys - HEIGHT / 2) / (HEIGHT / 2))
    weight: FloatImage = (1.0 - 0.45 * np.clip(edge - 0.55, 0.0, 1.0) ** 1.5)[..., None]
    weight.setflags(write=False)
    return weight


def _finish(
    image: Image.Image, *, seed: int, contrast: float = 1.3, grain: float = 0.03
) -> Image.Image:
    """The shared film look: an S-curve for strong contrast, a vignette and luminance grain."""
    pixels = _to_pixels(image)
    pixels = np.clip(0.5 + (pixels - 0.5) * contrast, 0.0, 1.0)
    pixels = pixels * pixels * (3.0 - 2.0 * pixels) * 0.35 + pixels * 0.65
    pixels *= _vignette()
    rng = np.random.default_rng(seed)
    # Grain in 2x2 clumps of a few levels: it still reads as 35 mm texture at 720p, and keeps
    # each PNG near half a megabyte instead of several.
    clumps = np.round(rng.normal(0.0, 1.0, (HEIGHT // 2, WIDTH // 2, 1))).astype(np.float32)
    noise = np.repeat(np.repeat(clumps, 2, axis=0), 2, axis=1) * grain
    return _to_image(pixels + noise)


def _ellipse(draw: ImageDraw.ImageDraw, centre: Point, rx: float, ry: float, fill: RGB) -> None:
    x, y = centre
    draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=fill)


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
    _ellipse(draw, p(0, 560), 36 * scale, 46 * scale, skin)
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
        _ellipse(draw, hub, r, r * 0.92, (shade, shade + 4, shade + 10))
    for start in range(0, 360, 30):
        r = radius * 0.96
        draw.arc((x - r, y - r * 0.92, x + r, y + r * 0.92), start, start + 14, (235, 240, 245), 3)
    _ellipse(draw, hub, radius * 0.22, radius * 0.2, (34, 34, 38))
    _ellipse(draw, hub, radius * 0.08, radius * 0.07, (160, 164, 170))
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

    _add_glow(image, sparks, blur=6)
    sparks(ImageDraw.Draw(image))


def draw_heroine() -> Image.Image:
    """Character sheet: the heroine front-on with the blade spinning, and her silhouette."""
    pixels = _vertical_gradient(
        [(0.0, "#1d4a50"), (0.72, "#0b1a1d"), (0.73, "#07100f"), (1.0, "#030606")]
    )
    pixels += _radial((470, 330), 520) * np.array([0.16, 0.2, 0.2], dtype=np.float32)
    image = _to_image(pixels)
    draw = ImageDraw.Draw(image)
    _ellipse(draw, (470, 650), 190, 22, (2, 4, 4))
    _ellipse(draw, (1060, 650), 110, 14, (2, 4, 4))
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
    return _finish(image, seed=101)


# -- the zombie-robot patrol ------------------------------------------------------------------


def _robot(image: Image.Image, feet: Point, scale: float, fog: float) -> None:
    """One patrol unit: boxy torso wider than tall, square head, one glowing green eye."""
    draw = ImageDraw.Draw(image)
    haze = rgb("#7c8a6c")

    def c(colour: RGB) -> RGB:
        return _mix(colour, haze, fog)

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
            (eye[0] - r, eye[1] - r, eye[0] + r, eye[1] + r), fill=_mix(green, (0, 0, 0), fog * 0.5)
        )
        glow.polygon(
            [
                lamp,
                (lamp[0] - 420 * scale, lamp[1] + 520 * scale),
                (lamp[0] - 160 * scale, lamp[1] + 560 * scale),
            ],
            fill=_mix((70, 72, 60), (0, 0, 0), fog),
        )

    _add_glow(image, lights, blur=14 * scale + 4)
    draw = ImageDraw.Draw(image)
    _ellipse(draw, eye, 15 * scale, 15 * scale, (220, 255, 232))
    _ellipse(draw, lamp, 14 * scale, 14 * scale, c((230, 230, 210)))


def draw_robot_patrol() -> Image.Image:
    """Three patrol units stepping out of sick green fog, the nearest filling the left frame."""
    pixels = _vertical_gradient(
        [(0.0, "#46523f"), (0.58, "#7c8a6c"), (0.6, "#4b5240"), (1.0, "#1a1e16")]
    )
    image = _to_image(pixels)
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
    return _finish(image, seed=102, contrast=1.35)


# -- the villa exterior -----------------------------------------------------------------------


def draw_villa_exterior() -> Image.Image:
    """The bright white villa on its cliff: blue day, level sea horizon, cracked wasteland below,
    the antenna mast with its neon ring."""
    horizon = 300
    pixels = _vertical_gradient(
        [
            (0.0, "#5f9fd4"),
            (horizon / HEIGHT, "#d8ebf6"),
            (horizon / HEIGHT + 0.001, "#1f4e79"),
            (1.0, "#1f4e79"),
        ]
    )
    pixels += _radial((180, 90), 420) * np.array([0.5, 0.45, 0.3], dtype=np.float32)
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
    image = _to_image(pixels)
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
        _ellipse(draw, (rx, ry), size, size * 0.45, (60, 44, 30))
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

    _add_glow(image, ring, blur=12)
    ImageDraw.Draw(image).ellipse(
        (mast_x - 46, ring_y - 16, mast_x + 46, ring_y + 16), outline=(255, 200, 245), width=3
    )
    return _finish(image, seed=103, contrast=1.2, grain=0.025)


# -- the wasteland road -----------------------------------------------------------------------


def draw_wasteland_road() -> Image.Image:
    """The coast road through collapsed ruins at burnt-orange dusk, vanishing at the horizon."""
    horizon = 390
    h = horizon / HEIGHT
    pixels = _vertical_gradient(
        [
            (0.0, "#2e0f06"),
            (h * 0.6, "#8a3512"),
            (h, "#f08a34"),
            (h + 0.001, "#3a2216"),
            (1.0, "#120a06"),
        ]
    )
    pixels += _radial((820, horizon - 30), 380) * np.array([0.6, 0.4, 0.12], dtype=np.float32)
    image = _to_image(pixels)
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

    _add_glow(image, sun_disc, blur=30)
    _ellipse(ImageDraw.Draw(image), sun, 40, 40, (255, 226, 170))
    # Dust haze lying on the horizon.
    pixels = _to_pixels(image)
    ys = np.arange(HEIGHT, dtype=np.float32)
    haze = np.exp(-(((ys - horizon) / 45.0) ** 2))[:, None, None] * 0.22
    pixels = pixels + (np.array([0.95, 0.55, 0.25], dtype=np.float32) - pixels) * haze
    return _finish(_to_image(pixels.astype(np.float32)), seed=104, contrast=1.35)


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
    image.paste(_to_image(band), (0, 670))
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
