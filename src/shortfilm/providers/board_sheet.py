"""The offline ``board-sheet`` image provider: references in a labelled grid, brief, palette.

``board-sheet`` is the default and needs no account: it lays the references out in a labelled
grid beside the brief's text, with the style's palette as swatches. It invents nothing, so a team
can review the board's *content* (who, where, which colours) before paying for a hosted image,
and the same brief, references and seed always give the same bytes.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from shortfilm.errors import InputError
from shortfilm.media.colour import parse_hex
from shortfilm.media.text import draw_text_block, load_font, wrap
from shortfilm.providers.base import Reference
from shortfilm.providers.images import ImageRequest, ImageResult

Box = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` in pixels, right and bottom exclusive."""

SHEET_VERSION = "layout-1"
"""The sheet's :attr:`BoardSheetProvider.model`: bump it when its pixels change, so a stored
board image made by the old layout is not reused as if it were current."""

_BACKGROUND = (22, 23, 26)
_PLATE = (36, 38, 43)
_INK = (236, 236, 232, 255)
_DIM_INK = (170, 172, 176, 255)
_MIN_SIZE = (640, 360)


@dataclass(frozen=True)
class SheetLayout:
    """Where the sheet draws each part, in pixels. Computed by :func:`sheet_layout`."""

    header: Box
    cells: tuple[Box, ...]
    """One per reference, in order: the plate the image and its label sit on."""
    images: tuple[Box, ...]
    """Inside each cell, the area the reference is fitted into (aspect kept)."""
    labels: tuple[Box, ...]
    text: Box
    """The brief's panel."""
    swatches: tuple[Box, ...]
    """One per palette colour, left to right."""


def sheet_layout(count: int, width: int, height: int, colours: int) -> SheetLayout:
    """The sheet's geometry for ``count`` references and ``colours`` palette swatches.

    The grid takes the left ~64% below the header; its column count is the one that gives a 16:9
    image the most pixels per cell. The brief's panel is the right column; the swatches run
    along the bottom. Pure arithmetic, so tests can sample the pixels of each cell.
    """
    margin = max(12, round(width * 0.016))
    gap = max(8, round(width * 0.008))
    header_h = max(40, round(height * 0.075))
    swatch_h = max(36, round(height * 0.085)) if colours else 0
    header = (margin, margin, width - margin, margin + header_h)
    body_top = header[3] + gap
    body_bottom = height - margin - (swatch_h + gap if colours else 0)
    grid_right = margin + round((width - 2 * margin) * 0.64)
    text = (grid_right + gap, body_top, width - margin, body_bottom)
    label_h = max(22, round(height * 0.032))

    cells: list[Box] = []
    images: list[Box] = []
    labels: list[Box] = []
    if count:
        grid_w = grid_right - margin
        grid_h = body_bottom - body_top

        def fitted_area(cols: int) -> float:
            rows = math.ceil(count / cols)
            cell_w = (grid_w - (cols - 1) * gap) / cols
            cell_h = (grid_h - (rows - 1) * gap) / rows - label_h
            if cell_w <= 0 or cell_h <= 0:
                return 0.0
            return min(cell_w, cell_h * 16 / 9) * min(cell_h, cell_w * 9 / 16)

        cols = max(range(1, count + 1), key=lambda c: (fitted_area(c), -c))
        rows = math.ceil(count / cols)
        cell_w = (grid_w - (cols - 1) * gap) // cols
        cell_h = (grid_h - (rows - 1) * gap) // rows
        inset = max(4, gap // 2)
        for i in range(count):
            row, col = divmod(i, cols)
            left = margin + col * (cell_w + gap)
            top = body_top + row * (cell_h + gap)
            cell = (left, top, left + cell_w, top + cell_h)
            cells.append(cell)
            images.append(
                (left + inset, top + inset, left + cell_w - inset, top + cell_h - label_h)
            )
            labels.append((left, top + cell_h - label_h, left + cell_w, top + cell_h))

    swatches: list[Box] = []
    if colours:
        top = height - margin - swatch_h
        span = width - 2 * margin
        step = (span - (colours - 1) * gap) / colours
        for i in range(colours):
            left = margin + round(i * (step + gap))
            swatches.append((left, top, left + max(1, round(step)), height - margin))
    return SheetLayout(header, tuple(cells), tuple(images), tuple(labels), text, tuple(swatches))


class BoardSheetProvider:
    """The offline board image: references in a labelled grid, the brief, the palette.

    Deterministic: the same request gives the same PNG bytes. The seed only shapes a faint
    background grain (so two seeds give two distinct files, as with a hosted model), never the
    layout. Synchronous and free (cost 0 ``credits``).
    """

    name = "board-sheet"
    model = SHEET_VERSION
    cost_unit = "credits"

    def __init__(self, workdir: Path | None = None) -> None:
        self.workdir = Path(workdir) if workdir is not None else None

    def __repr__(self) -> str:
        return f"BoardSheetProvider(model={self.model!r})"

    def generate(self, request: ImageRequest, dest: Path) -> ImageResult:
        """Draw the sheet at ``request.width`` x ``request.height`` (at least 640x360) to
        ``dest`` as PNG. :class:`InputError` naming the file when a reference cannot be read
        and for a palette entry that is not a ``#rrggbb`` colour."""
        width, height = request.width, request.height
        if width < _MIN_SIZE[0] or height < _MIN_SIZE[1]:
            raise InputError(
                f"board sheet size {width}x{height} is too small; at least "
                f"{_MIN_SIZE[0]}x{_MIN_SIZE[1]}"
            )
        colours = [_palette_colour(c) for c in request.palette]
        layout = sheet_layout(len(request.references), width, height, len(colours))
        sheet = _background(width, height, request.seed)

        draw = ImageDraw.Draw(sheet)
        for index, ref in enumerate(request.references):
            draw.rectangle(_inclusive(layout.cells[index]), fill=(*_PLATE, 255))
            picture = _load_reference(ref)
            box = layout.images[index]
            fitted = ImageOps.contain(picture, (box[2] - box[0], box[3] - box[1]))
            x = box[0] + (box[2] - box[0] - fitted.width) // 2
            y = box[1] + (box[3] - box[1] - fitted.height) // 2
            sheet.paste(fitted, (x, y))
        for index, ref in enumerate(request.references):
            box = layout.labels[index]
            draw_text_block(
                sheet,
                f"[{index + 1}] {ref.label} · {ref.role}",
                size=max(12, round((box[3] - box[1]) * 0.6)),
                box=box,
                fill=_INK,
                background=None,
                align="left",
                valign="center",
                padding=max(4, (box[3] - box[1]) // 5),
            )
        if not request.references:
            draw_text_block(
                sheet,
                "no reference images on this board",
                size=max(14, height // 40),
                box=(layout.header[0], layout.header[3], layout.text[0], layout.text[3]),
                fill=_DIM_INK,
                background=None,
                valign="center",
            )

        header = layout.header
        title = f"ASSET BOARD · {request.title}" if request.title else "ASSET BOARD"
        draw_text_block(
            sheet,
            title,
            size=max(16, round((header[3] - header[1]) * 0.5)),
            box=header,
            fill=_INK,
            background=None,
            align="left",
            valign="center",
            padding=0,
        )

        panel = layout.text
        draw.rectangle(_inclusive(panel), fill=(*_PLATE, 255))
        padding = max(8, (panel[2] - panel[0]) // 40)
        text, size, truncated = _fit_text(
            request.prompt, panel[2] - panel[0] - 2 * padding, panel[3] - panel[1] - 2 * padding
        )
        if text:
            draw_text_block(
                sheet,
                text,
                size=size,
                box=panel,
                fill=_INK,
                background=None,
                align="left",
                valign="top",
                padding=padding,
            )

        for colour, box, hex_code in zip(colours, layout.swatches, request.palette, strict=True):
            draw.rectangle(_inclusive(box), fill=(*colour, 255))
            ink = (20, 20, 20, 255) if sum(colour) > 384 else (245, 245, 245, 255)
            draw_text_block(
                sheet,
                hex_code.lower(),
                size=max(11, round((box[3] - box[1]) * 0.28)),
                box=box,
                fill=ink,
                background=None,
                valign="bottom",
                padding=max(3, (box[3] - box[1]) // 10),
            )

        _save_png(sheet.convert("RGB"), Path(dest))
        metadata: dict[str, object] = {
            "provider": self.name,
            "model": self.model,
            "size": [width, height],
            "seed": request.seed,
            "references": [
                {"index": i, "role": r.role, "label": r.label}
                for i, r in enumerate(request.references, 1)
            ],
            "palette": list(request.palette),
            "text_px": size,
            "text_truncated": truncated,
            "usage": {},
        }
        return ImageResult(image=Path(dest), metadata=metadata, cost=0.0)


def _inclusive(box: Box) -> tuple[int, int, int, int]:
    """Pillow's rectangles include their far edge; layout boxes exclude it."""
    return (box[0], box[1], box[2] - 1, box[3] - 1)


def _background(width: int, height: int, seed: int) -> Image.Image:
    """The sheet's dark ground with a faint grain drawn from ``seed`` (deterministic)."""
    import numpy as np

    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    grain = rng.integers(-3, 4, size=(height, width, 1), dtype=np.int16)
    base = np.array(_BACKGROUND, dtype=np.int16).reshape(1, 1, 3)
    pixels = np.clip(base + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).convert("RGBA")


def _palette_colour(value: str) -> tuple[int, int, int]:
    try:
        return parse_hex(value)
    except ValueError as exc:
        raise InputError(f"board palette: {exc}") from None


def _load_reference(ref: Reference) -> Image.Image:
    """The reference as an upright RGB image; alpha is flattened onto the cell's plate."""
    try:
        with Image.open(ref.path) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{ref.path}: cannot read reference image {ref.label!r}: {exc}") from exc
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        plate = Image.new("RGBA", rgba.size, (*_PLATE, 255))
        plate.alpha_composite(rgba)
        return plate.convert("RGB")
    return picture.convert("RGB")


def _fit_text(text: str, width: int, height: int) -> tuple[str, int, bool]:
    """The largest font size (22 down to 11 px) at which ``text`` wraps into the box.

    When even 11 px overflows, the lines that fit are kept and the last ends with an ellipsis
    (``True`` is returned): the sheet must stay readable; the full brief is stored anyway.
    """
    text = text.strip()
    if not text or width <= 0 or height <= 0:
        return "", 11, False
    size = 22
    lines: list[str] = []
    while size >= 11:
        lines = wrap(text, load_font(size), width)
        if len(lines) * int(size * 1.25) <= height:
            return "\n".join(lines), size, False
        size -= 1
    size = 11
    font = load_font(size)
    kept = lines[: max(1, height // int(size * 1.25))]
    last = kept[-1].split()
    while last and font.getlength(" ".join(last) + " …") > width:
        last.pop()
    kept[-1] = " ".join(last + ["…"])
    return "\n".join(kept), size, True


def _save_png(image: Image.Image, dest: Path) -> None:
    """Write ``image`` as PNG under a temporary name, then rename: ``dest`` is whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{uuid.uuid4().hex[:8]}.{dest.name}.partial")
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = ["SHEET_VERSION", "BoardSheetProvider", "SheetLayout", "sheet_layout"]
