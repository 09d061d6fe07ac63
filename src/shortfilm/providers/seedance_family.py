"""What the Seedance model family takes and makes, whichever host serves it.

ModelArk (:mod:`.seedance`) and Replicate (:mod:`.replicate`) run the same models, so the frame
ratios, the output pixel sizes per resolution tier, the frame rate and the first/last-frame
roles are facts of the model, not of either host: both adapters read them here, and neither
imports the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from shortfilm.errors import InputError

FPS = 24
"""Seedance renders 24 fps only."""

FRAME_ROLES = ("first_frame", "last_frame")
"""Reference roles that select first/last-frame mode; every other role is a reference image."""

RATIOS: dict[str, float] = {
    "16:9": 16 / 9,
    "4:3": 4 / 3,
    "1:1": 1.0,
    "3:4": 3 / 4,
    "9:16": 9 / 16,
    "21:9": 21 / 9,
}

OUTPUT_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {
        "16:9": (864, 496),
        "4:3": (752, 560),
        "1:1": (640, 640),
        "3:4": (560, 752),
        "9:16": (496, 864),
        "21:9": (992, 432),
    },
    "720p": {
        "16:9": (1280, 720),
        "4:3": (1112, 834),
        "1:1": (960, 960),
        "3:4": (834, 1112),
        "9:16": (720, 1280),
        "21:9": (1470, 630),
    },
    "1080p": {
        "16:9": (1920, 1080),
        "4:3": (1664, 1248),
        "1:1": (1440, 1440),
        "3:4": (1248, 1664),
        "9:16": (1080, 1920),
        "21:9": (2206, 946),
    },
}
"""Output pixel size per resolution and ratio. Observed live: 720p 16:9, 1:1 and 9:16, 1080p
16:9; 480p 16:9 is 864x496 on 1.5 pro (864x480 on 1.0). The rest follow the providers'
published tables (⚠ not confirmed for 2.0; see ``shared/research/video-model-apis.md`` §1.6).
Replicate publishes no sizes: the model's own are assumed there too."""


def resolution_and_ratio(
    width: int,
    height: int,
    *,
    resolutions: Iterable[str] = OUTPUT_SIZES,
    ratios: Iterable[str] = RATIOS,
    offered: str = "ratios Seedance offers",
) -> tuple[str, str]:
    """The ``resolution`` and ratio among ``resolutions`` x ``ratios`` closest to a frame of
    ``width`` x ``height``.

    The ratio must be within 3% of one offered; the resolution is the tier whose output pixel
    count is nearest the frame's. :class:`InputError` (naming the ``offered`` ratios) when no
    ratio fits or the size is not positive.
    """
    if width <= 0 or height <= 0:
        raise InputError(f"frame size must be positive, got {width}x{height}")
    aspect = width / height
    choices = [r for r in ratios if r in RATIOS]
    ratio = min(choices, key=lambda r: abs(math.log(aspect / RATIOS[r])))
    if abs(math.log(aspect / RATIOS[ratio])) > 0.03:
        raise InputError(
            f"frame size {width}x{height} (aspect {aspect:.3f}) matches none of the {offered} "
            f"({', '.join(choices)})"
        )
    area = width * height

    def distance(res: str) -> float:
        w, h = OUTPUT_SIZES[res][ratio]
        return abs(math.log(area / (w * h)))

    return min(resolutions, key=distance), ratio
