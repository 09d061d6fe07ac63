"""The library in the web app: ``/search`` (the page, with a box in every page's nav) and
``GET /api/search`` (JSON), both behind the login, with the filters of ``shortfilm search``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from shortfilm.domain.library import MAX_LIMIT, EntryKind, LibraryHit, LibraryQuery
from shortfilm.errors import InputError
from shortfilm.library.search import (
    CAMPAIGN_ROLES,
    TEAM_ROLES,
    Found,
    production_slugs,
    search,
)
from shortfilm.web.deps import TheStore, Who
from shortfilm.web.flash import flash_html, shown
from shortfilm.web.rendering import render, templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api")

Text = Annotated[str, Query(max_length=20_000, description="Words to find.")]
KindParam = Annotated[str, Query(description="prompt, board, take, note, review, metric, ...")]
Flag = Annotated[bool, Query(description="Only failed takes.")]
RoleParam = Annotated[str, Query(description="A campaign role or a team role.")]
SlugParam = Annotated[str, Query(description="Only this production (its slug).")]
LimitParam = Annotated[int, Query(description=f"At most this many (1-{MAX_LIMIT}).")]


def _query(q: str, kind: str, failed: bool, role: str, production: str, limit: int) -> LibraryQuery:
    """The search the parameters ask for; an empty filter is no filter."""
    if kind and kind not in {k.value for k in EntryKind}:
        raise InputError(f"kind: {kind!r}; use one of {', '.join(k.value for k in EntryKind)}")
    return LibraryQuery(q, EntryKind(kind) if kind else None, failed, role or None,
                        production or None, limit)  # fmt: skip


@dataclass(frozen=True)
class SearchHit:
    """One found text: what (``kind``, ``what``: ``clip-02 take 3``), where (production, clip,
    ``link`` to its page), why (``snippet`` with the ``marks`` of the matched words)."""

    kind: str
    production: str
    production_title: str
    what: str
    subject_kind: str
    subject_id: int
    clip: int | None
    role: str
    failed: bool
    score: float
    snippet: str
    marks: list[tuple[int, int]]
    thumbnail_sha256: str | None
    link: str


def _link(hit: LibraryHit) -> str:
    if hit.clip_position is not None:
        return f"/p/{hit.slug}/clips/{hit.clip_position}"
    if hit.kind is EntryKind.BOARD:
        return f"/p/{hit.slug}/board"
    if hit.kind is EntryKind.METRIC:
        return f"/p/{hit.slug}/campaign"
    return f"/p/{hit.slug}"


def _as_hit(found: Found) -> SearchHit:
    h = found.hit
    return SearchHit(h.kind.value, h.slug, h.production_title, h.title, h.subject_kind,
                     h.subject_id, h.clip_position, h.role, h.failed, h.score, h.snippet.text,
                     list(h.snippet.marks), h.thumbnail_sha256, _link(h))  # fmt: skip


@api.get("/search")
def search_api(
    who: Who, store: TheStore, q: Text = "", kind: KindParam = "", failed: Flag = False,
    role: RoleParam = "", production: SlugParam = "", limit: LimitParam = 20,
) -> list[SearchHit]:  # fmt: skip
    """Search every production of the home, best first (as ``shortfilm search``)."""
    return [_as_hit(f) for f in search(store, _query(q, kind, failed, role, production, limit))]


@pages.get("/search")
def search_page(
    request: Request, who: Who, store: TheStore, q: Text = "", kind: KindParam = "",
    failed: Flag = False, role: RoleParam = "", production: SlugParam = "",
    limit: LimitParam = 20,
) -> HTMLResponse:  # fmt: skip
    """The search page: the box, the filters, the hits with their keyframes."""
    asked = _query(q, kind, failed, role, production, limit)
    hits = [_as_hit(f) for f in search(store, asked)] if q.strip() else []
    html = render(templates(request), "search.html", who, flash_html(request),
                  q=q, kind=kind, failed=failed, wanted_role=role, production=production,
                  limit=limit, hits=hits, kinds=[k.value for k in EntryKind],
                  slugs=production_slugs(store),
                  campaign_roles=sorted(CAMPAIGN_ROLES), team_roles=sorted(TEAM_ROLES),
                  pieces=_pieces)  # fmt: skip
    return shown(request, HTMLResponse(html))


def _pieces(hit: SearchHit) -> list[tuple[str, bool]]:
    """The snippet cut at its marks: ``(text, matched)`` for the template to escape and mark."""
    out, at = [], 0
    for start, end in hit.marks:
        out += [(hit.snippet[at:start], False), (hit.snippet[start:end], True)]
        at = end
    out.append((hit.snippet[at:], False))
    return out
