"""Per-frame measures of a clip, computed with OpenCV on the small analysis frames as they stream.

Every measure is a few vectorised OpenCV calls on a frame of about 288x512 px (about 0.4 ms for
all of them on one core, run single-threaded: see :func:`opencv_single_threaded`), so measuring
never slows the decode that feeds it. "Grey" is the video's own luma plane, expanded from limited
to full range (0..255). Units:

* sharpness: variance of the 4-neighbour Laplacian of the grey frame, in (8-bit grey level)^2.
  Measured at the analysis size, whose short side is fixed, so a 720p and a 1080p copy of the
  same picture score alike. It depends on the content as much as on focus, so compare frames of
  one take, or takes of one shot. Measured medians: Big Buck Bunny 415 (660 where the pass
  shrinks with ``area``: see :func:`shortfilm.media.decode_pass.downscale_filter`); a detailed
  street shot 192, the same blurred (gblur sigma 3) 12, compressed at crf 45 79; carphone 53, its
  heavily compressed copy 22.
* exposure: 0..1, 1 when the mean grey level is mid-grey (118) and nothing is clipped; it falls
  quadratically as the mean moves to black or white and linearly with the share of clipped pixels.
* luma: mean grey level, 0..255 (from the half-size luma plane, like exposure and dark).
* motion: mean absolute grey difference from the previous frame, 0..255; 0 for the first frame.
* changed: share of pixels (0..1) whose grey level moved by more than 8 since the previous frame;
  1 for the first frame. Unlike the mean it tells a still picture (a repeated frame, with only
  compression noise: under 0.1 %) from slow motion of a small part of it (0.2 % and up).
* content: PySceneDetect's content value (mean absolute change of hue, saturation and value
  between consecutive frames, 0..255, with hue distances taken round the colour wheel), on a
  half-size frame (the chroma planes' size, decoded with BT.601 whatever the source: only
  changes matter here); the input of cut detection. Computed as sums (:func:`hsv_change`), the
  same value as PySceneDetect's per-pixel formulation at a seventh of the cost.
* dark: share of pixels at or below grey level 24 (about 10 %), as ffmpeg's ``blackdetect``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shortfilm.media.yuv import FULL_RANGE_LUMA, Planes, to_yuv444, yuv444_to_rgb

MID_GREY = 118.0
"""Grey level of a well exposed frame's mean (sRGB middle grey is about 46 %, 118/255)."""

CLIP_LOW, CLIP_HIGH = 5, 250
"""Grey levels at or beyond which a pixel counts as crushed or blown."""

DARK_LEVEL = 24
"""Grey level at or below which a pixel counts as black (ffmpeg blackdetect's 0.10)."""

CHANGE_LEVEL = 8
"""Grey-level step above which a pixel counts as changed; compression noise stays below it."""

_GREY_OF_CODE = FULL_RANGE_LUMA.astype(np.float64)
_CLIPPED_CODE = ((FULL_RANGE_LUMA <= CLIP_LOW) | (FULL_RANGE_LUMA >= CLIP_HIGH)).astype(np.float64)
_DARK_CODE = (FULL_RANGE_LUMA <= DARK_LEVEL).astype(np.float64)

HUE_TURN = 180
"""OpenCV's 8-bit hue runs 0..179: a hue step of 170 is really 10 the other way round the wheel."""


@dataclass(frozen=True)
class FrameSeries:
    """One value per analysed frame for each measure (see the module docstring for units)."""

    sharpness: NDArray[np.float64]
    exposure: NDArray[np.float64]
    luma: NDArray[np.float64]
    motion: NDArray[np.float64]
    changed: NDArray[np.float64]
    content: NDArray[np.float64]
    dark: NDArray[np.float64]


@dataclass(frozen=True)
class FrameMeasure:
    """The measures of the frame just added, for callers that rank frames as they stream."""

    sharpness: float
    exposure: float
    motion: float


def exposure_score(mean_luma: float, clipped: float) -> float:
    """0..1 exposure of a frame from its mean grey level (0..255) and clipped share (0..1)."""
    centred = 1.0 - ((mean_luma - MID_GREY) / MID_GREY) ** 2
    return max(0.0, centred) * max(0.0, 1.0 - 2.0 * clipped)


_OPENCV_THREADS_LOCK = threading.Lock()
_opencv_single: list[int] = [0, 0]
"""[passes in progress, OpenCV's thread count before the first of them]."""


@contextmanager
def opencv_single_threaded() -> Iterator[None]:
    """Run OpenCV calls on the calling thread only while the block runs (then restore the count).

    The measures are a few dozen microseconds each on a 288x512 frame; split over OpenCV's pool
    they gain nothing while ffmpeg's decoder threads want every core. Measured on 2 cores, the
    pass's Python side spends about 0.1 CPU-second less per 15 s 1080x1920 take with one thread
    (0.46-0.50 s against 0.57-0.63 s). OpenCV's count is process-wide, so overlapping passes
    (threads) share one setting and the last to finish puts the original back.
    """
    import cv2

    with _OPENCV_THREADS_LOCK:
        if _opencv_single[0] == 0:
            _opencv_single[1] = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _opencv_single[0] += 1
    try:
        yield
    finally:
        with _OPENCV_THREADS_LOCK:
            _opencv_single[0] -= 1
            if _opencv_single[0] == 0:
                cv2.setNumThreads(_opencv_single[1])


def hsv_change(steps: NDArray[np.uint8]) -> float:
    """PySceneDetect's content value from the absolute per-pixel HSV differences of two frames
    ((h, w, 3) uint8, OpenCV's 0..179 hue): the mean over pixels and channels, with each hue step
    taken the short way round the wheel (``min(d, 180 - d)``).

    Summed rather than looked up: the plain sum of all three channels, then, for the few hue steps
    over half a turn (a colour crossing red), ``180 - d`` in place of ``d``.
    """
    import cv2

    h, w = int(steps.shape[0]), int(steps.shape[1])
    total = float(cv2.sumElems(steps.reshape(h, w * 3))[0])
    _, wrapped = cv2.threshold(cv2.extractChannel(steps, 0), HUE_TURN // 2, 0, cv2.THRESH_TOZERO)
    count = int(cv2.countNonZero(wrapped))
    if count:
        total += HUE_TURN * count - 2.0 * float(cv2.sumElems(wrapped)[0])
    return total / (3.0 * h * w)


class FrameMeter:
    """Measures frames one at a time, in order; :meth:`series` returns everything measured."""

    def __init__(self) -> None:
        self._sharpness: list[float] = []
        self._exposure: list[float] = []
        self._luma: list[float] = []
        self._motion: list[float] = []
        self._changed: list[float] = []
        self._content: list[float] = []
        self._dark: list[float] = []
        self._prev_grey: NDArray[np.uint8] | None = None
        self._prev_hsv: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return len(self._sharpness)

    def add(self, frame: Planes) -> FrameMeasure:
        """Measure the next frame (the planes of an I420 frame, see :mod:`shortfilm.media.yuv`)."""
        import cv2

        grey = cv2.LUT(frame.y, FULL_RANGE_LUMA)
        lap = cv2.Laplacian(grey, cv2.CV_16S, ksize=1)
        _, std = cv2.meanStdDev(lap)
        sharpness = float(std[0, 0]) ** 2

        # Levels from the half-size luma (a quarter of the pixels, the same shares): its histogram
        # over limited-range codes, each code weighted by the grey level it stands for.
        h, w = frame.u.shape
        y_half = np.asarray(cv2.resize(frame.y, (w, h), interpolation=cv2.INTER_AREA), np.uint8)
        hist = cv2.calcHist([y_half], [0], None, [256], [0, 256]).ravel().astype(np.float64)
        luma = float(hist @ _GREY_OF_CODE) / y_half.size
        clipped = float(hist @ _CLIPPED_CODE) / y_half.size
        exposure = exposure_score(luma, clipped)
        dark = float(hist @ _DARK_CODE) / y_half.size

        half = Planes(y=y_half, u=frame.u, v=frame.v)
        hsv = cv2.cvtColor(yuv444_to_rgb(to_yuv444(half)), cv2.COLOR_RGB2HSV)
        n = float(grey.size)
        if self._prev_grey is None or self._prev_hsv is None:
            motion = 0.0
            changed = 1.0
            content = 0.0
        else:
            grey_diff = cv2.absdiff(grey, self._prev_grey)
            motion = float(cv2.mean(grey_diff)[0])
            _, moved = cv2.threshold(grey_diff, CHANGE_LEVEL, 255, cv2.THRESH_BINARY)
            changed = cv2.countNonZero(moved) / n
            content = hsv_change(np.asarray(cv2.absdiff(hsv, self._prev_hsv), dtype=np.uint8))
        self._prev_grey = np.asarray(grey, dtype=np.uint8)
        self._prev_hsv = np.asarray(hsv, dtype=np.uint8)

        self._sharpness.append(sharpness)
        self._exposure.append(exposure)
        self._luma.append(luma)
        self._motion.append(motion)
        self._changed.append(changed)
        self._content.append(content)
        self._dark.append(dark)
        return FrameMeasure(sharpness=sharpness, exposure=exposure, motion=motion)

    def series(self) -> FrameSeries:
        def arr(values: list[float]) -> NDArray[np.float64]:
            return np.asarray(values, dtype=np.float64)

        return FrameSeries(
            sharpness=arr(self._sharpness),
            exposure=arr(self._exposure),
            luma=arr(self._luma),
            motion=arr(self._motion),
            changed=arr(self._changed),
            content=arr(self._content),
            dark=arr(self._dark),
        )
