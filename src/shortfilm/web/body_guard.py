"""Every request body bounded in size and in time before any route reads it.

The guard sits in front of the routes (behind the login check, so a request without a session
never gets this far except on the public paths) and wraps the ASGI ``receive``:

* **size**: a multipart body (an upload) may be up to ``max_upload_bytes``, any other body (a
  form post, a JSON API body, a body nobody asked for) up to ``max_form_bytes``. A
  ``Content-Length`` over the limit is answered 413 before the route runs; a body that grows
  past it while it arrives (chunked, or lying about its length) is cut off there with 413.
* **time**: the whole body must arrive within ``body_timeout_s`` of the request's start, or the
  answer is 408. A client trickling its body a byte at a time holds nothing for longer.

Once the guard has refused, whatever the route does next (it sees its ``receive`` fail, and may
turn that into an error of its own) is dropped: the client gets the guard's 413 or 408, with
``Connection: close`` so the server stops reading the rest. Headers are bounded by the server
itself (:mod:`shortfilm.web.server`), before the app is called.
"""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortfilm.web.errors import answer


class BodyRefused(Exception):
    """Raised from ``receive`` once the guard has refused the body (the route stops there)."""


class BodyGuard:
    """ASGI middleware bounding each request body by size (by content type) and by time."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_form_bytes: int,
        max_upload_bytes: int,
        body_timeout_s: float,
    ) -> None:
        self.app = app
        self.max_form_bytes = max_form_bytes
        self.max_upload_bytes = max_upload_bytes
        self.body_timeout_s = body_timeout_s

    def limit(self, headers: Headers) -> int:
        """The largest body, in bytes, for a request with these headers."""
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        return self.max_upload_bytes if multipart else self.max_form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit(headers)
        too_large = (413, f"the request body is over the limit of {limit} bytes")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, too_large)
            return
        deadline = anyio.current_time() + self.body_timeout_s
        refusal: tuple[int, str] | None = None
        received = 0
        body_done = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal refusal, received, body_done
            if refusal is not None:
                raise BodyRefused(refusal[1])
            if body_done:  # after the body: only a disconnect, which may take any time
                return await receive()
            message: Message | None = None
            with anyio.move_on_after(deadline - anyio.current_time()):
                message = await receive()
            if message is None:
                refusal = (408, f"the request body did not arrive within {self.body_timeout_s} s")
                raise BodyRefused(refusal[1])
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refusal = too_large
                    raise BodyRefused(refusal[1])
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None:
                return  # the route's own answer to a refused body: the guard's goes instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            # an exception after a refusal is the route stumbling over the refused body
            if refusal is None or started:
                raise
        if refusal is not None and not started:
            await self._refuse(scope, receive, send, refusal)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, refusal: tuple[int, str]
    ) -> None:
        status, message = refusal
        response = answer(Request(scope, receive), status, message)
        response.headers["connection"] = "close"
        await response(scope, receive, send)


__all__ = ["BodyGuard", "BodyRefused"]
