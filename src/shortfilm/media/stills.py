"""Keeping a clip's best frames while it streams past, so keyframes need no second decode.

The analysis pass sees every frame once. Instead of storing them all (a 15 s portrait take at
288x512 is 80 MB as I420) it keeps, for each stretch of ``bucket_s`` seconds, the one frame of
highest :func:`frame_quality`; keyframe candidates are then chosen among these stills. Memory is
bounded by ``max_stills`` frames (about 14 MB at 288x512), whatever the clip's length. Stills
stay in I420 and become RGB only when read (:class:`Stills`), since most are never looked at.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import numpy as np
from numpy.typing import NDArray

from shortfilm.media.frame_metrics import FrameMeasure
from shortfilm.media.yuv import planes, to_rgb

MOTION_SCALE = 8.0
"""Mean grey change (0..255) per frame at which a frame's quality is halved: a frame moving that
much is likely smeared in parts even where the sharpness measure does not show it."""

MIN_BUCKET_S = 0.25
MAX_STILLS = 64


def frame_quality(sharpness: float, exposure: float, motion: float) -> float:
    """How good a frame is as a reference image, in sharpness units (only ratios matter).

    Sharpness scaled down for poor exposure (a well exposed frame counts 4x a black one) and for
    motion (halved at :data:`MOTION_SCALE`).
    """
    return sharpness * (0.25 + 0.75 * exposure) / (1.0 + motion / MOTION_SCALE)


class StillKeeper:
    """The best frame of each ``bucket_s`` stretch of a clip, fed one frame at a time."""

    def __init__(
        self,
        fps: float,
        expected_frames: int,
        *,
        max_stills: int = MAX_STILLS,
        min_bucket_s: float = MIN_BUCKET_S,
    ) -> None:
        duration = max(expected_frames, 1) / fps
        self.fps = fps
        self.bucket_s = max(min_bucket_s, duration / max_stills)
        self.max_stills = max_stills
        self._best: dict[int, tuple[float, int, NDArray[np.uint8]]] = {}

    def offer(self, index: int, frame: NDArray[np.uint8], measure: FrameMeasure) -> None:
        """Consider frame ``index`` (any array; it is kept by reference, so do not reuse it) and
        keep it if it is the best so far of its stretch."""
        bucket = math.floor(index / self.fps / self.bucket_s)
        quality = frame_quality(measure.sharpness, measure.exposure, measure.motion)
        held = self._best.get(bucket)
        if held is None or quality > held[0]:
            if held is None and len(self._best) >= 2 * self.max_stills:
                return  # a clip far longer than its header said: keep memory bounded
            self._best[bucket] = (quality, index, frame)

    def kept(self) -> dict[int, NDArray[np.uint8]]:
        """Frame index to kept frame, in time order."""
        return {i: frame for _, i, frame in sorted(self._best.values(), key=lambda v: v[1])}


def upright(rgb: NDArray[np.uint8], rotation_deg: int) -> NDArray[np.uint8]:
    """``rgb`` turned as a player shows it: ``rotation_deg`` is the stream's display rotation
    (counter-clockwise degrees, as PyAV and :func:`shortfilm.media.probe.probe` report it)."""
    turns = (int(round(rotation_deg / 90.0))) % 4
    return rgb if turns == 0 else np.ascontiguousarray(np.rot90(rgb, k=turns))


class Stills(Mapping[int, NDArray[np.uint8]]):
    """Frame index to upright RGB frame (analysis size), converted from kept I420 frames on
    first read. ``matrix`` is the source's Y'CbCr matrix (``bt601``, ``bt709``, ``bt2020``),
    ``size`` the stored (unrotated) frame size and ``rotation_deg`` the display rotation."""

    def __init__(
        self,
        frames: Mapping[int, NDArray[np.uint8]],
        size: tuple[int, int],
        matrix: str,
        rotation_deg: int = 0,
    ) -> None:
        self._frames = dict(frames)
        self._size = size
        self._matrix = matrix
        self._rotation = rotation_deg
        self._rgb: dict[int, NDArray[np.uint8]] = {}

    def __getitem__(self, index: int) -> NDArray[np.uint8]:
        if index not in self._rgb:
            rgb = to_rgb(planes(self._frames[index], *self._size), self._matrix)
            self._rgb[index] = upright(rgb, self._rotation)
        return self._rgb[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)
