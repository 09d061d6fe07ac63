"""Text drawn with Pillow's built-in scalable font, so titles render on a machine with no fonts.

Pillow >= 10.1 embeds a FreeType font (Aileron) reachable through ``load_default(size)``; we draw
text into images ourselves instead of ffmpeg's drawtext, which would need a font file on disk.
"""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def load_font(size: int) -> Font:
    """The built-in scalable font at ``size`` pixels."""
    return ImageFont.load_default(size=size)


def wrap(text: str, font: Font, max_width: int) -> list[str]:
    """Greedy word wrap into lines no wider than ``max_width`` pixels (long words kept whole)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and font.getlength(trial) > max_width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


def draw_text_block(
    image: Image.Image,
    text: str,
    *,
    size: int,
    box: tuple[int, int, int, int],
    fill: tuple[int, int, int, int] = (255, 255, 255, 255),
    background: tuple[int, int, int, int] | None = (0, 0, 0, 150),
    align: str = "center",
    valign: str = "bottom",
    padding: int = 16,
) -> None:
    """Draw ``text`` wrapped into ``box`` (left, top, right, bottom) of an RGBA ``image``.

    With ``background`` a translucent plate is drawn behind the lines, so text stays legible on
    any picture. ``valign`` is ``top``, ``center`` or ``bottom`` inside the box.
    """
    font = load_font(size)
    left, top, right, bottom = box
    lines = wrap(text, font, right - left - 2 * padding)
    line_h = int(size * 1.25)
    block_h = line_h * len(lines)
    if valign == "top":
        y0 = top + padding
    elif valign == "center":
        y0 = top + (bottom - top - block_h) // 2
    else:
        y0 = bottom - padding - block_h
    widths = [int(font.getlength(line)) for line in lines]
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    if background is not None and lines:
        w = max(widths)
        cx = (left + right) // 2
        x_left = left + padding if align == "left" else cx - w // 2
        draw.rounded_rectangle(
            (
                x_left - padding,
                y0 - padding // 2,
                x_left + w + padding,
                y0 + block_h + padding // 2,
            ),
            radius=padding // 2,
            fill=background,
        )
    for i, (line, w) in enumerate(zip(lines, widths, strict=True)):
        x = left + padding if align == "left" else (left + right) // 2 - w // 2
        draw.text((x, y0 + i * line_h), line, font=font, fill=fill)
    image.alpha_composite(overlay)
