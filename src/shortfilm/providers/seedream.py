"""Seedream on BytePlus ModelArk / Volcengine Ark: the board image from the brief and references.

One call, one answer: ``POST /images/generations`` with ``model``, ``prompt``, ``image`` (one
data URL or a list of them, in the order the prompt names them), ``size``, ``response_format``
and ``watermark`` answers ``{model, created, data: [{b64_json | url, size}], usage:
{generated_images, output_tokens, total_tokens}}``. It is the same API family as Seedance (same
hosts, Bearer key, error envelope ``{"error": {code, message, param, type}}``), so this adapter
shares the Ark error type (:mod:`.ark`), the image encoding, and the hosted connection
(:class:`~.hosted_client.HostedClient`: key handling, retries, downloads).

What the vendor documents (BytePlus API reference "Image generation API", ModelArk 1666945,
read through a copy of the page and the official ``volcengine-python-sdk`` ``images.generate``
signature), and what is assumed (⚠):

- **Models.** ``seedream-4-5-251128`` / ``seedream-4-0-250828`` on BytePlus,
  ``doubao-seedream-4-5-251128`` / ``doubao-seedream-4-0-250828`` on Volcengine; 4.x take 1-14
  reference images. ``seedream-3-0-t2i-250415`` takes none, ``seededit-3-0-i2i-250628`` one
  (⚠ the BytePlus ids of the 3.0 models are inferred from the Volcengine ones). An unknown id
  (an endpoint ``ep-...``, a newer date) is treated as 4.5, the strictest of the 4.x family.
- **Size.** ``"1K"/"2K"/"4K"`` or ``"WxH"``; for ``WxH`` the pixel count must lie in
  [921,600, 16,777,216] (4.0) or [3,686,400, 16,777,216] (4.5), aspect within 1/16..16. The
  requested frame is scaled (aspect kept, to multiples of 8) into the model's range, so a
  2048x1152 board asks 4.5 for 2560x1440; the size actually made is recorded.
- **Seed.** Documented for ``seedream-3.0-t2i`` and ``seededit-3.0-i2i`` only ("Only ... support
  this parameter"), so it is sent to those and left out for 4.x (⚠ whether 4.x ignores or
  refuses it is unconfirmed). The requested seed is still part of the board's lineage.
- **Output.** JPEG (documented), as base64 (``b64_json``, the default here: nothing to fetch
  later) or as a URL valid 24 h (downloaded at once, without the key). Stored as PNG.
- **Watermark** defaults to ``true`` on the API; sent ``false``.
- **Billing** is per successfully generated image ("Billing is based on the number of
  successfully generated images"), so :attr:`SeedreamProvider.cost_unit` is ``images`` and the
  cost is ``usage.generated_images``; tokens (``sum(W*H)/256``) are recorded beside it.
- **Failures.** A content-filter refusal may come as an error envelope (HTTP 400) or, in a
  batch, as a ``data[i].error`` item (documented); both end as a non-retryable
  :class:`~shortfilm.errors.ProviderError` with the provider's code and message.
- ⚠ Rate limits (a third-party guide quotes 500 images/min) and the largest accepted body are
  unpublished; 14 images are encoded within a 45 MB budget, 10 MB each (the documented limit).

**Paid twice?** There is no task id and no list to reconcile against: a request whose answer
is lost (a read timeout, a dropped connection, a 5xx, a garbled 200) may have made and billed an
image that can never be fetched. Such a request is sent again (``resend_unknown``, default on:
an image costs cents and the board is the whole production's anchor), each occurrence is logged
and counted in the result's ``unknown_outcomes``; with ``resend_unknown=False`` it raises
instead. ``429`` is known not to have generated anything and is always retried.

**The key** (``ARK_API_KEY``) lives only in memory, goes only to the API host, and is redacted
from every message this module builds.

The models' limits, the size fitting and the prompt are in :mod:`.seedream_request`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import uuid
from pathlib import Path
from typing import Any, Unpack
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, ValidationError

from shortfilm.errors import InputError, ProviderError
from shortfilm.providers.ark import (
    BYTEPLUS_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ArkAPIError,
    ArkTaskError,
    ark_api_error,
)
from shortfilm.providers.durable import write_atomic
from shortfilm.providers.hosted_client import ClientOptions, HostedClient, Settings
from shortfilm.providers.http import (
    TransientError,
)
from shortfilm.providers.images import ImageRequest, ImageResult
from shortfilm.providers.reference_images import DEFAULT_MAX_IMAGE_BYTES, encode_image
from shortfilm.providers.seedream_request import (
    IMAGE_BUDGET_BYTES,
    PROMPT_WORDS_ADVISED,
    PreparedImageRequest,
    board_prompt,
    model_spec,
    output_size,
)

log = logging.getLogger(__name__)

ENV_MODEL = "SHORTFILM_SEEDREAM_MODEL"
DEFAULT_MODEL = "seedream-4-5-251128"
"""Seedream 4.5 on BytePlus; on a Volcengine host the default is ``doubao-seedream-4-5-251128``."""
DEFAULT_MODEL_VOLCENGINE = "doubao-seedream-4-5-251128"

IMAGES_PATH = "/images/generations"

# --- the API's JSON ---------------------------------------------------------------------------


class SeedreamImage(BaseModel):
    model_config = ConfigDict(extra="allow")

    url: str | None = None
    b64_json: str | None = None
    size: str | None = None
    error: ArkTaskError | None = None


class SeedreamUsage(BaseModel):
    model_config = ConfigDict(extra="allow")

    generated_images: int = 0
    output_tokens: int | None = None
    total_tokens: int | None = None


class SeedreamResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = ""
    created: int | None = None
    data: list[SeedreamImage] = []
    usage: SeedreamUsage | None = None
    error: ArkTaskError | None = None


# --- the provider -----------------------------------------------------------------------------


class SeedreamProvider(HostedClient):
    """Seedream through the ModelArk/Ark image API. See the module docstring for the rules.

    ``client`` is the transport seam (tests pass one; otherwise one is made and closed by
    :meth:`close`); ``sleep`` and ``rng`` make retries fast and deterministic in tests.
    ``response_format`` is ``b64_json`` (default) or ``url``. Timeouts are seconds.
    """

    name = "seedream"
    cost_unit = "images"
    settings = Settings(ENV_BASE_URL, BYTEPLUS_BASE_URL, ENV_MODEL, DEFAULT_MODEL, ENV_API_KEY)
    key_help = " (BytePlus ModelArk or Volcengine Ark console -> API keys)"
    default_download_timeout_s = 120.0

    def __init__(
        self,
        workdir: Path,
        *,
        api_key: str | None = None,
        response_format: str = "b64_json",
        generate_timeout_s: float = 180.0,
        resend_unknown: bool = True,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(key=api_key, **options)
        self.workdir = Path(workdir)
        self.spec = model_spec(self.model)
        if response_format not in ("b64_json", "url"):
            raise InputError(f"response_format must be b64_json or url, not {response_format!r}")
        self.response_format = response_format
        self.generate_timeout_s = generate_timeout_s
        self.resend_unknown = resend_unknown
        self.max_image_bytes = max_image_bytes

    def _default_model(self, base_url: str) -> str:
        """Seedream 4.5, by the model id of the cloud ``base_url`` is on."""
        host = urlsplit(base_url).hostname or ""
        return DEFAULT_MODEL_VOLCENGINE if host.endswith("volces.com") else DEFAULT_MODEL

    def _api_error(self, response: httpx.Response, what: str) -> ArkAPIError:
        return ark_api_error(response, what, self._key)

    @classmethod
    def from_env(cls, workdir: Path) -> SeedreamProvider:
        """Configured from ``SHORTFILM_SEEDANCE_BASE_URL`` (the same hosts serve both),
        ``SHORTFILM_SEEDREAM_MODEL`` and ``ARK_API_KEY``."""
        return cls(workdir)

    # The protocol ----------------------------------------------------------------------------

    def generate(self, request: ImageRequest, dest: Path) -> ImageResult:
        """Generate the board image and write it to ``dest`` as PNG (atomically).

        Checked first (:class:`InputError`, nothing sent): too many references for the model,
        an empty prompt, a size or seed the model cannot take, an unreadable image. 429, 5xx,
        timeouts and broken connections are retried with backoff (see the module docstring on
        lost answers); 400/401/404 raise :class:`ArkAPIError` with the server's code and message.
        """
        prepared = self.prepare(request)
        self._require_key()
        response, attempts, unknown = self._post(prepared)
        image = self._first_image(response, prepared)
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        what = f"seedream ({prepared.fingerprint[:12]})"
        if image.b64_json:
            try:
                raw = base64.b64decode(image.b64_json, validate=True)
            except (binascii.Error, ValueError):
                raise ProviderError(f"{what}: the image's base64 is not readable") from None
        else:
            assert image.url is not None
            tmp = dest.with_name(f".{uuid.uuid4().hex[:8]}.{dest.name}.download")
            try:
                raw = self._download(image.url, tmp, f"{what} download").read_bytes()
            finally:
                tmp.unlink(missing_ok=True)
        width, height, source_format = _write_png(raw, dest, what)
        usage = response.usage or SeedreamUsage(generated_images=1)
        cost = float(max(usage.generated_images, 1))
        metadata: dict[str, object] = {
            "provider": self.name,
            "model": response.model or self.model,
            "requested_model": self.model,
            "host": urlsplit(self.base_url).hostname,
            "prompt": prepared.body["prompt"],
            "size": [width, height],
            "requested_size": list(prepared.size),
            "reported_size": image.size,
            "seed": request.seed,
            "seed_sent": "seed" in prepared.body,
            "response_format": self.response_format,
            "source_format": source_format,
            "created": response.created,
            "usage": usage.model_dump(mode="json", exclude_none=True),
            "references": list(prepared.images),
            "request_fingerprint": prepared.fingerprint,
            "attempts": attempts,
            "unknown_outcomes": unknown,
        }
        log.info(
            "seedream: board image %dx%d from %d references (%s, %d attempt(s))",
            width,
            height,
            len(prepared.images),
            prepared.fingerprint[:12],
            attempts,
        )
        return ImageResult(image=dest, metadata=metadata, cost=cost)

    # Beyond the protocol ---------------------------------------------------------------------

    def prepare(self, request: ImageRequest) -> PreparedImageRequest:
        """Check ``request`` against the model's limits and build the body; sends nothing."""
        spec = self.spec
        refs = list(request.references)
        if not request.prompt.strip():
            raise InputError("the board brief is empty: nothing to generate the image from")
        if len(refs) > spec.max_references:
            raise InputError(
                f"{len(refs)} reference images, but {self.model} takes at most "
                f"{spec.max_references}; drop some from the board or choose a Seedream 4.x model"
            )
        if not -1 <= request.seed <= 2_147_483_647:
            raise InputError(f"seed {request.seed} is outside -1..2147483647")
        size = output_size(spec, request.width, request.height)
        budget = min(self.max_image_bytes, IMAGE_BUDGET_BYTES // max(1, len(refs)))
        urls: list[str] = []
        images: list[dict[str, object]] = []
        for index, ref in enumerate(refs, 1):
            encoded = encode_image(Path(ref.path), max_bytes=budget)
            urls.append(encoded.data_url)
            images.append({"index": index, "role": ref.role, "label": ref.label} | encoded.facts())
        named = tuple((r.role, r.label) for r in refs)
        prompt = board_prompt(request.prompt, named, size)
        words = len(prompt.split())
        if words > PROMPT_WORDS_ADVISED:
            log.warning(
                "seedream: the prompt has %d words; the API advises under %d (details may be "
                "dropped); consider a shorter brief",
                words,
                PROMPT_WORDS_ADVISED,
            )
        body: dict[str, Any] = {"model": self.model, "prompt": prompt}
        if urls:
            body["image"] = urls[0] if len(urls) == 1 else urls
        body["size"] = "adaptive" if spec.adaptive_size else f"{size[0]}x{size[1]}"
        if spec.seed:
            body["seed"] = request.seed
        if spec.sequential:
            body["sequential_image_generation"] = "disabled"
        body["response_format"] = self.response_format
        body["watermark"] = False
        blob = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        fingerprint = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        return PreparedImageRequest(body, fingerprint, size, tuple(images))

    # Internals -------------------------------------------------------------------------------

    def _post(self, prepared: PreparedImageRequest) -> tuple[SeedreamResponse, int, int]:
        """Send the request with retries; the parsed answer, attempts made, lost answers."""
        payload = json.dumps(prepared.body, ensure_ascii=False).encode("utf-8")
        what = f"seedream generate ({prepared.fingerprint[:12]})"
        url = self.base_url + IMAGES_PATH
        state = {"attempts": 0, "unknown": 0}

        def lost(err: TransientError) -> TransientError:
            """A failure after which an image may have been made (and billed)."""
            state["unknown"] += 1
            if not self.resend_unknown:
                raise ProviderError(
                    f"{self._redact(str(err))}; an image may have been generated and billed, "
                    "and its answer was lost; not sent again (resend_unknown is off)",
                    retryable=True,
                ) from None
            log.warning(
                "%s: the answer was lost (%s); an image may have been billed without being "
                "delivered; sending again",
                what,
                err,
            )
            return err

        def attempt(_: int) -> SeedreamResponse:
            state["attempts"] += 1
            try:
                data = self._request(
                    "POST", url, what=what, content=payload, timeout=self.generate_timeout_s
                )
            except TransientError as err:
                raise (lost(err) if err.outcome_unknown else err) from None
            try:
                return SeedreamResponse.model_validate(data)
            except ValidationError as exc:
                raise lost(
                    TransientError(
                        f"{what}: unexpected answer shape: {exc.errors()[0]['msg']}",
                        outcome_unknown=True,
                    )
                ) from None

        parsed = self._retrying(attempt, what)
        return parsed, state["attempts"], state["unknown"]

    def _first_image(
        self, response: SeedreamResponse, prepared: PreparedImageRequest
    ) -> SeedreamImage:
        """The one image asked for; a refusal (``error`` item or envelope) raises."""
        what = f"seedream ({prepared.fingerprint[:12]})"
        if response.error is not None and (response.error.code or response.error.message):
            raise ProviderError(
                self._redact(f"{what}: {response.error.code}: {response.error.message}")
            )
        for item in response.data:
            if item.b64_json or item.url:
                return item
        refusals = [item.error for item in response.data if item.error is not None]
        if refusals:
            reason = "; ".join(f"{e.code}: {e.message}" for e in refusals)
            raise ProviderError(self._redact(f"{what}: the image was not generated: {reason}"))
        raise ProviderError(f"{what}: the answer carries no image")


def _write_png(raw: bytes, dest: Path, what: str) -> tuple[int, int, str]:
    """Decode the delivered image (JPEG by the docs) and write it to ``dest`` as PNG."""
    try:
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
            source_format = (img.format or "").lower()
            frame = img if img.mode in ("RGB", "RGBA", "L") else img.convert("RGB")
            buf = io.BytesIO()
            frame.save(buf, format="PNG")
            size = img.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ProviderError(f"{what}: the delivered image cannot be decoded: {exc}") from exc
    write_atomic(dest, buf.getvalue())
    return size[0], size[1], source_format


__all__ = ["DEFAULT_MODEL", "ENV_MODEL", "SeedreamProvider"]
