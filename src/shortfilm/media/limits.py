"""How big a picture or how long a video shortfilm agrees to decode, checked from headers first.

A few hundred kilobytes of compressed data can claim a 16000x16000 picture or a video hours long;
decoding it costs gigabytes of memory and minutes of CPU. So every entry point that decodes
media a person hands in (web uploads, ``qc VIDEO``, ``keyframes VIDEO``, ``take import``,
``board add-reference``) and the QC of every take compares the sizes the container and stream
headers state with :class:`MediaLimits` **before** decoding anything, and the decoders get the
same pixel cap (libavcodec's ``max_pixels``) in case a header lies about what follows.

The command line reads its limits from :data:`ENV_LIMITS` (default :data:`DEFAULT_LIMITS`);
``shortfilm serve`` has its own, stricter ones for uploads (:mod:`shortfilm.web.settings`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import ClassVar

from shortfilm.errors import InputError

ENV_LIMITS = "SHORTFILM_MEDIA_LIMITS"
"""Limits for the command line, as :meth:`MediaLimits.parse` reads them:
``width=8192,height=8192,frame_pixels=35389440,frames=54000,seconds=900,image_pixels=64000000``
(any subset; the rest keep their defaults)."""


class MediaTooLarge(InputError):
    """Media whose stated (or decoded) size is over a :class:`MediaLimits` limit; nothing of it
    was decoded past the point where that showed. Bad input: exit 2 at the command line, 413 on
    the web."""


@dataclass(frozen=True)
class MediaLimits:
    """The largest media decoded; every field is a hard limit, checked from headers first."""

    max_width: int = 8192
    """Stored picture width in pixels (8K UHD is 7680)."""
    max_height: int = 8192
    """Stored picture height in pixels (a portrait 8K frame is 7680 high)."""
    max_frame_pixels: int = 7680 * 4320
    """Pixels of one video frame (width x height): 8K UHD, about 50 MB per decoded frame."""
    max_frames: int = 54_000
    """Video frames: fifteen minutes at 60 fps (a take is seconds, a finished film at most what
    its longest channel takes)."""
    max_duration_s: float = 900.0
    """Seconds of video (the longest of container and stream, as stated or as decoded): the
    longest film a channel preset takes (YouTube's 15 minutes), so every film shortfilm may
    render can be read back, published and turned into variants."""
    max_image_pixels: int = 64_000_000
    """Pixels of a still image (width x height): 8000x8000, about 190 MB decoded as RGB."""

    _FIELDS: ClassVar[dict[str, str]] = {
        "width": "max_width",
        "height": "max_height",
        "frame_pixels": "max_frame_pixels",
        "frames": "max_frames",
        "seconds": "max_duration_s",
        "image_pixels": "max_image_pixels",
    }

    def __post_init__(self) -> None:
        for short, attr in self._FIELDS.items():
            if not getattr(self, attr) > 0:
                raise InputError(f"media limit {short}: must be more than 0")

    @classmethod
    def parse(cls, text: str, *, base: MediaLimits | None = None, where: str = "") -> MediaLimits:
        """Limits from ``width=4096,seconds=120,...`` over ``base`` (default: the defaults);
        :class:`InputError` naming ``where`` for an unknown name or a value that is no number."""
        start = base or cls()
        changes: dict[str, float | int] = {}
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            name, _, raw = item.partition("=")
            attr = cls._FIELDS.get(name.strip())
            if attr is None:
                known = ", ".join(cls._FIELDS)
                raise InputError(f"{where or 'media limits'}: no limit {name!r} (known: {known})")
            try:
                changes[attr] = float(raw) if attr == "max_duration_s" else int(raw)
            except ValueError:
                raise InputError(
                    f"{where or 'media limits'}: {name.strip()}={raw!r} is not a number"
                ) from None
        return dataclasses.replace(start, **changes)  # type: ignore[arg-type]

    def to_text(self) -> str:
        """The form :meth:`parse` reads back (how ``serve`` hands limits to its workers)."""
        values = {short: getattr(self, attr) for short, attr in self._FIELDS.items()}
        return ",".join(
            f"{short}={value:g}" if isinstance(value, float) else f"{short}={value}"
            for short, value in values.items()
        )

    def decoder_options(self) -> dict[str, str]:
        """libavcodec options that make a decoder refuse a frame over :attr:`max_frame_pixels`
        whatever the header said (PyAV ``options``; ``-max_pixels`` for the ffmpeg program)."""
        return {"max_pixels": str(self.max_frame_pixels)}

    def check_frame(self, name: str, width: int, height: int) -> None:
        """:class:`MediaTooLarge` naming ``name`` unless a ``width`` x ``height`` video frame
        is within the limits."""
        if width > self.max_width or height > self.max_height:
            raise MediaTooLarge(
                f"{name}: the video is {width}x{height}, larger than the "
                f"{self.max_width}x{self.max_height} this server decodes"
            )
        if width * height > self.max_frame_pixels:
            raise MediaTooLarge(
                f"{name}: the video is {width}x{height} ({_mega(width * height)} pixels a "
                f"frame), more than the {_mega(self.max_frame_pixels)} this server decodes"
            )

    def check_length(self, name: str, *, frames: int | None, seconds: float | None) -> None:
        """:class:`MediaTooLarge` naming ``name`` when a video has more frames or seconds than
        allowed (each check skipped when that figure is unknown)."""
        if seconds is not None and seconds > self.max_duration_s:
            raise MediaTooLarge(
                f"{name}: the video runs {seconds:.1f} s, longer than the "
                f"{self.max_duration_s:g} s this server decodes"
            )
        if frames is not None and frames > self.max_frames:
            raise MediaTooLarge(
                f"{name}: the video has {frames} frames, more than the "
                f"{self.max_frames} this server decodes"
            )

    def check_image(self, name: str, width: int, height: int) -> None:
        """:class:`MediaTooLarge` naming ``name`` unless a ``width`` x ``height`` still image is
        within :attr:`max_image_pixels` (read from its header, before it is decoded)."""
        if width * height > self.max_image_pixels:
            raise MediaTooLarge(
                f"{name}: the image is {width}x{height} ({_mega(width * height)} pixels), more "
                f"than the {_mega(self.max_image_pixels)} this server decodes"
            )


def _mega(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} M" if pixels >= 1_000_000 else str(pixels)


DEFAULT_LIMITS = MediaLimits()
"""The command line's limits unless :data:`ENV_LIMITS` says otherwise."""


def limits_from_env() -> MediaLimits:
    """:data:`DEFAULT_LIMITS` changed by :data:`ENV_LIMITS` when it is set (read on each call,
    so a test or a wrapper script may set it for one command)."""
    text = os.environ.get(ENV_LIMITS, "")
    return MediaLimits.parse(text, where=ENV_LIMITS) if text.strip() else DEFAULT_LIMITS
