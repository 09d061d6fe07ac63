"""What routes ask FastAPI for: the store, the logged-in viewer, an uploaded file."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shortfilm.errors import InputError, NotFound
from shortfilm.jobs.queues import JobQueue
from shortfilm.store.read_model import overview
from shortfilm.store.repo import Store
from shortfilm.web.auth import Viewer, viewer
from shortfilm.web.multipart import FormBody, Upload, uploaded
from shortfilm.web.schemas import beyond_max_id


async def store_of(request: Request) -> Store:
    """The app's store (``async``, like every cheap dependency: no worker thread for it)."""
    store: Store = request.app.state.store
    return store


def existing_slug(slug: str, request: Request) -> str:
    """The path's production slug, 404 unless the production exists (before any write)."""
    store: Store = request.app.state.store
    with store.session() as s:
        overview.production(s, slug)
    return slug


async def numbers_in_range(request: Request) -> None:
    """404 for a whole number in the path (a position, an id) past :data:`~.schemas.MAX_ID`: no
    row can have it, and the database would fail on it rather than find nothing. An app-wide
    dependency, so a new route cannot forget it."""
    pending = [getattr(request.scope.get("route"), "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        pending.extend(dependant.dependencies)
        for param in dependant.path_params:
            if param.field_info.annotation is not int:
                continue
            raw = str(request.path_params.get(param.alias, ""))
            if beyond_max_id(raw):
                raise NotFound(f"no {param.alias} {raw[:24]}")


def the_file(body: FormBody) -> Upload:
    upload = body.files.get("file")
    if upload is None:
        raise InputError("no 'file' in the form")
    return upload


async def job_queue(request: Request) -> JobQueue:
    """The app's job queue (in this process, or the workers' broker)."""
    queue: JobQueue = request.app.state.jobs
    return queue


Who = Annotated[Viewer, Depends(viewer)]
TheStore = Annotated[Store, Depends(store_of)]
Uploaded = Annotated[FormBody, Depends(uploaded)]
Slug = Annotated[str, Depends(existing_slug)]
Queue = Annotated[JobQueue, Depends(job_queue)]
