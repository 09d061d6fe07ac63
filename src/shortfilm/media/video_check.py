"""Proving a video is playable to its end: the strict gate for takes from anywhere.

:func:`check_video` opens a file, requires a video stream, decodes the first frames and (after a
seek) the last second, so a truncated or corrupt file is caught without decoding everything, and
says what is wrong in plain words (missing, empty, an image, text, no video, truncated). The
facts it returns are measured (:class:`~shortfilm.media.stream_facts.MediaInfo`), not promised.
"""

from __future__ import annotations

import codecs
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.errors import InputError
from shortfilm.media.last_frame import save_display_frame
from shortfilm.media.limits import MediaLimits, MediaTooLarge, limits_from_env
from shortfilm.media.probe import (
    check_stated_size,
    decode_frames,
    ffmpeg_words,
    frame_rotation,
    open_capped,
    video_stream,
)
from shortfilm.media.stream_facts import (
    MediaInfo,
    layout_name,
    rates_differ,
    read_facts,
    stream_duration,
)

_IMAGE_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"WEBP", 8, "WebP"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
)
"""Still-image signatures (bytes, offset, name): ffmpeg opens these as one-frame "videos"."""

_HEAD = 4096
"""Bytes read from the start of a file to recognise images, text and ISO media headers."""

_START_FRAMES = 12
"""Frames decoded at the start: enough to see a variable frame rate, cheap for any size."""

_TAIL_S = 1.0
"""Seconds before the end that :func:`check_video` seeks to (then decodes to the end)."""


_HEAD = 4096
"""Bytes read from the start of a file to recognise images, text and ISO media headers."""

_START_FRAMES = 12
"""Frames decoded at the start: enough to see a variable frame rate, cheap for any size."""

_TAIL_S = 1.0
"""Seconds before the end that :func:`check_video` seeks to (then decodes to the end)."""


def check_video(
    path: Path | str,
    *,
    last_frame: Path | None = None,
    limits: MediaLimits | None = None,
    name: str | None = None,
) -> MediaInfo:
    """Prove ``path`` is a playable video to its end; return its facts (measured, not promised).

    Opens it, requires a video stream, decodes the first frames and (after a seek) the last
    second, so a truncated or corrupt file is caught without decoding everything. When
    ``last_frame`` is given the last frame is written there as a PNG, as a person would see it
    (non-square pixels stretched, rotation applied).

    Raises :class:`InputError` (exit 2) naming the file (as ``name``, default its path) and
    saying what is wrong in plain words: missing, empty, an image, text, no video stream,
    truncated or unreadable; :class:`~shortfilm.media.limits.MediaTooLarge` when the headers
    state, or the decode meets, more than ``limits`` allow (default:
    :func:`~shortfilm.media.limits.limits_from_env`), before that much is decoded.
    """
    import av

    p = Path(path)
    shown = name or str(p)
    limits = limits or limits_from_env()
    head = _head(p, shown)
    try:
        container = open_capped(p, limits)
    except av.error.FFmpegError as exc:
        raise InputError(f"{shown}: {_unreadable_reason(head)}") from exc
    try:
        with container:
            _refuse_still_image(shown, container, head)
            v = video_stream(container)
            if v is None:
                raise InputError(f"{shown}: {_no_video_reason(container)}")
            check_stated_size(container, v, limits, shown)
            info, last = _decode_check(p, shown, container, v, limits)
            if last_frame is not None:
                save_display_frame(
                    last,
                    last_frame,
                    sample_aspect_ratio=info.sample_aspect_ratio,
                    rotation=info.rotation,
                )
    except av.error.FFmpegError as exc:
        # opened but not decodable at all (a damaged header, an unsupported codec)
        raise InputError(f"{shown}: cannot be decoded as video ({ffmpeg_words(exc)})") from exc
    return info


def _head(p: Path, shown: str) -> bytes:
    """The first bytes of ``p``, refusing a missing, unreadable or empty file by name."""
    if not p.exists():
        raise InputError(f"{shown}: no such file")
    if p.is_dir():
        raise InputError(f"{shown}: is a folder, not a video file")
    try:
        with p.open("rb") as f:
            head = f.read(_HEAD)
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read: {exc.strerror or exc}") from exc
    if not head:
        raise InputError(f"{shown}: is empty (0 bytes), not a video")
    return head


def _image_kind(head: bytes) -> str | None:
    for magic, offset, name in _IMAGE_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if name == "WebP" and not head.startswith(b"RIFF"):
                continue
            return name
    return None


def _is_iso_media(head: bytes) -> bool:
    """MP4/MOV family: an ``ftyp`` box first (``moov``/``mdat`` first in some old QuickTime)."""
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")


def _looks_like_text(head: bytes) -> bool:
    try:  # incremental: a character cut at the end of ``head`` is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _unreadable_reason(head: bytes) -> str:
    """Why ffmpeg could not open a file, guessed from its first bytes, in a person's words."""
    image = _image_kind(head)
    if image:
        return f"is an image ({image}), not a video"
    if _is_iso_media(head):
        return (
            "is an incomplete or damaged MP4/MOV: its index (the moov atom) is missing or "
            "broken, as when a copy, download or recording was cut off"
        )
    if _looks_like_text(head):
        return "is a text file, not a video"
    return "is not a video ffmpeg can read (unknown or damaged data)"


def _refuse_still_image(shown: str, container: Any, head: bytes) -> None:
    name = container.format.name
    image = _image_kind(head)
    if image or name == "image2" or name.endswith("_pipe"):
        kind = image or name.removesuffix("_pipe").upper()
        raise InputError(f"{shown}: is an image ({kind}), not a video")


def _no_video_reason(container: Any) -> str:
    audio = next(iter(container.streams.audio), None)
    if audio is None:
        return "has no video stream"
    cc = audio.codec_context
    return f"has no video stream (audio only: {cc.name}, {layout_name(cc)})"


def _decode_check(
    p: Path, shown: str, container: Any, v: Any, limits: MediaLimits
) -> tuple[MediaInfo, Any]:
    """Decode the first frames and the last second; return the facts and the last frame.

    Decoding errors are judged by where they happen: one before the picture reaches (nearly)
    the stated end means the file is cut short or damaged; a bad packet in the final moments of
    an otherwise whole file is tolerated, as players do. Without a stated end (an MKV with
    audio and no duration tag) any decoding error counts.

    The tail run decodes from a second before the stated end to the real one: a header that
    understates the length would make that the whole file, so it stops with
    :class:`~shortfilm.media.limits.MediaTooLarge` once it passes ``limits``' frames or seconds.
    """
    import av

    start_times: list[float] = []
    first = None
    decoded = 0
    try:
        for frame in decode_frames(container, v, limits):
            _check_decoded(frame, limits, shown)
            first = first or frame
            decoded += 1
            if frame.time is not None:
                start_times.append(float(frame.time))
            if decoded >= _START_FRAMES:
                break
    except av.error.FFmpegError as exc:
        if first is None:
            raise InputError(
                f"{shown}: has a video stream, but its first frame does not decode "
                f"({ffmpeg_words(exc)}): the file is damaged"
            ) from exc
        decoded = -1  # stopped by damage, not by the end: the tail check below says so
    if first is None:
        raise InputError(f"{shown}: has a video stream, but no frame decodes: the file is damaged")
    if decoded == 1:  # the whole stream was one frame
        raise InputError(f"{shown}: holds a single frame (a still image), not a video")
    stated_end = _stated_video_end(container, v)
    base = float(v.start_time * v.time_base) if v.start_time and v.time_base else 0.0
    seek_end = stated_end or (base + container.duration / 1_000_000 if container.duration else 0.0)
    last = None
    tail_times: list[float] = []
    failure: Exception | None = None
    try:
        # always seek, even to the start: the first run may have used up a short clip
        target = max(seek_end - _TAIL_S, base)
        container.seek(int(target / v.time_base) if v.time_base else 0, stream=v, backward=True)
        for tail, frame in enumerate(decode_frames(container, v, limits), 1):
            _check_decoded(frame, limits, shown)
            limits.check_length(shown, frames=tail, seconds=frame.time)
            last = frame
            if frame.time is not None:
                tail_times = [*tail_times[-_START_FRAMES:], float(frame.time)]
    except av.error.FFmpegError as exc:
        failure = exc
    end = _frame_end(last, v) if last is not None else None
    if stated_end is None:  # nothing to measure against: any decoding error is a fault
        whole = failure is None
    else:
        whole = end is not None and end >= stated_end - _slack(stated_end)
    if last is None or end is None or not whole:
        got = f"the picture stops at {end - base:.2f} s" if end is not None else "no frame decodes"
        promised = f"{stated_end - base:.2f} s" if stated_end is not None else "more"
        why = f" ({ffmpeg_words(failure)})" if failure is not None else ""
        raise InputError(
            f"{shown}: is truncated or damaged: {got}, but the file promises {promised}{why}"
        )
    info = read_facts(
        p,
        container,
        v,
        rotation=frame_rotation(first),
        video_duration_s=end - (start_times[0] if start_times else base),
        variable_frame_rate=(
            rates_differ(Fraction(v.average_rate) if v.average_rate else None, v.base_rate)
            or _uneven([start_times, tail_times])
        ),
    )
    return info, last


def _check_decoded(frame: Any, limits: MediaLimits, shown: str) -> None:
    """A decoded frame over the limits (a header that lied, and a decoder that let it through)
    is refused like a stated one."""
    try:
        limits.check_frame(shown, frame.width, frame.height)
    except MediaTooLarge as exc:
        raise MediaTooLarge(f"{exc} (decoded, though the header said less)") from None


def _stated_video_end(container: Any, v: Any) -> float | None:
    """Where the header says the picture ends (seconds on the stream's clock), if it says.

    The container duration stands in only when there is no audio: with audio it may be the
    sound's length, and a shorter picture is not a fault.
    """
    start = float(v.start_time * v.time_base) if v.start_time and v.time_base else 0.0
    stated = stream_duration(v)
    if stated is not None:
        return start + stated
    if container.duration and not container.streams.audio:
        return start + float(container.duration) / 1_000_000
    return None


def _slack(stated_end: float) -> float:
    """How far short of the stated end the picture may stop (rounding, edit lists, last GOP)."""
    return max(0.5, 0.05 * stated_end)


def _frame_end(frame: Any, v: Any) -> float:
    """Seconds at which ``frame`` stops showing (its time plus its duration)."""
    start = float(frame.time or 0.0)
    if frame.duration and frame.time_base:
        return start + float(frame.duration * frame.time_base)
    if v.average_rate:
        return start + 1 / float(v.average_rate)
    return start


def _uneven(runs: list[list[float]]) -> bool:
    """Frame intervals inside the decoded runs differ by more than 5 % (variable frame rate)."""
    steps = [b - a for run in runs for a, b in zip(run, run[1:], strict=False) if b > a]
    if len(steps) < 2:
        return False
    return (max(steps) - min(steps)) / min(steps) > 0.05


__all__ = ["check_video"]
