"""Logging in and out: the one page and the one form that answer without a session.

A login checks the argon2 hash, opens a session (its token reaches the browser only as an
HttpOnly, SameSite=Lax cookie) and goes back to the page the person first asked for -- a path on
this site, never another one.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shortfilm.web.auth import COOKIE, session_cookie
from shortfilm.web.deps import TheStore
from shortfilm.web.rendering import templates
from shortfilm.web.throttle import LoginThrottle
from shortfilm.workflow import accounts

router = APIRouter(include_in_schema=False)

LOGIN_FAILED = "wrong name or password"


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


@router.post("/login")
def login(
    request: Request,
    store: TheStore,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, open a session, set the cookie. A post from another site is refused
    (it could log a victim in as the attacker: login CSRF); a name or address with too many
    failed logins waits (429, :mod:`shortfilm.web.throttle`)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        return HTMLResponse("cross-site login refused", status_code=403)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(name, address)
    if wait is not None:
        error = f"too many failed logins; try again in {wait} s"
        html = (
            templates(request)
            .get_template("login.html")
            .render(next=local_target(next, "/"), error=error, name=name)
        )
        return HTMLResponse(html, status_code=429, headers={"Retry-After": str(wait)})
    actor = accounts.authenticate(store, name, password)
    if actor is None:
        throttle.failed(name, address)
        html = (
            templates(request)
            .get_template("login.html")
            .render(next=local_target(next, "/"), error=LOGIN_FAILED, name=name)
        )
        return HTMLResponse(html, status_code=401)
    throttle.succeeded(name)
    token, _ = accounts.open_session(store, actor)
    response = RedirectResponse(local_target(next, "/"), status_code=303)
    session_cookie(response, request, token, accounts.SESSION_TTL_S)
    return response


@router.post("/logout")
def logout(request: Request, store: TheStore) -> Response:
    accounts.close_session(store, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
