"""The campaign page's forms: the growth operator prepares a variant and queues its film, the
owner approves it (through the review form, ``kind=variant``), and either publishes it.

Each calls the same write path as the command line (:mod:`shortfilm.campaign.variants`,
:mod:`shortfilm.campaign.variant_renders`, :mod:`shortfilm.publish.variants`), so the rules
(roles, lint, the platform's limits, never posting twice) are the command line's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from shortfilm.campaign.variants import add_variant, text_variant
from shortfilm.errors import InputError
from shortfilm.jobs.requests import request_variant_render
from shortfilm.publish.variants import parse_at, publish_variant
from shortfilm.web.deps import Queue, Slug, TheStore, Who
from shortfilm.web.flash import redirect_with

router = APIRouter(include_in_schema=False)
MAX_FIELD = 2200
"""Longer than any platform's caption: a longer field is refused before it is parsed further."""


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_FIELD:
        raise InputError(f"{name}: over {MAX_FIELD} characters")
    return text


def _page(slug: str) -> str:
    return f"/p/{slug}/campaign"


@router.post("/p/{slug}/variants")
async def prepare(request: Request, slug: Slug, who: Who, store: TheStore) -> Response:
    form = await request.form()
    variant = text_variant(
        _text(form, "name"),
        _text(form, "account"),
        hook=_text(form, "hook"),
        end_card=_text(form, "end_card"),
        caption=_text(form, "caption"),
        hashtags=tuple(_text(form, "hashtags").replace(",", " ").split()),
        title=_text(form, "title"),
    )
    replace = _text(form, "replace") == "yes"
    stored = await run_in_threadpool(add_variant, store, slug, variant, who.actor, replace=replace)
    done = (f"Saved variant {stored.name} v{stored.version} for {stored.variant.account}; "
            "render its film, then the owner reviews it.")  # fmt: skip
    return redirect_with(_page(slug) + f"#variant-{stored.name}", done)


@router.post("/p/{slug}/variants/{name}/render")
async def render(
    request: Request, slug: Slug, name: str, who: Who, store: TheStore, queue: Queue
) -> Response:
    await request.form()
    queued = await run_in_threadpool(
        request_variant_render, store, slug, who.actor, name, queue=queue
    )
    done = (f"Queued the film of variant {name} (job {queued.id[:8]}): it shows in the "
            "variant's card once made; the jobs list follows it.")  # fmt: skip
    return redirect_with(_page(slug) + f"#variant-{name}", done)


@router.post("/p/{slug}/variants/{name}/publish")
async def publish(request: Request, slug: Slug, name: str, who: Who, store: TheStore) -> Response:
    form = await request.form()
    at = parse_at(_text(form, "at") or None)
    got = await run_in_threadpool(publish_variant, store, slug, name, who.actor, at=at)
    pub = got.publication
    when = f" for {pub.at:%Y-%m-%d %H:%M} UTC" if pub.at else ""
    said = "nothing was sent again" if not got.sent else f"{pub.state}{when}"
    done = f"Variant {pub.variant} v{pub.variant_version} to {pub.account}: {said}."
    return redirect_with(_page(slug) + f"#variant-{name}", done)
