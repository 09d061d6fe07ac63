"""What a media file's container and streams state: :class:`MediaInfo`, read from PyAV.

The facts are read from an open PyAV container (:func:`read_facts`) by the probe
(:mod:`.probe`: headers and the first frame) and by the full check (:mod:`.video_check`: the
start and the end decoded, so the duration and the frame-rate evenness are measured). Sizes are
stored pixels unless a name says display; times are seconds; rates are exact fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any


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


def read_facts(
    p: Path,
    container: Any,
    v: Any,
    *,
    rotation: int,
    video_duration_s: float | None = None,
    variable_frame_rate: bool | None = None,
) -> MediaInfo:
    """The facts of open ``container`` (file ``p``, video stream ``v`` or ``None``).

    ``video_duration_s`` and ``variable_frame_rate`` are measured ones when the caller decoded;
    otherwise the stream header's figure and the rates' disagreement stand in.
    """
    a = next(iter(container.streams.audio), None)
    duration = (container.duration or 0) / 1_000_000
    vcc = v.codec_context if v is not None else None
    acc = a.codec_context if a is not None else None
    avg = Fraction(v.average_rate) if v is not None and v.average_rate else None
    if variable_frame_rate is None:
        variable_frame_rate = rates_differ(avg, v.base_rate if v is not None else None)
    if video_duration_s is None and v is not None:
        video_duration_s = stream_duration(v)
    sar = v.sample_aspect_ratio if v is not None else None
    layout = layout_name(acc) if acc is not None else None
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


def layout_name(audio: Any) -> str | None:
    """``mono``, ``stereo``, ``5.1`` ...; PCM in AVI/WAV states no order ("2 channels"), and
    one or two unordered channels can only be mono or stereo, so they are named so."""
    name = audio.layout.name if audio.layout is not None else None
    channels = audio.channels
    if not name or name.endswith(" channels"):
        return {1: "mono", 2: "stereo"}.get(channels, name or f"{channels} channels")
    return str(name)


def rates_differ(average: Fraction | None, base: Any) -> bool:
    """The mean rate strays from the stream's nominal rate: frames are not evenly spaced."""
    if not average or not base:
        return False
    return abs(float(average) - float(base)) / float(base) > 0.01


def stream_duration(v: Any) -> float | None:
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


__all__ = ["MediaInfo", "layout_name", "rates_differ", "read_facts", "stream_duration"]
