"""Login and CSRF: no page or API route answers without a live session, no state changes
without the session's CSRF token.

Login is enforced by an ASGI middleware in front of every route (mounts and unknown paths too),
so a new route cannot forget it; the public paths are listed here and nowhere else. CSRF is an
app-wide dependency: a request that is not GET/HEAD/OPTIONS must carry the session's token in
the ``X-CSRF-Token`` header (the JSON API) or a ``csrf_token`` form field (the pages' forms).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortfilm.domain.people import Actor
from shortfilm.store.repo import Store
from shortfilm.team.accounts import session_actor
from shortfilm.web.multipart import FormBody, read_multipart, reads_upload

COOKIE = "shortfilm_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PUBLIC_PATHS = frozenset({"/login", "/healthz"})
PUBLIC_PREFIXES = ("/static/",)
"""The app's own CSS and script (package files, no production data) load on the login page."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Viewer:
    """The logged-in person of one request, with their session's CSRF token."""

    actor: Actor
    csrf: str


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), Secure when
    the app is reached over https."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def security_headers(media_origin: str | None = None) -> list[tuple[bytes, bytes]]:
    """On every answer: files are never sniffed into another type, pages are never framed, and
    only the app's own script runs (no inline script anywhere). ``media_origin``: where the
    players and posters are sent for the bytes (the artifact bucket's presigned URLs), the one
    other origin a page may load media and images from."""
    other = f" {media_origin}" if media_origin else ""
    policy = (
        f"default-src 'self'; img-src 'self' data:{other}; media-src 'self'{other}; "
        "object-src 'none'; frame-ancestors 'none'"
    )
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy", policy.encode()),
    ]


def _with_security_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *headers]}
        await send(message)

    return wrapped


class LoginRequired:
    """ASGI middleware: looks the session cookie up (one indexed query) and puts the
    :class:`Viewer` on ``request.state``; without one, pages redirect to the login page and the
    API answers 401."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store
        self.headers = security_headers(store.artifacts.media_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send, self.headers)
        if is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        token = Request(scope).cookies.get(COOKIE, "")
        found = session_actor(self.store, token) if token else None
        if found is None:
            response: Response
            if is_api(scope["path"]):
                response = JSONResponse({"detail": "log in first"}, status_code=401)
            else:
                target = scope["path"] + (
                    "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
                )
                response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            await response(scope, receive, send)
            return
        actor, csrf = found
        state = scope.setdefault("state", {})
        state["viewer"] = Viewer(actor, csrf)
        try:
            await self.app(scope, receive, send)
        finally:
            body = state.get("form_body")
            if isinstance(body, FormBody):
                body.discard()


def current_viewer(request: Request) -> Viewer:
    """The logged-in person (the middleware has made sure there is one)."""
    found: Viewer = request.state.viewer
    return found


async def viewer(request: Request) -> Viewer:
    """:func:`current_viewer` as a dependency (``async``: FastAPI would run a plain function in
    a worker thread, which costs more than the lookup)."""
    return current_viewer(request)


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request without the session's CSRF token.

    A multipart body is refused (415) unless the route takes an upload; an upload is read
    here, into temp files under the store's home within the size limit, so its ``csrf_token``
    field can be checked before anything uses the file; the route finds it on
    ``request.state.form_body``, and :class:`LoginRequired` removes the temp files once the
    response is sent, whatever happened.
    """
    if request.method in SAFE_METHODS or request.url.path == "/login":
        return
    expected = current_viewer(request).csrf
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        if not reads_upload(request.scope.get("route")):
            raise HTTPException(415, "this form takes no file: send it url-encoded")
        app_state = request.app.state
        body = await read_multipart(
            request, app_state.store.home / "uploads", app_state.settings.max_upload_bytes
        )
        request.state.form_body = body
        sent = sent or body.fields.get(CSRF_FIELD)
    elif sent is None and content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
