"""A finished hosted take's last frame, as a PNG: the host's if it sends one, else decoded.

Seedance may send a last-frame URL (which can expire before the video's); Replicate sends none.
Either way the take needs the frame (the next clip may start from it), so an expired or missing
URL falls back to decoding the frame from the delivered video.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from shortfilm.errors import MediaError, ProviderError
from shortfilm.media.last_frame import extract_last_frame
from shortfilm.providers.durable import write_atomic

log = logging.getLogger("shortfilm.providers.hosted")
"""The hosted life cycle's logger: this is one of its steps."""

Download = Callable[[str, Path, str], Path]
"""Fetch a URL to a file (``url, dest, what``), resuming a broken transfer; the client's."""


def last_frame_png(
    download: Download, url: str | None, video: Path, last: Path, *, provider: str, job_id: str
) -> str:
    """The last frame as a PNG at ``last``: the host's (``"provider"``), else decoded from
    ``video`` (``"extracted"``), also when only the frame's URL has expired. A retryable
    download failure is raised (the frame may still come); :class:`MediaError` when the host's
    file is not an image."""
    if url:
        tmp = last.with_name(f".{uuid.uuid4().hex[:8]}.{last.name}.download")
        try:
            download(url, tmp, f"{provider} download of {job_id} last frame")
            _to_png(tmp, last)
            return "provider"
        except ProviderError as exc:
            if exc.retryable:
                raise
            log.warning("%s: %s; decoding the last frame from the video", provider, exc)
        finally:
            tmp.unlink(missing_ok=True)
    extract_last_frame(video, last)
    return "extracted"


def _to_png(src: Path, dest: Path) -> None:
    """Move ``src`` to ``dest`` as PNG (converting when the server sent another format)."""
    try:
        with Image.open(src) as img:
            img.load()
            if img.format == "PNG":
                os.replace(src, dest)
                return
            buf = io.BytesIO()
            img.save(buf, format="PNG")
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"last frame is not an image: {exc}", file=src) from exc
    write_atomic(dest, buf.getvalue())


__all__ = ["last_frame_png"]
