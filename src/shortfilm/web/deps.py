"""What routes ask FastAPI for: the store, the logged-in viewer, an uploaded file."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shortfilm.errors import InputError
from shortfilm.store.repo import Store
from shortfilm.web import read_model
from shortfilm.web.auth import Viewer, viewer
from shortfilm.web.errors import UnsupportedMedia
from shortfilm.web.multipart import FormBody, Upload


async def store_of(request: Request) -> Store:
    """The app's store (``async``, like every cheap dependency: no worker thread for it)."""
    store: Store = request.app.state.store
    return store


def existing_slug(slug: str, request: Request) -> str:
    """The path's production slug, 404 unless the production exists (before any write)."""
    store: Store = request.app.state.store
    with store.session() as s:
        read_model.production(s, slug)
    return slug


async def uploaded(request: Request) -> FormBody:
    """The multipart body :func:`~shortfilm.web.auth.check_csrf` read (and will clean up)."""
    body: FormBody | None = getattr(request.state, "form_body", None)
    if body is None:
        raise UnsupportedMedia("send the file as multipart/form-data")
    return body


def the_file(body: FormBody) -> Upload:
    upload = body.files.get("file")
    if upload is None:
        raise InputError("no 'file' in the form")
    return upload


Who = Annotated[Viewer, Depends(viewer)]
TheStore = Annotated[Store, Depends(store_of)]
Uploaded = Annotated[FormBody, Depends(uploaded)]
Slug = Annotated[str, Depends(existing_slug)]
