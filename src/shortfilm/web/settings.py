"""What a running web app is configured with; ``shortfilm serve`` passes it through the
environment because each uvicorn worker process builds its own app."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
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
    max_form_bytes: int = 1024 * 1024
    """Largest body that is not an upload (a form post, a JSON API body), in bytes: 413 past
    it. 1 MiB holds every text field of a review at its longest, percent-encoded."""
    body_timeout_s: float = 300.0
    """Seconds the whole request body may take to arrive (408 after): a 200 MiB upload needs
    5.6 Mbit/s; a client trickling a body holds the connection no longer."""
    header_timeout_s: float = 10.0
    """Seconds the request line and headers may take to arrive on a connection that is not
    being answered (408 and closed after; an idle connection is closed)."""
    max_header_bytes: int = 16 * 1024
    """Largest request line plus headers, in bytes (431 past it), before the app sees them."""
    keep_alive_s: int = 5
    """Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``)."""
    media_limits: MediaLimits = UPLOAD_LIMITS
    """Largest picture, frame count, duration and image an upload may state (413 otherwise)."""
    qc_workers: int = DEFAULT_QC_WORKERS
    """QCs of uploaded takes running at once, in the background of each server process."""


def home_from_env() -> Path:
    home = os.environ.get(ENV_HOME)
    if not home:
        raise RuntimeError(f"{ENV_HOME} is not set: start the app with 'shortfilm serve'")
    return Path(home)


ENV_MAX_FORM = "SHORTFILM_WEB_MAX_FORM_BYTES"
ENV_BODY_TIMEOUT = "SHORTFILM_WEB_BODY_TIMEOUT_S"
ENV_HEADER_TIMEOUT = "SHORTFILM_WEB_HEADER_TIMEOUT_S"
ENV_MAX_HEADER = "SHORTFILM_WEB_MAX_HEADER_BYTES"
ENV_KEEP_ALIVE = "SHORTFILM_WEB_KEEP_ALIVE_S"


def limits_to_env(settings: Settings) -> dict[str, str]:
    """The variables that carry the request limits of ``settings`` to the worker processes."""
    return {
        ENV_MAX_FORM: str(settings.max_form_bytes),
        ENV_BODY_TIMEOUT: str(settings.body_timeout_s),
        ENV_HEADER_TIMEOUT: str(settings.header_timeout_s),
        ENV_MAX_HEADER: str(settings.max_header_bytes),
        ENV_KEEP_ALIVE: str(settings.keep_alive_s),
    }


def settings_from_env() -> Settings:
    raw = os.environ.get(ENV_MAX_UPLOAD)
    settings = Settings(max_upload_bytes=int(raw)) if raw else Settings()
    limits = os.environ.get(ENV_MEDIA_LIMITS, "")
    workers = os.environ.get(ENV_QC_WORKERS, "")
    env = os.environ.get
    return replace(
        settings,
        max_form_bytes=int(env(ENV_MAX_FORM, settings.max_form_bytes)),
        body_timeout_s=float(env(ENV_BODY_TIMEOUT, settings.body_timeout_s)),
        header_timeout_s=float(env(ENV_HEADER_TIMEOUT, settings.header_timeout_s)),
        max_header_bytes=int(env(ENV_MAX_HEADER, settings.max_header_bytes)),
        keep_alive_s=int(env(ENV_KEEP_ALIVE, settings.keep_alive_s)),
        media_limits=MediaLimits.parse(limits, base=UPLOAD_LIMITS, where=ENV_MEDIA_LIMITS),
        qc_workers=int(workers) if workers else DEFAULT_QC_WORKERS,
    )
