"""moto's S3 server for the tests, with its writes made atomic as S3's are.

moto answers a conditional PUT (``If-None-Match: *``) by looking for the key and then storing
the object, with nothing between the two: two writers of one key at the same moment, on two of
its threads, can both find it absent and both write (S3 does the check and the write as one
step, which is what :mod:`shortfilm.store.s3_writes` relies on). This serves moto's app with
its writes (PUT, POST, DELETE) one at a time; reads stay concurrent.

Run as ``python tests/moto_s3.py HOST PORT`` (see :mod:`s3_server`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_WRITES = threading.Lock()


def atomic_writes(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in {"PUT", "POST", "DELETE"}:
            with _WRITES:
                return list(app(environ, start_response))
        return app(environ, start_response)

    return serve


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))  # as moto.server does: its URLs name the port
    run_simple(
        host, port, atomic_writes(DomainDispatcherApplication(create_backend_app)), threaded=True
    )
