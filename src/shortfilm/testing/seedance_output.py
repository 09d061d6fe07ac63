"""What a Seedance take comes out as, by the public record: the fakes' table, not the adapters'.

Both fake servers (ModelArk's tasks, Replicate's predictions) make Seedance takes, so they
share this one reading of the research notes (``shared/research/video-model-apis.md``), written
without looking at the adapters' table, so that a test cannot pass merely because the adapter
and the fake copied the same guess:

- **Documented sizes.** Observed live: 720p 16:9 1280x720 (billed 108,900 tokens for 5 s),
  720p 1:1 960x960, 720p 9:16 720x1280, 1080p 16:9 1920x1080 (§1.6, §1.10); 480p 16:9 864x496
  on 1.5 pro (864x480 on 1.0; §1.6). Replicate publishes no sizes at all (§2.2).
- **Everything else** is undocumented (⚠). The fakes keep the tier's documented 16:9 pixel
  count and make the requested ratio of it, sides rounded to even pixels: a rule of the fakes'
  own, so a test that leans on an undocumented size shows it instead of agreeing by copy.
"""

from __future__ import annotations

import math

FPS = 24
"""24 fps only (§1.4 ``framespersecond``)."""

RATIOS: dict[str, float] = {
    "16:9": 16 / 9,
    "4:3": 4 / 3,
    "1:1": 1.0,
    "3:4": 3 / 4,
    "9:16": 9 / 16,
    "21:9": 21 / 9,
}
"""The ``ratio`` values the API documents besides ``adaptive`` (§1.4)."""

DOCUMENTED_SIZES: dict[tuple[str, str], tuple[int, int]] = {
    ("720p", "16:9"): (1280, 720),
    ("720p", "1:1"): (960, 960),
    ("720p", "9:16"): (720, 1280),
    ("1080p", "16:9"): (1920, 1080),
    ("480p", "16:9"): (864, 496),
}
"""Output pixels seen for a resolution and ratio (the sources are named in the module doc)."""


def output_size(resolution: str, ratio: str) -> tuple[int, int]:
    """The pixels the fakes make for ``resolution`` (``480p``/``720p``/``1080p``) at ``ratio``:
    the documented size, else the tier's 16:9 pixel count at that ratio, sides even."""
    if (resolution, ratio) in DOCUMENTED_SIZES:
        return DOCUMENTED_SIZES[(resolution, ratio)]
    w, h = DOCUMENTED_SIZES[(resolution, "16:9")]
    aspect = RATIOS[ratio]
    return 2 * round(math.sqrt(w * h * aspect) / 2), 2 * round(math.sqrt(w * h / aspect) / 2)


def nearest_ratio(width: int, height: int) -> str:
    """The documented ratio closest to a picture's (what ``adaptive`` resolves to)."""
    aspect = width / height
    return min(RATIOS, key=lambda r: abs(math.log(aspect / RATIOS[r])))
