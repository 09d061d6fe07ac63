"""The fake Replicate's HTTP layer: routes, faults served on the wire, answers and downloads.

:class:`Handler` turns each request into a call on the
:class:`~.fake_replicate_state.ReplicateState` it serves, serves the operation's scripted or
random fault first (or after the work, for the ``*-created`` kinds and ``malformed``), answers
in Replicate's shapes, and serves output files like an object store (ranges honoured).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs

from shortfilm.testing.fake_replicate_api import API_PREFIX, DELIVERY, Problem, not_found
from shortfilm.testing.fake_replicate_state import ReplicateState
from shortfilm.testing.server import FakeHandler, TrackingServer

log = logging.getLogger("shortfilm.testing.fake_replicate")

_CREATE = re.compile(rf"^{API_PREFIX}/models/([^/]+/[^/]+)/predictions$")
_ONE = re.compile(rf"^{API_PREFIX}/predictions/([^/]+)$")
_CANCEL = re.compile(rf"^{API_PREFIX}/predictions/([^/]+)/cancel$")
_OUTPUT = re.compile(rf"^{DELIVERY}/([0-9a-f]+)/([^/]+)/([^/]+)$")


class Handler(FakeHandler):
    server_version = "FakeReplicate/1"
    server: TrackingServer[ReplicateState]

    def dispatch(self, method: str) -> None:
        fake = self.server.fake
        path, query, raw = self.read_request()
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
                result = fake._list(parse_qs(query, keep_blank_values=True))
            elif op == "get":
                result = fake._get(target)
            else:
                result = fake._cancel(target)
            if fault == "malformed":
                self.send_bytes(200, json.dumps(result).encode()[:-9])
                return
            self._json(200, result)
        except Problem as problem:
            self._problem(problem)
        except Exception:
            log.exception("fake Replicate: handler failed")
            self._problem(Problem(500, "Internal Server Error", "internal error"))

    def _handle_create(
        self, fake: ReplicateState, model: str, raw: bytes, fault: str | None
    ) -> None:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise Problem(400, "Invalid JSON", "The request body is not valid JSON.") from None
        prediction = fake._create(model, body, self.headers.get("Cancel-After"))
        if fault in ("timeout-created", "reset-created"):
            if fault == "timeout-created":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
            return
        if fault == "500-created":
            self._problem(Problem(500, "Internal Server Error", "injected 500"))
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
                    Problem(
                        429,
                        "Too Many Requests",
                        f"Request was throttled. Your rate limit resets in ~{wait}s.",
                        extra={"retry_after": wait},
                        headers={"Retry-After": str(wait)},
                    )
                )
            elif status == 404:
                self._problem(not_found())
            else:
                self._problem(Problem(status, "Internal Server Error", f"injected {fault}"))
            return True
        if fault == "timeout":
            fake._stop.wait(fake.timeout_sleep_s)
        self.close_connection = True  # timeout or reset: no answer at all
        return True

    def _download(self, fake: ReplicateState, path: str) -> None:
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

    def _problem(self, problem: Problem) -> None:
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
    raise not_found()


def _loads(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def new_server(address: tuple[str, int]) -> TrackingServer[ReplicateState]:
    """A server for one fake, bound to ``address`` (not yet serving)."""
    return TrackingServer(address, Handler, logger=log, label="fake Replicate")
