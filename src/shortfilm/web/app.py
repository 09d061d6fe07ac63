"""The web app: ``create_app(store)`` wires login, CSRF, error pages and the routes together.

``app_from_env`` is what ``shortfilm serve`` hands uvicorn (each worker process builds its own
app over its own store connection).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import PlainTextResponse

from shortfilm.jobs.queues import InProcessQueue, JobQueue, configured_queue
from shortfilm.jobs.runner import fail_abandoned
from shortfilm.production.report import keep_reports_current
from shortfilm.store.repo import Store
from shortfilm.takes.qc_queue import QCQueue
from shortfilm.web import (
    api,
    campaign_api,
    campaign_forms,
    errors,
    forms,
    jobs,
    login,
    media,
    pages,
    search,
)
from shortfilm.web.auth import LoginRequired, check_csrf
from shortfilm.web.body_guard import BodyGuard
from shortfilm.web.deps import numbers_in_range
from shortfilm.web.rendering import PageCache, make_templates
from shortfilm.web.settings import Settings, home_from_env, settings_from_env
from shortfilm.web.throttle import LoginThrottle


def create_app(
    store: Store, settings: Settings | None = None, job_queue: JobQueue | None = None
) -> FastAPI:
    """The app over one store; every route but ``/login``, ``/healthz`` and the static files
    needs a login, and every state-changing one the session's CSRF token; every body is
    bounded in size and time (:mod:`shortfilm.web.body_guard`)."""
    app = FastAPI(
        title="shortfilm",
        summary="Review boards, takes and the edit of AI short films as a team.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(numbers_in_range), Depends(check_csrf)],
    )
    app.state.store = store
    keep_reports_current(store)  # a review or selection made here rewrites the report too
    app.state.settings = settings = settings or Settings()
    app.state.templates = make_templates()
    app.state.pages = PageCache()
    app.state.login_throttle = LoginThrottle()  # per process: see web/throttle.py
    app.state.qc_queue = QCQueue(store, app.state.settings.qc_workers)  # uploaded takes' QC
    app.state.jobs = job_queue or configured_queue()  # renders asked for on the pages
    if isinstance(app.state.jobs, InProcessQueue):
        # jobs this app's threads ran when a server before it stopped: nobody will finish them
        fail_abandoned(store)
    app.add_middleware(
        BodyGuard,
        max_form_bytes=settings.max_form_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(LoginRequired, store=store)  # outermost: before any body is read
    errors.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        """Liveness for a supervisor; says nothing about the productions."""
        return PlainTextResponse("ok")

    static = Path(str(files("shortfilm.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(media.router)
    app.include_router(api.router)
    app.include_router(campaign_api.router)
    app.include_router(jobs.api)
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(search.pages)
    app.include_router(search.api)
    app.include_router(forms.router)
    app.include_router(campaign_forms.router)
    app.include_router(jobs.forms)
    return app


def app_from_env() -> FastAPI:
    return create_app(Store(home_from_env()), settings_from_env())
