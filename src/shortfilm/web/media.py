"""Stored media by content hash, with HTTP Range so players can seek.

Only a 64-hex sha256 the store has recorded is served, from the store's object folder; nothing
from the request is ever joined onto a path. With the artifacts in a bucket, the answer is a
redirect to a short-lived presigned URL instead: the bucket answers Range itself, and the web
app's process never streams a film.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from shortfilm.errors import NotFound
from shortfilm.store.read_model import overview
from shortfilm.store.repo import Store

SHA256 = re.compile(r"[0-9a-f]{64}")

router = APIRouter()


@router.get("/media/{sha}", include_in_schema=False)
def media(sha: str, request: Request) -> Response:
    """The artifact's bytes; ``Range`` requests answer 206 with the asked part."""
    if SHA256.fullmatch(sha) is None:
        raise NotFound("no such media")
    store: Store = request.app.state.store
    with store.session() as s:
        media_type = overview.artifact_media_type(s, sha)
    if media_type is None:
        raise NotFound("no such media")
    elsewhere = store.artifacts.media_url(sha, media_type)
    if elsewhere is not None:
        return RedirectResponse(elsewhere, status_code=307, headers={"Cache-Control": "no-store"})
    path = store.artifact_path(sha)
    if not path.is_file():
        raise NotFound("no such media")
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )
