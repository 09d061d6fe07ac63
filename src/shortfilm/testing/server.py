"""What the fake API servers share: a real HTTP server on 127.0.0.1, its lifecycle, and faults.

:class:`FakeModelArk <shortfilm.testing.fake_modelark.FakeModelArk>` and
:class:`FakeReplicate <shortfilm.testing.fake_replicate.FakeReplicate>` speak different APIs,
but a test drives both the same way: start one on a free port, script or randomise faults per
operation, and stop it without a keep-alive connection holding the interpreter open. That part
lives here once so the two cannot drift apart; each fake keeps its own routes, answers and
counters.
"""

from __future__ import annotations

import contextlib
import logging
import random
import shutil
import socket
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

FakeT = TypeVar("FakeT")

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
"""The faults every fake can serve (each fake's docstring says what each means there): busy
answers, a request held past the client's timeout or dropped, the ``-created`` kinds that do
the work before the answer is lost, a garbled or cut-short body, a 404."""


class FakeHandler(BaseHTTPRequestHandler):
    """The request handler settings every fake shares: keep-alive HTTP/1.1, and no Nagle.

    ``http.server`` writes a response's headers and body in separate sends; with Nagle's
    algorithm on, the body waits for the client's delayed ACK of the headers, which adds
    about 40 ms to every answer on loopback. Real API front ends set ``TCP_NODELAY``, so a fake
    that did not would slow every test and benchmark with a latency no real server has.
    """

    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True
    server: TrackingServer[Any]

    def log_message(self, format: str, *args: Any) -> None:
        self.server.logger.debug(f"{self.server.label}: " + format, *args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        """Answer one request (the fake's routes)."""
        raise NotImplementedError

    def read_request(self) -> tuple[str, str, bytes]:
        """``(path, query, body)`` of the request: the path without a trailing slash, the raw
        query string, the body's bytes (empty when there is none)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        return parts.path.rstrip("/"), parts.query, raw

    def send_bytes(
        self,
        status: int,
        data: bytes,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        cut: int | None = None,
    ) -> None:
        """Answer with ``data``; ``cut`` sends only that many bytes, then drops the line."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data if cut is None else data[:cut])
            if cut is not None:
                self.wfile.flush()
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def range_start(self) -> int:
        """The first byte a ``Range: bytes=N-`` header asks for (the only form clients send);
        0 for a request of the whole file."""
        header = self.headers.get("Range") or ""
        first = (
            header.removeprefix("bytes=").split("-", 1)[0] if header.startswith("bytes=") else ""
        )
        return int(first) if first.isdigit() else 0

    def send_file(
        self, data: bytes, content_type: str, *, start: int = 0, cut_short: bool = False
    ) -> None:
        """Answer a download of ``data`` as an object store does: the whole file (200), or from
        byte ``start`` on (206 with ``Content-Range``; 416 when ``start`` is past the end).
        ``cut_short`` sends half the body, then drops the line (a transfer broken midway)."""
        size = len(data)
        if start > 0 and start >= size:
            self.send_bytes(
                416, b"", content_type=content_type, headers={"Content-Range": f"bytes */{size}"}
            )
        elif start > 0:
            self.send_bytes(
                206,
                data[start:],
                content_type=content_type,
                headers={"Content-Range": f"bytes {start}-{size - 1}/{size}"},
            )
        else:
            self.send_bytes(
                200, data, content_type=content_type, cut=size // 2 if cut_short else None
            )


class TrackingServer(ThreadingHTTPServer, Generic[FakeT]):
    """A threading HTTP server that remembers its open connections.

    ``shutdown()`` only stops the accept loop: a handler thread blocked reading an idle
    keep-alive connection would live on (and keep the port busy) until the client hangs up.
    :meth:`close_connections` shuts those sockets down so every handler returns at once.
    ``logger`` and ``label`` (``"fake ModelArk"``) make connection errors log as their fake's;
    ``FakeT`` is the type of the fake a handler calls into.
    """

    daemon_threads = True
    block_on_close = False
    fake: FakeT
    """The fake this server answers for (set by :meth:`FakeServerBase.start`)."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        logger: logging.Logger = log,
        label: str = "fake server",
    ) -> None:
        super().__init__(address, handler)
        self.logger = logger
        self.label = label
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients that time out or reset on purpose are the point of the fakes: not an error
        self.logger.debug("%s: connection error from %s", self.label, client_address, exc_info=True)


class FakeServerBase:
    """Lifecycle and fault scripting of a fake API server; subclasses supply the API.

    A subclass sets the class attributes below and implements :meth:`_new_server`; its
    ``__init__`` calls ``super().__init__`` once its own arguments are validated (this makes
    the media folder). What is shared is everything a test uses to break the server on purpose
    (:meth:`inject`, :meth:`set_fault_rate`, :meth:`clear_faults`) and the handler's side of it
    (:meth:`_next_fault`), so both fakes fail in the same, reproducible way.
    """

    name: ClassVar[str]
    """The fake's name in messages (``"FakeModelArk"``)."""
    ops: ClassVar[tuple[str, ...]]
    """Operations faults can be injected into."""
    faults: ClassVar[tuple[str, ...]]
    """Fault kinds :meth:`inject` accepts (besides ``"ok"``)."""
    created_ops: ClassVar[tuple[str, ...]] = ("create",)
    """Operations where a random fault may come after the work was done (``-created``)."""
    created_kinds: ClassVar[tuple[str, ...]] = ("timeout", "reset")
    """Random fault kinds that may turn into their ``-created`` variant on ``created_ops``."""

    def __init__(self, *, media_dir: Path | None, media_prefix: str, seed: int) -> None:
        self._own_media = media_dir is None
        self.media_dir = (
            Path(media_dir) if media_dir else Path(tempfile.mkdtemp(prefix=media_prefix))
        )
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._scripts: dict[str, deque[str]] = {op: deque() for op in self.ops}
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_ops: frozenset[str] = frozenset()
        self._created_fraction = 0.5
        self._fault_rng = random.Random(seed)
        self._server: TrackingServer[Any] | None = None
        self._thread: threading.Thread | None = None

    def _new_server(self, address: tuple[str, int]) -> TrackingServer[Any]:
        """The subclass's server with its handler, bound to ``address`` (not yet serving)."""
        raise NotImplementedError

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on 127.0.0.1 at a free port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stop.clear()
        server = self._new_server(("127.0.0.1", 0))
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections, and remove a media folder this server made."""
        self._stop.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._own_media:
            shutil.rmtree(self.media_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError(f"{self.name} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # Faults ----------------------------------------------------------------------------------

    def inject(self, op: str, *kinds: str) -> None:
        """Queue faults for the next calls of ``op``, in order (``"ok"`` passes one call)."""
        if op not in self.ops:
            raise ValueError(f"unknown op {op!r}; known: {', '.join(self.ops)}")
        for kind in kinds:
            if kind not in self.faults and kind != "ok":
                raise ValueError(f"unknown fault {kind!r}; known: {', '.join(self.faults)}")
        with self._lock:
            self._scripts[op].extend(kinds)

    def set_fault_rate(
        self,
        rate: float,
        *,
        kinds: Iterable[str] = ("429", "500", "timeout"),
        ops: Iterable[str] | None = None,
        created_fraction: float = 0.5,
        seed: int = 0,
    ) -> None:
        """Fail a fraction ``rate`` of calls of ``ops`` (all of them by default) at random with
        one of ``kinds``.

        A random fault of ``created_kinds`` on one of ``created_ops`` has done the work first
        (created the task or prediction, made the image) with probability
        ``created_fraction``: the case that tempts a client to pay twice.
        """
        with self._lock:
            self._fault_rate = rate
            self._fault_kinds = tuple(kinds)
            self._fault_ops = frozenset(self.ops if ops is None else ops)
            self._created_fraction = created_fraction
            self._fault_rng = random.Random(seed)

    def clear_faults(self) -> None:
        """Drop every scripted fault and stop random ones."""
        with self._lock:
            for script in self._scripts.values():
                script.clear()
            self._fault_rate = 0.0

    def _next_fault(self, op: str) -> str | None:
        """The fault to serve on this call of ``op`` (scripted first, then random), or None."""
        with self._lock:
            script = self._scripts[op]
            if script:
                kind = script.popleft()
                return None if kind == "ok" else kind
            if (
                self._fault_rate > 0
                and op in self._fault_ops
                and self._fault_rng.random() < self._fault_rate
            ):
                kind = self._fault_rng.choice(self._fault_kinds)
                if (
                    op in self.created_ops
                    and kind in self.created_kinds
                    and self._fault_rng.random() < self._created_fraction
                ):
                    kind += "-created"
                return kind
            return None
