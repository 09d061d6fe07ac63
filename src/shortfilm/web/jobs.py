"""Work started from the web app: the edit page's render buttons, and the jobs they queue.

A job is recorded before it runs, and carried out by the app's job queue: Celery workers when
``SHORTFILM_BROKER_URL`` names a broker, else threads of this server process
(:mod:`shortfilm.jobs.queues`). The pages follow a job through ``GET /api/productions/{slug}/
jobs`` without reloading (``static/jobs.js``). The role rule and the checkpoint are checked
before anything is queued (:mod:`shortfilm.jobs.requests`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from shortfilm.jobs.queues import JobQueue
from shortfilm.jobs.requests import request_render
from shortfilm.store import jobs as stored
from shortfilm.web.deps import Slug, TheStore, Who
from shortfilm.web.flash import redirect_with
from shortfilm.web.login import local_target

api = APIRouter(prefix="/api")
forms = APIRouter(include_in_schema=False)


async def job_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.jobs
    return queue


Queue = Annotated[JobQueue, Depends(job_queue)]


class RenderBody(BaseModel):
    draft: bool = True
    """A review draft (no approval needed); ``false``: the publishable renders."""


@api.post("/productions/{slug}/renders", status_code=202)
def render(slug: Slug, body: RenderBody, who: Who, store: TheStore, queue: Queue) -> dict[str, Any]:
    """Queue a render of the current edit; the job as recorded (``queued``)."""
    return request_render(store, slug, who.actor, draft=body.draft, queue=queue).view()


@api.get("/productions/{slug}/jobs")
def production_jobs(slug: Slug, store: TheStore) -> list[dict[str, Any]]:
    """The production's newest jobs, queued and running ones with their progress and worker."""
    with store.session() as tx:
        return [job.view() for job in stored.jobs(tx, slug=slug, limit=20)]


@api.get("/jobs/{job_id}")
def job(job_id: str, store: TheStore) -> dict[str, Any]:
    with store.session() as tx:
        return stored.get_job(tx, job_id[:32]).view()


@forms.post("/p/{slug}/renders")
async def render_form(
    request: Request, slug: Slug, who: Who, store: TheStore, queue: Queue
) -> Response:
    form = await request.form()
    draft = form.get("draft") != "0"
    queued = await run_in_threadpool(
        request_render, store, slug, who.actor, draft=draft, queue=queue
    )
    what = "a draft render" if draft else "the final renders"
    back = form.get("back")
    target = local_target(back if isinstance(back, str) else "", f"/p/{slug}/edit")
    return redirect_with(target, f"Queued {what} (job {queued.id[:8]}): it shows below as it runs.")
