"""Reference images as base64 data URLs, within what the hosted video and image models accept.

Local images travel inside the JSON body (the models fetch http URLs, which a local file has
not got). The documented limits (side lengths, aspect, bytes) are checked here before anything
is sent, and an image is re-encoded only when it breaks one, so the model sees the file's own
pixels whenever it can.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from shortfilm.errors import InputError

MAX_IMAGE_LONG_SIDE = 6000
MIN_IMAGE_SHORT_SIDE = 300
IMAGE_ASPECT_RANGE = (0.4, 2.5)
DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EncodedImage:
    """A reference image as sent: a data URL, and facts worth recording about it."""

    data_url: str
    mime: str
    width: int
    height: int
    size_bytes: int
    """Bytes of the image itself (before base64)."""
    resized: bool
    """Whether it was re-encoded or rescaled (False: the file's own bytes were sent)."""

    def facts(self) -> dict[str, object]:
        """What a take's metadata keeps of the image as sent (not the image itself)."""
        return {
            "width": self.width,
            "height": self.height,
            "bytes": self.size_bytes,
            "mime": self.mime,
            "resized": self.resized,
        }

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 (hex) of :attr:`data_url`: stands for the image wherever a request is hashed,
        so hashing a body costs the same with 2 MB of images in it as without (computed once
        per encoded image, which :func:`encode_image` keeps per file version)."""
        return hashlib.sha256(self.data_url.encode("ascii")).hexdigest()


def encode_image(path: Path, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> EncodedImage:
    """:func:`encode_file`, remembered per file version: every take of a production sends the
    same board images, and decoding and base64-encoding them again for each create is the
    main CPU cost of a submit."""
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read reference image: {exc.strerror or exc}") from exc
    # One lock: parallel workers sending the same board wait for one encode instead of all
    # doing it (the work holds the GIL anyway, so nothing is lost by serialising it).
    with _ENCODE_LOCK:
        return _encode_cached(str(path), st.st_mtime_ns, st.st_size, max_bytes)


_ENCODE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=64)
def _encode_cached(path: str, _mtime_ns: int, _size: int, max_bytes: int) -> EncodedImage:
    return encode_file(Path(path), max_bytes=max_bytes)


def encode_file(path: Path, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> EncodedImage:
    """``path`` as a base64 data URL (PNG or JPEG) within the API's image limits.

    The file's own bytes go unchanged when it is a PNG or JPEG within limits and upright.
    Otherwise it is rotated upright (EXIF), scaled (aspect kept) so the long side is under
    6000 px and the short side over 300 px, and re-encoded (PNG when it has transparency,
    else JPEG quality 90), shrinking further until it fits ``max_bytes``. Raises
    :class:`InputError` naming the file when it cannot be read, its aspect ratio is outside
    0.4-2.5 (the model would refuse it; cropping is an editorial choice), or it cannot fit.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read reference image: {exc.strerror or exc}") from exc
    try:
        fmt, (w, h), rotated = _inspect(raw)
    # Pillow reports a PNG chunk with a bad checksum as a SyntaxError
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{path}: not a readable image: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise InputError(f"{path}: not a readable image: {exc}") from exc
    aspect = w / h
    lo, hi = IMAGE_ASPECT_RANGE
    if not lo <= aspect <= hi:
        raise InputError(
            f"{path}: aspect ratio {w}x{h} ({aspect:.2f}) is outside the {lo}-{hi} Seedance "
            "accepts; crop the image"
        )
    scale = _fit_scale(w, h)
    if scale == 1.0 and fmt in ("PNG", "JPEG") and not rotated and len(raw) <= max_bytes:
        mime = "image/png" if fmt == "PNG" else "image/jpeg"
        return EncodedImage(_data_url(mime, raw), mime, w, h, len(raw), resized=False)

    try:
        with Image.open(io.BytesIO(raw)) as opened:
            opened.load()
            img = ImageOps.exif_transpose(opened) if rotated else opened.copy()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{path}: not a readable image: {exc}") from exc
    if rotated:
        w, h = img.size
        scale = _fit_scale(w, h)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    use_png = has_alpha or (fmt == "PNG" and scale == 1.0)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    while True:
        frame = img if size == img.size else img.resize(size, Image.Resampling.LANCZOS)
        data, mime = _encode(frame, png=use_png)
        if len(data) <= max_bytes:
            return EncodedImage(_data_url(mime, data), mime, *size, len(data), resized=True)
        if use_png and not has_alpha:
            use_png = False  # a photo as PNG: JPEG first, before losing pixels
            continue
        shrink = max(0.5, math.sqrt(max_bytes / len(data)) * 0.95)
        size = (max(1, round(size[0] * shrink)), max(1, round(size[1] * shrink)))
        if min(size) <= MIN_IMAGE_SHORT_SIDE:
            raise InputError(
                f"{path}: cannot fit under {max_bytes} bytes without going below the "
                f"{MIN_IMAGE_SHORT_SIDE} px short side Seedance requires"
            )


def _inspect(raw: bytes) -> tuple[str, tuple[int, int], bool]:
    """Format, stored size and whether EXIF asks for a rotation, without decoding the pixels.

    Decoding is most of the cost of a submit and, for a file within limits, only to learn
    what the header already says. A PNG's chunks are still checked (``verify`` reads every
    chunk's CRC), so a damaged file fails here rather than at the provider; a JPEG's entropy
    data is not checked (the spec loader decodes every referenced image once). Orientation is
    read from the EXIF a JPEG carries up front or a PNG carries before its pixel data.
    """
    with Image.open(io.BytesIO(raw)) as img:
        fmt = img.format or ""
        size = img.size
        if fmt == "PNG":
            exif = img.info.get("exif")
            img.verify()
            orientation = 1 if exif is None else _orientation(exif)
        else:
            orientation = img.getexif().get(0x0112, 1)
    return fmt, size, orientation not in (1, None)


def _orientation(exif: bytes) -> int:
    tags = Image.Exif()
    tags.load(exif)
    return int(tags.get(0x0112, 1))


def _fit_scale(w: int, h: int) -> float:
    """The factor that brings ``w`` x ``h`` inside Seedance's side limits (1.0 when it is)."""
    scale = 1.0
    if max(w, h) >= MAX_IMAGE_LONG_SIDE:
        scale = (MAX_IMAGE_LONG_SIDE - 1) / max(w, h)
    if min(w, h) * scale <= MIN_IMAGE_SHORT_SIDE:
        scale = (MIN_IMAGE_SHORT_SIDE + 1) / min(w, h)
    return scale


def _encode(img: Image.Image, *, png: bool) -> tuple[bytes, str]:
    buf = io.BytesIO()
    if png:
        img.save(buf, format="PNG", optimize=False)
        return buf.getvalue(), "image/png"
    if img.mode != "RGB":
        img = img.convert("RGB")
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue(), "image/jpeg"


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
