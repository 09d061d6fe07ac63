"""The HTTP server's side of slow and oversized clients: what uvicorn does not bound by itself.

uvicorn starts no timer while a request's headers arrive (its keep-alive timer is reset by every
byte), and its httptools parser keeps every header it is sent. :class:`GuardedHttpProtocol`
(``shortfilm serve`` runs uvicorn with it) adds:

* a **header deadline**: whenever the connection has no request being answered -- just opened,
  or its last response sent -- the next request line and headers must be complete within
  ``header_timeout_s``. A client trickling its headers a byte at a time is answered 408 and
  closed; a connection sending nothing, or the unread rest of a body after its response, is
  closed.
* a **header size cap**: the request line and headers together up to ``max_header_bytes``, else
  431 and closed, before anything is kept or the app is called.

The body's own size and time are bounded inside the app (:mod:`shortfilm.web.body_guard`), which
knows the route. The limits come from :class:`~shortfilm.web.settings.Settings` through the
environment ``shortfilm serve`` sets (each worker process reads them once).
"""

from __future__ import annotations

import asyncio
import functools
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shortfilm.web.settings import Settings, settings_from_env


@functools.cache
def _limits() -> Settings:
    return settings_from_env()


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline and a header size cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = _limits()
        self.header_timeout_s = limits.header_timeout_s
        self.max_header_bytes = limits.max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._in_headers = False
        self._header_bytes = 0
        self._oversized = False

    # -- the deadline -------------------------------------------------------------------------

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._in_headers:
            self._refuse(HTTPStatus.REQUEST_TIMEOUT, "the request headers took too long")
        else:
            self.transport.close()

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer ``status`` straight on the transport and close it (no app is involved)."""
        body = message.encode("ascii")
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm()

    # -- parser callbacks ---------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._oversized and not self.transport.is_closing():
            self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        self._header_bytes = 0
        self._arm()

    def _count(self, size: int) -> bool:
        """Count header bytes; ``False`` once over the cap (nothing more is kept)."""
        self._header_bytes += size
        self._oversized = self._oversized or self._header_bytes > self.max_header_bytes
        return not self._oversized

    def on_url(self, url: bytes) -> None:
        if self._count(len(url)):
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._count(len(name) + len(value) + 4):
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        if not self._oversized:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._oversized:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._oversized:
            super().on_message_complete()


__all__ = ["GuardedHttpProtocol"]
