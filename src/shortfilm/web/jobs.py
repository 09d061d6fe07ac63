"""Work started from the web app: the edit page's render buttons, the clip page's "more takes",
and the jobs they queue.

A job is recorded before it runs, and carried out by the app's job queue: Celery workers when
``SHORTFILM_BROKER_URL`` names a broker, else threads of this server process
(:mod:`shortfilm.jobs.queues`). The pages follow a job through ``GET /api/productions/{slug}/
jobs`` without reloading (``static/jobs.js``). The role rule and the checkpoint are checked
before anything is queued (:mod:`shortfilm.jobs.requests`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from shortfilm.domain.jobs import JobKind
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import InputError
from shortfilm.jobs.queues import JobQueue
from shortfilm.jobs.requests import TakesRequest, request_render, request_takes
from shortfilm.production.clip_revision import (
    MAX_PLAN_BYTES,
    LintRefusal,
    clip_plan_text,
    plan_digest,
)
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store
from shortfilm.takes.more import MAX_AT_ONCE
from shortfilm.web.auth import Viewer
from shortfilm.web.deps import Queue, Slug, TheStore, Who
from shortfilm.web.flash import redirect_with
from shortfilm.web.login import local_target

api = APIRouter(prefix="/api")
forms = APIRouter(include_in_schema=False)


class RenderBody(BaseModel):
    draft: bool = True
    """A review draft (no approval needed); ``false``: the publishable renders."""


@api.post("/productions/{slug}/renders", status_code=202)
def render(slug: Slug, body: RenderBody, who: Who, store: TheStore, queue: Queue) -> dict[str, Any]:
    """Queue a render of the current edit; the job as recorded (``queued``)."""
    return request_render(store, slug, who.actor, draft=body.draft, queue=queue).view()


class TakesBody(BaseModel):
    count: int = Field(2, ge=1, le=MAX_AT_ONCE)
    provider: str | None = Field(None, max_length=64)
    """Default: the provider of the clip's newest generated take."""
    plan: str | None = Field(None, max_length=MAX_PLAN_BYTES)
    """The clip's revised plan (YAML, as the spec writes the clip); absent: the plan as is."""
    plan_was: str | None = Field(None, max_length=64)
    """The digest of the plan the page showed (a plan changed since is a conflict)."""
    strategy: TakeStrategy = TakeStrategy.BEST_OF
    """``best-of``: every take asked for; ``until-pass``: none after the first whose QC passes."""


@api.post("/productions/{slug}/clips/{position}/more-takes", status_code=202, response_model=None)
def more_takes(
    slug: Slug, position: int, body: TakesBody, who: Who, store: TheStore, queue: Queue
) -> dict[str, Any] | JSONResponse:
    """Queue more takes of a clip (an ai-operator's or the owner's). A revised plan lint
    refuses is answered 409 with its findings, and nothing is queued or saved."""
    try:
        asked = _ask(store, slug, position, who, body, queue)
    except LintRefusal as exc:
        findings = [
            {"code": f.code, "place": f.place, "message": f.message, "hint": f.hint}
            for f in exc.findings
        ]
        return JSONResponse({"detail": str(exc), "findings": findings}, status_code=409)
    # the plan now stored, as the page would show it: the base of the person's next revision
    plan_was = plan_digest(clip_plan_text(store, slug, position))
    return {
        "job": asked.job.view(),
        "seeds": asked.seeds,
        "provider": asked.provider,
        "prompt_version": asked.prompt_version,
        "plan_was": plan_was,
    }


def _ask(
    store: Store, slug: str, position: int, who: Viewer, body: TakesBody, queue: JobQueue
) -> TakesRequest:
    return request_takes(
        store,
        slug,
        who.actor,
        position,
        body.count,
        provider=body.provider or None,
        plan_text=body.plan,
        plan_was=body.plan_was,
        queue=queue,
        strategy=body.strategy,
    )


@forms.post("/p/{slug}/clips/{position}/more-takes")
async def more_takes_form(
    request: Request, slug: Slug, position: int, who: Who, store: TheStore, queue: Queue
) -> Response:
    """The same without the page's script: a refusal shows on the error page (the browser's
    back button returns to the text as typed)."""
    form = await request.form()
    try:
        count = int(str(form.get("count") or 2))
    except ValueError as exc:
        raise InputError(f"count: a number of takes, not {form.get('count')!r}") from exc
    plan = form.get("plan")
    plan_was = form.get("plan_was")
    try:
        strategy = TakeStrategy.parse(str(form.get("strategy") or TakeStrategy.BEST_OF))
    except ValueError as exc:
        raise InputError(str(exc).replace("--strategy", "strategy")) from exc
    body = TakesBody(
        count=max(1, min(count, MAX_AT_ONCE)),
        provider=str(form.get("provider") or "") or None,
        plan=plan if isinstance(plan, str) and plan.strip() else None,
        plan_was=plan_was if isinstance(plan_was, str) else None,
        strategy=strategy,
    )
    asked = await run_in_threadpool(_ask, store, slug, position, who, body, queue)
    seeds = ", ".join(str(seed) for seed in asked.seeds)
    return redirect_with(
        f"/p/{slug}/clips/{position}#more-takes",
        f"Queued {len(asked.seeds)} more take(s) (seeds {seeds}, job {asked.job.id[:8]}): "
        "they show below as they run.",
    )


@api.get("/productions/{slug}/jobs")
def production_jobs(
    slug: Slug, store: TheStore, kind: JobKind | None = None, clip: int | None = None
) -> list[dict[str, Any]]:
    """The production's newest jobs, queued and running ones with their progress and worker
    (``kind``, ``clip``: only those, e.g. a clip page's takes)."""
    with store.session() as tx:
        found = stored.jobs(tx, slug=slug, limit=100 if kind or clip else 20)
    return [
        job.view()
        for job in found
        if (kind is None or job.kind is kind) and (clip is None or job.args.get("clip") == clip)
    ][:20]


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
