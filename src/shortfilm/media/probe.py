"""ffprobe-level facts about a media file, read with PyAV (the wheel ships no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shortfilm.errors import MediaError


@dataclass(frozen=True)
class MediaInfo:
    path: str
    duration_s: float
    """Container duration in seconds."""
    video_codec: str | None
    width: int
    height: int
    fps: Fraction | None
    video_frames: int | None
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    format_name: str

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(path: Path | str) -> MediaInfo:
    """Read container and stream facts of ``path``; :class:`MediaError` if it cannot be decoded."""
    import av

    p = Path(path)
    if not p.is_file():
        raise MediaError("no such file", file=p)
    try:
        with av.open(str(p)) as container:
            v = next(iter(container.streams.video), None)
            a = next(iter(container.streams.audio), None)
            duration = (container.duration or 0) / 1_000_000
            return MediaInfo(
                path=str(p),
                duration_s=float(duration),
                video_codec=v.codec_context.name if v else None,
                width=v.codec_context.width if v else 0,
                height=v.codec_context.height if v else 0,
                fps=Fraction(v.average_rate) if v and v.average_rate else None,
                video_frames=int(v.frames) if v and v.frames else None,
                audio_codec=a.codec_context.name if a else None,
                sample_rate=a.codec_context.sample_rate if a else None,
                channels=a.codec_context.channels if a else None,
                format_name=container.format.name,
            )
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read media: {exc}", file=p) from exc
