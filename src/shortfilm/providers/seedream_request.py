"""What a Seedream request may hold, and the text it carries: model limits, sizes, the prompt.

The facts are the vendor's (see :mod:`.seedream` for the sources and the ⚠ assumptions): which
models take how many reference images, the pixel range of a ``WxH`` size, which models document
``seed``. :func:`output_size` fits a board's frame into that range; :func:`board_prompt` names
the references by position, as the API counts them. Nothing here sends anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shortfilm.domain.reference_roles import reference_line
from shortfilm.errors import InputError

IMAGE_BUDGET_BYTES = 45 * 1024 * 1024
"""All reference images of one request together, before base64 (⚠ no body limit is published)."""

PROMPT_WORDS_ADVISED = 600
"""The API reference advises prompts under 600 English words; longer ones lose details."""


@dataclass(frozen=True)
class ImageModelSpec:
    """What one Seedream model accepts. Pixel counts are ``width * height``."""

    max_references: int
    min_pixels: int
    max_pixels: int
    presets: tuple[str, ...]
    seed: bool
    """Whether the model documents ``seed`` (sent only then)."""
    sequential: bool
    """Whether it takes ``sequential_image_generation`` (sent ``disabled``: one board image)."""
    adaptive_size: bool = False
    """``seededit``: only ``size: "adaptive"`` (follows the input image)."""
    aspect: tuple[float, float] = (1 / 16, 16.0)


_SEEDREAM_45 = ImageModelSpec(14, 3_686_400, 16_777_216, ("2K", "4K"), False, True)
_SEEDREAM_40 = ImageModelSpec(14, 921_600, 16_777_216, ("1K", "2K", "4K"), False, True)
_SEEDREAM_30 = ImageModelSpec(0, 262_144, 4_194_304, (), True, False)
_SEEDEDIT_30 = ImageModelSpec(1, 262_144, 4_194_304, (), True, False, adaptive_size=True)

MODELS: dict[str, ImageModelSpec] = {
    "seedream-4-5-251128": _SEEDREAM_45,
    "doubao-seedream-4-5-251128": _SEEDREAM_45,
    "seedream-4-0-250828": _SEEDREAM_40,
    "doubao-seedream-4-0-250828": _SEEDREAM_40,
    "seedream-3-0-t2i-250415": _SEEDREAM_30,
    "doubao-seedream-3-0-t2i-250415": _SEEDREAM_30,
    "seededit-3-0-i2i-250628": _SEEDEDIT_30,
    "doubao-seededit-3-0-i2i-250628": _SEEDEDIT_30,
}


def model_spec(model: str) -> ImageModelSpec:
    """The spec of ``model``; unknown ids by their name, else as Seedream 4.5 (strictest 4.x)."""
    if model in MODELS:
        return MODELS[model]
    if "seededit" in model:
        return _SEEDEDIT_30
    if "3-0-t2i" in model:
        return _SEEDREAM_30
    if "4-0" in model:
        return _SEEDREAM_40
    return _SEEDREAM_45


def output_size(spec: ImageModelSpec, width: int, height: int) -> tuple[int, int]:
    """The ``WxH`` to ask for: ``width`` x ``height`` scaled (aspect kept, multiples of 8) into
    the model's pixel range. :class:`InputError` when the aspect is outside the model's range."""
    if width <= 0 or height <= 0:
        raise InputError(f"board image size must be positive, got {width}x{height}")
    aspect = width / height
    lo, hi = spec.aspect
    if not lo <= aspect <= hi:
        raise InputError(
            f"board image {width}x{height}: aspect {aspect:.3f} is outside the {lo:g}-{hi:g} "
            "Seedream accepts"
        )
    pixels = width * height
    scale = 1.0
    if pixels < spec.min_pixels:
        scale = math.sqrt(spec.min_pixels / pixels)
    elif pixels > spec.max_pixels:
        scale = math.sqrt(spec.max_pixels / pixels)
    if scale == 1.0:
        return width, height
    # Up: round each side up, so the product stays above the minimum; down: round down.
    step = math.ceil if scale > 1 else math.floor
    w = max(8, int(step(width * scale / 8)) * 8)
    h = max(8, int(step(height * scale / 8)) * 8)
    return w, h


@dataclass(frozen=True)
class PreparedImageRequest:
    """A checked request: the JSON body exactly as sent, and what went into it."""

    body: dict[str, Any]
    fingerprint: str
    """SHA-256 (hex) of the body: for logs and lineage, never the body itself."""
    size: tuple[int, int]
    images: tuple[dict[str, object], ...]
    """Per reference, in send order: index, role, label, size, bytes, mime, resized."""


def reference_lines(references: tuple[tuple[str, str], ...]) -> list[str]:
    """``[Image N] is <label>: keep ...`` for each ``(role, label)``, in send order."""
    return [reference_line(i, role, label) for i, (role, label) in enumerate(references, 1)]


def board_prompt(brief: str, references: tuple[tuple[str, str], ...], size: tuple[int, int]) -> str:
    """The text Seedream receives: the references named by position, what to make, the brief."""
    w, h = size
    ratio = _ratio_words(w, h)
    task = (
        f"Make one asset board image for a short film, {ratio}: a single production reference "
        "sheet that shows every character and side role, the environment views and the colour "
        "palette described below, in one consistent style."
    )
    if references:
        task += (
            " Match the reference images for faces, outfits, architecture and palette before "
            "following any wording."
        )
    return "\n".join([*reference_lines(references), task, brief.strip()])


def _ratio_words(w: int, h: int) -> str:
    """``16:9 landscape`` and the like when the size is a common ratio, else the pixels."""
    for a, b in ((16, 9), (9, 16), (4, 3), (3, 4), (1, 1), (21, 9), (3, 2), (2, 3)):
        if abs(math.log((w / h) / (a / b))) < 0.02:
            shape = "landscape" if a > b else "portrait" if a < b else "square"
            return f"{a}:{b} {shape}"
    return f"{w}x{h} pixels"


__all__ = [
    "IMAGE_BUDGET_BYTES",
    "MODELS",
    "PROMPT_WORDS_ADVISED",
    "ImageModelSpec",
    "PreparedImageRequest",
    "board_prompt",
    "model_spec",
    "output_size",
    "reference_lines",
]
