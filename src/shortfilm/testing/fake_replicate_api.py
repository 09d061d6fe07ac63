"""Replicate's API as the fake speaks it: routes, models, problems, what an input must hold.

Shared by the fake's state (:mod:`.fake_replicate`) and its HTTP layer
(:mod:`.fake_replicate_http`). Errors are raised as a :class:`Problem` and answered in
Replicate's problem JSON; an input is checked against the ``bytedance/seedance-2.0`` schema
the way Replicate's validator does (every violation collected into one 422), and the rules a
schema cannot state fail the prediction instead, as a model does.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shortfilm.testing.seedance_output import RATIOS, nearest_ratio

API_PREFIX = "/v1"
DELIVERY = "/delivery"
OPS = ("create", "get", "list", "cancel", "download")
TERMINAL = ("succeeded", "failed", "canceled", "aborted")


@dataclass(frozen=True)
class FakeModel:
    """What one model accepts on the fake (its input schema, in short)."""

    resolutions: tuple[str, ...]
    aspect_ratios: tuple[str, ...] = (*RATIOS, "adaptive")
    durations: tuple[int, int] = (-1, 15)
    max_images: int = 9
    max_videos: int = 3
    max_audios: int = 3
    default_duration: int = 5
    default_resolution: str = "720p"
    default_aspect_ratio: str = "16:9"
    output_list: bool = False
    """Whether ``output`` is a list of URLs (some models) instead of one URL (this one)."""
    version: str = ""
    """The version id reported; derived from the model name when empty."""


DEFAULT_MODELS: dict[str, FakeModel] = {
    "bytedance/seedance-2.0": FakeModel(("480p", "720p", "1080p")),
    "bytedance/seedance-2.0-fast": FakeModel(("480p", "720p")),
}


class Problem(Exception):
    """An error answer in Replicate's problem JSON."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        invalid_fields: list[dict[str, str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body: dict[str, Any] = {"title": title, "detail": detail, "status": status}
        if invalid_fields is not None:
            self.body["invalid_fields"] = invalid_fields
        self.body.update(extra or {})
        self.headers = dict(headers or {})


def not_found() -> Problem:
    return Problem(404, "Not found", "The requested resource could not be found.")


class Invalid:
    """Collects schema violations; raises one 422 with all of them."""

    def __init__(self) -> None:
        self.fields: list[dict[str, str]] = []

    def add(self, kind: str, name: str, description: str) -> None:
        self.fields.append({"type": kind, "field": name, "description": description})

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        detail = "".join(
            f"- {f['field']}: {f['description']}\n" if f["field"] else f"- {f['description']}\n"
            for f in self.fields
        )
        raise Problem(422, "Input validation failed", detail, invalid_fields=self.fields)


def check_input(model: FakeModel, inp: dict[str, Any], invalid: Invalid) -> None:
    """The ``bytedance/seedance-2.0`` input schema, checked as Replicate's validator does."""
    prompt = inp.get("prompt")
    if prompt is None:
        invalid.add("required", "input", "prompt is required")
    elif not isinstance(prompt, str):
        invalid.add("invalid_type", "input.prompt", "Invalid type. Expected: string")
    for name in ("image", "last_frame_image"):
        if name in inp and inp[name] is not None:
            check_file(inp[name], f"input.{name}", invalid, image=True)
    for name, most, image in (
        ("reference_images", model.max_images, True),
        ("reference_videos", model.max_videos, False),
        ("reference_audios", model.max_audios, False),
    ):
        if name not in inp:
            continue
        items = inp[name]
        if not isinstance(items, list):
            invalid.add("invalid_type", f"input.{name}", "Invalid type. Expected: array")
            continue
        if len(items) > most:
            invalid.add("array_max_items", f"input.{name}", f"Array must have at most {most} items")
        for i, item in enumerate(items):
            check_file(item, f"input.{name}.{i}", invalid, image=image)
    if "duration" in inp:
        value = inp["duration"]
        lo, hi = model.durations
        if not is_integer(value):
            invalid.add("invalid_type", "input.duration", "Invalid type. Expected: integer")
        elif value < lo:
            invalid.add("number_gte", "input.duration", f"Must be greater than or equal to {lo}")
        elif value > hi:
            invalid.add("number_lte", "input.duration", f"Must be less than or equal to {hi}")
    for name, allowed in (
        ("resolution", model.resolutions),
        ("aspect_ratio", model.aspect_ratios),
    ):
        if name in inp and inp[name] not in allowed:
            choices = ", ".join(f'"{a}"' for a in allowed)
            invalid.add("enum", f"input.{name}", f"{name} must be one of the following: {choices}")
    if "generate_audio" in inp and not isinstance(inp["generate_audio"], bool):
        invalid.add("invalid_type", "input.generate_audio", "Invalid type. Expected: boolean")
    if "seed" in inp and inp["seed"] is not None and not is_integer(inp["seed"]):
        invalid.add("invalid_type", "input.seed", "Invalid type. Expected: integer")


DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[^;,]*)*;base64,(.*)$", re.DOTALL)


def is_integer(value: object) -> bool:
    """A JSON integer (``5`` or ``5.0``), not a boolean."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def check_file(value: object, name: str, invalid: Invalid, *, image: bool) -> None:
    """A file input must be an http(s) URL or a data URL (an image must decode as one)."""
    if not isinstance(value, str):
        invalid.add("invalid_type", name, "Invalid type. Expected: string")
        return
    if value.startswith(("https://", "http://")):
        return
    match = DATA_URL.match(value)
    if match is None:
        invalid.add("format", name, "Does not match format 'uri'")
        return
    try:
        data = base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError):
        invalid.add("format", name, "Does not match format 'uri' (bad base64 data URL)")
        return
    if image:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
        except (UnidentifiedImageError, OSError, ValueError):
            invalid.add("invalid_file", name, "the file is not a readable image")  # ⚠ type


def mode_failure(inp: Mapping[str, Any]) -> str | None:
    """Rules the schema cannot state; the model fails the prediction with this error (⚠)."""
    frames = bool(inp.get("image")) or bool(inp.get("last_frame_image"))
    if frames and inp.get("reference_images"):
        return "Reference images cannot be combined with first/last frame images."
    if inp.get("last_frame_image") and not inp.get("image"):
        return "last_frame_image requires a first frame image."
    if inp.get("reference_audios") and not (
        inp.get("reference_images") or inp.get("reference_videos") or inp.get("image")
    ):
        return "Reference audio requires at least one reference image or video."
    return None


def adaptive_ratio(inp: Mapping[str, Any]) -> str:
    """``adaptive``: the ratio nearest the first image's, else 16:9."""
    first = inp.get("image") or next(iter(inp.get("reference_images") or []), None)
    match = DATA_URL.match(first) if isinstance(first, str) else None
    if match is None:
        return "16:9"
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(match.group(3)))) as img:
            width, height = img.size
    except (OSError, ValueError):
        return "16:9"
    return nearest_ratio(width, height)


DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(text: str) -> float | None:
    """``"1h30m"``, ``"5m"``, ``"30s"``, ``"500ms"`` -> seconds; ``None`` when malformed."""
    text = text.strip()
    if not text or DURATION_PART.sub("", text):
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in DURATION_PART.findall(text))
