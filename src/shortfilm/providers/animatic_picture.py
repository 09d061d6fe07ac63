"""What one animatic shot shows: its own subject's reference framed at the named shot size, or a
labelled placeholder of that subject, never another subject's picture.

:func:`pick_picture` decides the source (a whole frame the clip must open or close on, the
reference of the board entry the subject resolves to, or a placeholder); :func:`frame_box` is
where in the reference the camera's view sits for a shot size (the head kept in frame);
:func:`framed_still` and :func:`placeholder_still` make the oversized still the camera moves
over. Pure of files except the caller's decoded images.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from shortfilm.domain import Shot
from shortfilm.domain.camera import ShotSize, parse_shot_size
from shortfilm.domain.subjects import BoardSubject, Resolution, resolve_subject
from shortfilm.media.motion import SOURCE_SCALE, Size, source_size
from shortfilm.media.shot_stills import grade
from shortfilm.media.text import draw_text_block
from shortfilm.providers.base import Reference

WHOLE_FRAMES = ("keyframe", "first_frame", "last_frame")
"""Roles whose image is a whole frame of film: shown filling the screen, never matched by name."""

_ENTRY_ROLES = {"character": ("character",), "place": ("environment",), "prop": ("prop",)}

VIEW_HEIGHT: dict[ShotSize, float] = {
    ShotSize.EXTREME_WIDE: 1.5,
    ShotSize.WIDE: 0.9,
    ShotSize.MEDIUM_WIDE: 0.66,
    ShotSize.MEDIUM: 0.5,
    ShotSize.MEDIUM_CLOSE_UP: 0.38,
    ShotSize.CLOSE_UP: 0.25,
    ShotSize.EXTREME_CLOSE_UP: 0.14,
}
"""Height of the camera's view as a fraction of the reference's height, per shot size. A
character sheet is one figure head to foot, so medium is waist up, close-up head and shoulders;
extreme wide shows the whole reference with a margin around it (the subject small in frame)."""

_DEFAULT_SIZE = {"character": ShotSize.MEDIUM, "prop": ShotSize.CLOSE_UP, "place": ShotSize.WIDE}


@dataclass(frozen=True)
class Picture:
    """Where a shot's picture comes from."""

    kind: Literal["reference", "placeholder", "whole_frame"]
    resolution: Resolution
    reference: Reference | None
    size: ShotSize


def pick_picture(
    references: Sequence[Reference],
    subjects: Sequence[BoardSubject],
    shot: Shot,
    index: int,
    *,
    last: bool = False,
) -> Picture:
    """The picture of shot ``index`` (0-based).

    A clip in first/last-frame mode opens on its first frame and closes on its last: those are
    the clip's own pictures. Every other shot shows the entry its subject resolves to: its
    reference when the request carries one, else a placeholder naming it; a subject resolving
    to nothing gets a placeholder of its own words. A continuing clip's keyframe is not the
    first shot's picture (it shows the previous clip's last subject): the shot only dissolves
    from it in its first half second (:data:`.animatic_plan.LEAD_IN_S`).
    With no board ``subjects`` (a bare request), the character and environment references stand
    in for the board, by their labels.
    """
    text = shot.subject.strip() or shot.action.strip()
    entries = subjects or _subjects_from_references(references)
    resolution = resolve_subject(text, entries)
    found = resolution.subject
    size = parse_shot_size(shot.camera) or _DEFAULT_SIZE[found.kind if found else "place"]
    for applies, role in ((index == 0, "first_frame"), (last, "last_frame")):
        if applies:
            for ref in references:
                if ref.role == role:
                    return Picture("whole_frame", resolution, ref, size)
    if found is not None:
        for ref in references:
            if ref.role in _ENTRY_ROLES[found.kind] and ref.label == found.name:
                return Picture("reference", resolution, ref, size)
    return Picture("placeholder", resolution, None, size)


def _subjects_from_references(references: Sequence[Reference]) -> tuple[BoardSubject, ...]:
    kinds: dict[str, Literal["character", "place"]] = {
        "character": "character",
        "environment": "place",
    }
    return tuple(
        BoardSubject(kinds[r.role], r.label, reference=r.label)
        for r in references
        if r.role in kinds
    )


# --- framing ------------------------------------------------------------------------------------


Box = tuple[float, float, float, float]


def figure_head(image: Image.Image) -> tuple[float, float]:
    """Where the figure's head is in a character reference, as fractions (x, y) of its size.

    The board holds no face or figure boxes, so this reads the picture: what differs from its
    row's background (the colour at the row's ends) is the figure; the columns where it stands
    tallest (head to feet, where a held prop or a spark spray is short) are its body, and its
    head is the top of those columns. Failing that, the middle of the upper third.
    """
    w, h = image.size
    small = image.convert("RGB").resize((96, max(8, round(96 * h / max(w, 1)))))
    px = np.asarray(small, dtype=np.float32)
    edges = np.concatenate([px[:, :5], px[:, -5:]], axis=1)  # each row's own background
    salient = np.abs(px - np.median(edges, axis=1, keepdims=True)).sum(axis=2) > 60.0
    height = salient.sum(axis=0)
    if height.max() < 0.2 * salient.shape[0]:
        return 0.5, 1 / 6
    tall = np.flatnonzero(height >= 0.8 * height.max())
    # The widest run of tall columns is the figure's body.
    runs = np.split(tall, np.flatnonzero(np.diff(tall) > 1) + 1)
    body = max(runs, key=len)
    rows = np.flatnonzero(salient[:, body].any(axis=1))
    top = int(rows[0]) if rows.size else 0
    x = (float(body[0] + body[-1]) / 2 + 0.5) / salient.shape[1]
    y = min((top + 0.06 * salient.shape[0]) / salient.shape[0], 1 / 3)
    return x, y


def frame_box(
    image_size: Size, frame: Size, size: ShotSize, *, kind: str, head: tuple[float, float]
) -> Box:
    """The camera's view (left, top, right, bottom in reference pixels, possibly beyond its
    edges) for a shot of ``size`` at the output ``frame``'s aspect.

    Characters and props: the view's top sits above the head (``head``, fractions of the
    reference) for medium shots and wider, and close-ups centre on it, so the head is in frame
    at every size. Places: centred on ``head`` across, on the middle down; an extreme wide of
    a place shows most of its width even in a tall frame (the rest is a dark fill).
    """
    iw, ih = image_size
    aspect = frame[0] / frame[1]
    vh = VIEW_HEIGHT[size] * ih
    if kind == "place" and size is ShotSize.EXTREME_WIDE:
        vh = max(ih * 1.0, 0.6 * iw / aspect)
    vw = vh * aspect
    cx, hy = head[0] * iw, head[1] * ih
    if kind == "place":
        cy = ih / 2
    elif size in (ShotSize.CLOSE_UP, ShotSize.EXTREME_CLOSE_UP):
        cy = hy
    else:
        cy = hy - 0.2 * vh + vh / 2
    left, top = cx - vw / 2, cy - vh / 2
    left = _inside(left, vw, iw)
    top = _inside(top, vh, ih)
    return (left, top, left + vw, top + vh)


def _inside(start: float, length: float, limit: float) -> float:
    """``start`` moved so ``[start, start + length]`` lies within ``[0, limit]`` when it fits;
    centred on the image when it does not (the margin then shows on both sides)."""
    if length >= limit:
        return (limit - length) / 2
    return min(max(start, 0.0), limit - length)


def framed_still(image: Image.Image, view: Box, out_size: Size) -> Image.Image:
    """The graded oversized still around ``view`` (``SOURCE_SCALE`` times it, so the camera's
    moves have room); whatever falls outside the reference is a dark blurred fill of it."""
    left, top, right, bottom = view
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half_w, half_h = (right - left) * SOURCE_SCALE / 2, (bottom - top) * SOURCE_SCALE / 2
    box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    size = source_size(out_size)
    rgb = image.convert("RGB")
    if box[0] >= 0 and box[1] >= 0 and box[2] <= rgb.width and box[3] <= rgb.height:
        return grade(rgb.resize(size, Image.Resampling.BILINEAR, box=box))
    # Paste the reference onto a fill covering the box, at a scale of the output.
    scale = size[0] / (box[2] - box[0])
    small = (max(size[0] // 8, 1), max(size[1] // 8, 1))
    fill = rgb.resize(small, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(2))
    canvas = ImageEnhance.Brightness(fill).enhance(0.45).resize(size, Image.Resampling.BILINEAR)
    scaled = rgb.resize(
        (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
        Image.Resampling.BILINEAR,
    )
    canvas.paste(scaled, (round(-box[0] * scale), round(-box[1] * scale)))
    return grade(canvas)


# --- placeholders -------------------------------------------------------------------------------


def placeholder_text(picture: Picture) -> tuple[str, str]:
    """The heading and the words a placeholder shows: the entry it stands for, or the subject's
    own words when it resolves to none."""
    found = picture.resolution.subject
    if found is not None:
        return f"NO REFERENCE · {found.kind}", found.name
    reason = "negated" if picture.resolution.how == "negated" else "not on the board"
    return f"NO BOARD SUBJECT · {reason}", picture.resolution.text or "(no subject)"


def placeholder_still(picture: Picture, out_size: Size) -> Image.Image:
    """A drawn card for a subject without a picture: a dark field in a colour of its own (from
    its words, so cuts between two placeholders stay visible), a dashed frame and a cross,
    and the subject's words written large in the middle of the camera's view."""
    heading, words = placeholder_text(picture)
    size = source_size(out_size)
    hue = zlib.crc32(words.encode("utf-8")) % 360
    base = Image.new("HSV", size, (round(hue * 255 / 360), 140, 70)).convert("RGB")
    layer = base.convert("RGBA")
    draw = ImageDraw.Draw(layer)
    w, h = size
    ow, oh = out_size
    # The view at zoom 1 is the middle out_size of the still: draw inside it.
    vx, vy = (w - ow) / 2, (h - oh) / 2
    inset = 0.08 * min(ow, oh)
    x0, y0, x1, y1 = vx + inset, vy + inset, vx + ow - inset, vy + oh - inset
    line = (235, 235, 225, 200)
    draw.line((x0, y0, x1, y1), fill=(255, 255, 255, 60), width=max(1, ow // 160))
    draw.line((x0, y1, x1, y0), fill=(255, 255, 255, 60), width=max(1, ow // 160))
    dash = max(4.0, ow / 40)
    for a, b in (
        ((x0, y0), (x1, y0)),
        ((x1, y0), (x1, y1)),
        ((x1, y1), (x0, y1)),
        ((x0, y1), (x0, y0)),
    ):
        _dashed(draw, a, b, dash, line, max(1, ow // 200))
    short = min(ow, oh)
    box = (round(x0), round(vy + oh * 0.3), round(x1), round(vy + oh * 0.7))
    draw_text_block(
        layer, heading, size=max(8, round(short * 0.035)), box=(box[0], round(y0), box[2], box[1]),
        fill=(255, 255, 255, 200), background=None, align="center", valign="bottom", padding=2,
    )  # fmt: skip
    draw_text_block(
        layer, words, size=max(10, round(short * 0.07)), box=box,
        fill=(255, 255, 255, 255), background=(0, 0, 0, 110), align="center", valign="center",
        padding=max(3, round(short * 0.02)),
    )  # fmt: skip
    return layer.convert("RGB")


def _dashed(
    draw: ImageDraw.ImageDraw,
    a: tuple[float, float],
    b: tuple[float, float],
    dash: float,
    fill: tuple[int, int, int, int],
    width: int,
) -> None:
    length = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
    steps = max(1, int(length // dash))
    for k in range(0, steps, 2):
        t0, t1 = k / steps, min(1.0, (k + 1) / steps)
        draw.line(
            (a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0,
             a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1),
            fill=fill, width=width,
        )  # fmt: skip


def picture_facts(
    picture: Picture, view: Box | None = None, image_size: Size | None = None
) -> dict[str, object]:
    """What a take's metadata records of a shot's picture, so a reader (or a test) can tell
    which subject and which reference each shot showed, and where in it the camera looked
    (``view_box``: left, top, right, bottom as fractions of the reference's width and height,
    beyond 0..1 where the view reaches past its edges; fractions, because a JPEG is decoded at
    a reduced scale)."""
    found = picture.resolution.subject
    facts: dict[str, object] = {
        "subject_text": picture.resolution.text,
        "subject": found.name if found else None,
        "subject_kind": found.kind if found else None,
        "resolved_by": picture.resolution.how,
        "picture": picture.kind,
        "shot_size": picture.size.value,
    }
    if picture.kind == "placeholder":
        heading, words = placeholder_text(picture)
        facts["placeholder"] = {"heading": heading, "words": words}
        facts["placeholder_id"] = hashlib.sha256(f"{heading}\n{words}".encode()).hexdigest()[:12]
    if view is not None and image_size is not None:
        w, h = image_size
        left, top, right, bottom = view
        facts["view_box"] = [
            round(left / w, 4),
            round(top / h, 4),
            round(right / w, 4),
            round(bottom / h, 4),
        ]
    return facts


__all__ = [
    "VIEW_HEIGHT",
    "WHOLE_FRAMES",
    "Picture",
    "frame_box",
    "framed_still",
    "figure_head",
    "pick_picture",
    "picture_facts",
    "placeholder_still",
    "placeholder_text",
]
