"""A fake Replicate predictions API, over real HTTP on 127.0.0.1.

It implements the documented contract (``replicate.com/docs/reference/http``, the topics pages
on predictions, rate limits and deadlines, and the ``bytedance/seedance-2.0`` input schema)
closely enough that the adapter's tests exercise real requests, retries and reconciliation:

- ``POST /v1/models/{owner}/{name}/predictions`` with ``{"input": {...}}`` -> 201 and the
  prediction (``starting``), after Bearer auth (401 ``Unauthenticated``) and the model
  allow-list (404). The input is validated against the model's schema the way Replicate does:
  422 ``Input validation failed`` with a ``detail`` of ``- field: description`` lines and
  ``invalid_fields`` ``[{"type", "field", "description"}]``. Rules a JSON schema cannot say
  (reference images mixed with first/last frames, a last frame without a first, audio without
  an image or video) end the prediction ``failed`` instead, as a model does. ``Prefer: wait``
  holds the request until the prediction finishes (at most 60 s, or ``wait=n``);
  ``Cancel-After`` sets a deadline (``aborted`` before it starts, ``canceled`` after).
- ``GET /v1/predictions/{id}``: ``starting`` -> ``processing`` -> ``succeeded`` (or
  ``failed`` when scripted), computed from the clock on every read. ``metrics.predict_time``
  is the processing time; ``output`` is the URL of a real H.264 MP4 of the requested duration
  served by this server (a list of one URL for models so configured). Inputs, output and logs
  are removed ``data_ttl_s`` after completion (``data_removed: true``), and the output URL
  answers 404 ``output_ttl_s`` after it. It honours ``Range: bytes=N-`` (206, or 416 past the
  end) as object stores do (⚠ undocumented for Replicate's file host).
- ``GET /v1/predictions`` newest first, ``page_size`` a page, ``{"previous", "next",
  "results"}`` with cursor URLs, ``created_after`` / ``created_before`` filters.
- ``POST /v1/predictions/{id}/cancel``: ``canceled`` unless already finished (then unchanged).
- 429 answers carry the documented ``{"detail": "Request was throttled. Your rate limit resets
  in ~Ns."}`` plus ``retry_after`` and a ``Retry-After`` header (⚠ the docs show neither).

Faults are injected per operation (``create``, ``get``, ``list``, ``cancel``, ``download``),
scripted (:meth:`FakeReplicate.inject`) or at random (:meth:`FakeReplicate.set_fault_rate`):
``429``, ``500``, ``502``, ``503`` (nothing happens), ``timeout`` (held ``timeout_sleep_s``,
then dropped), ``reset`` (dropped at once), ``timeout-created`` / ``reset-created`` /
``500-created`` (create: the prediction is made first, then the answer is lost), ``malformed``
(a 200/201 whose JSON is cut short; for create after creating) and ``404`` (download: the
output "expired").

Counters (:attr:`FakeReplicate.create_calls`, ``predictions_created``, ``downloads`` per
prediction, ``calls`` per operation, ``faults_served``) say what really happened; every create
request is kept in :attr:`FakeReplicate.requests` (headers without ``Authorization``, body).
Everything is thread-safe. Decisions where the public record is silent are marked ⚠.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import random
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from shortfilm.testing.fake_media import result_video
from shortfilm.testing.seedance_output import RATIOS, nearest_ratio, output_size
from shortfilm.testing.server import FakeHandler, FakeServerBase, TrackingServer

log = logging.getLogger(__name__)

API_PREFIX = "/v1"
DELIVERY = "/delivery"
OPS = ("create", "get", "list", "cancel", "download")
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

Latency = float | Callable[[], float]
"""Seconds, fixed or drawn per prediction (e.g. ``lambda: rng.uniform(2, 4)``)."""


@dataclass
class _Prediction:
    id: str
    seq: int
    model: str
    version: str
    input: dict[str, Any]
    created: float
    starting_s: float
    processing_s: float
    duration: int
    resolution: str
    aspect_ratio: str
    audio: bool
    failure: str | None
    deadline: float | None
    canceled_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def started(self) -> float:
        return self.created + self.starting_s

    @property
    def done(self) -> float:
        return self.started + self.processing_s

    def state(self, now: float) -> tuple[str, float]:
        """``(status, since)`` at ``now``."""
        stops: list[tuple[float, str]] = []
        if self.canceled_at is not None and self.canceled_at < self.done:
            stops.append((self.canceled_at, "canceled"))
        if self.deadline is not None and self.deadline < self.done:
            stops.append((self.deadline, "aborted" if self.deadline < self.started else "canceled"))
        if stops:
            at, status = min(stops)
            if now >= at:
                return status, at
        if now < self.started:
            return "starting", self.created
        if now < self.done:
            return "processing", self.started
        return ("failed" if self.failure else "succeeded"), self.done


class _Problem(Exception):
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


def _not_found() -> _Problem:
    return _Problem(404, "Not found", "The requested resource could not be found.")


class _Invalid:
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
        raise _Problem(422, "Input validation failed", detail, invalid_fields=self.fields)


class FakeReplicate(FakeServerBase):
    """The fake server. Use as a context manager, or :meth:`start` / :meth:`stop`.

    ``api_tokens``: accepted tokens (``None`` accepts any non-empty Bearer token).
    ``starting_s`` / ``processing_s``: seconds a prediction waits for a worker, then runs
    (fixed or drawn per prediction). ``clock``: unix seconds (pass a controllable one for
    virtual time). ``output_ttl_s``: how long output URLs answer after completion;
    ``data_ttl_s``: when inputs, output and logs are removed (Replicate: an hour).
    ``timeout_sleep_s``: how long a ``timeout`` fault holds a request (real seconds; exceed the
    client's timeout). ``media_dir``: where output videos are cached (share it between servers
    to encode each duration once per test session); ``media_scale`` shrinks their pixels.
    ``page_size``: list page length (Replicate: 100). ``retry_after_s``: what a 429 asks to
    wait. ``echo_files``: how a prediction echoes file inputs: ``"as-sent"``, ``"rewritten"``
    (data URLs replaced by URLs on this server) or ``"dropped"`` (⚠ Replicate says it does not
    store data URLs; which of these its echo does is not documented).
    """

    name = "FakeReplicate"
    ops = OPS
    faults = FAULTS
    created_kinds = ("timeout", "reset", "500")
    """A random 500 on create may also come after the prediction was made (a gateway failing
    after the backend accepted the request)."""

    def __init__(
        self,
        *,
        api_tokens: Iterable[str] | None = None,
        models: Mapping[str, FakeModel] | None = None,
        starting_s: Latency = 0.0,
        processing_s: Latency = 0.0,
        clock: Callable[[], float] = time.time,
        output_ttl_s: float = 3600.0,
        data_ttl_s: float = 3600.0,
        timeout_sleep_s: float = 2.0,
        media_dir: Path | None = None,
        media_scale: float = 0.25,
        page_size: int = 100,
        retry_after_s: int = 1,
        echo_files: str = "as-sent",
        seed: int = 0,
    ) -> None:
        if echo_files not in ("as-sent", "rewritten", "dropped"):
            raise ValueError(f"echo_files: unknown mode {echo_files!r}")
        self.api_tokens = None if api_tokens is None else frozenset(api_tokens)
        self.models = dict(DEFAULT_MODELS if models is None else models)
        self.starting_s = starting_s
        self.processing_s = processing_s
        self.clock = clock
        self.output_ttl_s = output_ttl_s
        self.data_ttl_s = data_ttl_s
        self.timeout_sleep_s = timeout_sleep_s
        self.media_scale = media_scale
        self.page_size = max(1, page_size)
        self.retry_after_s = retry_after_s
        self.echo_files = echo_files
        self._rng = random.Random(seed)
        self._secret = uuid.uuid4().bytes
        super().__init__(media_dir=media_dir, media_prefix="repl-", seed=seed)
        self._predictions: dict[str, _Prediction] = {}
        self._seq = 0
        self._failures: deque[str] = deque()
        self.calls: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        self.downloads: Counter[str] = Counter()
        """Output downloads from the first byte per prediction id (cut-short ones included)."""
        self.resumed_downloads: Counter[str] = Counter()
        """Output downloads resumed with ``Range: bytes=N-`` per prediction id (⚠ Replicate's
        file host is assumed to honour ranges as object stores do; the docs do not say)."""
        self.create_calls = 0
        self.predictions_created = 0
        self.requests: list[dict[str, Any]] = []
        """Every create request received: ``{"path", "headers", "body"}`` (faulted ones too;
        ``Authorization`` is never kept)."""

    def _new_server(self, address: tuple[str, int]) -> TrackingServer:
        return _Server(address, _Handler)

    @property
    def base_url(self) -> str:
        """The API base the adapter takes (``.../v1``)."""
        return self.origin + API_PREFIX

    # Faults and outcomes ---------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        error: str = "The input or output was flagged as sensitive. Please try again with "
        "different inputs. (E005)",
    ) -> None:
        """The next ``count`` predictions created end ``failed`` with ``error`` (the default is
        Replicate's content-filter message)."""
        with self._lock:
            self._failures.extend([error] * count)

    # Inspection ------------------------------------------------------------------------------

    def prediction_ids(self) -> list[str]:
        """Every prediction on the server, oldest first."""
        with self._lock:
            return [p.id for p in sorted(self._predictions.values(), key=lambda p: p.seq)]

    def prediction_input(self, prediction_id: str) -> dict[str, Any]:
        """The input a prediction was created with, exactly as received (images included)."""
        with self._lock:
            return self._predictions[prediction_id].input

    def prediction_json(self, prediction_id: str) -> dict[str, Any]:
        """What GET would answer now."""
        with self._lock:
            return self._json(self._predictions[prediction_id])

    # Request handling (called from the handler threads) --------------------------------------

    def _check_auth(self, header: str | None) -> None:
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if (
            scheme.lower() != "bearer"
            or not token
            or (self.api_tokens is not None and token not in self.api_tokens)
        ):
            raise _Problem(401, "Unauthenticated", "You did not pass a valid authentication token")

    def _draw(self, value: Latency) -> float:
        return max(0.0, float(value() if callable(value) else value))

    def _create(self, model_name: str, body: object, cancel_after: str | None) -> _Prediction:
        """Validate a create body and store the prediction."""
        model = self.models.get(model_name)
        if model is None:
            raise _not_found()
        invalid = _Invalid()
        if not isinstance(body, dict):
            invalid.add("invalid_type", "", "Invalid type. Expected: object")
            invalid.raise_if_any()
        assert isinstance(body, dict)
        raw = body.get("input")
        if raw is None:
            invalid.add("required", "", "input is required")
        elif not isinstance(raw, dict):
            invalid.add("invalid_type", "input", "Invalid type. Expected: object")
        webhook = body.get("webhook")
        if webhook is not None and not (isinstance(webhook, str) and webhook.startswith("https:")):
            invalid.add("format", "webhook", "Does not match format 'uri' (https)")
        invalid.raise_if_any()
        assert isinstance(raw, dict)
        inp = dict(raw)
        self._validate_input(model, inp, invalid)
        invalid.raise_if_any()
        deadline_s = _parse_duration(cancel_after) if cancel_after is not None else None
        if cancel_after is not None and deadline_s is None:
            raise _Problem(
                400,
                "Invalid Cancel-After header",
                f"Cancel-After must be a duration such as 30s or 5m, got {cancel_after!r}",
            )

        failure = _mode_failure(inp)
        duration = int(inp.get("duration", model.default_duration))
        if duration == -1:
            duration = model.default_duration  # ⚠ the model "picks"; the fake picks the default
        resolution = str(inp.get("resolution", model.default_resolution))
        aspect = str(inp.get("aspect_ratio", model.default_aspect_ratio))
        if aspect == "adaptive":
            aspect = _adaptive_ratio(inp)
        with self._lock:
            if failure is None and self._failures:
                failure = self._failures.popleft()
            now = self.clock()
            self._seq += 1
            prediction = _Prediction(
                id=self._new_id(),
                seq=self._seq,
                model=model_name,
                version=model.version or hashlib.sha256(model_name.encode()).hexdigest(),
                input=inp,
                created=now,
                starting_s=self._draw(self.starting_s),
                processing_s=self._draw(self.processing_s),
                duration=duration,
                resolution=resolution,
                aspect_ratio=aspect,
                audio=bool(inp.get("generate_audio", True)),
                failure=failure,
                deadline=None if deadline_s is None else now + deadline_s,
            )
            self._predictions[prediction.id] = prediction
            self.predictions_created += 1
        return prediction

    def _validate_input(self, model: FakeModel, inp: dict[str, Any], invalid: _Invalid) -> None:
        """The ``bytedance/seedance-2.0`` input schema, checked as Replicate's validator does."""
        prompt = inp.get("prompt")
        if prompt is None:
            invalid.add("required", "input", "prompt is required")
        elif not isinstance(prompt, str):
            invalid.add("invalid_type", "input.prompt", "Invalid type. Expected: string")
        for name in ("image", "last_frame_image"):
            if name in inp and inp[name] is not None:
                _check_file(inp[name], f"input.{name}", invalid, image=True)
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
                invalid.add(
                    "array_max_items", f"input.{name}", f"Array must have at most {most} items"
                )
            for i, item in enumerate(items):
                _check_file(item, f"input.{name}.{i}", invalid, image=image)
        if "duration" in inp:
            value = inp["duration"]
            lo, hi = model.durations
            if not _is_integer(value):
                invalid.add("invalid_type", "input.duration", "Invalid type. Expected: integer")
            elif value < lo:
                invalid.add(
                    "number_gte", "input.duration", f"Must be greater than or equal to {lo}"
                )
            elif value > hi:
                invalid.add("number_lte", "input.duration", f"Must be less than or equal to {hi}")
        for name, allowed in (
            ("resolution", model.resolutions),
            ("aspect_ratio", model.aspect_ratios),
        ):
            if name in inp and inp[name] not in allowed:
                choices = ", ".join(f'"{a}"' for a in allowed)
                invalid.add(
                    "enum", f"input.{name}", f"{name} must be one of the following: {choices}"
                )
        if "generate_audio" in inp and not isinstance(inp["generate_audio"], bool):
            invalid.add("invalid_type", "input.generate_audio", "Invalid type. Expected: boolean")
        if "seed" in inp and inp["seed"] is not None and not _is_integer(inp["seed"]):
            invalid.add("invalid_type", "input.seed", "Invalid type. Expected: integer")

    def _new_id(self) -> str:
        alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
        return "".join(self._rng.choice(alphabet) for _ in range(26))

    def _json(self, p: _Prediction, *, logs: bool = True) -> dict[str, Any]:
        """The prediction object as Replicate shows it now."""
        now = self.clock()
        status, since = p.state(now)
        origin = self.origin
        get_url = f"{origin}{API_PREFIX}/predictions/{p.id}"
        stopped_early = status in ("canceled", "aborted") and since < p.started
        started = now >= p.started and not stopped_early
        terminal = status in TERMINAL
        removed = terminal and now >= since + self.data_ttl_s
        metrics: dict[str, Any] = {}
        if terminal and started:
            metrics["predict_time"] = round(max(0.0, since - p.started), 6)
            metrics["total_time"] = round(since - p.created, 6)
        output: Any = None
        if status == "succeeded" and not removed:
            url = self._output_url(p)
            output = [url] if self.models[p.model].output_list else url
        lines = [f"Using seed: {p.input.get('seed', 'random')}"]
        if started:
            lines.append(f"Generating {p.duration}s {p.resolution} {p.aspect_ratio} video")
        if status == "succeeded":
            lines.append("Video generated")
        data: dict[str, Any] = {
            "id": p.id,
            "model": p.model,
            "version": p.version,
            "input": {} if removed else self._echo_input(p),
            "logs": "" if removed else "\n".join(lines) + "\n",
            "output": output,
            "data_removed": removed,
            "error": p.failure if status == "failed" else None,
            "status": status,
            "source": "api",
            "created_at": _iso(p.created),
            "urls": {
                "get": get_url,
                "cancel": f"{get_url}/cancel",
                "stream": f"{origin}/stream/{p.id}",
                "web": f"{origin}/p/{p.id}",
            },
        }
        if started:
            data["started_at"] = _iso(p.started)
        if terminal:
            data["completed_at"] = _iso(since)
            data["metrics"] = metrics
        if not logs:
            del data["logs"]
        return data

    def _echo_input(self, p: _Prediction) -> dict[str, Any]:
        if self.echo_files == "as-sent":
            return p.input
        out: dict[str, Any] = {}
        for key, value in p.input.items():
            if key in ("reference_images", "image", "last_frame_image", "reference_videos"):
                if self.echo_files == "dropped":
                    continue
                if isinstance(value, list):
                    value = [self._file_url(p, f"{key}-{i}") for i in range(len(value))]
                elif isinstance(value, str):
                    value = self._file_url(p, key)
            out[key] = value
        return out

    def _file_url(self, p: _Prediction, name: str) -> str:
        return f"{self.origin}{DELIVERY}/input/{p.id}/{name}"

    def _sign(self, prediction_id: str) -> str:
        return hmac.new(self._secret, prediction_id.encode(), hashlib.sha256).hexdigest()[:20]

    def _output_url(self, p: _Prediction) -> str:
        return f"{self.origin}{DELIVERY}/{self._sign(p.id)}/{p.id}/output.mp4"

    def _get(self, prediction_id: str) -> dict[str, Any]:
        with self._lock:
            p = self._predictions.get(prediction_id)
            if p is None:
                raise _not_found()
            return self._json(p)

    def _cancel(self, prediction_id: str) -> dict[str, Any]:
        with self._lock:
            p = self._predictions.get(prediction_id)
            if p is None:
                raise _not_found()
            now = self.clock()
            if p.state(now)[0] not in TERMINAL:
                p.canceled_at = now
            return self._json(p)

    def _list(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        after = _parse_iso(last("created_after"))
        before = _parse_iso(last("created_before"))
        for name in ("created_after", "created_before"):
            if last(name) is not None and _parse_iso(last(name)) is None:
                raise _Problem(400, "Invalid query", f"{name} must be an ISO 8601 date-time")
        cursor = _decode_cursor(last("cursor"))
        with self._lock:
            rows = sorted(self._predictions.values(), key=lambda p: p.seq, reverse=True)
            rows = [
                p
                for p in rows
                if (after is None or p.created >= after) and (before is None or p.created < before)
            ]
            if cursor is not None and cursor[0] == "before":
                rows_page = [p for p in rows if p.seq < cursor[1]][: self.page_size]
            elif cursor is not None:
                newer = [p for p in rows if p.seq > cursor[1]]
                rows_page = newer[-self.page_size :]
            else:
                rows_page = rows[: self.page_size]
            results = [self._json(p, logs=False) for p in rows_page]
            keep = {k: v for k, v in (("created_after", last("created_after")),
                                      ("created_before", last("created_before"))) if v}  # fmt: skip
            base = f"{self.origin}{API_PREFIX}/predictions"
            next_url = prev_url = None
            if rows_page and any(p.seq < rows_page[-1].seq for p in rows):
                q = {**keep, "cursor": _encode_cursor("before", rows_page[-1].seq)}
                next_url = f"{base}?{urlencode(q)}"
            if rows_page and any(p.seq > rows_page[0].seq for p in rows):
                q = {**keep, "cursor": _encode_cursor("after", rows_page[0].seq)}
                prev_url = f"{base}?{urlencode(q)}"
        return {"previous": prev_url, "next": next_url, "results": results}

    def _wait_until_done(self, prediction_id: str, wait_s: float) -> None:
        """``Prefer: wait``: hold the request until the prediction finishes or time runs out."""
        deadline = time.monotonic() + min(max(wait_s, 0.0), 60.0)
        while time.monotonic() < deadline and not self._stop.is_set():
            with self._lock:
                if self._predictions[prediction_id].state(self.clock())[0] in TERMINAL:
                    return
            self._stop.wait(0.02)

    def _output_file(self, sig: str, prediction_id: str, name: str) -> Path | None:
        """The file behind an output URL, or ``None`` (404) when unknown or expired."""
        with self._lock:
            p = self._predictions.get(prediction_id)
            if p is None or name != "output.mp4":
                return None
            if not hmac.compare_digest(sig, self._sign(prediction_id)):
                return None
            status, since = p.state(self.clock())
            if status != "succeeded" or self.clock() >= since + self.output_ttl_s:
                return None
            size = output_size(p.resolution, p.aspect_ratio)
        return result_video(
            self.media_dir, "replicate", p.duration, size, audio=p.audio, scale=self.media_scale
        )[0]


# --- input rules --------------------------------------------------------------------------------

_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[^;,]*)*;base64,(.*)$", re.DOTALL)


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _check_file(value: object, name: str, invalid: _Invalid, *, image: bool) -> None:
    """A file input must be an http(s) URL or a data URL (an image must decode as one)."""
    if not isinstance(value, str):
        invalid.add("invalid_type", name, "Invalid type. Expected: string")
        return
    if value.startswith(("https://", "http://")):
        return
    match = _DATA_URL.match(value)
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


def _mode_failure(inp: Mapping[str, Any]) -> str | None:
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


def _adaptive_ratio(inp: Mapping[str, Any]) -> str:
    """``adaptive``: the ratio nearest the first image's, else 16:9."""
    first = inp.get("image") or next(iter(inp.get("reference_images") or []), None)
    match = _DATA_URL.match(first) if isinstance(first, str) else None
    if match is None:
        return "16:9"
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(match.group(3)))) as img:
            width, height = img.size
    except (OSError, ValueError):
        return "16:9"
    return nearest_ratio(width, height)


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def _parse_duration(text: str) -> float | None:
    """``"1h30m"``, ``"5m"``, ``"30s"``, ``"500ms"`` -> seconds; ``None`` when malformed."""
    text = text.strip()
    if not text or _DURATION_PART.sub("", text):
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in _DURATION_PART.findall(text))


def _iso(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str | None) -> float | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _encode_cursor(direction: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, seq = raw.split(":", 1)
        if direction not in ("before", "after"):
            raise ValueError(direction)
        return direction, int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _Problem(400, "Invalid cursor", "The cursor is not valid.") from None


# --- the HTTP layer ---------------------------------------------------------------------------

_CREATE = re.compile(rf"^{API_PREFIX}/models/([^/]+/[^/]+)/predictions$")
_ONE = re.compile(rf"^{API_PREFIX}/predictions/([^/]+)$")
_CANCEL = re.compile(rf"^{API_PREFIX}/predictions/([^/]+)/cancel$")
_OUTPUT = re.compile(rf"^{DELIVERY}/([0-9a-f]+)/([^/]+)/([^/]+)$")


class _Server(TrackingServer):
    """The shared server, typed for this fake's handler and logging under its name."""

    logger = log
    label = "fake Replicate"
    fake: FakeReplicate


class _Handler(FakeHandler):
    server_version = "FakeReplicate/1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake Replicate: " + format, *args)

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        try:
            if method == "GET" and path.startswith(DELIVERY + "/"):
                self._download(fake, path)
                return
            op, target = _route(method, path)
            with fake._lock:
                fake.calls[op] += 1
                if op == "create":
                    fake.create_calls += 1
                    fake.requests.append(
                        {
                            "path": path,
                            "headers": {
                                k: v
                                for k, v in self.headers.items()
                                if k.lower() != "authorization"
                            },
                            "body": _loads(raw),
                        }
                    )
            fake._check_auth(self.headers.get("Authorization"))
            fault = fake._next_fault(op)
            if fault is not None:
                with fake._lock:
                    fake.faults_served[fault] += 1
                if self._fault_before(fault):
                    return
            if op == "create":
                self._handle_create(fake, target, raw, fault)
                return
            if op == "list":
                result = fake._list(parse_qs(parts.query, keep_blank_values=True))
            elif op == "get":
                result = fake._get(target)
            else:
                result = fake._cancel(target)
            if fault == "malformed":
                self.send_bytes(200, json.dumps(result).encode()[:-9])
                return
            self._json(200, result)
        except _Problem as problem:
            self._problem(problem)
        except Exception:
            log.exception("fake Replicate: handler failed")
            self._problem(_Problem(500, "Internal Server Error", "internal error"))

    def _handle_create(
        self, fake: FakeReplicate, model: str, raw: bytes, fault: str | None
    ) -> None:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise _Problem(400, "Invalid JSON", "The request body is not valid JSON.") from None
        prediction = fake._create(model, body, self.headers.get("Cancel-After"))
        if fault in ("timeout-created", "reset-created"):
            if fault == "timeout-created":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
            return
        if fault == "500-created":
            self._problem(_Problem(500, "Internal Server Error", "injected 500"))
            return
        prefer = self.headers.get("Prefer") or ""
        if prefer.strip().lower().startswith("wait"):
            _, _, seconds = prefer.partition("=")
            fake._wait_until_done(prediction.id, float(seconds) if seconds.strip() else 60.0)
        with fake._lock:
            data = fake._json(prediction)
        if fault == "malformed":
            self.send_bytes(201, json.dumps(data).encode()[:-9])
            return
        self._json(201, data)

    def _fault_before(self, fault: str) -> bool:
        """Serve a fault that replaces the operation; False for one that comes after it."""
        fake = self.server.fake
        if fault.endswith("-created") or fault == "malformed":
            return False
        if fault in ("429", "500", "502", "503", "404"):
            status = int(fault)
            if status == 429:
                wait = fake.retry_after_s
                self._problem(
                    _Problem(
                        429,
                        "Too Many Requests",
                        f"Request was throttled. Your rate limit resets in ~{wait}s.",
                        extra={"retry_after": wait},
                        headers={"Retry-After": str(wait)},
                    )
                )
            elif status == 404:
                self._problem(_not_found())
            else:
                self._problem(_Problem(status, "Internal Server Error", f"injected {fault}"))
            return True
        if fault == "timeout":
            fake._stop.wait(fake.timeout_sleep_s)
        self.close_connection = True  # timeout or reset: no answer at all
        return True

    def _download(self, fake: FakeReplicate, path: str) -> None:
        with fake._lock:
            fake.calls["download"] += 1
        fault = fake._next_fault("download")
        if fault is not None:
            with fake._lock:
                fake.faults_served[fault] += 1
            base = fault.removesuffix("-created")
            if base in ("timeout", "reset"):
                if base == "timeout":
                    fake._stop.wait(fake.timeout_sleep_s)
                self.close_connection = True
                return
            if base in ("429", "500", "502", "503", "404"):
                self.send_bytes(int(base), b"", content_type="text/plain")
                return
        match = _OUTPUT.match(path)
        file = fake._output_file(*match.groups()) if match else None
        if file is None or match is None:
            self.send_bytes(404, b"Not found", content_type="text/plain")
            return
        start = self.range_start()
        with fake._lock:  # counted before answering: a client may read the counters at once
            if start > 0:  # a resumed transfer: only the rest is sent, not a second download
                fake.resumed_downloads[match.group(2)] += 1
            else:
                fake.downloads[match.group(2)] += 1
        # "malformed": the body stops halfway, a connection broken mid-download
        self.send_file(file.read_bytes(), "video/mp4", start=start, cut_short=fault == "malformed")

    def _json(self, status: int, payload: object) -> None:
        self.send_bytes(status, json.dumps(payload).encode())

    def _problem(self, problem: _Problem) -> None:
        self.send_bytes(
            problem.status,
            json.dumps(problem.body).encode(),
            content_type="application/problem+json",
            headers=problem.headers,
        )


def _route(method: str, path: str) -> tuple[str, str]:
    """``(operation, target)`` of an API request; 404 for anything else."""
    if method == "POST" and (m := _CREATE.match(path)):
        return "create", m.group(1)
    if method == "POST" and (m := _CANCEL.match(path)):
        return "cancel", m.group(1)
    if method == "GET" and path == f"{API_PREFIX}/predictions":
        return "list", ""
    if method == "GET" and (m := _ONE.match(path)):
        return "get", m.group(1)
    raise _not_found()


def _loads(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")
