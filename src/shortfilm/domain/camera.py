"""Camera movements and shot sizes a shot can ask for, read from the words a person writes."""

from __future__ import annotations

import re
from enum import StrEnum


class CameraMove(StrEnum):
    PUSH_IN = "push-in"
    PULL_OUT = "pull-out"
    PAN_LEFT = "pan-left"
    PAN_RIGHT = "pan-right"
    TILT_UP = "tilt-up"
    TILT_DOWN = "tilt-down"
    ORBIT = "orbit"
    HANDHELD = "handheld"
    STATIC = "static"


# Checked in order: the first phrase found in the text wins, so the specific ones come first.
_PHRASES: tuple[tuple[tuple[str, ...], CameraMove], ...] = (
    (
        ("push-in", "push in", "dolly in", "dolly-in", "zoom in", "zoom-in", "creep in"),
        CameraMove.PUSH_IN,
    ),
    (
        ("pull-out", "pull out", "pull back", "pull-back", "dolly out", "zoom out", "zoom-out"),
        CameraMove.PULL_OUT,
    ),
    (("pan left", "pan-left", "pans left"), CameraMove.PAN_LEFT),
    (("pan right", "pan-right", "pans right", "pan"), CameraMove.PAN_RIGHT),
    (("tilt up", "tilt-up", "tilts up", "crane up", "rise"), CameraMove.TILT_UP),
    (("tilt down", "tilt-down", "tilts down", "crane down", "tilt"), CameraMove.TILT_DOWN),
    (("orbit", "arc", "circle", "circling"), CameraMove.ORBIT),
    (
        ("handheld", "hand-held", "shake", "shaky", "follow", "tracking", "track"),
        CameraMove.HANDHELD,
    ),
    (("static", "locked", "still", "tripod", "hold"), CameraMove.STATIC),
)


def parse_camera_move(text: str) -> CameraMove | None:
    """The movement named in ``text``, or ``None`` when it names none we know."""
    lowered = text.lower()
    for phrases, move in _PHRASES:
        if any(p in lowered for p in phrases):
            return move
    return None


class ShotSize(StrEnum):
    """How much of the subject a frame holds, widest first (the names a shot list uses)."""

    EXTREME_WIDE = "extreme wide"
    WIDE = "wide"
    MEDIUM_WIDE = "medium wide"
    MEDIUM = "medium"
    MEDIUM_CLOSE_UP = "medium close-up"
    CLOSE_UP = "close-up"
    EXTREME_CLOSE_UP = "extreme close-up"


# Checked in order, so "extreme close-up" is never read as "close-up", nor "medium wide" as "wide".
_SIZE_PHRASES: tuple[tuple[tuple[str, ...], ShotSize], ...] = (
    (("extreme close", "extreme-close", "ecu", "xcu", "macro"), ShotSize.EXTREME_CLOSE_UP),
    (("medium close", "medium-close", "mcu"), ShotSize.MEDIUM_CLOSE_UP),
    (("close-up", "close up", "closeup", "close shot", "cu", "close"), ShotSize.CLOSE_UP),
    (
        ("extreme wide", "extreme long", "extreme-wide", "ews", "els", "establishing", "aerial"),
        ShotSize.EXTREME_WIDE,
    ),
    (
        ("medium wide", "medium long", "medium-wide", "mws", "mls", "cowboy", "knees up"),
        ShotSize.MEDIUM_WIDE,
    ),
    (("medium", "mid shot", "mid-shot", "waist"), ShotSize.MEDIUM),
    (("wide", "long shot", "full shot", "full-length", "ws", "ls"), ShotSize.WIDE),
)


def parse_shot_size(text: str) -> ShotSize | None:
    """The shot size named in a camera field, or ``None`` when it names none.

    Short forms (``ECU``, ``MCU``, ``WS``) count only as whole words: "cu" inside "cut" is not
    a close-up.
    """
    lowered = text.lower()
    words = set(re.findall(r"[a-z]+", lowered))
    for phrases, size in _SIZE_PHRASES:
        for phrase in phrases:
            short = phrase.isalpha() and len(phrase) <= 3
            if (phrase in words) if short else (phrase in lowered):
                return size
    return None
