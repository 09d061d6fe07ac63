"""Camera movements a shot can ask for, read from the words a person writes."""

from __future__ import annotations

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
