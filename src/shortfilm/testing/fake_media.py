"""The results the fake servers deliver: real H.264 (+AAC) videos, encoded once and kept.

A fake that answered with placeholder bytes would let a client pass that never decodes what
it paid for. So every fake delivers a real MP4 of the take's duration and (shrunken) size,
with a sine tone when sound was asked for, and its last frame as a PNG when the host offers
one; each is encoded once per folder and kept, so a test session pays for each once.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from shortfilm.testing.seedance_output import FPS

_ENCODE = threading.Lock()
"""One encode at a time: two fakes (or two handler threads) asking for one video wait for it."""


def result_video(
    folder: Path,
    prefix: str,
    duration: int,
    size: tuple[int, int],
    *,
    audio: bool,
    scale: float = 1.0,
    last_frame: bool = False,
) -> tuple[Path, Path | None]:
    """A real MP4 of ``duration`` s at ``size`` shrunk by ``scale`` (sides even, at least 16)
    in ``folder``, and its last frame as a PNG when ``last_frame``; encoded with the wheel's
    ffmpeg the first time and found by name afterwards."""
    from shortfilm.media.ffmpeg import run_ffmpeg

    w = max(16, round(size[0] * scale / 2) * 2)
    h = max(16, round(size[1] * scale / 2) * 2)
    stem = f"{prefix}-{duration}s-{w}x{h}-{'a' if audio else 's'}"
    video = folder / f"{stem}.mp4"
    png = folder / f"{stem}.last.png" if last_frame else None
    with _ENCODE:
        if video.is_file() and (png is None or png.is_file()):
            return video, png
        folder.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        tmp_video = folder / f".{tag}.{stem}.mp4"
        tmp_png = folder / f".{tag}.{stem}.png"
        args: list[str | Path] = ["-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={FPS}"]
        if audio:
            args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        args += ["-t", str(duration), "-map", "0:v:0"]
        if audio:
            args += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "64k"]
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        args += ["-movflags", "+faststart", "-f", "mp4", tmp_video]
        try:
            run_ffmpeg(args, what="fake result video", file=video)
            if png is not None:
                last_args: list[str | Path] = ["-sseof", "-0.5", "-i", tmp_video, "-update", "1"]
                last_args += ["-c:v", "png", "-f", "image2", tmp_png]
                run_ffmpeg(last_args, what="fake last frame", file=png)
                tmp_png.replace(png)
            tmp_video.replace(video)
        finally:
            tmp_video.unlink(missing_ok=True)
            tmp_png.unlink(missing_ok=True)
    return video, png
