"""The campaign in the JSON API: what the campaign page shows and does.

``GET /api/productions/{slug}/campaign`` is the page's view (the variants side by side, the
calendar); the writes call the same stages as the page's forms and the command line
(:mod:`shortfilm.campaign.variants`, :mod:`shortfilm.campaign.variant_renders`,
:mod:`shortfilm.publish.variants`), whose roles, lint and platform rules decide. The owner's
decision on a variant is ``POST /api/productions/{slug}/reviews`` with ``kind: variant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from shortfilm.campaign.variants import add_variant, text_variant
from shortfilm.domain.campaign_page import CampaignPage
from shortfilm.jobs.requests import request_variant_render
from shortfilm.publish.variants import parse_at, publish_variant
from shortfilm.store.read_model.campaign import campaign_page
from shortfilm.web.deps import Queue, Slug, TheStore, Who
from shortfilm.web.schemas import PublishVariantBody, VariantBody

router = APIRouter(prefix="/api")


@dataclass(frozen=True)
class VariantSaved:
    name: str
    version: int
    account: str


@dataclass(frozen=True)
class Posted:
    variant: str
    version: int
    account: str
    state: str
    at: str | None
    remote_id: str | None
    sent: bool
    adopted: bool


@router.get("/productions/{slug}/campaign")
def campaign(slug: Slug, who: Who, store: TheStore) -> CampaignPage:
    """The variants of the approved film side by side, and the calendar of their posts."""
    with store.session() as s:
        return campaign_page(s, slug)


@router.post("/productions/{slug}/variants", status_code=201)
async def prepare(slug: Slug, body: VariantBody, who: Who, store: TheStore) -> VariantSaved:
    """Save a variant (a new version with ``replace``), checked against its account's platform."""
    variant = text_variant(
        body.name,
        body.account,
        hook=body.hook,
        end_card=body.end_card,
        caption=body.caption,
        hashtags=tuple(body.hashtags),
        title=body.title,
        preset=body.preset,
        hook_until_s=body.hook_until_s,
        end_card_s=body.end_card_s,
    )
    stored = await run_in_threadpool(
        add_variant, store, slug, variant, who.actor, replace=body.replace
    )
    return VariantSaved(stored.name, stored.version, stored.variant.account)


@router.post("/productions/{slug}/variants/{name}/render", status_code=202)
async def render(slug: Slug, name: str, who: Who, store: TheStore, queue: Queue) -> dict[str, Any]:
    """Queue the film of the variant's newest version (kept when made before, checked like any
    render): the job as recorded (``queued``), followed at ``/api/jobs/ID``, whose result names
    the film. What the render would refuse is refused here, before anything is queued."""
    queued = await run_in_threadpool(
        request_variant_render, store, slug, who.actor, name, queue=queue
    )
    return queued.view()


@router.post("/productions/{slug}/variants/{name}/publish")
async def publish(
    slug: Slug, name: str, body: PublishVariantBody, who: Who, store: TheStore
) -> Posted:
    """Send the approved variant to its account (``at``: ISO 8601, UTC unless a zone is given);
    never twice: a variant posted before answers ``sent: false``."""
    at = parse_at(body.at)
    got = await run_in_threadpool(publish_variant, store, slug, name, who.actor, at=at)
    pub = got.publication
    return Posted(pub.variant, pub.variant_version, pub.account, pub.state.value,
                  pub.at.isoformat() if pub.at else None, pub.remote_id, got.sent,
                  got.adopted)  # fmt: skip
