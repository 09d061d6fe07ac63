"""Picking a clear frame near the end of a clip, to hand to the next clip as a reference.

The simple form of the workflow's keyframe rule: among the frames of the last ``window_s`` seconds,
take the sharpest (variance of a Laplacian), since blurry action frames make poor references.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shortfilm.errors import MediaError
from shortfilm.media.probe import open_checked


@dataclass(frozen=True)
class KeyframePick:
    time_ms: int
    """Milliseconds from the start of the clip."""
    sharpness: float
    """Variance of the Laplacian of the grey frame; higher is clearer."""
    image: Path


def sharpness(grey: NDArray[np.float32]) -> float:
    """Variance of a 4-neighbour Laplacian: a standard, cheap focus measure."""
    lap = (
        -4 * grey[1:-1, 1:-1] + grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
    )
    return float(lap.var())


def pick_keyframe(video: Path, dest: Path, *, window_s: float = 1.5, step: int = 3) -> KeyframePick:
    """Save the clearest frame of the last ``window_s`` seconds of ``video`` to ``dest`` (PNG).

    Every ``step``-th frame of the window is scored; ties go to the later frame, which joins
    the next clip more closely.
    """
    import av

    try:
        with open_checked(video) as container:
            stream = container.streams.video[0]
            duration = (container.duration or 0) / 1_000_000
            start = max(duration - window_s, 0.0)
            best: tuple[float, int, NDArray[np.uint8]] | None = None
            # Seek to a keyframe before the window instead of decoding the whole clip.
            if start > 1.0 and stream.time_base:
                container.seek(int((start - 1.0) / stream.time_base), stream=stream)
            for i, frame in enumerate(container.decode(stream)):
                t = float(frame.time or 0.0)
                if t < start or i % step:
                    continue
                rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                grey = rgb[::2, ::2].mean(axis=2, dtype=np.float32)
                score = sharpness(grey)
                if best is None or score >= best[0]:
                    best = (score, int(round(t * 1000)), rgb)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot decode for keyframe: {exc}", file=video) from exc
    if best is None:
        raise MediaError("no frames to pick a keyframe from", file=video)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp.png")
    Image.fromarray(best[2]).save(tmp)
    tmp.replace(dest)
    return KeyframePick(time_ms=best[1], sharpness=best[0], image=dest)
