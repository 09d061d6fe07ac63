"""What a running web app is configured with; ``shortfilm serve`` passes it through the
environment because each uvicorn worker process builds its own app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "SHORTFILM_WEB_HOME"
ENV_MAX_UPLOAD = "SHORTFILM_WEB_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024
"""200 MiB: a 15 s 1080x1920 take at a generous bitrate fits many times over."""


@dataclass(frozen=True)
class Settings:
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    """Largest upload accepted, in bytes; a longer body is refused with 413 while it arrives."""


def home_from_env() -> Path:
    home = os.environ.get(ENV_HOME)
    if not home:
        raise RuntimeError(f"{ENV_HOME} is not set: start the app with 'shortfilm serve'")
    return Path(home)


def settings_from_env() -> Settings:
    raw = os.environ.get(ENV_MAX_UPLOAD)
    return Settings(max_upload_bytes=int(raw)) if raw else Settings()
