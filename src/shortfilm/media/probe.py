"""ffprobe-level facts about a media file, read with PyAV (the wheel ships no ffprobe).

Two depths: :func:`probe` reads the container and stream headers plus the first video frame
(the display rotation lives in frame side data); :func:`~shortfilm.media.video_check.check_video`
also decodes near the end, because a header can promise seconds that are not in the file (a cut
download, a truncated MP4). Takes come from anywhere (any generator, stock footage, phones), so
neither assumes a frame rate, an aspect ratio or an audio layout.

Both compare the sizes the headers state with :class:`~shortfilm.media.limits.MediaLimits`
(:func:`check_stated_size`) before the first frame is decoded, and hand the decoders the same
pixel cap (:func:`open_capped`, :func:`decode_frames`), so a small file claiming a huge picture or
hours of video is refused in milliseconds instead of costing gigabytes
(:class:`~shortfilm.media.limits.MediaTooLarge`). Messages name the file as the caller shows it
(``name``: an upload's own file name, never the server's temporary path).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from shortfilm.errors import MediaError
from shortfilm.media.limits import MediaLimits, MediaTooLarge, limits_from_env
from shortfilm.media.stream_facts import MediaInfo, read_facts, stream_duration


def probe(
    path: Path | str,
    *,
    decode_first: bool = True,
    limits: MediaLimits | None = None,
    name: str | None = None,
) -> MediaInfo:
    """Read container and stream facts of ``path``; :class:`MediaError` if it cannot be decoded.

    Decodes the first video frame only (for its rotation): cheap at any size, never the whole
    file. A file without video (music) is fine here; :func:`check_video` is the strict gate.

    ``decode_first=False`` reads the headers alone, in about half the time (the first frame of
    a 1080x1920 take is a large keyframe: about 30 ms), and reports ``rotation`` as 0. It is for
    callers that start work needing only the headers and read the rotation with
    :func:`display_rotation` meanwhile (:func:`shortfilm.media.analysis.analyse` does, while
    its decode starts).

    A video over ``limits`` (default: :func:`~shortfilm.media.limits.limits_from_env`) by its
    headers raises :class:`~shortfilm.media.limits.MediaTooLarge` before any frame is decoded;
    ``name`` is how messages name the file (default: its path).
    """
    import av

    p = Path(path)
    shown = name or str(p)
    limits = limits or limits_from_env()
    if not p.is_file():
        raise MediaError("no such file", file=shown)
    try:
        with open_capped(p, limits) as container:
            v = video_stream(container)
            check_stated_size(container, v, limits, shown)
            rotation = _first_frame_rotation(container, v, limits) if decode_first else 0
            return read_facts(p, container, v, rotation=rotation)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read media: {ffmpeg_words(exc)}", file=shown) from exc


def display_rotation(path: Path | str, *, limits: MediaLimits | None = None) -> int:
    """The display rotation of ``path``'s first video stream (as :attr:`MediaInfo.rotation`),
    from its first frame, decoded on one thread; 0 when there is no video.

    Raises :class:`MediaError` naming the file if it cannot be read, and
    :class:`~shortfilm.media.limits.MediaTooLarge` for a frame over ``limits``.
    """
    import av

    p = Path(path)
    limits = limits or limits_from_env()
    try:
        with open_capped(p, limits) as container:
            v = video_stream(container)
            check_stated_size(container, v, limits, str(p))
            return _first_frame_rotation(container, v, limits, threads=False)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read media: {ffmpeg_words(exc)}", file=p) from exc


def open_capped(p: Path, limits: MediaLimits) -> Any:
    """``av.open`` with the pixel cap on the decoders that opening itself runs (FFmpeg decodes
    a few H.264 frames to learn a stream's delay: at 16000x16000 that alone is gigabytes)."""
    import av

    return av.open(str(p), options=limits.decoder_options())


def open_checked(path: Path | str, *, limits: MediaLimits | None = None) -> Any:
    """``av.open(path)`` for code that decodes frames itself (keyframes, thumbnails): the
    headers held to ``limits`` (default: :func:`~shortfilm.media.limits.limits_from_env`) first,
    the first video stream's decoder given their pixel cap. The caller closes it (``with``)."""
    p = Path(path)
    limits = limits or limits_from_env()
    container = open_capped(p, limits)
    try:
        v = video_stream(container)
        check_stated_size(container, v, limits, str(p))
        if v is not None:
            cc = v.codec_context
            cc.options = {**(cc.options or {}), **limits.decoder_options()}
    except BaseException:
        container.close()
        raise
    return container


def check_stated_size(container: Any, v: Any, limits: MediaLimits, shown: str) -> None:
    """:class:`~shortfilm.media.limits.MediaTooLarge` when the headers of the open
    ``container`` (video stream ``v``; ``None``: no video, nothing to check) state a picture,
    a frame count or a duration over ``limits``. Decodes nothing."""
    if v is None:
        return
    vcc = v.codec_context
    width, height = vcc.width or 0, vcc.height or 0
    limits.check_frame(shown, width, height)
    sar = v.sample_aspect_ratio
    if sar and sar != 1:  # a picture shown stretched is drawn at that size (the last frame's PNG)
        try:
            limits.check_frame(shown, max(1, round(width * sar)), height)
        except MediaTooLarge as exc:
            raise MediaTooLarge(f"{exc} (as shown: its pixels are {sar} wide)") from None
    seconds = max((container.duration or 0) / 1_000_000, stream_duration(v) or 0.0)
    frames = int(v.frames) if v.frames else None
    if frames is None and seconds and v.average_rate:
        frames = math.ceil(seconds * float(v.average_rate))
    limits.check_length(shown, frames=frames, seconds=seconds or None)


def _first_frame_rotation(
    container: Any, v: Any, limits: MediaLimits, *, threads: bool = True
) -> int:
    """Rotation of the first frame of stream ``v`` (0 without one). Without ``threads`` the one
    frame is decoded on a single thread: no faster, but it leaves the other cores alone."""
    if v is None:
        return 0
    if not threads:
        v.codec_context.thread_count = 1
    first = next(decode_frames(container, v, limits, threads=threads), None)
    return frame_rotation(first) if first is not None else 0


def video_stream(container: Any) -> Any:
    """The first real video stream: cover art in an audio file (attached picture) is not one."""
    from av.stream import Disposition

    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def decode_frames(container: Any, stream: Any, limits: MediaLimits, *, threads: bool = True) -> Any:
    """Frames of ``stream`` from the current position, with threads (decoding is the cost) and
    the pixel cap of ``limits`` (a frame over it is a decoding error, not an allocation)."""
    cc = stream.codec_context
    if not cc.is_open:
        if threads:
            stream.thread_type = "AUTO"
        cc.options = {**(cc.options or {}), **limits.decoder_options()}
    return container.decode(stream)


def frame_rotation(frame: Any) -> int:
    angle = frame.rotation
    return int(round(angle)) if angle else 0


def ffmpeg_words(exc: Exception) -> str:
    """FFmpeg's reason without the C function name PyAV appends."""
    return str(getattr(exc, "strerror", None) or exc).strip()


__all__ = [
    "check_stated_size",
    "decode_frames",
    "display_rotation",
    "ffmpeg_words",
    "frame_rotation",
    "open_capped",
    "open_checked",
    "probe",
    "video_stream",
]
