"""Uploads checked by content before the store keeps them: reference images and external takes.

The name's extension must be one the route takes and the bytes must be that kind of file: an
image Pillow can fully verify (it then becomes a new board version, which needs a review), a
video whose container header is one ffmpeg-based probing knows (the take import then proves it
decodes to its end with :func:`~shortfilm.media.probe.check_video`).
"""

from __future__ import annotations

from pathlib import Path

from shortfilm.domain.people import Actor
from shortfilm.errors import InputError
from shortfilm.store.repo import Store
from shortfilm.web.errors import UnsupportedMedia
from shortfilm.web.multipart import Upload
from shortfilm.workflow.board import BoardVersionResult, add_reference, check_reference_image
from shortfilm.workflow.external import ImportedTake, import_take

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi"})


def check_image(upload: Upload) -> str:
    """The image's format; :class:`UnsupportedMedia` (415) unless the bytes are the image its
    name says (PNG, JPEG or WebP) and decode whole (the workflow's own check, as a web answer)."""
    try:
        return check_reference_image(upload.path, upload.filename)
    except InputError as exc:
        raise UnsupportedMedia(str(exc).removeprefix("image: ")) from None


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
    store: Store, slug: str, upload: Upload, actor: Actor, *, role: str, label: str
) -> BoardVersionResult:
    """An uploaded image as a new board version (see :func:`add_reference`): checked by content
    first (415), then placed by the workflow, which refuses an unknown role, a label naming
    nothing on the board or a full board (400) before anything is written."""
    check_image(upload)
    return add_reference(store, slug, upload.path, role=role, label=label, actor_name=actor.name)


def import_external_take(
    store: Store, slug: str, position: int, upload: Upload, actor: Actor, note: str
) -> ImportedTake:
    """An uploaded video as a new take of the clip (checked whole by the import)."""
    check_video_header(upload)
    return import_take(store, slug, position, upload.path, note=note, selected_by=actor.name)
