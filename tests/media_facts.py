"""Facts about rendered media that tests assert on: decoded frames, luma and mono audio."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np

from shortfilm.media.ffmpeg import ffmpeg_exe

SAMPLE_RATE = 48_000


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def frames_at(path: Path, times_s: list[float]) -> list[np.ndarray]:
    """The first decoded frame at or after each time (seconds), in order."""
    wanted = sorted(times_s)
    found: list[np.ndarray] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if not wanted:
                break
            if float(frame.time or 0.0) >= wanted[0]:
                found.append(frame.to_ndarray(format="rgb24"))
                wanted.pop(0)
    return found


def luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))


def mono_audio(path: Path) -> np.ndarray:
    """The file's audio as mono float samples in -1..1 at :data:`SAMPLE_RATE`."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar",
         str(SAMPLE_RATE), "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def rms(audio: np.ndarray, start_s: float, end_s: float) -> float:
    seg = audio[round(start_s * SAMPLE_RATE) : round(end_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(seg**2)))
