"""Uploads checked before the store keeps them: reference images and external takes.

The workflow decides who may upload what (the role table: 403) and checks the cheap things
first; here its refusals get their web status: a name or content that is not the kind of file
the route takes is 415, media whose headers state more than the server's
:class:`~shortfilm.media.limits.MediaLimits` (``shortfilm serve --max-video-...``) is 413,
before a frame is decoded. Messages name the file as the browser sent it, never the server's
temporary copy. An uploaded take is proved playable (its first frames and its last second) in
the request; its QC, seconds of decoding, is queued (:class:`~shortfilm.takes.qc_queue.QCQueue`)
and the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from shortfilm.board.reference_images import NotAReferenceImage
from shortfilm.board.references import BoardVersionResult, add_reference
from shortfilm.domain.people import Actor
from shortfilm.media.limits import MediaLimits, MediaTooLarge
from shortfilm.store.repo import Store
from shortfilm.takes.external import ImportedTake, import_take
from shortfilm.takes.qc_queue import QCQueue
from shortfilm.web.errors import UnsupportedMedia
from shortfilm.web.multipart import Upload

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi"})


async def upload_limits(request: Request) -> MediaLimits:
    """The limits uploads are held to (the app's settings)."""
    limits: MediaLimits = request.app.state.settings.media_limits
    return limits


async def qc_queue(request: Request) -> QCQueue:
    """The app's queue of take QCs (see :func:`shortfilm.web.app.create_app`)."""
    queue: QCQueue = request.app.state.qc_queue
    return queue


Limits = Annotated[MediaLimits, Depends(upload_limits)]
QCJobs = Annotated[QCQueue, Depends(qc_queue)]


@contextmanager
def _web_statuses(upload: Upload) -> Iterator[None]:
    """The workflow's media refusals as 415 / 413, naming the upload as it was sent."""
    try:
        yield
    except NotAReferenceImage as exc:
        raise UnsupportedMedia(_named(str(exc).removeprefix("image: "), upload)) from None
    except MediaTooLarge as exc:
        raise HTTPException(413, _named(str(exc).removeprefix("image: "), upload)) from None


def _named(message: str, upload: Upload) -> str:
    """``message`` with the server's temporary path, should one slip in, as the file's name."""
    return message.replace(str(upload.path), upload.filename)


def _video_header(head: bytes) -> bool:
    iso = head[4:8] == b"ftyp"
    matroska = head[:4] == b"\x1a\x45\xdf\xa3"
    avi = head[:4] == b"RIFF" and head[8:12] == b"AVI "
    return iso or matroska or avi


def check_video_header(upload: Upload) -> None:
    """:class:`UnsupportedMedia` unless the name and the first bytes say a video container."""
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        allowed = ", ".join(sorted(VIDEO_SUFFIXES))
        raise UnsupportedMedia(f"{upload.filename}: a take is a video file ({allowed})")
    with upload.path.open("rb") as f:
        head = f.read(16)
    if not _video_header(head):
        raise UnsupportedMedia(f"{upload.filename}: the bytes are not a video container")


def add_board_reference(
    store: Store,
    slug: str,
    upload: Upload,
    actor: Actor,
    *,
    role: str,
    label: str,
    limits: MediaLimits,
) -> BoardVersionResult:
    """An uploaded image as a new board version (see :func:`add_reference`): the actor's role
    (403), the image's header (415, or 413 over ``limits``), the role and label, room and
    duplicates (400) are checked before the image is decoded, and nothing is written on a
    refusal."""
    with _web_statuses(upload):
        return add_reference(
            store,
            slug,
            upload.path,
            role=role,
            label=label,
            actor=actor,
            name=upload.filename,
            limits=limits,
        )


def import_external_take(
    store: Store,
    slug: str,
    position: int,
    upload: Upload,
    actor: Actor,
    note: str,
    *,
    limits: MediaLimits,
    queue: QCQueue,
) -> ImportedTake:
    """An uploaded video as a new take of the clip: the container's first bytes (415), then the
    import's checks (role 403, clip 400, headers over ``limits`` 413, a bounded decode of its
    start and end 400); its QC is queued on ``queue`` (not for bytes imported before)."""
    check_video_header(upload)
    with _web_statuses(upload):
        result = import_take(
            store,
            slug,
            position,
            upload.path,
            note=note,
            actor=actor,
            name=upload.filename,
            limits=limits,
            review=False,
        )
    if not result.already:
        queue.submit(result.take_id)
    return result
