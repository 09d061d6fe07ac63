"""One layout solver for every text drawn on a frame: where each block goes, at which size.

Texts used to be placed one by one, each in a fixed band of its own (captions at the bottom, the
hook at the top, the animatic's shot line near the bottom edge of the take), so two of them could
land on each other and nothing noticed. :func:`solve` places them together on one frame:

* every block stays inside the frame's safe area (:class:`~shortfilm.media.presets.SafeArea`:
  the title-safe margin of 16:9 and 1:1, the platform UI bands of 9:16);
* blocks on screen at the same time (their ``[start, end)`` frames meet) never intersect, and no
  block touches a ``reserved`` box (a shot tag burned into the takes, see
  :mod:`shortfilm.media.take_tags`);
* each block is first wrapped to the safe width, then tried at its kind's anchor (a caption at
  the bottom, the hook at the top ...), slid away from the anchor past whatever is in the way,
  then at the kind's other anchors; only then is its type made smaller, one step at a time, down
  to the kind's floor (legibility on a phone). Blocks are placed by priority (:data:`STYLES`), so
  it is the less important text that moves or shrinks.
* a block that fits nowhere raises :class:`TextFitError` naming the text, its kind and the frame:
  drawn anyway it would sit under a platform button or on another text.

Everything here is arithmetic on the font's metrics (no drawing), so the prompt linter can run it
before anything is generated and find what the render would refuse. :func:`draw_block` then draws
a placed block exactly inside its box: the box is the plate behind the lines, and the ink never
leaves it (tests check that against the rendered pixels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from shortfilm.errors import InputError
from shortfilm.media.text import load_font, wrap


class TextFitError(InputError):
    """A text that no size down to its floor and no free slot of the safe area can hold;
    ``block`` is that text (for a caller that points at the field it came from)."""

    def __init__(self, message: str, block: Block | None = None) -> None:
        super().__init__(message)
        self.block = block


@dataclass(frozen=True, order=True)
class Box:
    """A rectangle in pixels: ``left``/``top`` inclusive, ``right``/``bottom`` exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def intersects(self, other: Box) -> bool:
        """Whether the two share at least one pixel."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def inside(self, other: Box) -> bool:
        """Whether every pixel of this box is a pixel of ``other``."""
        return (
            self.left >= other.left
            and self.top >= other.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )

    def grown(self, by: int) -> Box:
        return Box(self.left - by, self.top - by, self.right + by, self.bottom + by)


@dataclass(frozen=True)
class Style:
    """How one kind of text looks and where it prefers to sit.

    ``share`` is the type size as a share of the frame's short side, ``floor`` the smallest it
    may shrink to (a share of the same side, never under :data:`MIN_PX`); ``anchors`` are tried in
    order (``bottom``, ``top``, ``center``), the first one being the kind's home; ``priority``:
    higher is placed first and so keeps its home.
    """

    share: float
    floor: float
    max_lines: int
    align: str
    anchors: tuple[str, ...]
    priority: int
    plate: tuple[int, int, int, int] | None
    fill: tuple[int, int, int, int] = (255, 255, 255, 255)


MIN_PX = 10
"""No text is ever drawn smaller than this many pixels, whatever the frame."""

_NAVY = (12, 18, 30, 190)
STYLES: dict[str, Style] = {
    "shot_tag": Style(0.024, 0.016, 1, "center", ("top",), 90, (0, 0, 0, 140)),
    "hook": Style(0.07, 0.045, 3, "center", ("top", "center", "bottom"), 60, (0, 0, 0, 170)),
    "caption": Style(0.05, 0.032, 4, "center", ("bottom", "top", "center"), 50, (0, 0, 0, 150)),
    "end_card": Style(0.065, 0.04, 4, "center", ("center", "top", "bottom"), 40, (0, 0, 0, 190)),
    "lower_third": Style(0.042, 0.028, 2, "left", ("bottom", "top", "center"), 30, _NAVY),
    "title": Style(0.085, 0.05, 3, "center", ("bottom",), 80, None),
    "subtitle": Style(0.04, 0.026, 3, "center", ("top",), 70, None, (215, 215, 215, 255)),
}
"""Every kind of text the films and takes carry: captions at the bottom, centred; lower thirds
bottom left on a blue-black plate, smaller; the hook large at the top; the end card centred; the
title card's title and subtitle; the animatic's shot tag, small."""


@dataclass(frozen=True)
class Block:
    """One text to place: ``kind`` names its :data:`STYLES` entry; ``start``/``end`` are the
    frames it is on screen (end exclusive), which decide what it must not touch; ``key`` names it
    in errors and in the result."""

    key: str
    kind: str
    text: str
    start: int = 0
    end: int = 1


@dataclass(frozen=True)
class Placed:
    """A block where the solver put it: ``box`` is its plate (the ink stays inside it), ``size``
    the type size in pixels, ``lines`` the wrapped lines and ``padding`` the plate's margin."""

    block: Block
    box: Box
    size: int
    lines: tuple[str, ...]
    padding: int

    @property
    def line_height(self) -> int:
        return line_height(self.size)


def line_height(size: int) -> int:
    """Pixels from one line's top to the next one's: 1.25 times the type size."""
    return int(size * 1.25)


def padding_for(size: int) -> int:
    """The plate's margin around the lines: a third of the type size, at least 3 pixels."""
    return max(3, size // 3)


def _ink_bottom(size: int) -> int:
    """How far below a line's top its descenders can reach: the font's ascent plus descent."""
    ascent, descent = load_font(size).getmetrics()  # type: ignore[union-attr]
    return int(ascent + descent)


def measure(text: str, size: int, max_width: int) -> tuple[tuple[str, ...], int, int]:
    """``text`` wrapped at ``size`` into ``max_width`` pixels of line: the lines and the plate's
    width and height in pixels (padding included, rounded up to even for yuv420 chroma)."""
    font = load_font(size)
    pad = padding_for(size)
    lines = tuple(wrap(text, font, max_width - 2 * pad - 1))  # - 1: room to round up to even
    ink_w = max(math.ceil(font.getlength(line)) for line in lines)
    height = line_height(size) * (len(lines) - 1) + _ink_bottom(size) + 2 * pad
    width = ink_w + 2 * pad
    return lines, width + width % 2, height + height % 2


def type_sizes(kind: str, short_side: int) -> list[int]:
    """The sizes a ``kind`` may take on a frame whose short side is ``short_side`` pixels,
    largest first: its own size, then steps of an eighth down to its floor."""
    style = STYLES[kind]
    size = max(MIN_PX, round(short_side * style.share))
    floor = max(MIN_PX, min(size, round(short_side * style.floor)))
    sizes = [size]
    while sizes[-1] > floor:
        sizes.append(max(floor, sizes[-1] * 7 // 8))
    return sizes


def _even_down(v: int) -> int:
    return v - v % 2


def _even_up(v: int) -> int:
    """Box edges fall on even pixels: the PNG of a text lands on whole yuv420 chroma samples."""
    return v + v % 2


def _candidates(
    anchor: str, w: int, h: int, area: Box, align: str, obstacles: Sequence[Box], gap: int
) -> list[Box]:
    """Boxes of ``w`` x ``h`` at ``anchor`` in ``area``, then slid past each obstacle, nearest to
    the anchor first."""
    centred = area.left + (area.width - w) // 2
    x = _even_up(area.left) if align == "left" else _even_down(centred)
    if anchor == "bottom":
        bottoms = [area.bottom] + [o.top - gap for o in obstacles]
        tops = sorted({_even_down(b - h) for b in bottoms}, reverse=True)
    elif anchor == "top":
        tops = sorted({_even_up(area.top)} | {_even_up(o.bottom + gap) for o in obstacles})
    else:
        mid = _even_down(area.top + (area.height - h) // 2)
        ups = [_even_down(o.top - gap - h) for o in obstacles]
        downs = [_even_up(o.bottom + gap) for o in obstacles]
        tops = sorted({mid, *ups, *downs}, key=lambda t: (abs(t - mid), t))
    return [Box(x, t, x + w, t + h) for t in tops]


def fit_block(
    block: Block,
    area: Box,
    short_side: int,
    obstacles: Sequence[Box] = (),
    anchors: Sequence[str] | None = None,
) -> Placed | None:
    """``block`` placed in ``area`` clear of ``obstacles``, or ``None`` if no size down to its
    floor and no slot holds it (see the module's docstring for the order things are tried in)."""
    style = STYLES[block.kind]
    gap = max(2, round(short_side * 0.01))
    for size in type_sizes(block.kind, short_side):
        lines, w, h = measure(block.text, size, area.width)
        if len(lines) > style.max_lines or w > area.width or h > area.height:
            continue
        for anchor in anchors or style.anchors:
            for box in _candidates(anchor, w, h, area, style.align, obstacles, gap):
                if box.inside(area) and not any(box.intersects(o) for o in obstacles):
                    return Placed(block, box, size, lines, padding_for(size))
    return None


def _why(block: Block, area: Box, short_side: int) -> str:
    """Why ``block`` found no place: too wide or too long at its floor, or no free slot."""
    style = STYLES[block.kind]
    floor = type_sizes(block.kind, short_side)[-1]
    lines, w, h = measure(block.text, floor, area.width)
    if w > area.width:
        widest = max(block.text.split(), key=lambda word: load_font(floor).getlength(word))
        return f"{widest!r} is wider than the safe area ({area.width} px) even at {floor} px"
    if len(lines) > style.max_lines:
        return f"it needs {len(lines)} lines at {floor} px (a {block.kind} holds {style.max_lines})"
    if h > area.height:
        return f"it is taller than the safe area ({h} > {area.height} px) at {floor} px"
    return "every free slot of the safe area is taken by texts on screen at the same time"


def solve(
    blocks: Sequence[Block],
    size: tuple[int, int],
    area: Box,
    *,
    reserved: Sequence[Box] = (),
    where: str = "",
) -> list[Placed]:
    """Place every block on a frame of ``size`` inside ``area`` (the safe box, in pixels).

    Returns one :class:`Placed` per block, in the order of ``blocks``. Raises
    :class:`TextFitError` naming the first block (by priority) that fits nowhere and why;
    ``where`` (e.g. ``"preset vertical"``) is put in the message.
    """
    short = min(size)
    order = sorted(
        range(len(blocks)), key=lambda i: (-STYLES[blocks[i].kind].priority, blocks[i].start, i)
    )
    placed: dict[int, Placed] = {}
    for i in order:
        block = blocks[i]
        busy = [
            p.box
            for p in placed.values()
            if p.block.start < block.end and block.start < p.block.end
        ]
        got = fit_block(block, area, short, [*reserved, *busy])
        if got is None:
            at = f" ({where})" if where else ""
            raise TextFitError(
                f"{block.key}{at}: the {block.kind.replace('_', ' ')} {block.text!r} does not "
                f"fit: {_why(block, area, short)}; shorten it, or move it in time",
                block,
            )
        placed[i] = got
    return [placed[i] for i in range(len(blocks))]


def draw_block(
    image: Image.Image,
    placed: Placed,
    *,
    offset: tuple[int, int] = (0, 0),
    fill: tuple[int, int, int, int] | None = None,
    plate: bool = True,
) -> None:
    """Draw ``placed`` on the RGBA ``image`` (its box moved by ``-offset``): the plate, if the
    kind has one and ``plate`` is set, then the lines; nothing leaves the box."""
    style = STYLES[placed.block.kind]
    font = load_font(placed.size)
    box = placed.box
    left, top = box.left - offset[0], box.top - offset[1]
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if plate and style.plate is not None:
        draw.rounded_rectangle(
            (left, top, left + box.width - 1, top + box.height - 1),
            radius=placed.padding,
            fill=style.plate,
        )
    pad = placed.padding
    for i, line in enumerate(placed.lines):
        w = font.getlength(line)
        x = left + pad if style.align == "left" else left + (box.width - w) / 2
        draw.text((x, top + pad + i * placed.line_height), line, font=font, fill=fill or style.fill)
    image.alpha_composite(overlay)


def block_image(placed: Placed) -> Image.Image:
    """``placed`` drawn alone on a transparent RGBA image the size of its box."""
    image = Image.new("RGBA", (placed.box.width, placed.box.height), (0, 0, 0, 0))
    draw_block(image, placed, offset=(placed.box.left, placed.box.top))
    return image


__all__ = [
    "MIN_PX",
    "STYLES",
    "Block",
    "Box",
    "Placed",
    "Style",
    "TextFitError",
    "block_image",
    "draw_block",
    "fit_block",
    "measure",
    "solve",
    "type_sizes",
]
