"""Channel presets: the frame and encoding each publishing channel expects.

Two frames cover today's channels: 9:16 vertical (TikTok, Reels, Shorts) and 16:9 horizontal
(YouTube, web, X). Both are H.264 High / yuv420p with the index at the front (``+faststart``, so
playback starts before the download ends) and AAC-LC 48 kHz stereo. The frame rate is not part of a
preset: the film keeps its clips' rate (see :class:`shortfilm.media.render.RenderPlan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shortfilm.errors import InputError


@dataclass(frozen=True)
class SafeArea:
    """Fractions of the frame that platform UI covers, kept free of captions and titles."""

    top: float = 0.05
    bottom: float = 0.06
    left: float = 0.05
    right: float = 0.05


@dataclass(frozen=True)
class Preset:
    """One export format. Sizes in pixels (even, for yuv420p); ``crf`` 0-51, lower is better."""

    name: str
    width: int
    height: int
    safe: SafeArea = SafeArea()
    video_codec: str = "libx264"
    x264_preset: str = "veryfast"
    crf: int = 21
    profile: str = "high"
    pix_fmt: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    sample_rate: int = 48_000
    audio_channels: int = 2

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(f"preset {self.name}: size must be positive and even, got {self.size}")

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def is_vertical(self) -> bool:
        return self.height > self.width

    def video_args(self) -> list[str]:
        """ffmpeg output options for the video stream and the container (MP4)."""
        return [
            "-c:v",
            self.video_codec,
            "-preset",
            self.x264_preset,
            "-crf",
            str(self.crf),
            "-profile:v",
            self.profile,
            "-pix_fmt",
            self.pix_fmt,
            "-movflags",
            "+faststart",
        ]

    def audio_args(self) -> list[str]:
        """ffmpeg output options for the audio stream."""
        return [
            "-c:a",
            self.audio_codec,
            "-b:a",
            self.audio_bitrate,
            "-ar",
            str(self.sample_rate),
            "-ac",
            str(self.audio_channels),
        ]


VERTICAL = Preset(
    "vertical",
    1080,
    1920,
    # TikTok/Reels put the caption, handle and buttons over the bottom ~20% and the right ~15%.
    safe=SafeArea(top=0.10, bottom=0.20, left=0.08, right=0.15),
)
HORIZONTAL = Preset("horizontal", 1920, 1080)

PRESETS: dict[str, Preset] = {p.name: p for p in (VERTICAL, HORIZONTAL)}

CHANNELS: dict[str, Preset] = {
    "tiktok": VERTICAL,
    "reels": VERTICAL,
    "shorts": VERTICAL,
    "instagram": VERTICAL,
    "vertical": VERTICAL,
    "youtube": HORIZONTAL,
    "web": HORIZONTAL,
    "x": HORIZONTAL,
    "twitter": HORIZONTAL,
    "horizontal": HORIZONTAL,
}
"""Channel name (lower case) -> preset. Preset names map to themselves."""


def preset_for_channel(channel: str) -> Preset:
    """The preset of ``channel`` (case and spaces ignored); :class:`InputError` if unknown."""
    key = channel.strip().lower()
    try:
        return CHANNELS[key]
    except KeyError:
        known = ", ".join(sorted(CHANNELS))
        raise InputError(f"unknown channel {channel!r} (known: {known})") from None


def presets_for_channels(channels: Iterable[str]) -> list[Preset]:
    """The distinct presets the ``channels`` need, in order of first mention.

    ``["tiktok", "youtube", "reels"]`` -> ``[VERTICAL, HORIZONTAL]``: one export serves every
    channel sharing a frame. Raises :class:`InputError` on an unknown channel.
    """
    seen: dict[str, Preset] = {}
    for channel in channels:
        preset = preset_for_channel(channel)
        seen.setdefault(preset.name, preset)
    return list(seen.values())
