"""A real ``shortfilm serve`` on a free loopback port, for the tests that drive one over HTTP or
from a browser; and the free port itself, for the other servers tests start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    home: Path,
    log: Path,
    *options: str,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = ("-m", "shortfilm"),
) -> Iterator[tuple[str, int]]:
    """``shortfilm serve`` (``command`` after the interpreter) with ``options``, answering
    ``/healthz``: ``(host, port)``; stopped on leaving. The server's output goes to ``log``."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *command, "serve", "--home", str(home), "--port", str(port),
             *options],
            stdout=out, stderr=subprocess.STDOUT, env=dict(env or os.environ),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()[-3000:])
                time.sleep(0.1)
            yield "127.0.0.1", port
        finally:
            process.terminate()
            process.wait(timeout=10)
