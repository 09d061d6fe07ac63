"""A video's last frame as a PNG: what a hosted take needs when its host sends none.

Replicate offers no last-frame URL, and a ModelArk last-frame URL may expire before the video's;
either way the frame is decoded from the delivered video. Only the last two seconds are decoded
when the container states its duration.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

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
