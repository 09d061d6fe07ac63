"""What a Seedance create must hold, as the fake ModelArk checks it: models, content, fields.

The rules the research notes collect (``shared/research/video-model-apis.md`` §1.4): the model
allow-list, content types and roles, the mode rules with the messages seen in live probes,
image limits on data URLs, the range of every top-level field, legacy ``--rs/--rt/--dur``
prompt flags (JSON fields win). A rule the public record leaves open is marked ⚠.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shortfilm.testing.fake_ark_api import bad, check_format, data_url_bytes
from shortfilm.testing.seedance_output import RATIOS, nearest_ratio

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "expired")
CONTENT_TYPES = ("text", "image_url", "video_url", "audio_url", "draft_task")
IMAGE_ROLES = ("first_frame", "last_frame", "reference_image")

MAX_IMAGE_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class FakeModelSpec:
    """What one model accepts on the fake."""

    durations: tuple[int, int]
    resolutions: tuple[str, ...]
    reference_mode: bool
    """Whether ``reference_image``/video/audio items are accepted (2.0 and later)."""
    auto_duration: bool = True
    """Whether ``duration: -1`` (model picks) is accepted."""
    default_resolution: str = "720p"
    max_images: int = 9
    max_videos: int = 3
    max_audios: int = 3
    max_files: int = 12


_S2 = FakeModelSpec((4, 15), ("480p", "720p", "1080p"), True)
_S2_FAST = FakeModelSpec((4, 15), ("480p", "720p"), True)
_S15 = FakeModelSpec((4, 12), ("480p", "720p", "1080p"), False, auto_duration=False)

DEFAULT_MODELS: dict[str, FakeModelSpec] = {
    "dreamina-seedance-2-0-260128": _S2,
    "dreamina-seedance-2-0-fast-260128": _S2_FAST,
    "doubao-seedance-2-0-260128": _S2,
    "doubao-seedance-2-0-fast-260128": _S2_FAST,
    "seedance-1-5-pro-251215": _S15,
}


@dataclass(frozen=True)
class TaskParams:
    """A create's parameters once checked (``adaptive`` and ``-1`` resolved where the API
    resolves them at once)."""

    duration: int
    resolution: str
    ratio: str
    seed: int
    """-1 (random) until the task is made."""
    generate_audio: bool
    return_last_frame: bool
    expires_after: int
    service_tier: str
    safety_identifier: str | None


def check_task(
    body: Mapping[str, Any],
    spec: FakeModelSpec,
    model: str,
    image_size: Callable[[object, int], tuple[int, int]],
) -> TaskParams:
    """Check a create body (nulls already dropped) for ``model`` the way the API does; the
    task's parameters, or :class:`ApiError` (400) naming the field. ``image_size`` decodes a
    content image and checks its limits."""
    content = body.get("content")
    if not content:
        raise bad("the parameter `content` is missing", "content", "MissingParameter")
    if not isinstance(content, list):
        raise bad("`content` must be an array", "content")
    text, images, videos, audios = check_content(content, spec, model, image_size)
    flags = legacy_flags(text)
    duration = pick(body, "duration", flags.get("duration"), 5)
    resolution = pick(body, "resolution", flags.get("resolution"), spec.default_resolution)
    frames_mode = any(role in ("first_frame", "last_frame", None) for _, role, _ in images)
    ratio = pick(
        body, "ratio", flags.get("ratio"), "adaptive" if frames_mode and images else "16:9"
    )
    seed = pick(body, "seed", flags.get("seed"), -1)
    if "frames" in body and "duration" in body:
        raise bad("`frames` and `duration` cannot both be set", "frames")
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise bad("`duration` must be an integer", "duration")
    if duration == -1 and spec.auto_duration:
        duration = 5  # "the model picks"
    elif not spec.durations[0] <= duration <= spec.durations[1]:
        lo, hi = spec.durations
        raise bad(f"duration {duration} is not supported by {model} ({lo}-{hi})", "duration")
    if resolution not in spec.resolutions:
        raise bad(f"resolution {resolution} is not supported by {model}", "resolution")
    if ratio == "adaptive":
        ratio = nearest_ratio(*images[0][2]) if images else "16:9"
    if ratio not in RATIOS:
        raise bad(f"ratio {ratio} is not supported", "ratio")
    if isinstance(seed, bool) or not isinstance(seed, int) or not -1 <= seed <= 4294967295:
        raise bad("`seed` must be an integer in [-1, 4294967295]", "seed")
    expires = body.get("execution_expires_after", 172_800)
    if isinstance(expires, bool) or not isinstance(expires, int):
        raise bad("`execution_expires_after` must be an integer", "execution_expires_after")
    if not 3600 <= expires <= 259_200:
        raise bad(
            "`execution_expires_after` must be within [3600, 259200]",
            "execution_expires_after",
        )
    for name in ("generate_audio", "return_last_frame", "watermark", "camera_fixed"):
        if name in body and not isinstance(body[name], bool):
            raise bad(f"`{name}` must be a boolean", name)
    tier = body.get("service_tier", "default")
    if tier not in ("default", "flex"):
        raise bad(f"service_tier {tier!r} is not supported", "service_tier")
    safety = body.get("safety_identifier")
    return TaskParams(
        duration=duration,
        resolution=str(resolution),
        ratio=str(ratio),
        seed=seed,
        generate_audio=bool(body.get("generate_audio", True)),
        return_last_frame=bool(body.get("return_last_frame", False)),
        expires_after=expires,
        service_tier=str(tier),
        safety_identifier=str(safety) if safety is not None else None,
    )


def check_content(
    content: list[Any],
    spec: FakeModelSpec,
    model: str,
    image_size: Callable[[object, int], tuple[int, int]],
) -> tuple[str, list[tuple[int, str | None, tuple[int, int]]], int, list[str | None]]:
    """Check the content items; return the text, the images (index, role, size), the
    number of videos and the audio roles."""
    texts: list[str] = []
    images: list[tuple[int, str | None, tuple[int, int]]] = []
    videos = 0
    audios: list[str | None] = []
    for i, item in enumerate(content):
        if not isinstance(item, dict):
            raise bad(f"content[{i}] must be an object", f"content[{i}]")
        kind = item.get("type")
        if kind not in CONTENT_TYPES:
            raise bad(
                f"invalid content type {kind!r}; supported types: {', '.join(CONTENT_TYPES)}",
                f"content[{i}].type",
            )
        role = item.get("role")
        if kind == "text":
            if not isinstance(item.get("text"), str):
                raise bad("text content needs a `text` string", f"content[{i}].text")
            texts.append(item["text"])
        elif kind == "image_url":
            if role is not None and role not in IMAGE_ROLES:
                raise bad("invalid role specified for image content", f"content[{i}].role")
            url = (item.get("image_url") or {}).get("url")
            images.append((i, role, image_size(url, i)))
        elif kind == "video_url":
            if role not in (None, "reference_video"):
                raise bad("invalid role specified for video content", f"content[{i}].role")
            videos += 1
        elif kind == "audio_url":
            audios.append(role)
    if len(texts) > 1:
        raise bad("only one text content is allowed", "content")
    roles = [role for _, role, _ in images]
    if len(images) > 1 and any(role is None for role in roles):
        raise bad("role must be specified for image contents", "content")
    framed = [r for r in roles if r in ("first_frame", "last_frame", None)]
    referenced = [r for r in roles if r == "reference_image"]
    if framed and (referenced or videos or audios):
        raise bad("first/last frame content cannot be mixed with reference media content")
    if referenced or videos or audios:
        if not spec.reference_mode:
            raise bad(f"the specified task_type r2v does not support model {model}", "task_type")
        if any(r != "reference_audio" for r in audios):
            raise bad("reference media mode requires audio role to be reference_audio")
        if audios and not (referenced or videos):
            # ⚠ wording not captured; the rule itself is documented.
            raise bad("reference audio requires at least one reference image or video")
        if len(referenced) > spec.max_images:
            raise bad(f"at most {spec.max_images} reference images are allowed", "content")
        if videos > spec.max_videos or len(audios) > spec.max_audios:
            raise bad("too many reference videos or audios", "content")
        if len(referenced) + videos + len(audios) > spec.max_files:
            raise bad(f"at most {spec.max_files} reference files are allowed", "content")
    if framed:
        if len(framed) > 2 or framed.count("first_frame") > 1 or framed.count("last_frame") > 1:
            raise bad("at most one first frame and one last frame are allowed", "content")
        if "last_frame" in framed and "first_frame" not in framed:
            raise bad("a last frame requires a first frame", "content")
    return (texts[0] if texts else ""), images, videos, audios


def check_image(url: object, index: int) -> tuple[int, int]:
    """Decode a content image (a data URL; an ``asset://`` id passes) and check the
    documented limits: format, 30 MB, short side > 300 px, long side < 6000 px, aspect
    0.4-2.5. Its size, or :class:`ApiError` (400)."""
    from PIL import Image, UnidentifiedImageError

    param = f"content[{index}].image_url"
    if not isinstance(url, str) or not url:
        raise bad("image_url.url is missing", param, "MissingParameter")
    if url.startswith("asset://"):
        return (1280, 720)
    data, declared = data_url_bytes(url, param, max_bytes=MAX_IMAGE_BYTES)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = (img.format or "").lower()
            w, h = img.size
    except (UnidentifiedImageError, OSError):
        raise bad(f"{param}: image cannot be decoded", param) from None
    check_format(declared, fmt, param)
    if min(w, h) <= 300 or max(w, h) >= 6000 or not 0.4 <= w / h <= 2.5:
        # ⚠ message wording not captured; the limits are documented.
        raise bad(
            f"{param}: image size {w}x{h} is out of range (short side > 300 px, long side "
            "< 6000 px, aspect 0.4-2.5)",
            param,
        )
    return (w, h)


def pick(body: Mapping[str, Any], name: str, flag: object, default: object) -> Any:
    """A parameter from the JSON body, else the prompt's legacy flag, else the default."""
    if name in body and body[name] is not None:
        return body[name]
    return default if flag is None else flag


_FLAG = re.compile(r"--(\w+)\s+(\S+)")
_FLAG_NAMES = {
    "rs": "resolution",
    "resolution": "resolution",
    "rt": "ratio",
    "ratio": "ratio",
    "dur": "duration",
    "duration": "duration",
    "seed": "seed",
}


def legacy_flags(text: str) -> dict[str, object]:
    """``--rs 720p --rt 16:9 --dur 5 --seed 11`` appended to a prompt (the old way)."""
    flags: dict[str, object] = {}
    for name, value in _FLAG.findall(text):
        key = _FLAG_NAMES.get(name)
        if key in ("duration", "seed"):
            try:
                flags[key] = int(value)
            except ValueError:
                continue
        elif key:
            flags[key] = value
    return flags


def strip_media(body: dict[str, Any]) -> dict[str, Any]:
    """The body with data URLs replaced by their digest (keeps long runs small)."""
    out = dict(body)
    items = []
    for item in body.get("content") or []:
        if isinstance(item, dict) and item.get("type") == "image_url":
            url = str((item.get("image_url") or {}).get("url", ""))
            digest = hashlib.sha256(url.encode()).hexdigest()
            item = {**item, "image_url": {"url": f"sha256:{digest}"}}
        items.append(item)
    out["content"] = items
    return out
