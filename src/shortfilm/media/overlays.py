"""Pictures drawn with Pillow for the film: the title card and the texts over it (captions, lower
thirds, the hook, the end card), sized to the preset's frame and kept inside its safe area.

They are drawn once per render (:func:`draw_stills`) and read by ffmpeg as PNG inputs of the
filter graph, so a text looks the same in the full render and in every window of a draft.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from shortfilm.domain.timeline_parts import TextItem, TextKind
from shortfilm.errors import InputError, MediaError
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.presets import Preset, SafeArea
from shortfilm.media.text import draw_text_block


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


def render_title_card(
    title: TextItem, size: tuple[int, int], safe: SafeArea, frame: Image.Image | None = None
) -> Image.Image:
    """The title card as an RGB image: graded background, big title above a rule, subtitle below.

    Type sizes follow the frame's short side (title 8.5 %, subtitle 4 %) and lines wrap inside the
    safe area, so the same card reads on a 9:16 phone and a 16:9 screen.
    """
    w, h = size
    card = _graded_background(frame, size).convert("RGBA")
    short = min(w, h)
    margin = round(max(safe.left, safe.right) * w)
    _, safe_top, _, safe_bottom = safe.box(w, h)
    title_size, sub_size = max(12, round(short * 0.085)), max(9, round(short * 0.04))
    gap = max(4, round(short * 0.03))
    shadow = max(1, title_size // 24)
    mid = h // 2
    blocks = [(title.text, title_size, (margin, safe_top, w - margin, mid - gap), "bottom", 255)]
    if title.subtitle:
        sub_box = (margin, mid + gap, w - margin, safe_bottom)
        blocks.append((title.subtitle, sub_size, sub_box, "top", 215))
    for text, size_px, box, valign, level in blocks:
        shifted = (box[0] + shadow, box[1] + shadow, box[2] + shadow, box[3] + shadow)
        for fill, where in (((0, 0, 0, 170), shifted), ((level, level, level, 255), box)):
            draw_text_block(
                card,
                text,
                size=size_px,
                box=where,
                fill=fill,
                background=None,
                valign=valign,
                padding=0,
            )
    rule_w, rule_h = max(8, round(w * 0.12)), max(2, round(short / 360))
    ImageDraw.Draw(card).rectangle(
        ((w - rule_w) // 2, mid - rule_h // 2, (w + rule_w) // 2, mid + rule_h - rule_h // 2),
        fill=(232, 188, 110, 255),
    )
    return card.convert("RGB")


_0, _1, _1_3, _2_3 = Fraction(0), Fraction(1), Fraction(1, 3), Fraction(2, 3)
_NAVY = (12, 18, 30, 190)
_TEXT_LOOK: dict[
    TextKind,
    tuple[
        float,
        tuple[Fraction, Fraction, Fraction, Fraction],
        str,
        str,
        tuple[int, int, int, int],
    ],
] = {
    # kind: (type size as a share of the short side, box as shares of the safe frame, align,
    #        vertical align, plate)
    TextKind.CAPTION: (0.05, (_0, _2_3, _1, _1), "center", "bottom", (0, 0, 0, 150)),
    TextKind.LOWER_THIRD: (0.042, (_0, _2_3, Fraction(18, 25), _1), "left", "bottom", _NAVY),
    TextKind.HOOK: (0.07, (_0, _0, _1, _1_3), "center", "top", (0, 0, 0, 170)),
    TextKind.END_CARD: (0.065, (_0, _1_3, _1, _2_3), "center", "center", (0, 0, 0, 190)),
}
"""How each kind of on-film text is drawn: captions at the bottom, centred; lower thirds bottom
left, smaller, on a blue-black plate; the hook large at the top; the end card large, centred."""


def render_text(
    kind: TextKind, text: str, size: tuple[int, int], safe: SafeArea
) -> tuple[Image.Image, int, int]:
    """Text drawn over the film as a tight RGBA image and its (x, y) on the frame.

    Sizes follow the frame's short side and lines wrap inside the safe area (see
    :data:`_TEXT_LOOK`), so one edit reads on a 9:16 phone and a 16:9 screen. The title card is
    a picture of its own (:func:`render_title_card`), not drawn over the film.
    """
    if kind is TextKind.TITLE_CARD:
        raise InputError("the title card is a picture of its own: use render_title_card")
    w, h = size
    share, (bx0, by0, bx1, by1), align, valign, plate = _TEXT_LOOK[kind]
    text_size = max(10, round(min(w, h) * share))
    safe_box = safe.box(w, h)
    left, top, right, bottom = safe_box
    box = (
        left + math.floor((right - left) * bx0),
        max(top, math.floor(h * by0)),
        left + math.floor((right - left) * bx1),
        min(bottom, math.floor(h * by1)),
    )
    while True:
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        draw_text_block(
            canvas,
            text,
            size=text_size,
            box=box,
            background=plate,
            align=align,
            valign=valign,
            padding=max(4, text_size // 3),
        )
        bbox = canvas.getchannel("A").getbbox()
        if bbox is None:
            return Image.new("RGBA", (2, 2), (0, 0, 0, 0)), 0, 0
        inside = bbox[0] >= left and bbox[1] >= top and bbox[2] <= right and bbox[3] <= bottom
        if inside or text_size <= 10:
            break
        # A long line or many lines spill out of the safe area: smaller type, then retry.
        text_size = max(10, text_size * 7 // 8)
    # Whatever still spills (a word wider than the safe area at the smallest size) is cut off
    # rather than drawn under the platform's buttons.
    bbox = (max(bbox[0], left), max(bbox[1], top), min(bbox[2], right), min(bbox[3], bottom))
    # even: yuv420 chroma alignment; the extra row/column is transparent when it leaves the safe box
    x0, y0 = bbox[0] - bbox[0] % 2, bbox[1] - bbox[1] % 2
    x1, y1 = min(w, bbox[2] + bbox[2] % 2), min(h, bbox[3] + bbox[3] % 2)
    visible = Image.new("RGBA", size, (0, 0, 0, 0))
    visible.paste(canvas.crop(bbox), bbox[:2])
    return visible.crop((x0, y0, x1, y1)), x0, y0


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
    for j, text in enumerate(t for t in edit.texts if t.kind is not TextKind.TITLE_CARD):
        image, x, y = render_text(text.kind, text.text, preset.size, preset.safe)
        png = folder / f"{text.kind.value}-{j}.png"
        image.save(png)
        texts.append((text, png, x, y))
    return Stills(title, tuple(texts))
