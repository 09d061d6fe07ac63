"""The fake ModelArk's HTTP layer: routes, faults served on the wire, answers and downloads.

:class:`Handler` turns each request into a call on the
:class:`~.fake_modelark_state.ModelArkState` it serves, serves the scripted or random fault of
the operation first (or after the work, for the ``*-created`` kinds and ``malformed``), and
answers in the API's shapes with an ``x-request-id``; result URLs are served like an object
store's (ranges honoured, 404 with ``NoSuchKey`` once expired).
"""

from __future__ import annotations

import json
import logging
import uuid
from urllib.parse import parse_qs

from shortfilm.testing.fake_ark_api import IMAGES, RESULTS, STATS, TASKS, ApiError, bad, not_found
from shortfilm.testing.fake_modelark_state import ModelArkState
from shortfilm.testing.fake_seedance_tasks import strip_media
from shortfilm.testing.fake_seedream import strip_image
from shortfilm.testing.server import FakeHandler, TrackingServer

log = logging.getLogger("shortfilm.testing.fake_modelark")


class Handler(FakeHandler):
    server_version = "FakeModelArk/1"
    server: TrackingServer[ModelArkState]

    def dispatch(self, method: str) -> None:
        fake = self.server.fake
        request_id = uuid.uuid4().hex[:24]
        path, query, raw = self.read_request()
        try:
            if method == "GET" and path == STATS:
                self._json(200, fake.stats(), request_id)
                return
            if method == "GET" and path.startswith(RESULTS + "/"):
                self._download(fake, path, query)
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
                raise ApiError(404, "NotFound", f"no route for {method} {path}")
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
                result = fake._list(parse_qs(query, keep_blank_values=True))
            elif op == "get":
                result = fake._get(task_id)
            else:
                result = fake._delete(task_id)
            if fault == "malformed":
                self._send(200, json.dumps(result).encode()[:-7], request_id)
                return
            self._json(200, result, request_id)
        except ApiError as err:
            self._error(err, request_id)
        except Exception:
            log.exception("fake ModelArk: handler failed")
            self._error(ApiError(500, "InternalServiceError", "internal error"), request_id)

    def _handle_create(self, fake: ModelArkState, raw: bytes, fault: str | None, rid: str) -> None:
        if fault is not None and self._pre_fault(fault, rid):
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise bad("the request body is not valid JSON") from None
        with fake._lock:
            fake.requests.append(body if fake.keep_bodies else strip_media(body))
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
            self._error(ApiError(500, "InternalServiceError", "injected 500"), rid)
            return
        self._json(200, {"id": task.id}, rid)

    def _handle_images(self, fake: ModelArkState, raw: bytes, fault: str | None, rid: str) -> None:
        """``POST /images/generations``: the answer is the image, there is no task."""
        if fault is not None and self._pre_fault(fault, rid):
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise bad("the request body is not valid JSON") from None
        with fake._lock:
            kept = body if fake.keep_bodies or not isinstance(body, dict) else strip_image(body)
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
            self._error(ApiError(500, "InternalServiceError", "injected 500"), rid)
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
            self._error(ApiError(status, code, f"injected {base}"), rid)
        elif base == "404":
            self._error(not_found("injected"), rid)
        else:  # timeout or reset: hold the line (or not), then drop it without an answer
            if base == "timeout":
                fake._stop.wait(fake.timeout_sleep_s)
            self.close_connection = True
        return True

    def _download(self, fake: ModelArkState, path: str, query: str) -> None:
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

    def _error(self, err: ApiError, rid: str) -> None:
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


def new_server(address: tuple[str, int]) -> TrackingServer[ModelArkState]:
    """A server for one fake, bound to ``address`` (not yet serving)."""
    return TrackingServer(address, Handler, logger=log, label="fake ModelArk")
