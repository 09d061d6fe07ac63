"""The fake ModelArk's state behind the wire: tasks, images, counters, and the files they deliver.

:class:`ModelArkState` is what the HTTP layer (:mod:`.fake_modelark_http`) calls into from its
handler threads: it validates creates (by :mod:`.fake_seedance_tasks`), keeps the tasks (each one
a :class:`~.fake_ark_task.FakeTask`), answers reads, lists and deletes, and finds the file behind a
result URL. :class:`~.fake_modelark.FakeModelArk` adds the server on top; the contract both
follow is described there.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from shortfilm.testing.clock import Latency
from shortfilm.testing.fake_ark_api import OPS, RESULTS, ApiError, bad, not_found
from shortfilm.testing.fake_ark_task import FakeTask, TaskQuery, new_task_id, task_json
from shortfilm.testing.fake_media import result_video
from shortfilm.testing.fake_seedance_tasks import (
    DEFAULT_MODELS,
    FakeModelSpec,
    check_image,
    check_task,
    strip_media,
)
from shortfilm.testing.fake_seedream import (
    DEFAULT_IMAGE_MODELS,
    FakeImageModelSpec,
    GeneratedImage,
    SeedreamImages,
)
from shortfilm.testing.server import FAULTS


class ModelArkState(SeedreamImages):
    """The fake service behind the wire; :class:`~.fake_modelark.FakeModelArk` serves it.

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
        self._tasks: dict[str, FakeTask] = {}
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
        self._images: dict[str, GeneratedImage] = {}
        self._image_failures: deque[tuple[str, str]] = deque()

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
        (not deleted) tasks per status now; ``max_in_flight`` is the most tasks the account had
        queued or running at one moment so far (what a provider's concurrency limit counts).
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
                "max_in_flight": _most_at_once(self._tasks.values(), now),
            }

    def task_json(self, task_id: str) -> dict[str, Any]:
        """What GET would answer now (also for a deleted task)."""
        with self._lock:
            return self._task_json(self._tasks[task_id])

    # Request handling (called from the handler threads) --------------------------------------

    def _check_auth(self, header: str | None) -> None:
        missing = "the API key or AK/SK in the request is missing or invalid"
        if not header:
            raise ApiError(401, "AuthenticationError", missing)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise ApiError(401, "AuthenticationError", "The API key format is incorrect")
        if self.api_keys is not None and token not in self.api_keys:
            raise ApiError(401, "AuthenticationError", missing)

    def _draw(self, value: Latency) -> float:
        return float(value()) if callable(value) else float(value)

    def _create(self, body: object) -> FakeTask:
        """Validate a create body and store the task (caller holds no lock)."""
        if not isinstance(body, dict):
            raise bad("the request body must be a JSON object")
        received = body
        # The official SDK sends every optional field, null when unset: null means absent.
        body = {k: v for k, v in body.items() if v is not None}
        model = body.get("model")
        if not model:
            raise bad("the parameter `model` is missing", "model", "MissingParameter")
        if not isinstance(model, str) or model not in self.models:
            raise ApiError(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model or endpoint {model} does not exist or you do not have access to it.",
            )
        params = check_task(body, self.models[model], model, self._image_size)
        with self._lock:
            queued = sum(
                1
                for t in self._tasks.values()
                if not t.deleted and t.state(self.clock())[0] == "queued"
            )
            if queued >= self.max_queued:
                # ⚠ the code past the 120-queued-task limit was never observed.
                raise ApiError(
                    429,
                    "QuotaExceeded.QueuedTasks",
                    f"you have {queued} queued tasks; the limit is {self.max_queued}",
                )
            now = self.clock()
            self._seq += 1
            task = FakeTask(
                id=new_task_id(now, self._rng, self._tasks),
                seq=self._seq,
                model=model,
                body=received if self.keep_bodies else strip_media(received),
                created=now,
                queue_s=max(0.0, self._draw(self.queue_s)),
                run_s=max(0.0, self._draw(self.latency)),
                duration=params.duration,
                resolution=params.resolution,
                ratio=params.ratio,
                seed=params.seed if params.seed != -1 else self._rng.randint(0, 2**31 - 1),
                generate_audio=params.generate_audio,
                return_last_frame=params.return_last_frame,
                expires_after=params.expires_after,
                service_tier=params.service_tier,
                safety_identifier=params.safety_identifier,
                failure=self._failures.popleft() if self._failures else None,
            )
            self._tasks[task.id] = task
            self.tasks_created += 1
            return task

    def _image_size(self, url: object, index: int) -> tuple[int, int]:
        """Decode a data-URL image and check the documented limits; return its size.

        A data URL the fake has already accepted is not decoded again: the answer depends on
        the URL alone, and every take of a production sends the same board images. The service
        decodes on its own machines; the fake shares ours with the client it is testing, so it
        should not bill the client's benchmark for the same 2 MB of base64 sixty times.
        """
        if isinstance(url, str) and url in self._accepted_images:
            return self._accepted_images[url]
        size = check_image(url, index)
        if isinstance(url, str):
            with self._lock:
                if len(self._accepted_images) >= 64:
                    self._accepted_images.clear()
                self._accepted_images[url] = size
        return size

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        return task_json(task, self.clock(), self._result_url)

    def _result_url(self, task: FakeTask, name: str) -> str:
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
        wanted = TaskQuery.parse(query)
        with self._lock:
            rows = []
            for task in sorted(self._tasks.values(), key=lambda t: t.seq, reverse=True):
                if not wanted.listed(task):
                    continue
                data = self._task_json(task)
                if wanted.status and data["status"] != wanted.status:
                    continue
                rows.append(data)
        return wanted.page(rows)

    def _delete(self, task_id: str) -> dict[str, Any]:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.deleted:
                raise not_found(task_id)
            status, _ = task.state(self.clock())
            if status == "queued":
                task.cancelled_at = self.clock()
            elif status in ("succeeded", "failed", "expired"):
                task.deleted = True
            else:
                # ⚠ the real error for a running (or already cancelled) task is unknown.
                raise ApiError(
                    409,
                    "OperationDenied.InvalidState",
                    f"the task is {status} and cannot be cancelled or deleted",
                )
        return {}

    def _get(self, task_id: str) -> dict[str, Any]:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.deleted:
                raise not_found(task_id)
            return self._task_json(task)

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


__all__ = ["ModelArkState"]


def _most_at_once(tasks: Iterable[FakeTask], now: float) -> int:
    """The most tasks between their creation and their end (finished, cancelled) at one moment
    up to ``now``: a sweep over the intervals' edges, an end before a start at the same time."""
    edges: list[tuple[float, int]] = []
    for task in tasks:
        end = task.cancelled_at if task.cancelled_at is not None else task.state(now)[1]
        if task.state(now)[0] in {"queued", "running"}:
            end = now
        edges += [(task.created, 1), (end, -1)]
    most = level = 0
    for _, step in sorted(edges):
        level += step
        most = max(most, level)
    return most
