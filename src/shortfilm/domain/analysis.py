"""What one decode of a clip says about it, as plain values: the facts takes are judged by and
keyframes are chosen from (:func:`shortfilm.media.analysis.analyse` measures them).

Times are seconds from the first frame, on a constant-rate grid: frame ``i`` is at ``i / fps``.
Colours are CIELAB (D65 white): L 0..100, a and b about -128..127.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Lab = tuple[float, float, float]

Palette = tuple[tuple[Lab, float], ...]
"""Dominant colours with weights summing to 1, heaviest first."""

TIMELINE_PER_S = 4
"""Points per second of the sharpness timeline in :meth:`Analysis.to_json`."""


@dataclass(frozen=True)
class Span:
    """A stretch of time in seconds from the clip's first frame; ``end_s`` is exclusive."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def contains(self, t_s: float) -> bool:
        return self.start_s <= t_s < self.end_s

    def to_json(self) -> list[float]:
        return [round(self.start_s, 4), round(self.end_s, 4)]


def lab_to_hex(lab: Lab) -> str:
    """``#rrggbb`` of a CIELAB colour (clipped to the sRGB gamut), for people reading reports."""
    import cv2

    pixel = np.asarray([[lab]], dtype=np.float32)
    rgb = cv2.cvtColor(pixel, cv2.COLOR_Lab2RGB)[0, 0]
    r, g, b = (int(round(float(np.clip(c, 0.0, 1.0)) * 255)) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class AudioStats:
    """The first audio stream, measured in the analysis pass (EBU R128, ``ebur128=peak=true``)."""

    channels: int
    layout: str
    """ffmpeg's layout name: ``mono``, ``stereo``, ``5.1`` ... (the default one for the channel
    count when the file states none)."""
    integrated_lufs: float | None
    """Gated integrated loudness (LUFS); ``None`` when silent or shorter than 400 ms."""
    true_peak_dbtp: float | None
    """Highest 4x-oversampled peak over all channels (dBTP); ``None`` for digital silence."""
    silent: bool
    """Nothing reached the -70 LUFS absolute gate."""

    def to_json(self) -> dict[str, Any]:
        return {
            "channels": self.channels,
            "layout": self.layout,
            "integrated_lufs": self.integrated_lufs,
            "true_peak_dbtp": self.true_peak_dbtp,
            "silent": self.silent,
        }


@dataclass(frozen=True, eq=False)
class Analysis:
    """Facts of one clip. Per-frame arrays have ``frame_count`` entries; units as in
    :mod:`shortfilm.media.frame_metrics`. Not comparable with ``==`` (it holds arrays)."""

    path: str
    duration_s: float
    """Duration of the picture as analysed: ``frame_count / fps``."""
    fps: float
    width: int
    """Source width in pixels as displayed (rotation metadata applied, like every frame and
    image here; the per-frame measures do not depend on orientation)."""
    height: int
    frame_count: int
    times_s: NDArray[np.float64]
    sharpness: NDArray[np.float64]
    """Variance of the Laplacian of the grey analysis frame, (grey levels)^2; comparable
    across source sizes because the analysis frame's short side is fixed."""
    exposure: NDArray[np.float64]
    """0..1, 1 for a mid-grey mean with nothing clipped."""
    luma: NDArray[np.float64]
    """Mean grey level, 0..255."""
    motion: NDArray[np.float64]
    """Mean absolute grey change from the previous frame, 0..255; 0 for the first frame."""
    cuts_s: tuple[float, ...]
    """Start times of the first frames of new shots (hard cuts only, not dissolves)."""
    shots: tuple[Span, ...]
    """The shots between cuts, covering ``[0, duration_s)``."""
    frozen: tuple[Span, ...]
    """Stretches of at least 0.5 s where the picture does not change."""
    black: tuple[Span, ...]
    """Stretches of at least 0.25 s of black frames."""
    palette: Palette
    """Dominant colours of the clip in CIELAB, weights summing to 1, heaviest first."""
    first_frame: NDArray[np.uint8]
    """The first frame, RGB at the analysis size."""
    last_frame: NDArray[np.uint8]
    audio: AudioStats | None
    """``None`` when the file has no audio stream."""
    stills: Mapping[int, NDArray[np.uint8]] = field(default_factory=dict, repr=False)
    """Frame index to RGB analysis frame: the best frame of each quarter second (see
    :mod:`shortfilm.media.stills`), which keyframe candidates are chosen from. Converted to
    RGB when read."""

    @property
    def analysis_size(self) -> tuple[int, int]:
        """(width, height) of the analysis frames in pixels."""
        return int(self.first_frame.shape[1]), int(self.first_frame.shape[0])

    def sharpness_timeline(self, per_s: int = TIMELINE_PER_S) -> list[tuple[float, float]]:
        """Mean sharpness over consecutive windows of ``1 / per_s`` seconds: (start_s, value)."""
        step = max(1, int(round(self.fps / per_s)))
        return [
            (float(self.times_s[i]), float(self.sharpness[i : i + step].mean()))
            for i in range(0, self.frame_count, step)
        ]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary: clip facts, spans, palette, audio, medians of the per-frame
        measures and a sharpness timeline of about four points per second (no frame arrays)."""

        def median(values: NDArray[np.float64]) -> float:
            return round(float(np.median(values)), 3) if len(values) else 0.0

        return {
            "path": self.path,
            "duration_s": round(self.duration_s, 4),
            "fps": round(self.fps, 4),
            "width": self.width,
            "height": self.height,
            "frame_count": self.frame_count,
            "analysis_size": list(self.analysis_size),
            "cuts_s": [round(t, 4) for t in self.cuts_s],
            "shots": [s.to_json() for s in self.shots],
            "frozen": [s.to_json() for s in self.frozen],
            "black": [s.to_json() for s in self.black],
            "palette": [
                {"lab": [round(c, 2) for c in lab], "hex": lab_to_hex(lab), "weight": round(w, 4)}
                for lab, w in self.palette
            ],
            "sharpness_median": median(self.sharpness),
            "exposure_median": median(self.exposure),
            "luma_median": median(self.luma),
            "motion_median": median(self.motion),
            "sharpness_timeline": [
                [round(t, 3), round(v, 2)] for t, v in self.sharpness_timeline()
            ],
            "audio": self.audio.to_json() if self.audio else None,
        }


@dataclass(frozen=True)
class KeyframeCandidate:
    """One candidate frame of a take."""

    t_s: float
    """Time of the frame, seconds from the first frame."""
    score: float
    """0..1, relative within this take: quality over the take's best quality, with a face
    worth :data:`~shortfilm.media.keyframe_candidates.FACE_WEIGHT` of it when a detector ran."""
    sharpness: float
    """As :attr:`Analysis.sharpness`: variance of the Laplacian, (grey levels)^2."""
    exposure: float
    """0..1, as :attr:`Analysis.exposure`."""
    faces: int
    """Faces the detector found in the frame (0 when none was looked for)."""
    motion: float
    """Mean grey change (0..255) to the neighbouring frames, the larger of before and after."""
    path: Path | None = None
    """The thumbnail PNG (analysis size), when a destination was given."""
    full_path: Path | None = None
    """The source-resolution PNG, when asked for with ``full_size=True``."""
    faces_checked: bool = True
    """Whether a face detector looked at the frame (see
    :func:`~shortfilm.media.faces.default_face_detector`)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "t_s": round(self.t_s, 4),
            "score": round(self.score, 4),
            "sharpness": round(self.sharpness, 2),
            "exposure": round(self.exposure, 4),
            "faces": self.faces,
            "motion": round(self.motion, 3),
            "path": str(self.path) if self.path else None,
            "full_path": str(self.full_path) if self.full_path else None,
            "faces_checked": self.faces_checked,
        }
