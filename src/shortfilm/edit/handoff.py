"""Send a stored Edit to another editing tool, and take an edited timeline back as a new Edit.

Export writes OpenTimelineIO (``.otio``), FCP 7 XML or FCPXML pointing at the takes in the
store's library, so DaVinci Resolve, Premiere or Final Cut open the cut with the real files, and
the film's texts as titles the editor can retype.
Import reads an ``.otio`` back: every clip must show a take of this production (found by the ids
shortfilm wrote in its metadata, else by its media file), and the result must be a playable
timeline; otherwise nothing is stored and the error names the file.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.edit_version import TakeIdentity
from shortfilm.domain.timeline_parts import TimelineError
from shortfilm.edit.otio_export import timeline_to_otio, write_otio
from shortfilm.edit.otio_import import timeline_from_otio
from shortfilm.edit.otio_limits import read_otio
from shortfilm.edit.otio_mapping import FORMATS, ClipFacts, Resolve, TakeMedia
from shortfilm.edit.versions import (
    EditChange,
    change_edit,
    load_edit,
    source_frames,
)
from shortfilm.errors import InputError, MediaError
from shortfilm.media.probe import probe
from shortfilm.store import edits, naming
from shortfilm.store.artifacts import sha256_file
from shortfilm.store.repo import Store


@dataclass(frozen=True)
class TimelineExport:
    path: Path
    version: int
    format: str
    clips: int


def export_timeline(
    store: Store, slug: str, out: Path, fmt: str, version: int | None = None
) -> TimelineExport:
    """Write Edit ``version`` (the latest when ``None``) of ``slug`` to ``out`` as ``fmt``
    (``otio``, ``fcp7`` or ``fcpxml``). ``out`` is replaced whole or left as it was."""
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    stored = load_edit(store, slug, version)
    if stored is None:
        raise InputError(f"{slug} has no edit yet: run it first (shortfilm run, or shortfilm edit)")
    timeline = stored.timeline
    frames = source_frames(store, timeline.rate)
    media: dict[str, TakeMedia] = {}
    with store.session() as s:
        for seg in timeline.segments:
            path = store.readable_path(s, seg.media_sha256) or store.artifact_path(seg.media_sha256)
            media[seg.media_sha256] = TakeMedia(path.absolute(), frames(seg.media_sha256))
    bed = timeline.audio.music
    music_file = None
    if bed is not None and bed.path:
        path = store.artifacts.readable(naming.music(slug, bed.path)).absolute()
        length = Fraction(probe(path).duration_s).limit_denominator(1_000_000)
        music_file = TakeMedia(path, max(1, math.floor(length * timeline.rate)))
    otio_timeline = timeline_to_otio(
        timeline,
        media,
        name=f"{slug} edit v{stored.version}",
        music_file=music_file,
        ids={"slug": slug, "edit_version": stored.version},
        generators=fmt == "otio",
        frame=_frame(media),
    )
    if out.is_dir():
        raise InputError(f"{out}: is a folder; --out takes the name of the file to write")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _replacing(out) as partial:
            write_otio(otio_timeline, partial, fmt)
    except OSError as exc:
        raise InputError(f"{out}: cannot be written ({exc.strerror or exc})") from exc
    return TimelineExport(out, stored.version, fmt, len(timeline.segments))


def _frame(media: dict[str, TakeMedia]) -> tuple[int, int] | None:
    """The picture's size as shown (width, height), which places the titles: the first take's
    (every take of a production is made at its preset's size); ``None`` when it cannot be read
    (a take missing from this machine's library still exports, titles placed for 9:16)."""
    first = next(iter(media.values()), None)
    if first is None:
        return None
    try:
        return probe(first.path).display_size
    except MediaError:
        return None


@contextlib.contextmanager
def _replacing(out: Path) -> Iterator[Path]:
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def import_timeline(store: Store, slug: str, file: Path) -> EditChange:
    """Store the timeline in the ``.otio`` ``file`` as a person's new Edit version of ``slug``.

    :class:`InputError` (exit 2) naming ``file`` when it is not OpenTimelineIO, a clip's media is
    not a take of ``slug``, or the cut cannot be played; nothing is stored then. A file that
    gives the latest version's timeline stores nothing and reports that version.
    """
    otio_timeline = read_otio(file)
    resolve = _resolver(store, slug, file)
    try:
        timeline = timeline_from_otio(otio_timeline, resolve, file=file)
    except TimelineError as exc:
        raise InputError(f"{file}: {exc}") from exc
    frames = source_frames(store, timeline.rate)
    for seg in timeline.segments:
        length = frames(seg.media_sha256)
        if seg.source_out > length:
            raise InputError(
                f"{file}: {seg.name} take {seg.take} is cut to frame {seg.source_out}, past the "
                f"end of the take ({length} frames at {timeline.rate} fps)"
            )
    return change_edit(
        store, slug, lambda _current: timeline, what=f"import {file.name}", via="import"
    )


def _resolver(store: Store, slug: str, file: Path) -> Resolve:
    by_id: dict[int, TakeIdentity] = {}
    by_sha: dict[str, list[TakeIdentity]] = {}
    with store.session() as tx:
        identities = edits.take_identities(tx, slug)
    for identity in identities:
        by_id[identity.take_id] = identity
        by_sha.setdefault(identity.media_sha256, []).append(identity)
    objects = store.artifacts.objects.resolve()
    sizes = {_size(store.artifact_path(sha)) for sha in by_sha}

    def sha_of(path: Path) -> str | None:
        try:
            if not path.is_file():
                return None
            real = path.resolve()
            if real.parent.parent == objects:
                return real.name
            # hash only a file that could be a take: a path to a large unrelated file costs a
            # stat, not a read of the whole file
            if real.stat().st_size not in sizes:
                return None
            return sha256_file(real)
        except OSError:
            return None

    def resolve(facts: ClipFacts) -> TakeIdentity:
        meta = facts.metadata
        on_disk = sha_of(facts.path) if facts.path is not None else None
        take_id = meta.get("take_id")
        if isinstance(take_id, int) and take_id in by_id:
            identity = by_id[take_id]
            if on_disk is None or on_disk == identity.media_sha256:
                return identity
        for sha in (on_disk, meta.get("media_sha256")):
            matches = by_sha.get(sha) if isinstance(sha, str) else None
            if matches:
                wanted = meta.get("clip")
                return next((m for m in matches if m.clip == wanted), matches[0])
        shown = f"{facts.url:.200}" if facts.url else "no file"
        raise InputError(
            f"{file}: clip {facts.name!r} shows {shown}, which is not a take of {slug}"
        )

    return resolve


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
