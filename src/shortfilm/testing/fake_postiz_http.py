"""The fake Postiz's HTTP layer: routes, auth and the hourly limit first, faults, JSON answers.

:class:`Handler` turns each request into a call on the :class:`~.fake_postiz.FakePostiz` it serves
(see that module for the protocol); a fault is served before the work, or after it for the
``-created`` kinds, whose work is done and whose answer is lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from shortfilm.testing.server import FakeHandler, TrackingServer

MAX_UPLOAD_BYTES = 256 << 20
"""The largest request body read; a larger one is answered 413 unread."""


class PostizError(Exception):
    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body, self.headers = status, body, dict(headers or {})


class Handler(FakeHandler):
    server_version = "FakePostiz/1"
    server: TrackingServer[Any]

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def dispatch(self, method: str) -> None:
        fake = self.server.fake
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES:
            self.close_connection = True  # the body is not read: the line cannot be reused
            self._json(413, {"statusCode": 413, "message": "File too large"})
            return
        path, query, raw = self.read_request()
        try:
            if not path.startswith(fake.prefix + "/"):
                raise PostizError(404, {"statusCode": 404, "message": f"Cannot {method} {path}"})
            route = path[len(fake.prefix) :]
            op, arg = self._route(method, route)
            with fake._lock:
                fake.calls[op] += 1
            fake.check_auth(self.headers.get("Authorization"))
            fake.take_slot()
            fault = fake._next_fault(op)
            if fault is not None and not fault.endswith("-created") and self._fault(fault):
                return
            result = self._do(fake, op, arg, query, raw)
            if fault is not None and self._fault(fault.removesuffix("-created")):
                return
            self._json(201 if method == "POST" else 200, result)
        except PostizError as exc:
            self._json(exc.status, exc.body, exc.headers)

    @staticmethod
    def _route(method: str, route: str) -> tuple[str, str]:
        if method == "GET" and route == "/integrations":
            return "integrations", ""
        if method == "POST" and route == "/upload":
            return "upload", ""
        if method == "POST" and route == "/posts":
            return "create", ""
        if method == "GET" and route == "/posts":
            return "list", ""
        if method == "DELETE" and route.startswith("/posts/"):
            return "delete", route.removeprefix("/posts/")
        if method == "GET" and route.startswith("/analytics/post/"):
            return "analytics", route.removeprefix("/analytics/post/")
        raise PostizError(404, {"statusCode": 404, "message": f"Cannot {method} {route}"})

    def _do(self, fake: Any, op: str, arg: str, query: str, raw: bytes) -> Any:
        if op == "integrations":
            return [
                {
                    "id": i.id,
                    "name": i.name,
                    "identifier": i.identifier,
                    "picture": None,
                    "disabled": i.disabled,
                    "profile": i.name,
                    "customer": None,
                }
                for i in fake.integrations.values()
            ]
        if op == "upload":
            name, data = self._file(raw)
            return fake.upload(name, data)
        if op == "create":
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                raise PostizError(
                    400, {"statusCode": 400, "message": "Unexpected token in JSON"}
                ) from None
            return fake.create(body)
        if op == "list":
            return fake.list_posts(parse_qs(query))
        if op == "delete":
            return fake.delete(arg)
        return fake.analytics(arg)

    def _file(self, raw: bytes) -> tuple[str, bytes]:
        ctype = self.headers.get("Content-Type") or ""
        if not ctype.startswith("multipart/form-data"):
            raise PostizError(400, {"msg": "No file provided"})
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode("latin-1") + raw
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload:
                    return str(part.get_filename() or "upload.bin"), payload
        raise PostizError(400, {"msg": "No file provided"})

    def _fault(self, kind: str) -> bool:
        if kind in ("429", "500"):
            status = int(kind)
            body = (
                {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
                if status == 429
                else {"statusCode": 500, "message": "Internal server error"}
            )
            self._json(status, body, {"Retry-After": "1"} if status == 429 else None)
            return True
        if kind == "timeout":
            self.server.fake._stop.wait(self.server.fake.timeout_sleep_s)
        self.close_connection = True  # timeout or reset: no answer
        return True

    def _json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        self.send_bytes(status, json.dumps(body).encode("utf-8"), headers=headers)
