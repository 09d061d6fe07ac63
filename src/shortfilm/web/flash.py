"""Confirmations after a decision: a one-time message carried across POST-redirect-GET.

A form's route answers 303 to the page it came from with the message in a short-lived cookie;
that page shows it once (in place of :data:`FLASH_PLACEHOLDER`, after the page cache, so a cached
page never holds anyone's message) and clears the cookie. The cookie holds only the
confirmation's words, escaped when shown: a forged one can only put text on its own
browser's page.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

FLASH_COOKIE = "shortfilm_flash"
MAX_CHARS = 300
"""A confirmation is a sentence; anything longer in the cookie is cut."""


def redirect_with(target: str, message: str) -> RedirectResponse:
    """303 to ``target`` (a path on this site), showing ``message`` there once."""
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        quote(message[:MAX_CHARS]),
        max_age=120,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return response


def flash_html(request: Request) -> str:
    """The waiting confirmation as a status line, or nothing."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return ""
    message = unquote(raw)[:MAX_CHARS]
    return f'<p class="flash" role="status">{escape(message)}</p>'


def shown(request: Request, response: HTMLResponse) -> HTMLResponse:
    """``response`` with the confirmation cookie cleared, once its page has shown it."""
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
