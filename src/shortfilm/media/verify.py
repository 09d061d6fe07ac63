"""Check a written export against what its timeline and preset promise, before anyone posts it.

A render can be wrong without ffmpeg failing: a clip whose audio ends early leaves the sound short
of the picture, a loudness pass that could not reach its target leaves the film quiet or clipping,
a filter graph that drops a frame makes the film a frame short. :func:`verify` reads the file back
(PyAV for the streams, ``ebur128`` for loudness) and lists every way it falls short, in words a
person can act on. An empty list is a pass.

What is checked (tolerances in brackets):

- length: the video lasts the timeline's frames at its rate [one frame];
- video: H.264, the preset's size, the timeline's rate [0.1 %], ``yuv420p``;
- audio: AAC, stereo, 48 kHz, as long as the video [one frame or 1024 samples, whichever is more];
- loudness: integrated within 1 LU of the target, true peak at most -1 dBTP; for a film with no
  sound at all (``silent``: no take audio, effect or music) the track must be digital silence
  instead, since there is nothing to master.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.errors import MediaError
from shortfilm.media.loudness import Loudness, measure
from shortfilm.media.presets import Preset

LOUDNESS_TOLERANCE_LU = 1.0
"""How far integrated loudness may sit from its target (LU)."""

MAX_TRUE_PEAK_DBTP = -1.0
"""Highest true peak accepted (dBTP): lossy decoding on phones overshoots peaks above it."""

AAC_FRAME_SAMPLES = 1024
"""Samples in one AAC frame: audio can only end on such a boundary."""

SILENCE_DBTP = -90.0
"""Highest true peak of a film with no sound (dBTP): AAC keeps digital silence at zero, so
anything above this is sound that should not be there."""


def _finite(value: float) -> float | None:
    """``value`` rounded for the checks' JSON; ``None`` for the -inf peak of digital silence."""
    return round(value, 2) if math.isfinite(value) else None


@dataclass(frozen=True)
class StreamFacts:
    """What the file holds, read back from its streams."""

    video_codec: str | None
    width: int
    height: int
    pix_fmt: str | None
    fps: Fraction | None
    video_frames: int
    audio_codec: str | None
    sample_rate: int
    channels: int
    audio_samples: int

    @property
    def video_s(self) -> Fraction:
        """Seconds of picture: frames over the stream's rate (0 without a rate)."""
        return Fraction(self.video_frames) / self.fps if self.fps else Fraction(0)

    @property
    def audio_s(self) -> Fraction:
        """Seconds of decoded sound (priming samples dropped by the decoder)."""
        return Fraction(self.audio_samples, self.sample_rate) if self.sample_rate else Fraction(0)


@dataclass(frozen=True)
class Verification:
    """The outcome: ``reasons`` is empty for a pass; ``measured`` holds the figures either way."""

    reasons: tuple[str, ...]
    measured: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def status(self) -> str:
        """``passed`` or ``failed``, as the render row records it."""
        return "passed" if self.passed else "failed"

    def to_json(self) -> dict[str, Any]:
        """``{"reasons": [...], "measured": {...}}``, what the render row's ``checks`` holds."""
        return {"reasons": list(self.reasons), "measured": dict(self.measured)}


def read_streams(path: Path) -> StreamFacts:
    """Stream facts of the file at ``path``; counts every video packet and decodes the audio.

    Counting beats trusting headers here: a header states what the muxer was told, the packets
    are what a player gets. :class:`MediaError` for a file PyAV cannot open.
    """
    import av

    try:
        with av.open(str(path)) as container:
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            frames = 0
            if video is not None:
                frames = sum(1 for p in container.demux(video) if p.size)
            samples = 0
            if audio is not None:
                container.seek(0)
                for frame in container.decode(audio):
                    samples += frame.samples
            rate = video.average_rate if video is not None else None
            return StreamFacts(
                video_codec=video.codec_context.name if video is not None else None,
                width=video.codec_context.width if video is not None else 0,
                height=video.codec_context.height if video is not None else 0,
                pix_fmt=video.codec_context.pix_fmt if video is not None else None,
                fps=Fraction(rate) if rate else None,
                video_frames=frames,
                audio_codec=audio.codec_context.name if audio is not None else None,
                sample_rate=audio.codec_context.sample_rate if audio is not None else 0,
                channels=audio.codec_context.channels if audio is not None else 0,
                audio_samples=samples,
            )
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read the render back: {exc}", file=path) from exc


def verify(
    path: Path,
    preset: Preset,
    *,
    duration: Fraction,
    fps: Fraction,
    lufs: float,
    loudness: Loudness | None = None,
    silent: bool = False,
) -> Verification:
    """Check the export at ``path`` against ``preset``, the timeline's ``duration`` (seconds) and
    rate ``fps``, and the loudness target ``lufs`` (LUFS).

    ``loudness`` is the file's measurement when the caller already made one (the renderer does);
    otherwise it is measured here. ``silent``: the timeline has no sound at all
    (:attr:`~shortfilm.media.film.FilmTimeline.silent`), so the track must be silent rather than
    at ``lufs``. Never raises for a bad render, only for an unreadable file.
    """
    facts = read_streams(Path(path))
    level = loudness if loudness is not None else measure(path)
    frame_s = 1 / Fraction(fps)
    reasons: list[str] = []

    if abs(facts.video_s - duration) > frame_s:
        reasons.append(
            f"video lasts {float(facts.video_s):.3f} s ({facts.video_frames} frames), the "
            f"timeline {float(duration):.3f} s: more than one frame apart"
        )
    if facts.video_codec != "h264":
        reasons.append(f"video codec is {facts.video_codec}, expected h264")
    if (facts.width, facts.height) != preset.size:
        reasons.append(
            f"video is {facts.width}x{facts.height}, preset {preset.name} is "
            f"{preset.width}x{preset.height}"
        )
    if facts.fps is None or abs(facts.fps - fps) / fps > Fraction(1, 1000):
        shown = f"{float(facts.fps):.3f}" if facts.fps else "unknown"
        reasons.append(f"video rate is {shown} fps, the timeline's {float(fps):.3f}")
    if facts.pix_fmt != preset.pix_fmt:
        reasons.append(f"pixel format is {facts.pix_fmt}, expected {preset.pix_fmt}")
    if facts.audio_codec != "aac":
        reasons.append(f"audio codec is {facts.audio_codec}, expected aac")
    if facts.channels != preset.audio_channels:
        reasons.append(f"audio has {facts.channels} channels, expected {preset.audio_channels}")
    if facts.sample_rate != preset.sample_rate:
        reasons.append(f"audio is {facts.sample_rate} Hz, expected {preset.sample_rate}")
    slack = max(frame_s, Fraction(AAC_FRAME_SAMPLES, preset.sample_rate))
    if facts.audio_codec is not None and abs(facts.audio_s - facts.video_s) > slack:
        reasons.append(
            f"audio lasts {float(facts.audio_s):.3f} s, video {float(facts.video_s):.3f} s: "
            f"more than {float(slack) * 1000:.0f} ms apart"
        )
    if silent:
        if math.isfinite(level.true_peak_dbtp) and level.true_peak_dbtp > SILENCE_DBTP:
            reasons.append(
                f"the film has no sound, but its track peaks at {level.true_peak_dbtp:.1f} dBTP"
            )
    elif abs(level.integrated_lufs - lufs) > LOUDNESS_TOLERANCE_LU:
        reasons.append(
            f"integrated loudness {level.integrated_lufs:.1f} LUFS is more than "
            f"{LOUDNESS_TOLERANCE_LU:g} LU from the target {lufs:g} LUFS"
        )
    if not silent and level.true_peak_dbtp > MAX_TRUE_PEAK_DBTP:
        reasons.append(
            f"true peak {level.true_peak_dbtp:.1f} dBTP is above {MAX_TRUE_PEAK_DBTP:g} dBTP"
        )
    measured: dict[str, Any] = {
        "video_s": round(float(facts.video_s), 4),
        "video_frames": facts.video_frames,
        "timeline_s": round(float(duration), 4),
        "video_codec": facts.video_codec,
        "size": f"{facts.width}x{facts.height}",
        "fps": str(facts.fps) if facts.fps else None,
        "pix_fmt": facts.pix_fmt,
        "audio_codec": facts.audio_codec,
        "sample_rate": facts.sample_rate,
        "channels": facts.channels,
        "audio_s": round(float(facts.audio_s), 4),
        "integrated_lufs": _finite(level.integrated_lufs),
        "target_lufs": None if silent else lufs,
        "true_peak_dbtp": _finite(level.true_peak_dbtp),
        "lra": _finite(level.lra),
        "silent": silent,
    }
    return Verification(tuple(reasons), measured)
