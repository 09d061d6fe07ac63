"""How each kind of on-film text is styled when it is handed to an editing tool as a live title.

The render draws texts itself (:mod:`shortfilm.media.overlays`: sizes as a share of the short
side, boxes in the safe area, plates). An editor gets the same texts as titles it can edit, so
what travels is where each kind sits, how large and how aligned, in the frame-relative units
every format can convert: FCPXML's Basic Title (points and pixels at the project's frame), FCP
7's Text generator (size in points, origin as a share of the frame) and the OTIO generator's
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from shortfilm.domain.timeline_parts import TextKind


@dataclass(frozen=True)
class TextStyle:
    """Where and how large one kind of text is, relative to the frame."""

    size: Fraction
    """Type size as a share of the frame's short side (0.05 on a 1080-wide frame: 54 px)."""
    x: Fraction
    """Horizontal position of the text's anchor from the frame's centre, as a share of its
    width (-0.5 is the left edge)."""
    y: Fraction
    """Vertical position from the frame's centre as a share of its height, up positive (FCP's
    convention: -1/3 is the bottom third)."""
    align: str
    """``center`` or ``left``: which side of the text is at ``x``."""
    bold: bool


TEXT_STYLES: dict[TextKind, TextStyle] = {
    TextKind.TITLE_CARD: TextStyle(
        Fraction(85, 1000), Fraction(0), Fraction(1, 20), "center", True
    ),
    TextKind.HOOK: TextStyle(Fraction(7, 100), Fraction(0), Fraction(3, 10), "center", True),
    TextKind.CAPTION: TextStyle(Fraction(5, 100), Fraction(0), Fraction(-1, 3), "center", False),
    TextKind.LOWER_THIRD: TextStyle(
        Fraction(42, 1000), Fraction(-2, 5), Fraction(-3, 10), "left", False
    ),
    TextKind.END_CARD: TextStyle(Fraction(65, 1000), Fraction(0), Fraction(0), "center", True),
}
"""The render's look (:mod:`shortfilm.media.overlays`) as title styles: the card large and
centred, the hook large near the top, captions centred in the bottom third, lower thirds smaller
at the bottom left, the end card centred."""

SUBTITLE_SHARE = Fraction(4, 100)
"""The title card's second line, as a share of the short side (the render's 4 %)."""

FONT = "Helvetica"
"""A font every editing tool has (Final Cut's and Premiere's default family)."""

DEFAULT_FRAME = (1080, 1920)
"""Frame size (pixels) assumed when the takes' own is not known: the native 9:16 of shorts."""


def points(share: Fraction, frame: tuple[int, int]) -> int:
    """A size given as a share of the short side, in pixels (points) on ``frame``."""
    return max(1, round(share * min(frame)))
