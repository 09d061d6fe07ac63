"""Channel presets: the frame, encoding and limits each publishing channel expects.

Three frames cover the channels teams post to: 9:16 vertical (TikTok, Reels, Shorts), 16:9
horizontal (YouTube, web, X) and 1:1 square (feed posts). All are H.264 High / yuv420p with the
index at the front (``+faststart``, so playback starts before the download ends) and AAC-LC 48 kHz
stereo. The frame rate is not part of a preset: the film keeps its clips' rate (see
:class:`shortfilm.media.film.RenderPlan`).

Each preset also carries what its channels allow: the longest film (the strictest of the channels
it serves, so one export is postable everywhere it is meant for), the safe area text keeps to
(platform buttons and captions sit over the rest) and the integrated loudness it is mastered to.
A timeline longer than its preset allows is refused before any encoding
(:meth:`Preset.check_duration`): a platform rejects or cuts such an upload, which is worse to find
out after publishing than before rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shortfilm.errors import InputError


@dataclass(frozen=True)
class SafeArea:
    """Fractions of the frame that platform UI covers, kept free of captions and titles.

    Every text of a film, its title card and its cover is placed inside :meth:`box` by
    :func:`shortfilm.media.text_layout.solve`; a text that cannot fit there is refused.
    """

    top: float = 0.05
    bottom: float = 0.06
    left: float = 0.05
    right: float = 0.05

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The area text may use, in pixels: (left, top, right, bottom), right/bottom exclusive."""
        return (
            round(self.left * width),
            round(self.top * height),
            width - round(self.right * width),
            height - round(self.bottom * height),
        )


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
    max_duration_s: float = 600.0
    """Longest film the preset's channels accept (seconds); longer timelines are refused."""
    loudness_lufs: float = -14.0
    """Integrated loudness the export is mastered to (LUFS) unless the timeline names one."""

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

    def check_duration(self, seconds: float) -> None:
        """:class:`InputError` naming the preset when a film of ``seconds`` is too long for it."""
        if seconds > self.max_duration_s + 1e-9:
            raise InputError(
                f"preset {self.name}: the film is {seconds:.2f} s but its channels accept at most "
                f"{self.max_duration_s:g} s; shorten the timeline or drop the channel"
            )

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


# Figures as the platforms document them (checked 2026-11):
# - YouTube Shorts: up to 3 minutes since 15 Oct 2024 (support.google.com/youtube/answer/15424877).
# - Instagram Reels: up to 3 minutes since Jan 2025 (help.instagram.com, "Reels length").
# - TikTok: up to 10 minutes recorded or uploaded in the app (support.tiktok.com, "Upload videos").
# - YouTube, unverified account: 15 minutes (support.google.com/youtube/answer/71673).
# - Instagram / Facebook feed video: the square export is kept to 60 s so a feed post plays whole
#   (Instagram feed videos over 60 s are posted as Reels).
# Loudness: YouTube normalises playback to about -14 LUFS and TikTok / Instagram play near it, so
# every preset is mastered to -14 LUFS (true peak under -1 dBTP) unless the timeline names a target.
# Safe areas: the vertical players lay the caption, handle and music line over the bottom ~20-25 %,
# the like / comment / share column over the right ~12-15 % and the tabs bar over the top ~14 %;
# YouTube's player shows the progress bar and controls over the bottom ~10 %; a feed post is
# cropped little, so the square keeps a title-safe margin and room for the mute button.
VERTICAL = Preset(
    "vertical",
    1080,
    1920,
    safe=SafeArea(top=0.14, bottom=0.25, left=0.06, right=0.15),
    max_duration_s=180.0,  # Shorts and Reels: 3 min (TikTok allows 10)
)
HORIZONTAL = Preset(
    "horizontal",
    1920,
    1080,
    safe=SafeArea(top=0.05, bottom=0.10, left=0.05, right=0.05),
    max_duration_s=900.0,  # YouTube, unverified account: 15 min
)
SQUARE = Preset(
    "square",
    1080,
    1080,
    safe=SafeArea(top=0.06, bottom=0.10, left=0.06, right=0.06),
    max_duration_s=60.0,  # feed posts: 60 s
)

PRESETS: dict[str, Preset] = {p.name: p for p in (VERTICAL, HORIZONTAL, SQUARE)}

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
    "feed": SQUARE,
    "instagram-feed": SQUARE,
    "facebook": SQUARE,
    "linkedin": SQUARE,
    "square": SQUARE,
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
