"""What a running web app is configured with; ``shortfilm serve`` passes it through the
environment because each uvicorn worker process builds its own app."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from shortfilm.media.limits import MediaLimits

ENV_HOME = "SHORTFILM_WEB_HOME"
ENV_MAX_UPLOAD = "SHORTFILM_WEB_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024
"""200 MiB: a 15 s 1080x1920 take at a generous bitrate fits many times over."""
ENV_MEDIA_LIMITS = "SHORTFILM_WEB_MEDIA_LIMITS"
ENV_QC_WORKERS = "SHORTFILM_WEB_QC_WORKERS"
UPLOAD_LIMITS = MediaLimits(
    max_width=4096,
    max_height=4096,
    max_frame_pixels=4096 * 2304,
    max_frames=7200,
    max_duration_s=120.0,
    max_image_pixels=50_000_000,
)
"""What an upload may be, by its headers: a take up to 4K (3840x2160 or 4096x2160, either way
up) and two minutes (7200 frames: 60 fps), a reference image up to 50 megapixels (a 48 MP phone
photo). A 4K take costs about 14 MB a decoded frame."""
DEFAULT_QC_WORKERS = 1
"""Uploaded takes whose QC runs at once in a server process (each decode uses every core)."""


@dataclass(frozen=True)
class Settings:
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    """Largest upload accepted, in bytes; a longer body is refused with 413 while it arrives."""
    media_limits: MediaLimits = UPLOAD_LIMITS
    """Largest picture, frame count, duration and image an upload may state (413 otherwise)."""
    qc_workers: int = DEFAULT_QC_WORKERS
    """QCs of uploaded takes running at once, in the background of each server process."""


def home_from_env() -> Path:
    home = os.environ.get(ENV_HOME)
    if not home:
        raise RuntimeError(f"{ENV_HOME} is not set: start the app with 'shortfilm serve'")
    return Path(home)


def settings_from_env() -> Settings:
    raw = os.environ.get(ENV_MAX_UPLOAD)
    settings = Settings(max_upload_bytes=int(raw)) if raw else Settings()
    limits = os.environ.get(ENV_MEDIA_LIMITS, "")
    workers = os.environ.get(ENV_QC_WORKERS, "")
    return dataclasses.replace(
        settings,
        media_limits=MediaLimits.parse(limits, base=UPLOAD_LIMITS, where=ENV_MEDIA_LIMITS),
        qc_workers=int(workers) if workers else DEFAULT_QC_WORKERS,
    )
