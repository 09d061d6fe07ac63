"""The fake Replicate's state behind the wire: predictions, counters, and the outputs they deliver.

:class:`ReplicateState` is what the HTTP layer (:mod:`.fake_replicate_http`) calls into from its
handler threads: it validates creates against the model's schema (:mod:`.fake_replicate_api`),
keeps the predictions (each a :class:`~.fake_replicate_prediction.FakePrediction`), answers reads,
lists and cancels, and finds the file behind an output URL.
:class:`~.fake_replicate.FakeReplicate` adds the server on top; the contract both follow is
described there.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from shortfilm.testing.clock import Latency
from shortfilm.testing.fake_media import result_video
from shortfilm.testing.fake_replicate_api import (
    API_PREFIX,
    DEFAULT_MODELS,
    DELIVERY,
    OPS,
    TERMINAL,
    FakeModel,
    Invalid,
    Problem,
    adaptive_ratio,
    check_input,
    mode_failure,
    not_found,
    parse_duration,
)
from shortfilm.testing.fake_replicate_prediction import (
    FakePrediction,
    decode_cursor,
    encode_cursor,
    parse_iso,
    prediction_json,
)
from shortfilm.testing.seedance_output import output_size
from shortfilm.testing.server import FAULTS, FakeServerBase

log = logging.getLogger("shortfilm.testing.fake_replicate")


class ReplicateState(FakeServerBase):
    """The fake service behind the wire; :class:`~.fake_replicate.FakeReplicate` serves it.

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
        self._predictions: dict[str, FakePrediction] = {}
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
            raise Problem(401, "Unauthenticated", "You did not pass a valid authentication token")

    def _draw(self, value: Latency) -> float:
        return max(0.0, float(value() if callable(value) else value))

    def _create(self, model_name: str, body: object, cancel_after: str | None) -> FakePrediction:
        """Validate a create body and store the prediction."""
        model = self.models.get(model_name)
        if model is None:
            raise not_found()
        invalid = Invalid()
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
        check_input(model, inp, invalid)
        invalid.raise_if_any()
        deadline_s = parse_duration(cancel_after) if cancel_after is not None else None
        if cancel_after is not None and deadline_s is None:
            raise Problem(
                400,
                "Invalid Cancel-After header",
                f"Cancel-After must be a duration such as 30s or 5m, got {cancel_after!r}",
            )

        failure = mode_failure(inp)
        duration = int(inp.get("duration", model.default_duration))
        if duration == -1:
            duration = model.default_duration  # ⚠ the model "picks"; the fake picks the default
        resolution = str(inp.get("resolution", model.default_resolution))
        aspect = str(inp.get("aspect_ratio", model.default_aspect_ratio))
        if aspect == "adaptive":
            aspect = adaptive_ratio(inp)
        with self._lock:
            if failure is None and self._failures:
                failure = self._failures.popleft()
            now = self.clock()
            self._seq += 1
            prediction = FakePrediction(
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

    def _new_id(self) -> str:
        alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
        return "".join(self._rng.choice(alphabet) for _ in range(26))

    def _json(self, p: FakePrediction, *, logs: bool = True) -> dict[str, Any]:
        """The prediction object as Replicate shows it now."""
        return prediction_json(
            p,
            self.clock(),
            self.origin,
            data_ttl_s=self.data_ttl_s,
            output_list=self.models[p.model].output_list,
            output_url=self._output_url(p),
            echoed_input=self._echo_input(p),
            logs=logs,
        )

    def _echo_input(self, p: FakePrediction) -> dict[str, Any]:
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

    def _file_url(self, p: FakePrediction, name: str) -> str:
        return f"{self.origin}{DELIVERY}/input/{p.id}/{name}"

    def _sign(self, prediction_id: str) -> str:
        return hmac.new(self._secret, prediction_id.encode(), hashlib.sha256).hexdigest()[:20]

    def _output_url(self, p: FakePrediction) -> str:
        return f"{self.origin}{DELIVERY}/{self._sign(p.id)}/{p.id}/output.mp4"

    def _get(self, prediction_id: str) -> dict[str, Any]:
        with self._lock:
            p = self._predictions.get(prediction_id)
            if p is None:
                raise not_found()
            return self._json(p)

    def _cancel(self, prediction_id: str) -> dict[str, Any]:
        with self._lock:
            p = self._predictions.get(prediction_id)
            if p is None:
                raise not_found()
            now = self.clock()
            if p.state(now)[0] not in TERMINAL:
                p.canceled_at = now
            return self._json(p)

    def _list(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        after = parse_iso(last("created_after"))
        before = parse_iso(last("created_before"))
        for name in ("created_after", "created_before"):
            if last(name) is not None and parse_iso(last(name)) is None:
                raise Problem(400, "Invalid query", f"{name} must be an ISO 8601 date-time")
        cursor = decode_cursor(last("cursor"))
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
                q = {**keep, "cursor": encode_cursor("before", rows_page[-1].seq)}
                next_url = f"{base}?{urlencode(q)}"
            if rows_page and any(p.seq > rows_page[0].seq for p in rows):
                q = {**keep, "cursor": encode_cursor("after", rows_page[0].seq)}
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


__all__ = ["ReplicateState"]
