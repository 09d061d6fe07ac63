"""A video's last frame as a PNG: what a hosted take needs when its host sends none.

Replicate offers no last-frame URL, and a ModelArk last-frame URL may expire before the video's;
either way the frame is decoded from the delivered video. Only the last two seconds are decoded
when the container states its duration.

:func:`save_display_frame` writes a frame already decoded (by the full check of an imported
take) at the shape a person sees: non-square pixels stretched, the rotation applied.
"""

from __future__ import annotations

import io
import math
import os
import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image

from shortfilm.errors import MediaError


def extract_last_frame(video: Path, dest: Path) -> Path:
    """Decode the last frame of ``video`` with PyAV and write it to ``dest`` as PNG.

    :class:`MediaError` naming ``video`` when it cannot be decoded or holds no frame; ``dest``
    is written atomically (whole or absent).
    """
    import av

    last = None
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            if container.duration and container.duration > 2_000_000:
                container.seek(container.duration - 2_000_000)
            for frame in container.decode(stream):
                last = frame
        if last is None:
            with av.open(str(video)) as container:
                for frame in container.decode(video=0):
                    last = frame
    except (av.error.FFmpegError, IndexError) as exc:
        raise MediaError(f"cannot decode the last frame: {exc}", file=video) from exc
    if last is None:
        raise MediaError("video has no frames", file=video)
    buf = io.BytesIO()
    image: Image.Image = last.to_image()  # type: ignore[no-untyped-call]
    image.save(buf, format="PNG")
    tmp = dest.with_name(f".{uuid.uuid4().hex[:8]}.{dest.name}.partial")
    try:
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def save_display_frame(
    frame: Any, dest: Path, *, sample_aspect_ratio: Fraction | None, rotation: int
) -> None:
    """Write a decoded PyAV ``frame`` as a PNG at its display shape, as a person would see it:
    non-square pixels (``sample_aspect_ratio``, width over height) stretched, ``rotation``
    (degrees counter-clockwise) applied. Atomic: a temporary file, then a rename."""
    image = frame.to_image()
    w, h = image.size
    sar = sample_aspect_ratio
    if sar and sar != 1:
        image = image.resize((max(1, round(w * sar)), h), Image.Resampling.BICUBIC)
    if rotation:
        turns = {90: Image.Transpose.ROTATE_90, -90: Image.Transpose.ROTATE_270}
        turn = turns.get(rotation)
        if turn is not None:
            image = image.transpose(turn)
        elif abs(rotation) == 180:
            image = image.transpose(Image.Transpose.ROTATE_180)
        elif not math.isclose(rotation % 360, 0):
            image = image.rotate(rotation, expand=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp.png")
    try:
        image.save(tmp)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
