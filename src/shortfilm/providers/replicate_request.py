"""The input of a Seedance prediction on Replicate: the models' rules, the checks, the digest.

A request is checked against the model's schema before anything is sent (so a bad clip costs
nothing) and built once as ``{"input": {...}}``: the prompt with its image labels spelled as
Replicate's schema spells them, the references in prompt order (or the first/last frames),
whole-second duration, resolution and aspect ratio from the frame size, seed and sound. The
SHA-256 of the canonical input is the request's identity, by which a prediction whose create
answer was lost is recognised in the list (see :mod:`.replicate`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shortfilm.domain.sound import audio_wanted
from shortfilm.errors import InputError
from shortfilm.providers.base import GenerationRequest
from shortfilm.providers.hosted_task import PreparedTake
from shortfilm.providers.reference_images import encode_image
from shortfilm.providers.replicate_api import input_digest, replicate_labels
from shortfilm.providers.seedance_family import FRAME_ROLES, RATIOS, resolution_and_ratio


@dataclass(frozen=True)
class ReplicateModel:
    """What one model on Replicate accepts."""

    durations_s: tuple[int, int]
    """Inclusive whole-second range actually rendered (the schema's -1 "auto" aside)."""
    resolutions: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    max_reference_images: int


_SEEDANCE_2 = ReplicateModel((4, 15), ("480p", "720p", "1080p"), tuple(RATIOS), 9)
_SEEDANCE_2_FAST = ReplicateModel((4, 15), ("480p", "720p"), tuple(RATIOS), 9)

MODELS: dict[str, ReplicateModel] = {
    "bytedance/seedance-2.0": _SEEDANCE_2,
    "bytedance/seedance-2.0-fast": _SEEDANCE_2_FAST,
}
"""Known models. ⚠ The schema gives no enum for ``resolution`` / ``aspect_ratio`` (only the
defaults 720p and 16:9, plus ``adaptive``); the values are the Seedance 2.0 family's own, as on
ModelArk (1080p only on the full model). Unknown ``owner/name`` models get the 2.0 rules."""


def model_spec(model: str) -> ReplicateModel:
    """The rules of ``model``; an unknown one is treated as Seedance 2.0 (fast when named so)."""
    if model in MODELS:
        return MODELS[model]
    return _SEEDANCE_2_FAST if model.endswith("-fast") else _SEEDANCE_2


@dataclass(frozen=True)
class PreparedPrediction(PreparedTake):
    """A checked request: the JSON body (``{"input": {...}}``) exactly as it will be sent, and
    what went into it."""

    digest: str
    """SHA-256 (hex) of the canonical input JSON: the reconciliation key."""
    aspect_ratio: str

    @property
    def input(self) -> dict[str, Any]:
        value: dict[str, Any] = self.body["input"]
        return value

    @property
    def key(self) -> str:
        """The request's identity for the journal and the submission gate."""
        return self.digest

    @property
    def journal_fields(self) -> dict[str, object]:
        """The input's digest, by which the prediction list shows the prediction."""
        return {"digest": self.digest}

    @property
    def summary(self) -> str:
        return (
            f"{self.duration} s, {self.resolution} {self.aspect_ratio}, {len(self.images)} "
            f"images, audio {'on' if self.generate_audio else 'off'}"
        )

    @property
    def payload(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def resolution_and_aspect(width: int, height: int, spec: ReplicateModel) -> tuple[str, str]:
    """The model's ``resolution`` and ``aspect_ratio`` closest to ``width`` x ``height``: the
    aspect within 3% of one the model offers (:class:`InputError` otherwise), the tier whose
    output pixel count is nearest the frame's."""
    return resolution_and_ratio(
        width,
        height,
        resolutions=spec.resolutions,
        ratios=spec.aspect_ratios,
        offered="aspect ratios the model offers",
    )


def build_prediction(
    request: GenerationRequest,
    *,
    model: str,
    spec: ReplicateModel,
    generate_audio: bool | None,
    max_image_bytes: int,
) -> PreparedPrediction:
    """Check ``request`` against ``model``'s rules (``spec``) and build the body; sends
    nothing. ``generate_audio`` forces audio on or off (``None``: the clip's sound rule says).

    :class:`InputError` (without the clip's name, which the caller adds) for an empty prompt,
    a duration outside the model's range, too many references, mixed reference and frame
    modes, a frame size no aspect ratio fits, a seed out of range, or an unreadable image.
    """
    prompt = request.prompt_text.strip()
    if not prompt:
        raise InputError("the prompt is empty; Replicate requires one")
    duration = math.floor(request.duration_s + 0.5)
    lo, hi = spec.durations_s
    if not lo <= duration <= hi:
        raise InputError(
            f"duration {request.duration_s:g} s (sent as {duration} s) is outside the "
            f"{lo}-{hi} s {model} renders"
        )
    frames = [r for r in request.references if r.role in FRAME_ROLES]
    refs = [r for r in request.references if r.role not in FRAME_ROLES]
    if frames and refs:
        raise InputError(
            "first/last-frame images cannot be combined with reference images "
            f"({len(frames)} frame, {len(refs)} reference): the model accepts one mode"
        )
    if len(refs) > spec.max_reference_images:
        raise InputError(
            f"{len(refs)} reference images; {model} accepts at most {spec.max_reference_images}"
        )
    by_role = {r.role: r for r in frames}
    if len(by_role) != len(frames):
        raise InputError("at most one first_frame and one last_frame image")
    if "last_frame" in by_role and "first_frame" not in by_role:
        raise InputError("a last_frame image needs a first_frame image too")
    if not -1 <= request.seed <= 2**32 - 1:
        raise InputError(f"seed {request.seed} is outside -1..{2**32 - 1}")
    resolution, aspect = resolution_and_aspect(request.width, request.height, spec)
    audio = generate_audio if generate_audio is not None else audio_wanted(request.clip.sound_rule)
    images: list[dict[str, object]] = []
    payload: dict[str, Any] = {"prompt": replicate_labels(prompt)}

    def encoded(ref_path: Path, field: str, role: str, label: str) -> str:
        img = encode_image(Path(ref_path), max_bytes=max_image_bytes)
        images.append({"field": field, "role": role, "label": label} | img.facts())
        return img.data_url

    if refs:
        payload["reference_images"] = [
            encoded(r.path, "reference_images", r.role, r.label) for r in refs
        ]
    if "first_frame" in by_role:
        first = by_role["first_frame"]
        payload["image"] = encoded(first.path, "image", first.role, first.label)
    if "last_frame" in by_role:
        end = by_role["last_frame"]
        payload["last_frame_image"] = encoded(end.path, "last_frame_image", end.role, end.label)
    payload.update(
        duration=duration,
        resolution=resolution,
        aspect_ratio=aspect,
        generate_audio=audio,
        seed=request.seed,
    )
    return PreparedPrediction(
        body={"input": payload},
        digest=input_digest(payload),
        duration=duration,
        resolution=resolution,
        aspect_ratio=aspect,
        generate_audio=audio,
        images=tuple(images),
    )
