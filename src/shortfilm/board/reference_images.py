"""Is this file a reference image we can send? Its name and header first, then every pixel.

A person's upload is checked cheapest first: the name's ending and the header's format and
size (nothing decoded, so a decompression bomb costs nothing), and only once everything else
about it is known to be fine, the whole image decoded
(:class:`~shortfilm.media.limits.MediaLimits` bound the pixels).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError, DecompressionBombWarning

from shortfilm.errors import InputError
from shortfilm.media.limits import MediaLimits, MediaTooLarge, limits_from_env

REFERENCE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
"""What a reference image may be: its name's ending -> the format its bytes must have."""


class NotAReferenceImage(InputError):
    """The bytes are not the PNG, JPEG or WebP image the name says, or do not decode whole."""


_PILLOW_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, DecompressionBombError)
"""What Pillow raises for bytes that are no image it can read."""


def check_reference_header(
    image: Path, name: str | None = None, *, limits: MediaLimits | None = None
) -> str:
    """The image's format (``PNG``, ``JPEG``, ``WEBP``) from its header alone, decoding nothing:
    :class:`NotAReferenceImage` naming ``name`` (default: ``image``) unless the name ends like
    one of those and the header says that kind of image;
    :class:`~shortfilm.media.limits.MediaTooLarge` when the header states more pixels than
    ``limits`` (default: :func:`~shortfilm.media.limits.limits_from_env`) allow."""
    shown = name or str(image)
    expected = REFERENCE_FORMATS.get(Path(name or image.name).suffix.lower())
    if expected is None:
        raise NotAReferenceImage(f"image: {shown}: a reference image is a PNG, JPEG or WebP")
    if not image.is_file():
        raise InputError(f"image: {shown}: no such file")
    with _reading(image, shown), Image.open(image, formats=_FORMATS) as opened:
        found, (width, height) = opened.format, opened.size
    if found != expected:
        raise NotAReferenceImage(f"image: {shown}: the name says {expected}, the bytes are {found}")
    (limits or limits_from_env()).check_image(f"image: {shown}", width, height)
    return expected


def check_reference_image(
    image: Path, name: str | None = None, *, limits: MediaLimits | None = None
) -> str:
    """:func:`check_reference_header`, then the whole image decoded:
    :class:`NotAReferenceImage` naming ``name`` unless it decodes whole."""
    shown = name or str(image)
    found = check_reference_header(image, name, limits=limits)
    # verify() checks the structure, load() the pixel data: each misses what the other finds
    with _reading(image, shown), Image.open(image, formats=[found]) as opened:
        opened.verify()
    with _reading(image, shown), Image.open(image, formats=[found]) as opened:
        opened.load()
    return found


_FORMATS = sorted(set(REFERENCE_FORMATS.values()))


@contextlib.contextmanager
def _reading(image: Path, shown: str) -> Iterator[None]:
    """Pillow's failures as :class:`NotAReferenceImage` naming ``shown`` (never the path, a
    server's temporary name), and its decompression-bomb error (a header stating over twice
    Pillow's own pixel limit) as :class:`~shortfilm.media.limits.MediaTooLarge`. Its warning
    (over the limit itself) is left out: the header's size is checked against ours next."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DecompressionBombWarning)
            yield
    except DecompressionBombError as exc:
        raise MediaTooLarge(f"image: {shown}: {exc}") from None
    except _PILLOW_ERRORS as exc:
        reason = str(exc).replace(str(image), shown)
        raise NotAReferenceImage(f"image: {shown}: not a readable image ({reason})") from None
