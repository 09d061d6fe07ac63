"""The Seedream side of the fake ModelArk: ``POST /api/v3/images/generations``.

Synchronous, no task: the board image is made and answered in one request, as documented
(BytePlus API reference "Image generation API", ModelArk 1666945):

- ``POST /api/v3/images/generations`` (Seedream; synchronous, no task): auth, the image-model
  allow-list, ``prompt``, ``image`` (one data URL or a list, at most 14 for 4.x, one for
  SeedEdit, none for 3.0-t2i; 10 MB, sides > 14 px, aspect 1/16-16), ``size`` (``1K``/``2K``/
  ``4K`` or ``WxH`` within the model's pixel range), ``seed``, ``sequential_image_generation``
  (+ ``max_images``), ``response_format`` (``url`` | ``b64_json``), ``watermark``; answers
  ``{model, created, data: [{url | b64_json, size}], usage: {generated_images, output_tokens,
  total_tokens}}`` with a real JPEG drawn with Pillow (the prompt's colour, the references as
  thumbnails); ``url`` results are served from ``/tos/...`` like videos and expire alike.
  Faults come from the same machinery under op ``images``; ``*-created`` faults mean the image
  was generated (and would be billed) before the answer was lost.

Decisions where the public record is silent are marked ⚠.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import string
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shortfilm.testing.fake_ark_api import RESULTS, ApiError, bad, check_format, data_url_bytes
from shortfilm.testing.server import FakeServerBase


@dataclass(frozen=True)
class FakeImageModelSpec:
    """What one image model accepts on the fake (pixel counts are ``width * height``)."""

    max_images_in: int
    """Reference images accepted: 14 (Seedream 4.x), 1 (SeedEdit), 0 (Seedream 3.0 t2i)."""
    min_pixels: int
    max_pixels: int
    presets: Mapping[str, tuple[int, int]]
    """``1K``/``2K``/``4K`` -> the size the fake makes (⚠ the real model picks the aspect from
    the prompt; the fake makes a square)."""
    default_size: tuple[int, int]
    sequential: bool
    """Whether ``sequential_image_generation`` is accepted."""
    guidance: bool = False
    """Whether ``guidance_scale`` is accepted (the 3.0 models)."""
    adaptive: bool = False
    """SeedEdit: ``size`` may be ``adaptive`` (the input image's size)."""


_SQUARES = {"1K": (1024, 1024), "2K": (2048, 2048), "4K": (4096, 4096)}
_SEEDREAM_45 = FakeImageModelSpec(
    14, 3_686_400, 16_777_216, {k: _SQUARES[k] for k in ("2K", "4K")}, (2048, 2048), True
)
_SEEDREAM_40 = FakeImageModelSpec(14, 921_600, 16_777_216, _SQUARES, (2048, 2048), True)
_SEEDREAM_30 = FakeImageModelSpec(0, 262_144, 4_194_304, {}, (1024, 1024), False, guidance=True)
_SEEDEDIT_30 = FakeImageModelSpec(
    1, 262_144, 4_194_304, {}, (1024, 1024), False, guidance=True, adaptive=True
)

DEFAULT_IMAGE_MODELS: dict[str, FakeImageModelSpec] = {
    "seedream-4-5-251128": _SEEDREAM_45,
    "doubao-seedream-4-5-251128": _SEEDREAM_45,
    "seedream-4-0-250828": _SEEDREAM_40,
    "doubao-seedream-4-0-250828": _SEEDREAM_40,
    "seedream-3-0-t2i-250415": _SEEDREAM_30,
    "doubao-seedream-3-0-t2i-250415": _SEEDREAM_30,
    "seededit-3-0-i2i-250628": _SEEDEDIT_30,
    "doubao-seededit-3-0-i2i-250628": _SEEDEDIT_30,
}
"""Image model ids per the BytePlus API reference (ModelArk 1666945) and Volcengine guides."""

MAX_SEEDREAM_IMAGE_BYTES = 10 * 1024 * 1024
MAX_SEEDREAM_OUTPUTS = 15
"""Reference images plus generated images of one request, at most (documented)."""


@dataclass
class GeneratedImage:
    """An image made by ``/images/generations``, kept for its result URL."""

    id: str
    name: str
    """The last segment of its URL (``image.jpeg``)."""
    file: Path
    content_type: str
    created: float


class SeedreamImages(FakeServerBase):
    """The image endpoint of the fake ModelArk: :class:`~.fake_modelark_state.ModelArkState`
    sets the state declared here and signs result URLs."""

    clock: Callable[[], float]
    result_ttl_s: float
    image_models: dict[str, FakeImageModelSpec]
    image_format: str
    images_generated: int
    image_requests: list[dict[str, Any]]
    _images: dict[str, GeneratedImage]
    _image_failures: deque[tuple[str, str]]
    _tasks: Mapping[str, object]
    _rng: Any

    def _sign(self, job_id: str, name: str) -> str:
        raise NotImplementedError

    # Outcomes and inspection -----------------------------------------------------------------

    def fail_next_images(
        self,
        count: int = 1,
        *,
        code: str = "OutputImageSensitiveContentDetected",
        message: str = "The request failed because the output image may contain sensitive "
        "information.",
    ) -> None:
        """The next ``count`` image generations are refused by the content filter: HTTP 400 with
        this error envelope, nothing generated (⚠ the single-image refusal's shape and code are
        modelled on the error-code list; a batch reports ``data[i].error`` per the docs)."""
        with self._lock:
            self._image_failures.extend([(code, message)] * count)

    def image_body(self, index: int = -1) -> dict[str, Any]:
        """An image-generation body as received (``-1``: the last one)."""
        with self._lock:
            return self.image_requests[index]

    # Request handling (called from the handler threads) --------------------------------------

    def _generate_images(self, body: object) -> dict[str, Any]:
        """Validate an image-generation body, make the image(s), answer as the API does."""
        if not isinstance(body, dict):
            raise bad("the request body must be a JSON object")
        # The official SDK sends every optional field, null when unset: null means absent.
        body = {k: v for k, v in body.items() if v is not None}
        model = body.get("model")
        if not model:
            raise bad("the parameter `model` is missing", "model", "MissingParameter")
        if not isinstance(model, str) or model not in self.image_models:
            raise ApiError(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model or endpoint {model} does not exist or you do not have access to it.",
            )
        spec = self.image_models[model]
        prompt = body.get("prompt")
        if not prompt:
            raise bad("the parameter `prompt` is missing", "prompt", "MissingParameter")
        if not isinstance(prompt, str):
            raise bad("`prompt` must be a string", "prompt")
        raw_images = body.get("image")
        urls: list[object] = []
        if raw_images is not None:
            urls = list(raw_images) if isinstance(raw_images, list) else [raw_images]
            if not urls:
                raise bad("`image` must not be an empty array", "image")
        if urls and spec.max_images_in == 0:
            raise bad(f"model {model} does not support image input", "image")
        if len(urls) > spec.max_images_in:
            raise bad(
                f"at most {spec.max_images_in} reference images are allowed for {model}", "image"
            )
        inputs = [seedream_image(url, i, len(urls) > 1) for i, url in enumerate(urls)]
        sequential = body.get("sequential_image_generation", "disabled")
        if "sequential_image_generation" in body and not spec.sequential:
            raise bad(
                f"sequential_image_generation is not supported by {model}",
                "sequential_image_generation",
            )
        if sequential not in ("auto", "disabled"):
            raise bad(
                f"sequential_image_generation {sequential!r} must be auto or disabled",
                "sequential_image_generation",
            )
        count = 1
        if sequential == "auto":
            options = body.get("sequential_image_generation_options") or {}
            wanted = options.get("max_images", 15) if isinstance(options, dict) else 15
            if isinstance(wanted, bool) or not isinstance(wanted, int) or not 1 <= wanted <= 15:
                raise bad(
                    "`max_images` must be an integer in [1, 15]",
                    "sequential_image_generation_options.max_images",
                )
            # ⚠ the real model decides how many from the prompt; the fake makes max_images,
            # within the documented "inputs + outputs <= 15".
            count = min(wanted, MAX_SEEDREAM_OUTPUTS - len(inputs))
            if count < 1:
                raise bad("reference images plus generated images exceed 15", "image")
        size = self._image_request_size(body.get("size"), spec, model, inputs)
        fmt = body.get("response_format", "url")
        if fmt not in ("url", "b64_json"):
            raise bad(f"response_format {fmt!r} must be url or b64_json", "response_format")
        seed = body.get("seed", -1)
        if isinstance(seed, bool) or not isinstance(seed, int) or not -1 <= seed <= 2147483647:
            raise bad("`seed` must be an integer in [-1, 2147483647]", "seed")
        # ⚠ the docs list `seed` for the 3.0 models only; whether 4.x refuses it is unknown,
        # so the fake accepts and ignores it there.
        if "watermark" in body and not isinstance(body["watermark"], bool):
            raise bad("`watermark` must be a boolean", "watermark")
        if "guidance_scale" in body:
            scale = body["guidance_scale"]
            if not spec.guidance:
                raise bad(f"guidance_scale is not supported by {model}", "guidance_scale")
            if isinstance(scale, bool) or not isinstance(scale, int | float):
                raise bad("`guidance_scale` must be a number", "guidance_scale")
            if not 1 <= scale <= 10:
                raise bad("`guidance_scale` must be within [1, 10]", "guidance_scale")
        if body.get("stream"):
            raise bad("the fake does not implement streaming output", "stream")
        with self._lock:
            refusal = self._image_failures.popleft() if self._image_failures else None
        if refusal is not None:
            code, message = refusal
            raise ApiError(400, code, message)
        now = self.clock()
        data: list[dict[str, Any]] = []
        pixels = 0
        for index in range(count):
            encoded, content_type = draw_image(
                size, prompt, [img for img, _ in inputs], seed, index, self.image_format
            )
            pixels += size[0] * size[1]
            item: dict[str, Any] = {"size": f"{size[0]}x{size[1]}"}
            if fmt == "b64_json":
                item["b64_json"] = base64.b64encode(encoded).decode("ascii")
            else:
                item["url"] = self._store_image(encoded, content_type, now)
            data.append(item)
        tokens = round(pixels / 256)
        with self._lock:
            self.images_generated += count
        return {
            "model": model,
            "created": int(now),
            "data": data,
            "usage": {
                "generated_images": count,
                "output_tokens": tokens,
                "total_tokens": tokens,
            },
        }

    def _image_request_size(
        self,
        value: object,
        spec: FakeImageModelSpec,
        model: str,
        inputs: list[tuple[Any, tuple[int, int]]],
    ) -> tuple[int, int]:
        """The output size a ``size`` value asks for, checked against the model's range."""
        if value is None:
            return spec.default_size
        if not isinstance(value, str):
            raise bad("`size` must be a string", "size")
        if value == "adaptive" and spec.adaptive:
            return inputs[0][1] if inputs else spec.default_size
        if value in spec.presets:
            return spec.presets[value]
        match = re.fullmatch(r"(\d{1,5})[x*](\d{1,5})", value)
        if match is None:
            offered = ", ".join(spec.presets) or "none"
            raise bad(
                f"size {value!r} is neither WxH nor a resolution {model} offers ({offered})",
                "size",
            )
        w, h = int(match.group(1)), int(match.group(2))
        if w <= 0 or h <= 0 or not 1 / 16 <= w / h <= 16:
            raise bad(f"size {value}: aspect ratio must be within [1/16, 16]", "size")
        if not spec.min_pixels <= w * h <= spec.max_pixels:
            raise bad(
                f"size {value}: total pixels {w * h} must be within "
                f"[{spec.min_pixels}, {spec.max_pixels}] for {model}",
                "size",
            )
        return w, h

    def _store_image(self, data: bytes, content_type: str, now: float) -> str:
        """Keep a generated image under ``media_dir`` and return its presigned-style URL."""
        suffix = "png" if content_type == "image/png" else "jpeg"
        alphabet = string.ascii_lowercase + string.digits
        with self._lock:
            while True:
                stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
                image_id = f"img-{stamp}-{''.join(self._rng.choices(alphabet, k=8))}"
                if image_id not in self._images and image_id not in self._tasks:
                    break
        name = f"image.{suffix}"
        folder = self.media_dir / "images"
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"{image_id}.{name}"
        file.write_bytes(data)
        with self._lock:
            self._images[image_id] = GeneratedImage(image_id, name, file, content_type, now)
        ttl = int(self.result_ttl_s)
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        return (
            f"{self.origin}{RESULTS}/{image_id}/{name}?X-Tos-Algorithm=TOS4-HMAC-SHA256"
            f"&X-Tos-Date={date}&X-Tos-Expires={ttl}"
            f"&X-Tos-Signature={self._sign(image_id, name)}"
        )


def strip_image(body: dict[str, Any]) -> dict[str, Any]:
    """An image-generation body with its data URLs replaced by their digest."""
    image = body.get("image")

    def digest(url: object) -> object:
        if isinstance(url, str) and url.startswith("data:"):
            return "sha256:" + hashlib.sha256(url.encode()).hexdigest()
        return url

    if isinstance(image, list):
        return {**body, "image": [digest(u) for u in image]}
    if image is not None:
        return {**body, "image": digest(image)}
    return dict(body)


def seedream_image(url: object, index: int, listed: bool) -> tuple[Any, tuple[int, int]]:
    """Decode one ``image`` entry (a data URL) and check the documented Seedream limits:
    JPEG/PNG/WEBP/BMP/TIFF/GIF, at most 10 MB, both sides > 14 px, aspect 1/16-16, at most
    6000x6000 pixels. Returns the decoded image (RGB) and its size."""
    from PIL import Image, UnidentifiedImageError

    param = f"image[{index}]" if listed else "image"
    if not isinstance(url, str) or not url:
        raise bad(f"{param} must be a non-empty string", param)
    data, declared = data_url_bytes(url, param, max_bytes=MAX_SEEDREAM_IMAGE_BYTES)
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt = (img.format or "").lower()
            picture = img.convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise bad(f"{param}: image cannot be decoded", param) from None
    check_format(declared, fmt, param)
    w, h = picture.size
    if min(w, h) <= 14 or not 1 / 16 <= w / h <= 16 or w * h > 6000 * 6000:
        # ⚠ message wording not captured; the limits are documented.
        raise bad(
            f"{param}: image size {w}x{h} is out of range (sides > 14 px, aspect 1/16-16, "
            "at most 6000x6000 pixels)",
            param,
        )
    return picture, (w, h)


def draw_image(
    size: tuple[int, int],
    prompt: str,
    references: list[Any],
    seed: int,
    index: int,
    fmt: str,
) -> tuple[bytes, str]:
    """A real picture standing in for the model's: a ground coloured by the prompt (and seed,
    and index in a batch), the references as a row of thumbnails along the bottom, in order.
    Returns the encoded bytes and their media type."""
    from PIL import Image, ImageOps

    digest = hashlib.sha256(f"{prompt}|{seed}|{index}".encode()).digest()
    w, h = size
    picture = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    if references:
        slot = w // (len(references) + 1)
        thumb_h = max(8, h // 4)
        for i, ref in enumerate(references):
            thumb = ImageOps.contain(ref, (max(8, slot - 8), thumb_h))
            x = slot // 2 + i * slot + (slot - thumb.width) // 2
            picture.paste(thumb, (x, h - thumb_h - h // 20))
    buf = io.BytesIO()
    if fmt == "png":
        picture.save(buf, format="PNG")
        return buf.getvalue(), "image/png"
    picture.save(buf, format="JPEG", quality=85)
    return buf.getvalue(), "image/jpeg"
