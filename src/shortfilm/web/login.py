"""Logging in and out: the one page and the one form that answer without a session.

The login answers anyone, so it reads only what its form sends -- a small url-encoded body,
checked by type and size before anything is parsed. A login checks the argon2 hash (within the
throttle), opens a session (its token reaches the browser only as an HttpOnly, SameSite=Lax
cookie) and goes back to the page the person first asked for -- a path on this site, never
another one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shortfilm.domain.people import Actor
from shortfilm.store.repo import Store
from shortfilm.team import accounts
from shortfilm.web.auth import COOKIE, session_cookie
from shortfilm.web.deps import TheStore
from shortfilm.web.rendering import templates
from shortfilm.web.throttle import LoginThrottle, Throttled

router = APIRouter(include_in_schema=False)

LOGIN_FAILED = "wrong name or password"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_LOGIN_BYTES = 8 * 1024
"""The login form's body: a name, a password and a path back fit many times over."""


def local_target(value: str | None, default: str) -> str:
    """``value`` if it is a path on this site, else ``default``: never an open redirect."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value:
        return default
    return value


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    html = templates(request).get_template("login.html").render(next=local_target(next, "/"))
    return HTMLResponse(html)


async def read_login_form(request: Request) -> dict[str, str]:
    """The login form's fields, read only if the body is what the login form sends: 415 for
    another content type, 413 past :data:`MAX_LOGIN_BYTES` (from the header before a byte is
    read, and while it arrives). Nothing is spooled anywhere: the body stays in memory."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise HTTPException(415, f"a login is sent as {FORM_TYPE}")
    too_long = HTTPException(413, f"a login form is at most {MAX_LOGIN_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_LOGIN_BYTES:
        raise too_long
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BYTES:
            raise too_long
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=8)
    except ValueError:
        raise HTTPException(400, "too many fields for a login form") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


def check_password(request: Request, store: Store, name: str, password: str) -> Actor | None:
    """The user if the password is right, within the throttle (raises :class:`Throttled`): the
    attempt is reserved before argon2 runs, so parallel guesses cannot outrun the count."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    with throttle.attempt(name, address) as attempt:
        actor = accounts.authenticate(store, name, password)
        if actor is None:
            attempt.failed()
        else:
            attempt.succeeded()
        return actor


def _login_page(request: Request, status: int, next: str, **context: str) -> HTMLResponse:
    html = templates(request).get_template("login.html").render(next=next, **context)
    return HTMLResponse(html, status_code=status)


@router.post("/login")
async def login(request: Request, store: TheStore) -> Response:
    """Check the password, open a session, set the cookie. A post from another site is refused
    (it could log a victim in as the attacker: login CSRF); a name or address with too many
    failed logins waits (429, :mod:`shortfilm.web.throttle`)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        return HTMLResponse("cross-site login refused", status_code=403)
    form = await read_login_form(request)
    name, password = form.get("name", ""), form.get("password", "")
    next = local_target(form.get("next"), "/")
    if not name or not password:
        return _login_page(request, 400, next, error="enter a name and a password", name=name)
    try:
        actor = await run_in_threadpool(check_password, request, store, name, password)
    except Throttled as exc:
        page = _login_page(request, 429, next, error=str(exc), name=name)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if actor is None:
        return _login_page(request, 401, next, error=LOGIN_FAILED, name=name)
    token, _ = await run_in_threadpool(accounts.open_session, store, actor)
    response = RedirectResponse(next, status_code=303)
    session_cookie(response, request, token, accounts.SESSION_TTL_S)
    return response


@router.post("/logout")
def logout(request: Request, store: TheStore) -> Response:
    accounts.close_session(store, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
