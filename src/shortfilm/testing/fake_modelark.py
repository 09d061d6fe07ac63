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
- ``POST /api/v3/images/generations`` (Seedream): see :mod:`.fake_seedream`.

The parts live beside this module: what a create must hold in :mod:`.fake_seedance_tasks`,
the HTTP layer in :mod:`.fake_modelark_http`, the routes and error envelope in
:mod:`.fake_ark_api`, the output sizes (by the research notes, not by the adapter) in
:mod:`.seedance_output`.

Decisions where the public record is silent (⚠ in the research) are marked ⚠ below.

Faults are injected per operation (``create``, ``get``, ``list``, ``delete``, ``download``,
``images``), scripted (:meth:`FakeModelArk.inject`) or at random
(:meth:`FakeModelArk.set_fault_rate`): ``429``, ``500``, ``502``, ``503`` (an error envelope;
nothing happens), ``timeout`` (held ``timeout_sleep_s``, past the client's timeout, then
dropped; nothing happens), ``reset`` (dropped at once), ``timeout-created`` /
``reset-created`` / ``500-created`` (create: the task is made first, then the answer is lost,
as when a gateway fails after the backend accepted the request), ``malformed`` (a 200 whose
JSON is cut short; for create after the task was made; for a download, a body broken off
halfway) and ``404`` (for a download: the result URL has "expired").

Counters (:attr:`FakeModelArk.create_calls`, ``tasks_created``, ``image_calls``,
``images_generated``, ``downloads`` per URL path, ``calls`` per operation; all of them from
:meth:`FakeModelArk.stats` or ``GET /_fake/stats``) say what really happened on the server.
Everything is thread-safe.

``python -m shortfilm.testing.fake_modelark`` runs it standalone (for a client process that a
test kills and restarts): it prints ``{"base_url": ...}`` as its first line, serves until
SIGTERM/SIGINT, then prints the counters as a JSON line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import string
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shortfilm.testing.clock import Latency
from shortfilm.testing.fake_ark_api import (
    API_PREFIX,
    OPS,
    RESULTS,
    ApiError,
    bad,
    not_found,
)
from shortfilm.testing.fake_media import result_video
from shortfilm.testing.fake_modelark_http import Handler, Server
from shortfilm.testing.fake_seedance_tasks import (
    DEFAULT_MODELS,
    STATUSES,
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
from shortfilm.testing.seedance_output import FPS, output_size
from shortfilm.testing.server import FAULTS, TrackingServer


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


class FakeModelArk(SeedreamImages):
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
        self._images: dict[str, GeneratedImage] = {}
        self._image_failures: deque[tuple[str, str]] = deque()

    def _new_server(self, address: tuple[str, int]) -> TrackingServer:
        return Server(address, Handler)

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
            raise ApiError(401, "AuthenticationError", missing)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise ApiError(401, "AuthenticationError", "The API key format is incorrect")
        if self.api_keys is not None and token not in self.api_keys:
            raise ApiError(401, "AuthenticationError", missing)

    def _draw(self, value: Latency) -> float:
        return float(value()) if callable(value) else float(value)

    def _create(self, body: object) -> _Task:
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
            task = _Task(
                id=self._new_id(now),
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
                raise bad(f"`{name}` must be an integer", name) from None
            if not lo <= value <= hi:
                raise bad(f"`{name}` must be within [{lo}, {hi}]", name)
            return value

        page_num = one_int("page_num", 1, 1, 10_000)
        page_size = one_int("page_size", 10, 1, 500)  # ⚠ the real maximum is undocumented

        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        status = last("filter.status")
        if status is not None and status not in STATUSES:
            raise bad(f"filter.status {status!r} is not a task status", "filter.status")
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
