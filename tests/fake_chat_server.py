"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, for tests.

It checks what a real endpoint checks (the path, the bearer key, a JSON body with ``model`` and
``messages``, the word "json" in the messages when JSON mode is asked for) and answers with
canned replies in the real response shape, or with the failures a client must survive: 429,
500, a body that is not JSON, a slow answer. Every request is recorded so tests can assert on
what the client actually sent over the wire.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Canned:
    """What to answer next: a reply text, an HTTP error, a broken body, or a delay first."""

    content: str | None = None
    status: int = 200
    error_message: str = ""
    raw_body: bytes | None = None
    delay_s: float = 0.0
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)


class FakeChatServer:
    """Start with :func:`running_chat_server`; queue answers with the ``reply_*`` methods.

    With nothing queued, a valid request gets a 500 saying so: a test that forgot to queue an
    answer fails loudly instead of hanging.
    """

    def __init__(self, *, api_key: str, model: str) -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[Recorded] = []
        self._queue: list[_Canned] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def reply_content(self, content: str, *, finish_reason: str = "stop") -> None:
        self._push(_Canned(content=content, finish_reason=finish_reason))

    def reply_json(self, data: Any) -> None:
        self.reply_content(json.dumps(data))

    def reply_error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        self._push(_Canned(status=status, error_message=message, headers=headers or {}))

    def reply_raw(self, body: bytes, *, status: int = 200) -> None:
        self._push(_Canned(status=status, raw_body=body))

    def reply_slowly(self, delay_s: float, content: str) -> None:
        self._push(_Canned(content=content, delay_s=delay_s))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _push(self, canned: _Canned) -> None:
        with self._lock:
            self._queue.append(canned)

    def _pop(self) -> _Canned | None:
        with self._lock:
            return self._queue.pop(0) if self._queue else None

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)


@contextmanager
def running_chat_server(
    *, api_key: str = "sk-test-123", model: str = "fake-planner-1"
) -> Iterator[FakeChatServer]:
    server = FakeChatServer(api_key=api_key, model=model)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def completion_body(model: str, content: str, *, finish_reason: str = "stop") -> dict[str, Any]:
    """A chat completion in the shape OpenAI returns it."""
    return {
        "id": f"chatcmpl-fake{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": max(1, len(content) // 4),
            "total_tokens": 100 + max(1, len(content) // 4),
        },
    }


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An error in the shape OpenAI returns it."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


_ROLES = ("system", "user", "assistant", "developer")


def _handler_for(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer waits ~40 ms for a delayed ACK

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._send_json(404, error_body("Unknown request URL", "invalid_request_error"))

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw)
            except json.JSONDecodeError:
                body = None
            server._record(Recorded(self.path, dict(self.headers.items()), body))
            problem = self._check(body)
            if problem is not None:
                self._send_json(*problem)
                return
            canned = server._pop()
            if canned is None:
                self._send_json(500, error_body("no reply queued in the fake", "server_error"))
                return
            if canned.delay_s:
                time.sleep(canned.delay_s)
            if canned.raw_body is not None:
                self._send(canned.status, canned.raw_body, "text/html")
            elif canned.status != 200:
                kind = "rate_limit_exceeded" if canned.status == 429 else "server_error"
                body_out = error_body(canned.error_message, kind)
                self._send_json(canned.status, body_out, canned.headers)
            else:
                assert canned.content is not None
                reply = completion_body(
                    server.model, canned.content, finish_reason=canned.finish_reason
                )
                self._send_json(200, reply)

        def _check(self, body: Any) -> tuple[int, dict[str, Any]] | None:
            if self.path != API_PATH:
                return 404, error_body(
                    f"Unknown request URL: POST {self.path}", "invalid_request_error"
                )
            if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                return 401, error_body(
                    "Incorrect API key provided", "invalid_request_error", "invalid_api_key"
                )
            if not isinstance(body, dict):
                return 400, error_body("We could not parse the JSON body", "invalid_request_error")
            if body.get("model") != server.model:
                return 404, error_body(
                    f"The model `{body.get('model')}` does not exist", "invalid_request_error"
                )
            messages = body.get("messages")
            if (
                not isinstance(messages, list)
                or not messages
                or not all(
                    isinstance(m, dict)
                    and m.get("role") in _ROLES
                    and isinstance(m.get("content"), str)
                    for m in messages
                )
            ):
                return 400, error_body("Invalid 'messages'", "invalid_request_error")
            wants_json = body.get("response_format") == {"type": "json_object"}
            if wants_json and not any("json" in m["content"].lower() for m in messages):
                return 400, error_body(
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                    "invalid_request_error",
                )
            return None

        def _send_json(
            self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(data).encode(), "application/json", headers)

        def _send(
            self,
            status: int,
            payload: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler
