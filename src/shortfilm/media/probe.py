"""ffprobe-level facts about a media file, read with PyAV (the wheel ships no ffprobe).

Two depths: :func:`probe` reads the container and stream headers plus the first video frame
(the display rotation lives in frame side data); :func:`check_video` also decodes near the end,
because a header can promise seconds that are not in the file (a cut download, a truncated
MP4). Takes come from anywhere (any generator, stock footage, phones), so neither assumes a
frame rate, an aspect ratio or an audio layout.

Both compare the sizes the headers state with :class:`~shortfilm.media.limits.MediaLimits`
before the first frame is decoded, and hand the decoders the same pixel cap, so a small file
claiming a huge picture or hours of video is refused in milliseconds instead of costing
gigabytes (:class:`~shortfilm.media.limits.MediaTooLarge`). Messages name the file as the caller
shows it (``name``: an upload's own file name, never the server's temporary path).
"""

from __future__ import annotations

import codecs
import math
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.errors import InputError, MediaError
from shortfilm.media.limits import MediaLimits, MediaTooLarge, limits_from_env

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


@dataclass(frozen=True)
class MediaInfo:
    """Container and stream facts; sizes are stored pixels unless a name says display."""

    path: str
    duration_s: float
    """Container duration in seconds (the longest stream); 0.0 when the container has none."""
    video_codec: str | None
    width: int
    height: int
    fps: Fraction | None
    """Average frame rate (frames / duration); for a variable-rate clip, the mean."""
    video_frames: int | None
    """Frame count from the container index; ``None`` when it keeps none (WebM, MKV)."""
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    format_name: str
    """FFmpeg's demuxer name, e.g. ``mov,mp4,m4a,3gp,3g2,mj2`` or ``matroska,webm``."""
    container: str = ""
    """The short container name, e.g. ``mp4``, ``mov``, ``webm``, ``avi``."""
    video_profile: str | None = None
    """Codec profile, e.g. ``High`` (H.264) or ``422 HQ`` (ProRes)."""
    pixel_format: str | None = None
    """Decoded pixel layout, e.g. ``yuv420p``, ``yuv422p10le``."""
    sample_aspect_ratio: Fraction | None = None
    """Shape of one stored pixel (width/height); 1 for square pixels, ``None`` if unstated."""
    rotation: int = 0
    """Degrees counter-clockwise the player turns the picture (phones: 90 or -90), -180..180."""
    channel_layout: str | None = None
    """Audio layout name, e.g. ``mono``, ``stereo``, ``5.1``."""
    bit_rate: int | None = None
    """Overall bits per second of the file, when the container states or implies it."""
    video_duration_s: float | None = None
    """Seconds of picture: the stream header's figure, or the decoded end after :func:`check_video`
    (first frame to the end of the last frame). ``None`` when unknown."""
    variable_frame_rate: bool = False
    """Frame intervals differ (phones, screen recordings): timing must follow timestamps."""

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None and self.width > 0 and self.height > 0

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: non-square pixels stretched, a quarter turn applied."""
        width = self.width
        sar = self.sample_aspect_ratio
        if sar and sar != 1:
            width = max(1, round(self.width * sar))
        if abs(self.rotation) == 90:
            return self.height, width
        return width, self.height

    @property
    def display_aspect(self) -> Fraction | None:
        """Shown width over height (16/9, 9/16, 1, 4/3 ...); ``None`` without a picture."""
        w, h = self.display_size
        return Fraction(w, h) if w and h else None

    def describe(self) -> str:
        """One line for people and for a take's ``model``: ``mp4 h264 (High) 1920x1080``."""
        codec = self.video_codec or "no video"
        if self.video_profile:
            codec += f" ({self.video_profile})"
        return f"{self.container or self.format_name} {codec} {self.width}x{self.height}"

    def to_json(self) -> dict[str, Any]:
        """JSON-safe facts (rates as ``"30000/1001"`` strings plus a rounded float)."""
        w, h = self.display_size
        return {
            "container": self.container,
            "format_name": self.format_name,
            "duration_s": round(self.duration_s, 6),
            "video_duration_s": (
                round(self.video_duration_s, 6) if self.video_duration_s is not None else None
            ),
            "video_codec": self.video_codec,
            "video_profile": self.video_profile,
            "width": self.width,
            "height": self.height,
            "display_width": w,
            "display_height": h,
            "fps": str(self.fps) if self.fps else None,
            "fps_float": round(float(self.fps), 6) if self.fps else None,
            "variable_frame_rate": self.variable_frame_rate,
            "video_frames": self.video_frames,
            "pixel_format": self.pixel_format,
            "sample_aspect_ratio": (
                str(self.sample_aspect_ratio) if self.sample_aspect_ratio else None
            ),
            "rotation": self.rotation,
            "audio_codec": self.audio_codec,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "channel_layout": self.channel_layout,
            "bit_rate": self.bit_rate,
        }


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
        with _open(p, limits) as container:
            v = _video_stream(container)
            check_stated_size(container, v, limits, shown)
            rotation = _first_frame_rotation(container, v, limits) if decode_first else 0
            return _facts(p, container, v, rotation=rotation)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read media: {_ffmpeg_words(exc)}", file=shown) from exc


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
        with _open(p, limits) as container:
            v = _video_stream(container)
            check_stated_size(container, v, limits, str(p))
            return _first_frame_rotation(container, v, limits, threads=False)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read media: {_ffmpeg_words(exc)}", file=p) from exc


def _open(p: Path, limits: MediaLimits) -> Any:
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
    container = _open(p, limits)
    try:
        v = _video_stream(container)
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
    seconds = max((container.duration or 0) / 1_000_000, _stream_duration(v) or 0.0)
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
    first = next(_decode(container, v, limits, threads=threads), None)
    return _rotation(first) if first is not None else 0


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
        container = _open(p, limits)
    except av.error.FFmpegError as exc:
        raise InputError(f"{shown}: {_unreadable_reason(head)}") from exc
    try:
        with container:
            _refuse_still_image(shown, container, head)
            v = _video_stream(container)
            if v is None:
                raise InputError(f"{shown}: {_no_video_reason(container)}")
            check_stated_size(container, v, limits, shown)
            info, last = _decode_check(p, shown, container, v, limits)
            if last_frame is not None:
                _save_frame(last, info, last_frame)
    except av.error.FFmpegError as exc:
        # opened but not decodable at all (a damaged header, an unsupported codec)
        raise InputError(f"{shown}: cannot be decoded as video ({_ffmpeg_words(exc)})") from exc
    return info


# reading ----------------------------------------------------------------------------------------


def _video_stream(container: Any) -> Any:
    """The first real video stream: cover art in an audio file (attached picture) is not one."""
    from av.stream import Disposition

    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def _decode(container: Any, stream: Any, limits: MediaLimits, *, threads: bool = True) -> Any:
    """Frames of ``stream`` from the current position, with threads (decoding is the cost) and
    the pixel cap of ``limits`` (a frame over it is a decoding error, not an allocation)."""
    cc = stream.codec_context
    if not cc.is_open:
        if threads:
            stream.thread_type = "AUTO"
        cc.options = {**(cc.options or {}), **limits.decoder_options()}
    return container.decode(stream)


def _rotation(frame: Any) -> int:
    angle = frame.rotation
    return int(round(angle)) if angle else 0


_CONTAINER_EXTENSIONS = {"matroska": "mkv", "mpegts": "ts", "mpeg": "mpg", "asf": "wmv"}
"""Demuxer names that are not the file extension people know."""


def _short_container(format_name: str, suffix: str, extensions: set[str]) -> str:
    """``mp4`` for ``mov,mp4,m4a,...`` read from ``x.mp4``: the name a person calls it.

    Always usable as a file extension (``mkv``, not ``matroska``), whatever ``suffix`` was.
    """
    names = format_name.split(",")
    ext = suffix.lower().lstrip(".")
    if ext and (ext in names or ext in extensions):
        return ext
    return _CONTAINER_EXTENSIONS.get(names[0], names[0])


def _facts(
    p: Path,
    container: Any,
    v: Any,
    *,
    rotation: int,
    video_duration_s: float | None = None,
    variable_frame_rate: bool | None = None,
) -> MediaInfo:
    a = next(iter(container.streams.audio), None)
    duration = (container.duration or 0) / 1_000_000
    vcc = v.codec_context if v is not None else None
    acc = a.codec_context if a is not None else None
    avg = Fraction(v.average_rate) if v is not None and v.average_rate else None
    if variable_frame_rate is None:
        variable_frame_rate = _rates_differ(avg, v.base_rate if v is not None else None)
    if video_duration_s is None and v is not None:
        video_duration_s = _stream_duration(v)
    sar = v.sample_aspect_ratio if v is not None else None
    layout = _layout_name(acc) if acc is not None else None
    return MediaInfo(
        path=str(p),
        duration_s=float(duration),
        video_codec=vcc.name if vcc is not None else None,
        width=vcc.width if vcc is not None else 0,
        height=vcc.height if vcc is not None else 0,
        fps=avg,
        video_frames=int(v.frames) if v is not None and v.frames else None,
        audio_codec=acc.name if acc is not None else None,
        sample_rate=acc.sample_rate if acc is not None else None,
        channels=acc.channels if acc is not None else None,
        format_name=container.format.name,
        container=_short_container(
            container.format.name, p.suffix, set(container.format.extensions or ())
        ),
        video_profile=(v.profile or None) if v is not None else None,
        pixel_format=(vcc.pix_fmt or None) if vcc is not None else None,
        sample_aspect_ratio=Fraction(sar) if sar else None,
        rotation=rotation,
        channel_layout=layout or None,
        bit_rate=int(container.bit_rate) if container.bit_rate else None,
        video_duration_s=video_duration_s,
        variable_frame_rate=variable_frame_rate,
    )


def _layout_name(audio: Any) -> str | None:
    """``mono``, ``stereo``, ``5.1`` ...; PCM in AVI/WAV states no order ("2 channels"), and
    one or two unordered channels can only be mono or stereo, so they are named so."""
    name = audio.layout.name if audio.layout is not None else None
    channels = audio.channels
    if not name or name.endswith(" channels"):
        return {1: "mono", 2: "stereo"}.get(channels, name or f"{channels} channels")
    return str(name)


def _rates_differ(average: Fraction | None, base: Any) -> bool:
    """The mean rate strays from the stream's nominal rate: frames are not evenly spaced."""
    if not average or not base:
        return False
    return abs(float(average) - float(base)) / float(base) > 0.01


def _stream_duration(v: Any) -> float | None:
    """Seconds of picture the stream header states (MKV/WebM keep it as a ``DURATION`` tag)."""
    if v.duration and v.time_base:
        return float(v.duration * v.time_base)
    tag = (v.metadata or {}).get("DURATION")
    if isinstance(tag, str):
        try:
            hours, minutes, seconds = tag.split(":")
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        except ValueError:
            return None
    return None


# checking ---------------------------------------------------------------------------------------


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
    return f"has no video stream (audio only: {cc.name}, {_layout_name(cc)})"


def _ffmpeg_words(exc: Exception) -> str:
    """FFmpeg's reason without the C function name PyAV appends."""
    return str(getattr(exc, "strerror", None) or exc).strip()


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
        for frame in _decode(container, v, limits):
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
                f"({_ffmpeg_words(exc)}): the file is damaged"
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
        for tail, frame in enumerate(_decode(container, v, limits), 1):
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
        why = f" ({_ffmpeg_words(failure)})" if failure is not None else ""
        raise InputError(
            f"{shown}: is truncated or damaged: {got}, but the file promises {promised}{why}"
        )
    info = _facts(
        p,
        container,
        v,
        rotation=_rotation(first),
        video_duration_s=end - (start_times[0] if start_times else base),
        variable_frame_rate=(
            _rates_differ(Fraction(v.average_rate) if v.average_rate else None, v.base_rate)
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
    stated = _stream_duration(v)
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


def _save_frame(frame: Any, info: MediaInfo, dest: Path) -> None:
    """Write ``frame`` as a PNG at its display shape (atomic: a temp file, then rename)."""
    from PIL import Image

    image = frame.to_image()
    w, h = image.size
    sar = info.sample_aspect_ratio
    if sar and sar != 1:
        image = image.resize((max(1, round(w * sar)), h), Image.Resampling.BICUBIC)
    if info.rotation:
        turns = {90: Image.Transpose.ROTATE_90, -90: Image.Transpose.ROTATE_270}
        turn = turns.get(info.rotation)
        if turn is not None:
            image = image.transpose(turn)
        elif abs(info.rotation) == 180:
            image = image.transpose(Image.Transpose.ROTATE_180)
        elif not math.isclose(info.rotation % 360, 0):
            image = image.rotate(info.rotation, expand=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp.png")
    try:
        image.save(tmp)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
