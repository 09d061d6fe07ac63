"""Workflow errors as HTTP answers: the one place the web app turns them into status codes.

The workflow raises domain errors and never knows about HTTP; here a refused role becomes 403, a
stale revision 409 (``this item changed since you opened it``), a closed checkpoint 409, bad
input 400, a request FastAPI cannot validate 422. The JSON API answers ``{"detail": ...}``; a page
answers an HTML page saying why.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from shortfilm.errors import (
    ConflictError,
    GateError,
    InputError,
    NotFound,
    PermissionDenied,
    ShortfilmError,
)
from shortfilm.team.accounts import list_users
from shortfilm.web.auth import is_api


class UnsupportedMedia(InputError):
    """An upload whose content is not the kind of file the route takes (415)."""


def status_of(exc: ShortfilmError) -> tuple[int, str]:
    """The HTTP status and the message for a workflow error."""
    if isinstance(exc, PermissionDenied):
        return 403, str(exc)
    if isinstance(exc, ConflictError):
        return 409, f"this item changed since you opened it: {exc}"
    if isinstance(exc, GateError):
        return 409, str(exc)
    if isinstance(exc, UnsupportedMedia):
        return 415, str(exc)
    if isinstance(exc, InputError):
        return 400, str(exc)
    if isinstance(exc, NotFound):
        return 404, str(exc)
    return 500, str(exc)


def back_link(request: Request) -> str:
    """Where the refused page came from (the ``Referer``, when it is a page of this site),
    else the productions list: never a link off the site."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return "/"
    if referer.path.startswith("//") or "\\" in referer.path:
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")


def answer(request: Request, status: int, message: str, **refusal: Any) -> Response:
    """``{"detail": message}`` for the API and scripts, an error page for a browser: what
    went wrong, and a link back to the page it came from."""
    if is_api(request.url.path) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": message}, status_code=status)
    templates = request.app.state.templates
    html = templates.get_template("error.html").render(
        status=status, message=message, back=back_link(request), **refusal
    )
    return HTMLResponse(html, status_code=status)


def _refusal(request: Request, exc: PermissionDenied) -> dict[str, Any]:
    """What the refusal page says beyond the message: the action, the viewer's role, the roles
    that may take it and the active people who hold them (so the viewer knows whom to ask)."""
    if not exc.action:
        return {}
    viewer = getattr(request.state, "viewer", None)
    people = [a for a in list_users(request.app.state.store) if a.role in exc.allowed]
    return {
        "action": exc.action,
        "allowed": exc.allowed,
        "people": people,
        "viewer_role": viewer.actor.role.value if viewer is not None else "",
    }


async def _workflow_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShortfilmError)
    status, message = status_of(exc)
    if isinstance(exc, PermissionDenied):
        refusal = await run_in_threadpool(_refusal, request, exc)
        return answer(request, status, message, **refusal)
    return answer(request, status, message)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """422 naming each field and what is wrong with it -- never echoing the input back: it may
    be bytes that are not text (FastAPI's own handler failed on those with a 500)."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    if is_api(request.url.path) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": problems}, status_code=422)
    text = "; ".join(f"{'.'.join(p['loc'][1:]) or 'request'}: {p['msg']}" for p in problems)
    return answer(request, 422, text)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return answer(request, exc.status_code, str(exc.detail))


def install(app: FastAPI) -> None:
    app.add_exception_handler(ShortfilmError, _workflow_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
