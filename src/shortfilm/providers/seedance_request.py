"""The body of a Seedance task on ModelArk: the models' rules, the checks, the marker.

A request is checked against the model before anything is sent (so a bad clip costs nothing)
and serialised once, with a fingerprint of its content and the ``execution_expires_after``
marker the fingerprint selects, by which a task whose create answer was lost is recognised in
the task list (see :mod:`.seedance`). Images enter the fingerprint by digest and are spliced
into the JSON as they are, so 2-3 MB of images cost little to hash and serialise.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shortfilm.domain.sound import audio_wanted
from shortfilm.errors import InputError
from shortfilm.providers.base import GenerationRequest
from shortfilm.providers.hosted_task import PreparedTake
from shortfilm.providers.reference_images import EncodedImage, encode_image
from shortfilm.providers.seedance_family import (
    FPS,
    FRAME_ROLES,
    OUTPUT_SIZES,
    resolution_and_ratio,
)

MARKER_MIN_S = 86_400
MARKER_MAX_S = 172_800
"""Range of ``execution_expires_after`` values used as the reconciliation marker (seconds)."""

IMAGE_BUDGET_BYTES = 45 * 1024 * 1024
"""All images of one request together, before base64 (~60 MB encoded). ⚠ The API documents
30 MB per image but no body limit; this keeps a 9-image request under a 64 MB body."""


# --- the models -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """What one Seedance model accepts, and what it costs."""

    durations_s: tuple[int, int]
    """Inclusive whole-second range."""
    resolutions: tuple[str, ...]
    max_reference_images: int
    """0 for models without reference mode (they take first/last frames only)."""
    price_per_million: Mapping[str, float] = field(default_factory=dict)
    """Price per 1M output tokens by resolution, without video input."""
    currency: str = "USD"


_SEEDANCE_2 = ModelSpec(
    (4, 15), ("480p", "720p", "1080p"), 9, {"480p": 7.0, "720p": 7.0, "1080p": 7.7}
)
_SEEDANCE_2_FAST = ModelSpec((4, 15), ("480p", "720p"), 9, {"480p": 5.6, "720p": 5.6})
_SEEDANCE_2_CN = ModelSpec(
    (4, 15), ("480p", "720p", "1080p"), 9, {r: 46.0 for r in ("480p", "720p", "1080p")}, "CNY"
)
_SEEDANCE_2_FAST_CN = ModelSpec((4, 15), ("480p", "720p"), 9, {"480p": 37.0, "720p": 37.0}, "CNY")
_SEEDANCE_15_PRO = ModelSpec((4, 12), ("480p", "720p", "1080p"), 0)

MODELS: dict[str, ModelSpec] = {
    "dreamina-seedance-2-0-260128": _SEEDANCE_2,
    "dreamina-seedance-2-0-fast-260128": _SEEDANCE_2_FAST,
    "doubao-seedance-2-0-260128": _SEEDANCE_2_CN,
    "doubao-seedance-2-0-fast-260128": _SEEDANCE_2_FAST_CN,
    "seedance-1-5-pro-251215": _SEEDANCE_15_PRO,
    "doubao-seedance-1-5-pro-251215": _SEEDANCE_15_PRO,
}
"""Known model ids. Prices: BytePlus per ComfyUI's table, Volcengine per a proxy (⚠ both
secondhand). Volcengine 2.0 at 1080p is disputed between sources; it is allowed here."""


def model_spec(model: str) -> ModelSpec:
    """The spec of ``model``; unknown ids (an endpoint ``ep-...``, a newer date suffix) are
    treated as Seedance 2.0 (or 2.0 fast when the id says so), the family this adapter targets."""
    if model in MODELS:
        return MODELS[model]
    if "1-5-pro" in model:
        return _SEEDANCE_15_PRO
    if "2-0-fast" in model:
        return _SEEDANCE_2_FAST
    return _SEEDANCE_2


def estimate_tokens(width: int, height: int, duration_s: float, input_video_s: float = 0.0) -> int:
    """Tokens a task bills: ``W*H/1024 * (fps * (output + input video seconds) + 1)``.

    Matches every observed task (1280x720, 5 s -> 108,900). ``width``/``height`` are the
    *output* pixels (see :data:`OUTPUT_SIZES`), not the requested frame size.
    """
    return math.floor(width * height * (FPS * (duration_s + input_video_s) + 1) / 1024)


# --- a request, prepared ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRequest(PreparedTake):
    """A checked request: the JSON body exactly as it will be sent, and what went into it."""

    body_json: bytes
    """``body`` serialised as sent (built once, outside the provider's concurrency slot)."""
    fingerprint: str
    """SHA-256 (hex) of the body without the marker: equal bodies, equal fingerprints."""
    marker: int
    """The ``execution_expires_after`` value derived from ``fingerprint``."""
    mode: str
    """``text``, ``reference`` or ``frames``."""
    ratio: str
    output_size: tuple[int, int]
    estimated_tokens: int

    @property
    def key(self) -> str:
        """The request's identity for the journal and the submission gate."""
        return self.fingerprint

    @property
    def payload(self) -> bytes:
        return self.body_json

    @property
    def journal_fields(self) -> dict[str, object]:
        """The fingerprint, and the marker by which the task list shows the task."""
        return {"fingerprint": self.fingerprint, "marker": self.marker}

    @property
    def summary(self) -> str:
        return (
            f"{self.mode} mode, {self.duration} s, {self.resolution} {self.ratio}, "
            f"{len(self.images)} images, audio {'on' if self.generate_audio else 'off'}"
        )


def build_request(
    request: GenerationRequest,
    *,
    model: str,
    spec: ModelSpec,
    generate_audio: bool | None,
    max_image_bytes: int,
) -> PreparedRequest:
    """Check ``request`` against ``model``'s limits (``spec``) and build the body; sends
    nothing. ``generate_audio`` forces audio on or off (``None``: the clip's sound rule says).

    :class:`InputError` with a message naming the clip for anything the model would refuse:
    duration out of range, too many images, mixed modes, an unusable frame size, a seed out of
    range, an image that cannot be sent.
    """
    clip = request.clip.name
    refs = list(request.references)
    frames = [r for r in refs if r.role in FRAME_ROLES]
    others = [r for r in refs if r.role not in FRAME_ROLES]
    if frames and others:
        raise InputError(
            f"clip {clip}: first/last frame images cannot be mixed with reference images "
            f"in one Seedance request ({len(frames)} frame, {len(others)} reference)"
        )
    if frames:
        mode = "frames"
        roles = [r.role for r in frames]
        if roles.count("first_frame") > 1 or roles.count("last_frame") > 1:
            raise InputError(f"clip {clip}: at most one first_frame and one last_frame image")
        if "last_frame" in roles and "first_frame" not in roles:
            raise InputError(f"clip {clip}: a last_frame image needs a first_frame image")
    elif others:
        mode = "reference"
        if spec.max_reference_images == 0:
            raise InputError(
                f"clip {clip}: model {model} has no reference mode; it takes first/last frames only"
            )
        if len(others) > spec.max_reference_images:
            raise InputError(
                f"clip {clip}: {len(others)} reference images, but {model} takes at "
                f"most {spec.max_reference_images}; drop some from the board or the clip"
            )
    else:
        mode = "text"
    if not request.prompt_text.strip() and not refs:
        raise InputError(f"clip {clip}: nothing to generate from (no prompt, no images)")
    duration = math.floor(request.duration_s + 0.5)
    lo, hi = spec.durations_s
    if not lo <= duration <= hi:
        raise InputError(
            f"clip {clip}: {request.duration_s:g} s asks for a {duration} s take, but "
            f"{model} makes {lo}-{hi} s; split or shorten the clip"
        )
    resolution, ratio = resolution_and_ratio(request.width, request.height)
    if resolution not in spec.resolutions:
        raise InputError(
            f"clip {clip}: {request.width}x{request.height} needs {resolution}, which "
            f"{model} does not offer ({', '.join(spec.resolutions)})"
        )
    if not -1 <= request.seed <= 4_294_967_295:
        raise InputError(f"clip {clip}: seed {request.seed} is outside -1..4294967295")
    audio = generate_audio if generate_audio is not None else audio_wanted(request.clip.sound_rule)

    budget = min(max_image_bytes, IMAGE_BUDGET_BYTES // max(1, len(refs)))
    content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt_text}]
    images: list[dict[str, object]] = []
    encoded_images: list[EncodedImage] = []
    for index, ref in enumerate(refs, 1):
        sent_role = ref.role if ref.role in FRAME_ROLES else "reference_image"
        encoded = encode_image(Path(ref.path), max_bytes=budget)
        encoded_images.append(encoded)
        content.append(
            {"type": "image_url", "image_url": {"url": encoded.data_url}, "role": sent_role}
        )
        images.append(
            {"index": index, "role": sent_role, "source_role": ref.role, "label": ref.label}
            | encoded.facts()
        )
    body: dict[str, Any] = {
        "model": model,
        "content": content,
        "duration": duration,
        "resolution": resolution,
        "ratio": ratio,
        "seed": request.seed,
        "generate_audio": audio,
        "return_last_frame": True,
        "watermark": False,
    }
    fingerprint = _fingerprint(body, encoded_images)
    marker = marker_for(fingerprint)
    body["execution_expires_after"] = marker
    out_w, out_h = OUTPUT_SIZES[resolution][ratio]
    return PreparedRequest(
        body=body,
        body_json=_payload(body, encoded_images),
        fingerprint=fingerprint,
        marker=marker,
        mode=mode,
        duration=duration,
        resolution=resolution,
        ratio=ratio,
        output_size=(out_w, out_h),
        generate_audio=audio,
        estimated_tokens=estimate_tokens(out_w, out_h, duration),
        images=tuple(images),
    )


def _fingerprint(body: Mapping[str, Any], images: Sequence[EncodedImage] = ()) -> str:
    """SHA-256 of ``body`` with each of ``images``' data URLs replaced by its digest: the same
    identity as hashing the whole body, at the cost of a small one (the images' own hashes are
    computed once per image, not once per take)."""
    digests = {id(img.data_url): f"sha256:{img.digest}" for img in images}
    blob = json.dumps(
        _swap_urls(body, lambda url: digests.get(id(url), url)),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _payload(body: Mapping[str, Any], images: Sequence[EncodedImage]) -> bytes:
    """``body`` as the UTF-8 JSON sent, built around the data URLs instead of through them.

    ``json.dumps`` scans every character of a 2-3 MB body for escapes; a data URL made by
    :mod:`.reference_images` is ``data:<mime>;base64,<base64>``, which needs none. So the body
    is serialised with short placeholders and the URLs are spliced in, once each.
    """
    by_id = {id(img.data_url): img.data_url for img in images}
    nonce = secrets.token_hex(8)
    placed: dict[str, str] = {}

    def place(url: str) -> str:
        if id(url) not in by_id:
            return url
        token = f"@{nonce}:{len(placed)}@"
        placed[token] = url
        return token

    skeleton = json.dumps(_swap_urls(body, place), ensure_ascii=False)
    if not placed:
        return skeleton.encode("utf-8")
    pieces = re.split(f'"(@{nonce}:[0-9]+@)"', skeleton)
    for i in range(1, len(pieces), 2):
        pieces[i] = f'"{placed[pieces[i]]}"'
    return "".join(pieces).encode("utf-8")


def _swap_urls(body: Mapping[str, Any], swap: Callable[[str], str]) -> dict[str, Any]:
    """A shallow copy of ``body`` whose ``image_url`` items carry ``swap(url)``."""
    content = [
        {**item, "image_url": {**item["image_url"], "url": swap(item["image_url"]["url"])}}
        if item.get("type") == "image_url"
        else item
        for item in body.get("content", [])
    ]
    return {**body, "content": content}


def marker_for(fingerprint: str) -> int:
    """The ``execution_expires_after`` marker (seconds, 24-48 h) a fingerprint selects."""
    span = MARKER_MAX_S - MARKER_MIN_S + 1
    return MARKER_MIN_S + int(fingerprint[:15], 16) % span
