"""The film's texts as FCPXML titles: what :func:`~shortfilm.edit.fcpxml.fcpxml_string` adds
for the title clips OTIO's ``fcpx_xml`` adapter cannot write (it takes every clip for a file).

Each text is a ``<title>`` drawn by Final Cut's Basic Title (:data:`BASIC_TITLE_UID`),
connected to the spine item under its first frame (``lane`` 1, 2 ... as its OTIO text track),
with its words in ``<text><text-style ref>`` and its look in a ``<text-style-def>`` (font, size,
bold, white, alignment) and its place in the Basic Title's Position parameter. A connected
item's ``offset`` is in its parent's time: the parent's ``start`` plus how far into the parent
the text begins. Resolve and Premiere (through converters) import Basic Titles as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

BASIC_TITLE_UID = (
    ".../Titles.localized/Bumper:Opener.localized/Basic Title.localized/Basic Title.moti"
)
"""Final Cut's Basic Title, the plain title every FCPXML reader maps to its own text."""

POSITION_KEY = "9999/999166631/999166633/1/100/101"
"""The Basic Title's Position parameter (pixels from the frame's centre, up positive)."""


@dataclass(frozen=True)
class Title:
    """One text to place: its film time in seconds, its lane and its generator parameters."""

    name: str
    start: Fraction
    duration: Fraction
    lane: int
    parameters: Any


def fcp_time(seconds: Fraction) -> str:
    """Seconds as FCPXML writes a time (``N/Ds``, ``0s``)."""
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def parse_fcp_time(value: str | None) -> Fraction | None:
    if value is None or not value.endswith("s"):
        return None
    try:
        return Fraction(value[:-1])
    except ValueError:
        return None


def next_id(resources: Any) -> str:
    """A resource id (``rN``) no resource has yet."""
    used = [r.get("id", "") for r in resources]
    numbers = [int(u[1:]) for u in used if u.startswith("r") and u[1:].isdigit()]
    return f"r{max(numbers, default=0) + 1}"


def add_titles(resources: Any, spine: Any, titles: list[Title]) -> None:
    """Connect a ``<title>`` per text in ``titles`` to the spine item it starts over (see the
    module); nothing when there are none."""
    items = [e for e in spine if e.tag != "transition"]
    if not titles or not items:
        return
    effect = next_id(resources)
    ElementTree.SubElement(
        resources, "effect", {"id": effect, "name": "Basic Title", "uid": BASIC_TITLE_UID}
    )
    for number, title in enumerate(titles, start=1):
        parent = items[-1]
        for item in items:
            offset = parse_fcp_time(item.get("offset")) or Fraction(0)
            length = parse_fcp_time(item.get("duration")) or Fraction(0)
            if offset <= title.start < offset + length:
                parent = item
                break
        into = title.start - (parse_fcp_time(parent.get("offset")) or Fraction(0))
        local = (parse_fcp_time(parent.get("start")) or Fraction(0)) + into
        parent.append(_title(title, effect, local, number))


def _title(title: Title, effect: str, offset: Fraction, number: int) -> Any:
    p = title.parameters
    element = ElementTree.Element(
        "title",
        {
            "ref": effect,
            "lane": str(title.lane),
            "offset": fcp_time(offset),
            "name": title.name,
            "duration": fcp_time(title.duration),
        },
    )
    x, y = (int(v) for v in p.get("position", (0, 0)))
    ElementTree.SubElement(
        element, "param", {"name": "Position", "key": POSITION_KEY, "value": f"{x} {y}"}
    )
    text = ElementTree.SubElement(element, "text")
    lines = [(str(p.get("text", "")), int(p.get("size", 60)), bool(p.get("bold")))]
    if p.get("subtitle"):
        lines.append(("\n" + str(p["subtitle"]), int(p.get("subtitle_size", 40)), False))
    colour = " ".join(f"{float(c):g}" for c in p.get("color", (1, 1, 1, 1)))
    defs = []
    for line, (words, size, bold) in enumerate(lines, start=1):
        style_id = f"ts{number}-{line}"
        ElementTree.SubElement(text, "text-style", {"ref": style_id}).text = words
        style = {
            "font": str(p.get("font", "Helvetica")),
            "fontSize": str(size),
            "fontFace": "Bold" if bold else "Regular",
            "fontColor": colour,
            "alignment": str(p.get("align", "center")),
        }
        if bold:
            style["bold"] = "1"
        defs.append((style_id, style))
    for style_id, style in defs:
        definition = ElementTree.SubElement(element, "text-style-def", {"id": style_id})
        ElementTree.SubElement(definition, "text-style", style)
    return element
