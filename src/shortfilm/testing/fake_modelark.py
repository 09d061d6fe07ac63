"""A fake BytePlus ModelArk / Volcengine Ark content-generation API, over real HTTP on 127.0.0.1.

It implements the contract collected in ``shared/research/video-model-apis.md`` §1 (checklist
§1.11) closely enough that the adapter's tests and the official SDK both run against it:

- ``POST /api/v3/contents/generations/tasks`` -> ``{"id": "cgt-<yyyymmddhhmmss>-<5>"}`` after
  Bearer auth (401 ``AuthenticationError``), the model allow-list (404
  ``InvalidEndpointOrModel.NotFound``), required fields (400 ``MissingParameter``), content
  types and roles, the mode rules with the messages seen in live probes (400
  ``InvalidParameter``), image limits on data URLs, and the range of every top-level field.
  JSON fields win over legacy ``--rs/--rt/--dur/...`` prompt flags.
- ``GET .../tasks/{id}``: ``queued`` -> ``running`` -> ``succeeded`` (or ``failed`` when
  scripted; ``expired`` past ``execution_expires_after``), computed from the clock on every
  read, so a :class:`ManualClock` makes progression instant and exact. Like the real API, a
  task echoes only ``id``, ``model``, ``status``, timestamps, ``service_tier``,
  ``execution_expires_after``, ``generate_audio`` (and ``safety_identifier`` when sent), plus
  ``seed``/``resolution``/``ratio``/``duration``/``framespersecond``, ``content`` and ``usage``
  once succeeded. It never echoes the prompt or the images.
- ``usage`` follows the observed formula ``W*H/1024 * (24 * seconds + 1)`` on the output size.
- ``GET .../tasks`` with ``page_num``, ``page_size``, ``filter.status``, ``filter.model``,
  ``filter.task_ids`` (repeatable), ``filter.service_tier`` -> ``{"total", "items"}``, newest
  first.
- ``DELETE .../tasks/{id}``: queued -> ``cancelled``; succeeded/failed/expired -> deleted
  (404 afterwards); running or cancelled -> refused.
- Result URLs point back at this server (``/tos/<task>/video.mp4?X-Tos-...``): a real H.264
  MP4 (AAC when ``generate_audio``) of the task's duration and a PNG of its last frame,
  encoded once per duration/size with the wheel's ffmpeg, expiring ``result_ttl_s`` after the
  task finished (then 404).
- Error envelopes ``{"error": {"code", "message", "param", "type"}}`` with "Request id: ..." in
  the message and an ``x-request-id`` header.
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

Decisions where the public record is silent (⚠ in the research) are marked ⚠ below.

Faults are injected per operation (``create``, ``get``, ``list``, ``delete``, ``download``,
``images``),
scripted (:meth:`FakeModelArk.inject`) or at random (:meth:`FakeModelArk.set_fault_rate`):

``429``, ``500``, ``502``, ``503``
    an error envelope with that status; nothing happens.
``timeout``
    the server holds the request ``timeout_sleep_s`` (past the client's timeout), then drops
    the connection; nothing happens.
``timeout-created``
    (create) the task is created first, then the request is held and dropped: the client
    cannot know it was created.
``reset`` / ``reset-created``
    the connection is dropped without an answer, before / after creating the task.
``500-created``
    (create) the task is created, then a 500 is answered (a gateway failing after the backend
    accepted the request).
``malformed``
    a 200 whose JSON is cut short (for create: after the task was created).
``404``
    a 404 (for download: the result URL has "expired").

Counters (:attr:`FakeModelArk.create_calls`, ``tasks_created``, ``image_calls``,
``images_generated``, ``downloads`` per URL path, ``calls`` per operation; all of them from
:meth:`FakeModelArk.stats` or ``GET /_fake/stats``) say what really happened on the server.
Everything is thread-safe.

``python -m shortfilm.testing.fake_modelark`` runs it standalone (for a client process that a
test kills and restarts): it prints ``{"base_url": ...}`` as its first line, serves until
SIGTERM/SIGINT, then prints the counters as a JSON line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import math
import random
import re
import string
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shortfilm.testing.fake_media import result_video
from shortfilm.testing.seedance_output import FPS, RATIOS, nearest_ratio, output_size
from shortfilm.testing.server import FakeHandler, FakeServerBase, TrackingServer

log = logging.getLogger(__name__)

API_PREFIX = "/api/v3"
TASKS = API_PREFIX + "/contents/generations/tasks"
RESULTS = "/tos"
IMAGES = API_PREFIX + "/images/generations"
STATS = "/_fake/stats"
"""Not part of the API: the counters, for a test or bench running the fake in another process."""

OPS = ("create", "get", "list", "delete", "download", "images")
FAULTS = (
    "429",
    "500",
    "502",
    "503",
    "timeout",
    "timeout-created",
    "reset",
    "reset-created",
    "500-created",
    "malformed",
    "404",
)
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
class _GeneratedImage:
    """An image made by ``/images/generations``, kept for its result URL."""

    id: str
    name: str
    """The last segment of its URL (``image.jpeg``)."""
    file: Path
    content_type: str
    created: float


class ManualClock:
    """A clock that moves only when told: ``clock()`` -> unix seconds; ``advance(s)``."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


Latency = float | Callable[[], float]
"""Seconds, fixed or drawn per task (e.g. ``lambda: rng.uniform(2, 4)``)."""


@dataclass
class _Task:
    id: str
    seq: int
    model: str
    body: dict[str, Any]
    created: float
    queue_s: float
    run_s: float
    duration: int
    resolution: str
    ratio: str
    seed: int
    generate_audio: bool
    return_last_frame: bool
    expires_after: int
    service_tier: str
    safety_identifier: str | None
    failure: tuple[str, str] | None
    cancelled_at: float | None = None
    deleted: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return output_size(self.resolution, self.ratio)

    def state(self, now: float) -> tuple[str, float]:
        """``(status, since)`` at ``now``."""
        if self.cancelled_at is not None:
            return "cancelled", self.cancelled_at
        start = self.created + self.queue_s
        done = start + self.run_s
        deadline = self.created + self.expires_after
        if now >= deadline and done > deadline:
            return "expired", deadline
        if now < start:
            return "queued", self.created
        if now < done:
            return "running", start
        return ("failed" if self.failure else "succeeded"), done


class _ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, param: str = "", kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.kind = kind or {
            400: "BadRequest",
            401: "Unauthorized",
            404: "NotFound",
            409: "Conflict",
            429: "TooManyRequests",
        }.get(status, "InternalServerError")


def _bad(message: str, param: str = "", code: str = "InvalidParameter") -> _ApiError:
    return _ApiError(400, code, message, param=param)


class FakeModelArk(FakeServerBase):
    """The fake server. Use as a context manager, or :meth:`start` / :meth:`stop`.

    ``api_keys``: accepted keys (``None`` accepts any non-empty Bearer token). ``latency``:
    seconds a task runs; ``queue_s``: seconds it waits queued first (both fixed or drawn per
    task). ``clock``: unix seconds (a :class:`ManualClock` for virtual time).
    ``result_ttl_s``: how long result URLs live after a task finishes. ``timeout_sleep_s``:
    how long a ``timeout`` fault holds a request (real seconds; make it exceed the client's
    timeout). ``media_dir``: where the result videos are cached (shared between servers to
    encode each duration once per test session); ``media_scale`` shrinks their pixels (the
    reported resolution stays the API's). ``max_queued``: the account's queue limit.
    ``image_models``: the image-model allow-list of ``/images/generations``; ``image_format``:
    what it delivers (``jpeg``, as documented, or ``png``).
    """

    name = "FakeModelArk"
    ops = OPS
    faults = FAULTS
    created_ops = ("create", "images")
    """An image is billed once generated, like a task once created: both can lose the answer."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
        models: Mapping[str, FakeModelSpec] | None = None,
        latency: Latency = 0.0,
        queue_s: Latency = 0.0,
        clock: Callable[[], float] = time.time,
        result_ttl_s: float = 86_400.0,
        timeout_sleep_s: float = 3.0,
        media_dir: Path | None = None,
        media_scale: float = 0.25,
        max_queued: int = 120,
        keep_bodies: bool = True,
        seed: int = 0,
        image_models: Mapping[str, FakeImageModelSpec] | None = None,
        image_format: str = "jpeg",
    ) -> None:
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.models = dict(DEFAULT_MODELS if models is None else models)
        self.latency = latency
        self.queue_s = queue_s
        self.clock = clock
        self.result_ttl_s = result_ttl_s
        self.timeout_sleep_s = timeout_sleep_s
        self.media_scale = media_scale
        self.max_queued = max_queued
        self.keep_bodies = keep_bodies
        self._rng = random.Random(seed)
        self._secret = uuid.uuid4().bytes
        super().__init__(media_dir=media_dir, media_prefix="ark-", seed=seed)
        self._tasks: dict[str, _Task] = {}
        self._accepted_images: dict[str, tuple[int, int]] = {}
        """Data URLs already decoded and found within the limits, with their size."""
        self._seq = 0
        self._failures: deque[tuple[str, str]] = deque()
        self.calls: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        self.downloads: Counter[str] = Counter()
        self.resumed_downloads: Counter[str] = Counter()
        """Range requests that continued a broken transfer (the rest of a file, or nothing)."""
        self.create_calls = 0
        self.tasks_created = 0
        self.requests: list[dict[str, Any]] = []
        """Every create body received (after JSON parsing), faulted ones included."""
        self.image_models = dict(DEFAULT_IMAGE_MODELS if image_models is None else image_models)
        self.image_format = image_format
        """What ``/images/generations`` delivers: ``jpeg`` (the documented format) or ``png``."""
        self.image_calls = 0
        """Every ``POST /images/generations`` received, faulted ones included."""
        self.images_generated = 0
        """Images made (and, on the real service, billed), answers lost or not."""
        self.image_requests: list[dict[str, Any]] = []
        """Every image-generation body received (data URLs kept when ``keep_bodies``)."""
        self._images: dict[str, _GeneratedImage] = {}
        self._image_failures: deque[tuple[str, str]] = deque()

    def _new_server(self, address: tuple[str, int]) -> TrackingServer:
        return _Server(address, _Handler)

    @property
    def base_url(self) -> str:
        """The API base, as the adapter and the SDK take it (``.../api/v3``)."""
        return self.origin + API_PREFIX

    # Faults and outcomes ---------------------------------------------------------------------

    def fail_next_tasks(
        self,
        count: int = 1,
        *,
        code: str = "OutputVideoSensitiveContentDetected",
        message: str = "The request failed because the output video may contain sensitive "
        "information.",
    ) -> None:
        """The next ``count`` tasks created end ``failed`` with this error (⚠ codes of real
        content-filter failures were never captured; this one is modelled on the docs)."""
        with self._lock:
            self._failures.extend([(code, message)] * count)

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

    # Inspection ------------------------------------------------------------------------------

    def task_ids(self, *, include_deleted: bool = False) -> list[str]:
        with self._lock:
            return [t.id for t in self._tasks.values() if include_deleted or not t.deleted]

    def task_body(self, task_id: str) -> dict[str, Any]:
        """The create body a task was made from (what the API received, images included)."""
        with self._lock:
            return self._tasks[task_id].body

    def stats(self) -> dict[str, Any]:
        """Counters as JSON-able data: what really happened on the server.

        ``downloads`` counts successful downloads per result path; ``tasks`` counts the live
        (not deleted) tasks per status now.
        """
        with self._lock:
            now = self.clock()
            statuses = Counter(t.state(now)[0] for t in self._tasks.values() if not t.deleted)
            return {
                "create_calls": self.create_calls,
                "tasks_created": self.tasks_created,
                "image_calls": self.image_calls,
                "images_generated": self.images_generated,
                "calls": dict(self.calls),
                "faults": dict(self.faults_served),
                "downloads": dict(self.downloads),
                "resumed_downloads": dict(self.resumed_downloads),
                "tasks": dict(statuses),
            }

    def task_json(self, task_id: str) -> dict[str, Any]:
        """What GET would answer now (also for a deleted task)."""
        with self._lock:
            return self._task_json(self._tasks[task_id])

    # Request handling (called from the handler threads) --------------------------------------

    def _check_auth(self, header: str | None) -> None:
        missing = "the API key or AK/SK in the request is missing or invalid"
        if not header:
            raise _ApiError(401, "AuthenticationError", missing)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise _ApiError(401, "AuthenticationError", "The API key format is incorrect")
        if self.api_keys is not None and token not in self.api_keys:
            raise _ApiError(401, "AuthenticationError", missing)

    def _draw(self, value: Latency) -> float:
        return float(value()) if callable(value) else float(value)

    def _create(self, body: object) -> _Task:
        """Validate a create body and store the task (caller holds no lock)."""
        if not isinstance(body, dict):
            raise _bad("the request body must be a JSON object")
        received = body
        # The official SDK sends every optional field, null when unset: null means absent.
        body = {k: v for k, v in body.items() if v is not None}
        model = body.get("model")
        if not model:
            raise _bad("the parameter `model` is missing", "model", "MissingParameter")
        if not isinstance(model, str) or model not in self.models:
            raise _ApiError(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model or endpoint {model} does not exist or you do not have access to it.",
            )
        spec = self.models[model]
        content = body.get("content")
        if not content:
            raise _bad("the parameter `content` is missing", "content", "MissingParameter")
        if not isinstance(content, list):
            raise _bad("`content` must be an array", "content")
        text, images, videos, audios = self._content(content, spec, model)
        flags = _legacy_flags(text)
        duration = _pick(body, "duration", flags.get("duration"), 5)
        resolution = _pick(body, "resolution", flags.get("resolution"), spec.default_resolution)
        frames_mode = any(role in ("first_frame", "last_frame", None) for _, role, _ in images)
        ratio = _pick(
            body, "ratio", flags.get("ratio"), "adaptive" if frames_mode and images else "16:9"
        )
        seed = _pick(body, "seed", flags.get("seed"), -1)
        if "frames" in body and "duration" in body:
            raise _bad("`frames` and `duration` cannot both be set", "frames")
        if isinstance(duration, bool) or not isinstance(duration, int):
            raise _bad("`duration` must be an integer", "duration")
        if duration == -1 and spec.auto_duration:
            duration = 5  # "the model picks"
        elif not spec.durations[0] <= duration <= spec.durations[1]:
            lo, hi = spec.durations
            raise _bad(f"duration {duration} is not supported by {model} ({lo}-{hi})", "duration")
        if resolution not in spec.resolutions:
            raise _bad(f"resolution {resolution} is not supported by {model}", "resolution")
        if ratio == "adaptive":
            ratio = nearest_ratio(*images[0][2]) if images else "16:9"
        if ratio not in RATIOS:
            raise _bad(f"ratio {ratio} is not supported", "ratio")
        if isinstance(seed, bool) or not isinstance(seed, int) or not -1 <= seed <= 4294967295:
            raise _bad("`seed` must be an integer in [-1, 4294967295]", "seed")
        expires = body.get("execution_expires_after", 172_800)
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise _bad("`execution_expires_after` must be an integer", "execution_expires_after")
        if not 3600 <= expires <= 259_200:
            raise _bad(
                "`execution_expires_after` must be within [3600, 259200]",
                "execution_expires_after",
            )
        for name in ("generate_audio", "return_last_frame", "watermark", "camera_fixed"):
            if name in body and not isinstance(body[name], bool):
                raise _bad(f"`{name}` must be a boolean", name)
        tier = body.get("service_tier", "default")
        if tier not in ("default", "flex"):
            raise _bad(f"service_tier {tier!r} is not supported", "service_tier")
        safety = body.get("safety_identifier")
        with self._lock:
            queued = sum(
                1
                for t in self._tasks.values()
                if not t.deleted and t.state(self.clock())[0] == "queued"
            )
            if queued >= self.max_queued:
                # ⚠ the code past the 120-queued-task limit was never observed.
                raise _ApiError(
                    429,
                    "QuotaExceeded.QueuedTasks",
                    f"you have {queued} queued tasks; the limit is {self.max_queued}",
                )
            now = self.clock()
            self._seq += 1
            task = _Task(
                id=self._new_id(now),
                seq=self._seq,
                model=model,
                body=received if self.keep_bodies else _strip_media(received),
                created=now,
                queue_s=max(0.0, self._draw(self.queue_s)),
                run_s=max(0.0, self._draw(self.latency)),
                duration=duration,
                resolution=str(resolution),
                ratio=str(ratio),
                seed=seed if seed != -1 else self._rng.randint(0, 2**31 - 1),
                generate_audio=bool(body.get("generate_audio", True)),
                return_last_frame=bool(body.get("return_last_frame", False)),
                expires_after=expires,
                service_tier=str(tier),
                safety_identifier=str(safety) if safety is not None else None,
                failure=self._failures.popleft() if self._failures else None,
            )
            self._tasks[task.id] = task
            self.tasks_created += 1
            return task

    def _content(
        self, content: list[Any], spec: FakeModelSpec, model: str
    ) -> tuple[str, list[tuple[int, str | None, tuple[int, int]]], int, list[str | None]]:
        """Check the content items; return the text, the images (index, role, size), the
        number of videos and the audio roles."""
        texts: list[str] = []
        images: list[tuple[int, str | None, tuple[int, int]]] = []
        videos = 0
        audios: list[str | None] = []
        for i, item in enumerate(content):
            if not isinstance(item, dict):
                raise _bad(f"content[{i}] must be an object", f"content[{i}]")
            kind = item.get("type")
            if kind not in CONTENT_TYPES:
                raise _bad(
                    f"invalid content type {kind!r}; supported types: {', '.join(CONTENT_TYPES)}",
                    f"content[{i}].type",
                )
            role = item.get("role")
            if kind == "text":
                if not isinstance(item.get("text"), str):
                    raise _bad("text content needs a `text` string", f"content[{i}].text")
                texts.append(item["text"])
            elif kind == "image_url":
                if role is not None and role not in IMAGE_ROLES:
                    raise _bad("invalid role specified for image content", f"content[{i}].role")
                url = (item.get("image_url") or {}).get("url")
                images.append((i, role, self._image_size(url, i)))
            elif kind == "video_url":
                if role not in (None, "reference_video"):
                    raise _bad("invalid role specified for video content", f"content[{i}].role")
                videos += 1
            elif kind == "audio_url":
                audios.append(role)
        if len(texts) > 1:
            raise _bad("only one text content is allowed", "content")
        roles = [role for _, role, _ in images]
        if len(images) > 1 and any(role is None for role in roles):
            raise _bad("role must be specified for image contents", "content")
        framed = [r for r in roles if r in ("first_frame", "last_frame", None)]
        referenced = [r for r in roles if r == "reference_image"]
        if framed and (referenced or videos or audios):
            raise _bad("first/last frame content cannot be mixed with reference media content")
        if referenced or videos or audios:
            if not spec.reference_mode:
                raise _bad(
                    f"the specified task_type r2v does not support model {model}", "task_type"
                )
            if any(r != "reference_audio" for r in audios):
                raise _bad("reference media mode requires audio role to be reference_audio")
            if audios and not (referenced or videos):
                # ⚠ wording not captured; the rule itself is documented.
                raise _bad("reference audio requires at least one reference image or video")
            if len(referenced) > spec.max_images:
                raise _bad(f"at most {spec.max_images} reference images are allowed", "content")
            if videos > spec.max_videos or len(audios) > spec.max_audios:
                raise _bad("too many reference videos or audios", "content")
            if len(referenced) + videos + len(audios) > spec.max_files:
                raise _bad(f"at most {spec.max_files} reference files are allowed", "content")
        if framed:
            if len(framed) > 2 or framed.count("first_frame") > 1 or framed.count("last_frame") > 1:
                raise _bad("at most one first frame and one last frame are allowed", "content")
            if "last_frame" in framed and "first_frame" not in framed:
                raise _bad("a last frame requires a first frame", "content")
        return (texts[0] if texts else ""), images, videos, audios

    def _image_size(self, url: object, index: int) -> tuple[int, int]:
        """Decode a data-URL image and check the documented limits; return its size.

        A data URL the fake has already accepted is not decoded again: the answer depends on
        the URL alone, and every take of a production sends the same board images. The service
        decodes on its own machines; the fake shares ours with the client it is testing, so it
        should not bill the client's benchmark for the same 2 MB of base64 sixty times.
        """
        if isinstance(url, str) and url in self._accepted_images:
            return self._accepted_images[url]
        size = self._check_image(url, index)
        if isinstance(url, str):
            with self._lock:
                if len(self._accepted_images) >= 64:
                    self._accepted_images.clear()
                self._accepted_images[url] = size
        return size

    def _check_image(self, url: object, index: int) -> tuple[int, int]:
        from PIL import Image, UnidentifiedImageError

        param = f"content[{index}].image_url"
        if not isinstance(url, str) or not url:
            raise _bad("image_url.url is missing", param, "MissingParameter")
        if url.startswith("asset://"):
            return (1280, 720)
        match = re.fullmatch(r"data:image/([a-z]+);base64,(.*)", url, flags=re.DOTALL)
        if match is None:
            # The real service downloads http(s) URLs at submit time; the fake has no internet.
            raise _bad(f"{param}: resource download failed", param)
        try:
            data = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"{param}: invalid base64 data", param) from None
        if len(data) > MAX_IMAGE_BYTES:
            raise _bad(f"{param}: image larger than 30 MB", param)
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = (img.format or "").lower()
                w, h = img.size
        except (UnidentifiedImageError, OSError):
            raise _bad(f"{param}: image cannot be decoded", param) from None
        allowed = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
        declared = match.group(1).replace("jpg", "jpeg")
        if fmt not in allowed or declared != fmt:
            raise _bad(f"{param}: image format {declared}/{fmt} is not supported", param)
        if min(w, h) <= 300 or max(w, h) >= 6000 or not 0.4 <= w / h <= 2.5:
            # ⚠ message wording not captured; the limits are documented.
            raise _bad(
                f"{param}: image size {w}x{h} is out of range (short side > 300 px, long side "
                "< 6000 px, aspect 0.4-2.5)",
                param,
            )
        return (w, h)

    def _new_id(self, now: float) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
        alphabet = string.ascii_lowercase + string.digits
        while True:
            task_id = f"cgt-{stamp}-{''.join(self._rng.choices(alphabet, k=5))}"
            if task_id not in self._tasks:
                return task_id

    def _task_json(self, task: _Task) -> dict[str, Any]:
        status, since = task.state(self.clock())
        data: dict[str, Any] = {
            "id": task.id,
            "model": task.model,
            "status": status,
            "created_at": int(task.created),
            "updated_at": int(since),
            "service_tier": task.service_tier,
            "execution_expires_after": task.expires_after,
            "generate_audio": task.generate_audio,
            "draft": False,
            "priority": 0,
        }
        if task.safety_identifier is not None:
            data["safety_identifier"] = task.safety_identifier
        if status == "succeeded":
            w, h = task.size
            tokens = math.floor(w * h * (FPS * task.duration + 1) / 1024)
            content = {"video_url": self._result_url(task, "video.mp4")}
            if task.return_last_frame:
                content["last_frame_url"] = self._result_url(task, "last_frame.png")
            data.update(
                content=content,
                usage={"completion_tokens": tokens, "total_tokens": tokens},
                seed=task.seed,
                resolution=task.resolution,
                ratio=task.ratio,
                duration=task.duration,
                framespersecond=FPS,
            )
        elif status == "failed" and task.failure:
            code, message = task.failure
            data["error"] = {"code": code, "message": message}
        elif status == "expired":
            # ⚠ the expired payload was never captured.
            data["error"] = {"code": "TaskExpired", "message": "the task timed out in the queue"}
        return data

    def _result_url(self, task: _Task, name: str) -> str:
        ttl = int(self.result_ttl_s)
        signature = self._sign(task.id, name)
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(task.state(self.clock())[1]))
        return (
            f"{self.origin}{RESULTS}/{task.id}/{name}?X-Tos-Algorithm=TOS4-HMAC-SHA256"
            f"&X-Tos-Date={date}&X-Tos-Expires={ttl}&X-Tos-Signature={signature}"
        )

    def _sign(self, task_id: str, name: str) -> str:
        return hmac.new(self._secret, f"{task_id}/{name}".encode(), hashlib.sha256).hexdigest()

    def _list(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        def one_int(name: str, default: int, lo: int, hi: int) -> int:
            raw = (query.get(name) or [str(default)])[-1]
            try:
                value = int(raw)
            except ValueError:
                raise _bad(f"`{name}` must be an integer", name) from None
            if not lo <= value <= hi:
                raise _bad(f"`{name}` must be within [{lo}, {hi}]", name)
            return value

        page_num = one_int("page_num", 1, 1, 10_000)
        page_size = one_int("page_size", 10, 1, 500)  # ⚠ the real maximum is undocumented

        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        status = last("filter.status")
        if status is not None and status not in STATUSES:
            raise _bad(f"filter.status {status!r} is not a task status", "filter.status")
        model = last("filter.model")
        tier = last("filter.service_tier")
        ids = set(query.get("filter.task_ids") or [])
        with self._lock:
            rows = []
            for task in sorted(self._tasks.values(), key=lambda t: t.seq, reverse=True):
                if task.deleted or (ids and task.id not in ids):
                    continue
                if (model and task.model != model) or (tier and task.service_tier != tier):
                    continue
                data = self._task_json(task)
                if status and data["status"] != status:
                    continue
                rows.append(data)
        start = (page_num - 1) * page_size
        return {"total": len(rows), "items": rows[start : start + page_size]}

    def _delete(self, task_id: str) -> dict[str, Any]:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.deleted:
                raise _not_found(task_id)
            status, _ = task.state(self.clock())
            if status == "queued":
                task.cancelled_at = self.clock()
            elif status in ("succeeded", "failed", "expired"):
                task.deleted = True
            else:
                # ⚠ the real error for a running (or already cancelled) task is unknown.
                raise _ApiError(
                    409,
                    "OperationDenied.InvalidState",
                    f"the task is {status} and cannot be cancelled or deleted",
                )
        return {}

    def _get(self, task_id: str) -> dict[str, Any]:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.deleted:
                raise _not_found(task_id)
            return self._task_json(task)

    def _generate_images(self, body: object) -> dict[str, Any]:
        """Validate an image-generation body, make the image(s), answer as the API does."""
        if not isinstance(body, dict):
            raise _bad("the request body must be a JSON object")
        # The official SDK sends every optional field, null when unset: null means absent.
        body = {k: v for k, v in body.items() if v is not None}
        model = body.get("model")
        if not model:
            raise _bad("the parameter `model` is missing", "model", "MissingParameter")
        if not isinstance(model, str) or model not in self.image_models:
            raise _ApiError(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model or endpoint {model} does not exist or you do not have access to it.",
            )
        spec = self.image_models[model]
        prompt = body.get("prompt")
        if not prompt:
            raise _bad("the parameter `prompt` is missing", "prompt", "MissingParameter")
        if not isinstance(prompt, str):
            raise _bad("`prompt` must be a string", "prompt")
        raw_images = body.get("image")
        urls: list[object] = []
        if raw_images is not None:
            urls = list(raw_images) if isinstance(raw_images, list) else [raw_images]
            if not urls:
                raise _bad("`image` must not be an empty array", "image")
        if urls and spec.max_images_in == 0:
            raise _bad(f"model {model} does not support image input", "image")
        if len(urls) > spec.max_images_in:
            raise _bad(
                f"at most {spec.max_images_in} reference images are allowed for {model}", "image"
            )
        inputs = [_seedream_image(url, i, len(urls) > 1) for i, url in enumerate(urls)]
        sequential = body.get("sequential_image_generation", "disabled")
        if "sequential_image_generation" in body and not spec.sequential:
            raise _bad(
                f"sequential_image_generation is not supported by {model}",
                "sequential_image_generation",
            )
        if sequential not in ("auto", "disabled"):
            raise _bad(
                f"sequential_image_generation {sequential!r} must be auto or disabled",
                "sequential_image_generation",
            )
        count = 1
        if sequential == "auto":
            options = body.get("sequential_image_generation_options") or {}
            wanted = options.get("max_images", 15) if isinstance(options, dict) else 15
            if isinstance(wanted, bool) or not isinstance(wanted, int) or not 1 <= wanted <= 15:
                raise _bad(
                    "`max_images` must be an integer in [1, 15]",
                    "sequential_image_generation_options.max_images",
                )
            # ⚠ the real model decides how many from the prompt; the fake makes max_images,
            # within the documented "inputs + outputs <= 15".
            count = min(wanted, MAX_SEEDREAM_OUTPUTS - len(inputs))
            if count < 1:
                raise _bad("reference images plus generated images exceed 15", "image")
        size = self._image_request_size(body.get("size"), spec, model, inputs)
        fmt = body.get("response_format", "url")
        if fmt not in ("url", "b64_json"):
            raise _bad(f"response_format {fmt!r} must be url or b64_json", "response_format")
        seed = body.get("seed", -1)
        if isinstance(seed, bool) or not isinstance(seed, int) or not -1 <= seed <= 2147483647:
            raise _bad("`seed` must be an integer in [-1, 2147483647]", "seed")
        # ⚠ the docs list `seed` for the 3.0 models only; whether 4.x refuses it is unknown,
        # so the fake accepts and ignores it there.
        if "watermark" in body and not isinstance(body["watermark"], bool):
            raise _bad("`watermark` must be a boolean", "watermark")
        if "guidance_scale" in body:
            scale = body["guidance_scale"]
            if not spec.guidance:
                raise _bad(f"guidance_scale is not supported by {model}", "guidance_scale")
            if isinstance(scale, bool) or not isinstance(scale, int | float):
                raise _bad("`guidance_scale` must be a number", "guidance_scale")
            if not 1 <= scale <= 10:
                raise _bad("`guidance_scale` must be within [1, 10]", "guidance_scale")
        if body.get("stream"):
            raise _bad("the fake does not implement streaming output", "stream")
        with self._lock:
            refusal = self._image_failures.popleft() if self._image_failures else None
        if refusal is not None:
            code, message = refusal
            raise _ApiError(400, code, message)
        now = self.clock()
        data: list[dict[str, Any]] = []
        pixels = 0
        for index in range(count):
            encoded, content_type = _draw_image(
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
            raise _bad("`size` must be a string", "size")
        if value == "adaptive" and spec.adaptive:
            return inputs[0][1] if inputs else spec.default_size
        if value in spec.presets:
            return spec.presets[value]
        match = re.fullmatch(r"(\d{1,5})[x*](\d{1,5})", value)
        if match is None:
            offered = ", ".join(spec.presets) or "none"
            raise _bad(
                f"size {value!r} is neither WxH nor a resolution {model} offers ({offered})",
                "size",
            )
        w, h = int(match.group(1)), int(match.group(2))
        if w <= 0 or h <= 0 or not 1 / 16 <= w / h <= 16:
            raise _bad(f"size {value}: aspect ratio must be within [1/16, 16]", "size")
        if not spec.min_pixels <= w * h <= spec.max_pixels:
            raise _bad(
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
            self._images[image_id] = _GeneratedImage(image_id, name, file, content_type, now)
        ttl = int(self.result_ttl_s)
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        return (
            f"{self.origin}{RESULTS}/{image_id}/{name}?X-Tos-Algorithm=TOS4-HMAC-SHA256"
            f"&X-Tos-Date={date}&X-Tos-Expires={ttl}"
            f"&X-Tos-Signature={self._sign(image_id, name)}"
        )

    def _result_file(self, task_id: str, name: str, signature: str) -> tuple[Path, str] | None:
        """The file behind a result URL, or ``None`` (404) when unknown or expired."""
        with self._lock:
            image = self._images.get(task_id)
            if image is not None:
                expired = self.clock() >= image.created + self.result_ttl_s
                if name != image.name or expired:
                    return None
                if not hmac.compare_digest(signature, self._sign(task_id, name)):
                    return None
                return image.file, image.content_type
            task = self._tasks.get(task_id)
            if task is None or name not in ("video.mp4", "last_frame.png"):
                return None
            status, since = task.state(self.clock())
            if status != "succeeded" or self.clock() >= since + self.result_ttl_s:
                return None
            if not hmac.compare_digest(signature, self._sign(task_id, name)):
                return None
            w, h = task.size
            key = (task.duration, w, h, task.generate_audio)
        video, png = self._media(*key)
        if name == "video.mp4":
            return video, "video/mp4"
        return png, "image/png"

    def _media(self, duration: int, width: int, height: int, audio: bool) -> tuple[Path, Path]:
        """A real H.264 (+AAC) MP4 of ``duration`` s and its last frame, encoded once."""
        video, png = result_video(
            self.media_dir,
            "seedance",
            duration,
            (width, height),
            audio=audio,
            scale=self.media_scale,
            last_frame=True,
        )
        assert png is not None
        return video, png


def _not_found(task_id: str) -> _ApiError:
    return _ApiError(
        404,
        "ResourceNotFound",
        f"The specified task {task_id} is not found.",
        kind="NotFound",
    )


def _pick(body: Mapping[str, Any], name: str, flag: object, default: object) -> Any:
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


def _legacy_flags(text: str) -> dict[str, object]:
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


def _strip_media(body: dict[str, Any]) -> dict[str, Any]:
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


def _strip_image(body: dict[str, Any]) -> dict[str, Any]:
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


def _seedream_image(url: object, index: int, listed: bool) -> tuple[Any, tuple[int, int]]:
    """Decode one ``image`` entry (a data URL) and check the documented Seedream limits:
    JPEG/PNG/WEBP/BMP/TIFF/GIF, at most 10 MB, both sides > 14 px, aspect 1/16-16, at most
    6000x6000 pixels. Returns the decoded image (RGB) and its size."""
    from PIL import Image, UnidentifiedImageError

    param = f"image[{index}]" if listed else "image"
    if not isinstance(url, str) or not url:
        raise _bad(f"{param} must be a non-empty string", param)
    match = re.fullmatch(r"data:image/([a-z]+);base64,(.*)", url, flags=re.DOTALL)
    if match is None:
        # The real service downloads http(s) URLs; the fake has no internet.
        raise _bad(f"{param}: resource download failed", param)
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"{param}: invalid base64 data", param) from None
    if len(data) > MAX_SEEDREAM_IMAGE_BYTES:
        raise _bad(f"{param}: image larger than 10 MB", param)
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt = (img.format or "").lower()
            picture = img.convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise _bad(f"{param}: image cannot be decoded", param) from None
    allowed = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
    declared = match.group(1).replace("jpg", "jpeg")
    if fmt not in allowed or declared != fmt:
        raise _bad(f"{param}: image format {declared}/{fmt} is not supported", param)
    w, h = picture.size
    if min(w, h) <= 14 or not 1 / 16 <= w / h <= 16 or w * h > 6000 * 6000:
        # ⚠ message wording not captured; the limits are documented.
        raise _bad(
            f"{param}: image size {w}x{h} is out of range (sides > 14 px, aspect 1/16-16, "
            "at most 6000x6000 pixels)",
            param,
        )
    return picture, (w, h)


def _draw_image(
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


# --- the HTTP layer ---------------------------------------------------------------------------


class _Server(TrackingServer):
    """The shared server, typed for this fake's handler and logging under its name."""

    logger = log
    label = "fake ModelArk"
    fake: FakeModelArk


class _Handler(FakeHandler):
    server_version = "FakeModelArk/1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake ModelArk: " + format, *args)

    # Dispatch --------------------------------------------------------------------------------

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        request_id = uuid.uuid4().hex[:24]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        try:
            if method == "GET" and path == STATS:
                self._json(200, fake.stats(), request_id)
                return
            if method == "GET" and path.startswith(RESULTS + "/"):
                self._download(fake, path, parts.query)
                return
            if path == TASKS and method == "POST":
                op = "create"
            elif path == TASKS and method == "GET":
                op = "list"
            elif path.startswith(TASKS + "/") and method in ("GET", "DELETE"):
                op = "get" if method == "GET" else "delete"
            elif path == IMAGES and method == "POST":
                op = "images"
            else:
                raise _ApiError(404, "NotFound", f"no route for {method} {path}")
            with fake._lock:
                fake.calls[op] += 1
                if op == "create":
                    fake.create_calls += 1
                elif op == "images":
                    fake.image_calls += 1
            fake._check_auth(self.headers.get("Authorization"))
            fault = fake._next_fault(op)
            if fault is not None:
                with fake._lock:
                    fake.faults_served[fault] += 1
            if op == "create":
                self._handle_create(fake, raw, fault, request_id)
                return
            if op == "images":
                self._handle_images(fake, raw, fault, request_id)
                return
            if fault is not None and self._pre_fault(fault, request_id):
                return
            task_id = path.rsplit("/", 1)[-1]
            if op == "list":
                result = fake._list(parse_qs(parts.query, keep_blank_values=True))
            elif op == "get":
                result = fake._get(task_id)
            else:
                result = fake._delete(task_id)
            if fault == "malformed":
                self._send(200, json.dumps(result).encode()[:-7], request_id)
                return
            self._json(200, result, request_id)
        except _ApiError as err:
            self._error(err, request_id)
        except Exception:
            log.exception("fake ModelArk: handler failed")
            self._error(_ApiError(500, "InternalServiceError", "internal error"), request_id)

    def _handle_create(self, fake: FakeModelArk, raw: bytes, fault: str | None, rid: str) -> None:
        if fault is not None and self._pre_fault(fault, rid):
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise _bad("the request body is not valid JSON") from None
        with fake._lock:
            fake.requests.append(body if fake.keep_bodies else _strip_media(body))
        task = fake._create(body)
        if fault in ("timeout-created", "reset-created"):
            if fault == "timeout-created":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
            return
        if fault == "malformed":
            self._send(200, f'{{"id": "{task.id}'.encode(), rid)
            return
        if fault == "500-created":
            self._error(_ApiError(500, "InternalServiceError", "injected 500"), rid)
            return
        self._json(200, {"id": task.id}, rid)

    def _handle_images(self, fake: FakeModelArk, raw: bytes, fault: str | None, rid: str) -> None:
        """``POST /images/generations``: the answer is the image, there is no task."""
        if fault is not None and self._pre_fault(fault, rid):
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise _bad("the request body is not valid JSON") from None
        with fake._lock:
            kept = body if fake.keep_bodies or not isinstance(body, dict) else _strip_image(body)
            fake.image_requests.append(kept)
        answer = fake._generate_images(body)
        if fault in ("timeout-created", "reset-created"):
            if fault == "timeout-created":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
            return
        if fault == "malformed":
            self._send(200, json.dumps(answer).encode()[:-7], rid)
            return
        if fault == "500-created":
            self._error(_ApiError(500, "InternalServiceError", "injected 500"), rid)
            return
        self._json(200, answer, rid)

    def _pre_fault(self, fault: str, rid: str) -> bool:
        """Serve a fault that happens instead of the operation; False for one that comes after
        it (a create's ``*-created`` and ``malformed``: the caller acts first)."""
        fake = self.server.fake
        creating = self.command == "POST"
        if creating and (fault.endswith("-created") or fault == "malformed"):
            return False
        if fault == "malformed":
            return False  # reads answer, then garble it
        base = fault.removesuffix("-created")
        if base in ("429", "500", "502", "503"):
            status = int(base)
            code = "RateLimitExceeded" if status == 429 else "InternalServiceError"
            self._error(_ApiError(status, code, f"injected {base}"), rid)
        elif base == "404":
            self._error(_not_found("injected"), rid)
        else:  # timeout or reset: hold the line (or not), then drop it without an answer
            if base == "timeout":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
        return True

    def _download(self, fake: FakeModelArk, path: str, query: str) -> None:
        with fake._lock:
            fake.calls["download"] += 1
        fault = fake._next_fault("download")
        if fault is not None:
            with fake._lock:
                fake.faults_served[fault] += 1
            if fault in ("timeout", "timeout-created", "reset", "reset-created"):
                if fault.startswith("timeout"):
                    fake._stop.wait(fake.timeout_sleep_s)
                self.close_connection = True
                return
            if fault in ("429", "500", "502", "503"):
                self._send(int(fault), b"", "", content_type="text/plain")
                return
            if fault == "404":
                self._send(404, _NO_SUCH_KEY, "", content_type="application/xml")
                return
        _, _, task_id, name = (path.split("/") + ["", "", "", ""])[:4]
        signature = (parse_qs(query).get("X-Tos-Signature") or [""])[-1]
        found = fake._result_file(task_id, name, signature)
        if found is None:
            self._send(404, _NO_SUCH_KEY, "", content_type="application/xml")
            return
        file, content_type = found
        start = self.range_start()
        with fake._lock:  # counted before answering: a client may read the counters at once
            if start > 0:  # a resumed transfer: only the rest is sent, not a second download
                fake.resumed_downloads[path] += 1
            else:
                fake.downloads[path] += 1
        # "malformed": the body stops halfway, a connection broken mid-download
        self.send_file(file.read_bytes(), content_type, start=start, cut_short=fault == "malformed")

    # Responses -------------------------------------------------------------------------------

    def _json(self, status: int, payload: object, rid: str) -> None:
        self._send(status, json.dumps(payload).encode(), rid)

    def _error(self, err: _ApiError, rid: str) -> None:
        body = {
            "error": {
                "code": err.code,
                "message": f"{err.message} Request id: {rid}",
                "param": err.param,
                "type": err.kind,
            }
        }
        self._json(err.status, body, rid)

    def _send(
        self,
        status: int,
        data: bytes,
        rid: str,
        *,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        """Answer with ``data``, naming the request id as the API does (when there is one)."""
        headers = {"x-request-id": rid} if rid else None
        self.send_bytes(status, data, content_type=content_type, headers=headers)


_NO_SUCH_KEY = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>'
    b"<Message>The specified key does not exist.</Message></Error>"
)


# --- standalone -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the fake until SIGTERM/SIGINT; first stdout line ``{"base_url": ...}``, last the
    counters."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m shortfilm.testing.fake_modelark")
    parser.add_argument("--api-key", action="append", help="accepted key (repeatable; any)")
    parser.add_argument("--latency", type=float, default=3.0, help="mean run seconds")
    parser.add_argument("--jitter", type=float, default=0.0, help="+- seconds, uniform")
    parser.add_argument("--queue", type=float, default=0.0, help="seconds queued first")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default="429,500,timeout")
    parser.add_argument("--fault-ops", default=",".join(OPS))
    parser.add_argument("--timeout-sleep", type=float, default=3.0)
    parser.add_argument("--media-dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    mean: float = args.latency
    jitter: float = args.jitter

    def latency() -> float:
        return max(0.0, mean + rng.uniform(-jitter, jitter))

    fake = FakeModelArk(
        api_keys=args.api_key,
        latency=latency,
        queue_s=args.queue,
        timeout_sleep_s=args.timeout_sleep,
        media_dir=args.media_dir,
        keep_bodies=False,
        seed=args.seed,
    )
    if args.fault_rate > 0:
        fake.set_fault_rate(
            args.fault_rate,
            kinds=args.fault_kinds.split(","),
            ops=args.fault_ops.split(","),
            seed=args.seed,
        )
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with fake:
        print(json.dumps({"base_url": fake.base_url, "origin": fake.origin}), flush=True)
        done.wait()
        print(json.dumps(fake.stats()), flush=True)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
