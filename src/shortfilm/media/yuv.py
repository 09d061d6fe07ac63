"""The decode pass's frames: 8-bit I420 (planar Y'CbCr 4:2:0, limited range), and their RGB.

The pass asks ffmpeg for I420 rather than RGB because it is what the decoder produces: scaling
stays in Y'CbCr and skips a colour conversion per frame (about 6 % of a 1080p decode), and the
grey measures read the luma plane directly. Colour is made only for the few frames that need it
(stills, palette samples, first and last frame), with the source's own matrix (BT.601, BT.709 or
BT.2020, read from ffmpeg's description of the input), so thumbnails and palettes show the colours
a player would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_LUMA_WEIGHTS = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722), "bt2020": (0.2627, 0.0593)}
"""(Kr, Kb) of each matrix; Kg = 1 - Kr - Kb."""

FULL_RANGE_LUMA = np.clip(
    np.round((np.arange(256, dtype=np.float64) - 16.0) * 255.0 / 219.0), 0, 255
).astype(np.uint8)
"""Lookup table from limited-range luma (16..235) to full-range grey levels (0..255)."""


@dataclass(frozen=True)
class Planes:
    """Views of one I420 frame's planes: ``y`` is (h, w); ``u`` and ``v`` are (h/2, w/2)."""

    y: NDArray[np.uint8]
    u: NDArray[np.uint8]
    v: NDArray[np.uint8]


def frame_bytes(width: int, height: int) -> int:
    """Bytes of one I420 frame of an even ``width`` x ``height``."""
    return width * height * 3 // 2


def planes(frame: NDArray[np.uint8], width: int, height: int) -> Planes:
    """Split a flat I420 frame (``frame_bytes`` long) into plane views (no copy)."""
    n = width * height
    c = (width // 2) * (height // 2)
    return Planes(
        y=frame[:n].reshape(height, width),
        u=frame[n : n + c].reshape(height // 2, width // 2),
        v=frame[n + c : n + 2 * c].reshape(height // 2, width // 2),
    )


def matrix_from_log(log: str) -> str:
    """``bt709``, ``bt2020`` or ``bt601``: the Y'CbCr matrix of input #0's first video stream as
    ffmpeg describes it (``yuv420p(tv, bt709/bt709/bt709, progressive)``). An untagged stream is
    taken as BT.601, as ffmpeg's own scaler does."""
    start = log.find("Input #0")
    match = re.search(r"Video: [^\n]*?\b(?:yuv|nv|p0)\w*\(([^)]*)\)", log[max(start, 0) :])
    if match is None:
        return "bt601"
    matrix_tag = match.group(1).lower().split("/")[0]  # "tv, bt709" of "tv, bt709/bt709/bt709"
    if "bt2020" in matrix_tag:
        return "bt2020"
    if "bt709" in matrix_tag:
        return "bt709"
    return "bt601"


def _affine(matrix: str) -> NDArray[np.float64]:
    """3x4 affine map from limited-range (Y', Cb, Cr) bytes to (R, G, B) in 0..255."""
    kr, kb = _LUMA_WEIGHTS[matrix]
    kg = 1.0 - kr - kb
    ys, cs = 255.0 / 219.0, 255.0 / 224.0
    m = np.array(
        [
            [ys, 0.0, 2.0 * (1.0 - kr) * cs],
            [ys, -2.0 * kb * (1.0 - kb) / kg * cs, -2.0 * kr * (1.0 - kr) / kg * cs],
            [ys, 2.0 * (1.0 - kb) * cs, 0.0],
        ]
    )
    offset = -(m @ np.array([16.0, 128.0, 128.0]))
    return np.hstack([m, offset[:, None]])


_AFFINES = {name: _affine(name) for name in _LUMA_WEIGHTS}


def yuv444_to_rgb(yuv: NDArray[np.uint8], matrix: str = "bt601") -> NDArray[np.uint8]:
    """(h, w, 3) limited-range Y'CbCr bytes to 8-bit RGB (one saturating OpenCV transform)."""
    import cv2

    return np.asarray(cv2.transform(yuv, _AFFINES[matrix]), dtype=np.uint8)


def to_yuv444(p: Planes, size: tuple[int, int] | None = None) -> NDArray[np.uint8]:
    """The frame as (h, w, 3) Y'CbCr at ``size`` (width, height; default the luma size).

    Chroma is interpolated bilinearly, luma area-averaged when shrinking."""
    import cv2

    h, w = p.y.shape
    tw, th = size or (w, h)
    y = p.y if (tw, th) == (w, h) else cv2.resize(p.y, (tw, th), interpolation=cv2.INTER_AREA)
    ch, cw = p.u.shape
    u, v = p.u, p.v
    if (tw, th) != (cw, ch):
        how = cv2.INTER_AREA if tw < cw else cv2.INTER_LINEAR
        u = np.asarray(cv2.resize(p.u, (tw, th), interpolation=how), dtype=np.uint8)
        v = np.asarray(cv2.resize(p.v, (tw, th), interpolation=how), dtype=np.uint8)
    return np.asarray(cv2.merge([y, u, v]), dtype=np.uint8)


def to_rgb(p: Planes, matrix: str, size: tuple[int, int] | None = None) -> NDArray[np.uint8]:
    """The frame as 8-bit RGB at ``size`` (default the luma size), decoded with ``matrix``."""
    return yuv444_to_rgb(to_yuv444(p, size), matrix)
