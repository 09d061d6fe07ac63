"""Pages as HTML: the Jinja2 templates, and a cache of rendered pages.

A page is rendered once per state of its production -- the cache key holds the production's
newest event id (every write appends one) and the viewer's role (which forms a page offers) --
with placeholders where the per-session CSRF token and the viewer's name go; serving a cached
page is then two string replacements, so the review overview of a 120-take production costs a
couple of milliseconds instead of a full render.

The placeholders carry a random nonce drawn when the process starts: a comment, a label or a
name is user text, and a fixed placeholder typed into one would come back as the reader's CSRF
token. Nobody can type a nonce they never see (a placeholder never reaches a browser).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from markupsafe import escape as html_text
from starlette.requests import Request

from shortfilm.domain.people import Role
from shortfilm.domain.permissions import abilities, who_may
from shortfilm.web.auth import Viewer
from shortfilm.web.lineage import node_link

_NONCE = secrets.token_hex(16)
CSRF_PLACEHOLDER = f"__shortfilm_csrf_{_NONCE}__"
NAME_PLACEHOLDER = f"__shortfilm_viewer_{_NONCE}__"
FLASH_PLACEHOLDER = f"__shortfilm_flash_{_NONCE}__"
CACHE_SIZE = 256


def _timecode(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _when(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M")


_APPROVE_TAKE = re.compile(r"shortfilm review take (\S+) clip-(\d+) (\d+) --approve")
_RENDER = re.compile(r"shortfilm render (\S+)")


def fix_page(fix: str) -> tuple[str, str] | None:
    """Where in the web app a person does by hand the step a stale line's command does, if it
    is a step a page offers: ``(href, what to do there)``. The staleness rules name the fix as
    a command (the CLI and the report print it); a page should lead to its own form too."""
    if found := _APPROVE_TAKE.fullmatch(fix):
        slug, clip, take = found[1], int(found[2]), int(found[3])
        return f"/p/{slug}/clips/{clip}#take-{take}", f"review clip-{clip:02d}/take-{take:03d}"
    if found := _RENDER.fullmatch(fix):
        return f"/p/{found[1]}/edit#jobs", "render on the edit page"
    return None


_BACKTICKED = re.compile(r"`([^`]+)`")


def with_commands(text: str | None) -> Markup:
    """``text`` (a checklist step's detail, a stale line's fix) with each `command` in it set as
    code, after a link to the page that does the same step, when one does (:func:`fix_page`)."""
    text = text or ""
    parts: list[str] = []
    last = 0
    for found in _BACKTICKED.finditer(text):
        parts.append(html_text(text[last : found.start()]))
        page = fix_page(found[1])
        link = f'<a href="{html_text(page[0])}">{html_text(page[1])}</a>, or ' if page else ""
        parts.append(f"{link}<code>{html_text(found[1])}</code>")
        last = found.end()
    parts.append(html_text(text[last:]))
    return Markup("".join(parts))


def templates(request: Request) -> Environment:
    """The app's template environment."""
    env: Environment = request.app.state.templates
    return env


def make_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("shortfilm.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["timecode"] = _timecode
    env.filters["when"] = _when
    env.filters["lineage_link"] = node_link
    env.filters["with_commands"] = with_commands
    env.globals["csrf_token"] = CSRF_PLACEHOLDER
    env.globals["viewer_name"] = NAME_PLACEHOLDER
    env.globals["flash_slot"] = FLASH_PLACEHOLDER
    env.globals["who_may"] = who_may()
    return env


def role_context(role: Role) -> dict[str, Any]:
    """What every page knows of its viewer's role: its name, and ``can``, the actions of the
    permission table it may take (a page offers only those forms, and says who may do the
    others). The page cache is keyed by role, so this is rendered once per role."""
    return {"role": role.value, "can": abilities(role)}


class PageCache:
    """Rendered pages by key, least recently used dropped first; safe across request threads."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


def personal(page: str, viewer: Viewer, flash: str = "") -> str:
    """A rendered page with the viewer's CSRF token, name and confirmation (already HTML, see
    :mod:`shortfilm.web.flash`) in place of the placeholders."""
    return (
        page.replace(CSRF_PLACEHOLDER, viewer.csrf)
        .replace(NAME_PLACEHOLDER, escape(viewer.actor.name))
        .replace(FLASH_PLACEHOLDER, flash)
    )


def render(env: Environment, template: str, viewer: Viewer, flash: str = "", **context: Any) -> str:
    """Render a page for ``viewer`` without the cache (pages that are cheap or per-person)."""
    html = env.get_template(template).render(**role_context(viewer.actor.role), **context)
    return personal(html, viewer, flash)
