"""The HTML pages, read through the store's read model (:mod:`shortfilm.store.read_model`).

Every page of a production is served from :class:`~shortfilm.web.rendering.PageCache` keyed by
the production's newest event and the viewer's role, so a page view costs one small query until
someone changes the production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from shortfilm.domain.checklist import StepState
from shortfilm.domain.page_views import EditPage
from shortfilm.domain.review import Checkpoint
from shortfilm.domain.rubric import CRITERIA
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.domain.trace import ThingKind, ThingRef
from shortfilm.jobs.requests import default_provider
from shortfilm.production.clip_revision import clip_plan_text, plan_digest
from shortfilm.providers import registry
from shortfilm.store.boards import borrowed_versions
from shortfilm.store.read_model import overview as overviews
from shortfilm.store.read_model import pages
from shortfilm.store.read_model.cards import production_cards
from shortfilm.store.repo import Store
from shortfilm.store.trace import home_mark
from shortfilm.takes.lookup import find_clip
from shortfilm.takes.more import MAX_AT_ONCE
from shortfilm.takes.ranking import ranked
from shortfilm.web.auth import Viewer
from shortfilm.web.deps import TheStore, Who
from shortfilm.web.flash import flash_html, shown
from shortfilm.web.lineage import traces
from shortfilm.web.rendering import PageCache, personal, render, role_context, templates

router = APIRouter(include_in_schema=False)


async def cached_page(
    request: Request,
    who: Viewer,
    slug: str,
    template: str,
    key: tuple[Any, ...],
    build: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """A production page from the cache, rendered (in a worker thread) when the production
    changed since. A hit costs one small indexed query, run inline: cheaper than a thread hop."""
    store: Store = request.app.state.store
    with store.engine.connect() as conn:
        last = overviews.last_event_id(conn, slug)
    cache: PageCache = request.app.state.pages
    full_key = (template, slug, key, last, who.actor.role)
    page = cache.get(full_key)
    if page is None:
        env = templates(request)

        def draw() -> str:
            return env.get_template(template).render(**role_context(who.actor.role), **build())

        page = await run_in_threadpool(cache.get_or_render, full_key, draw)
    return shown(request, HTMLResponse(personal(page, who, flash_html(request))))


# -- pages --------------------------------------------------------------------------------------


@router.get("/")
def home(request: Request, who: Who, store: TheStore) -> HTMLResponse:
    with store.session() as s:
        rows = production_cards(s)
    html = render(templates(request), "productions.html", who, flash_html(request), cards=rows)
    return shown(request, HTMLResponse(html))


@router.get("/accounts")
def accounts_page(request: Request, who: Who, store: TheStore) -> HTMLResponse:
    """The home's publishing accounts and their platforms' rules, for whoever plans a post."""
    from shortfilm.campaign.accounts import accounts
    from shortfilm.domain.permissions import Action, may
    from shortfilm.domain.platforms import PLATFORMS

    found = accounts(store)

    def limit(value: int | None, unit: str) -> str:
        return "no limit" if value is None else f"at most {value:,}{unit}"

    shown_accounts = []
    for a in found:
        rules = PLATFORMS[a.platform]
        weighted = " (weighted)" if rules.counting == "weighted" else ""
        shown_accounts.append(
            {
                "name": a.name,
                "handle": a.handle,
                "platform_label": rules.label,
                "locale": a.locale,
                "preset": a.preset,
                "max_duration": f"{rules.max_duration_s:g} s",
                "caption_max": limit(rules.caption_max, " characters") + weighted,
                "hashtags_max": limit(rules.hashtags_max, ""),
                "target": a.target.describe(),
            }
        )
    platforms = sorted({a.platform for a in found})
    sources = [(PLATFORMS[p].label, PLATFORMS[p].sources) for p in platforms]
    html = render(
        templates(request),
        "accounts.html",
        who,
        flash_html(request),
        accounts=shown_accounts,
        sources=sources,
        manages=may(who.actor.role, Action.MANAGE_ACCOUNTS),
    )
    return shown(request, HTMLResponse(html))


@router.get("/p/{slug}")
async def dashboard(request: Request, slug: str, who: Who, store: TheStore) -> HTMLResponse:
    def build() -> dict[str, Any]:
        with store.session() as s:
            view = overviews.dashboard(s, slug)
        steps = list(view.steps)
        waiting = [step for step in steps if step.waiting_for and step.state != StepState.DONE]
        return {
            "slug": slug,
            "title": view.title,
            "steps": steps,
            "waiting": waiting,
            "stale": view.stale.all,
            "events": list(view.events),
            "gates": list(Checkpoint),
        }

    return await cached_page(request, who, slug, "dashboard.html", (), build)


@router.get("/p/{slug}/board")
async def board(request: Request, slug: str, who: Who, store: TheStore) -> HTMLResponse:
    def build() -> dict[str, Any]:
        with store.session() as s:
            page = pages.board_page(s, slug)
            refs = (ThingRef(ThingKind.BOARD, number=b.version) for b in page.versions)
            found = traces(s, slug, refs)
            borrowed = borrowed_versions(s, overviews.production(s, slug).id)
        return {
            "page": page,
            "slug": slug,
            "criteria": CRITERIA,
            "lineages": found,
            "borrowed": borrowed,
        }

    with store.session() as s:  # takes of other productions made from this board count too
        mark = home_mark(s)
    return await cached_page(request, who, slug, "board.html", mark, build)


@router.get("/p/{slug}/clips/{position}")
async def clip(
    request: Request, slug: str, position: int, who: Who, store: TheStore
) -> HTMLResponse:
    def build() -> dict[str, Any]:
        with store.session() as s:
            page = pages.clip_page(s, slug, position)
            ranking = {r.number: r for r in ranked(s, find_clip(s, slug, position).id)}
            refs = (ThingRef(ThingKind.TAKE, position, t.number) for t in page.takes)
            found = traces(s, slug, refs)
        # side by side, best first by their QC evidence, each with what lowered it
        last = len(ranking) + 1
        takes = sorted(page.takes, key=lambda t: ranking[t.number].rank if t.number in ranking
                       else last + t.number)  # fmt: skip
        plan = clip_plan_text(store, slug, position)
        more = {
            "plan": plan,
            "plan_was": plan_digest(plan),
            "providers": registry.names(),
            "provider": default_provider(store, slug, position),
            "most": MAX_AT_ONCE,
        }
        return {
            "page": page,
            "slug": slug,
            "criteria": CRITERIA,
            "more": more,
            "takes": takes,
            "ranking": ranking,
            "strategies": [s.value for s in TakeStrategy],
            "lineages": found,
        }

    return await cached_page(request, who, slug, "clip.html", (position,), build)


@router.get("/p/{slug}/edit")
async def edit(request: Request, slug: str, who: Who, store: TheStore) -> HTMLResponse:
    def build() -> dict[str, Any]:
        with store.session() as s:
            page = pages.edit_page(s, slug)
            found = traces(s, slug, _film_things(page))
        return {"page": page, "slug": slug, "criteria": CRITERIA, "lineages": found}

    return await cached_page(request, who, slug, "edit.html", (), build)


def _film_things(page: EditPage) -> list[ThingRef]:
    """Each edit version of the page and each of its renders, as things to trace."""
    things = []
    for e in page.versions:
        things.append(ThingRef(ThingKind.EDIT, number=e.version))
        things += [ThingRef(ThingKind.RENDER, number=e.version, preset=r.preset) for r in e.renders]
    return things


@router.get("/p/{slug}/campaign")
def campaign(request: Request, slug: str, who: Who, store: TheStore) -> HTMLResponse:
    """The variants of the approved film side by side, and the calendar of their posts: the
    growth operator prepares them, the owner approves them. Not cached: the home's accounts,
    which the form offers, change without a production event."""
    from datetime import UTC, datetime

    from shortfilm.domain.review import VARIANT_CRITERIA
    from shortfilm.store.read_model.campaign import campaign_page

    read_at = datetime.now(UTC).isoformat(timespec="milliseconds")  # a film made after: reload
    with store.session() as s:
        page = campaign_page(s, slug)
    criteria = [c for c in CRITERIA if c.key in VARIANT_CRITERIA]
    html = render(templates(request), "campaign.html", who, flash_html(request), page=page,
                  slug=slug, criteria=criteria, read_at=read_at)  # fmt: skip
    return shown(request, HTMLResponse(html))


@router.get("/p/{slug}/review")
async def overview(request: Request, slug: str, who: Who, store: TheStore) -> HTMLResponse:
    """Every clip of the production with every take: the page a reviewer works down."""

    def build() -> dict[str, Any]:
        with store.session() as s:
            page = overviews.review_overview(s, slug)
        return {"page": page, "slug": slug}

    return await cached_page(request, who, slug, "review.html", (), build)
