"""Takes made outside shortfilm: another generator's output, stock footage, a phone clip.

An imported take sits beside generated ones (provider ``external``, status ``succeeded``), so
selection, notes, the edit and export treat it like any take. The file is first proved playable
to its end (:func:`~shortfilm.media.probe.check_video`); then the row, the stored video, its
last frame and the event are written in one transaction. A bad file, an unknown production or
clip, or a failure half-way leaves the store as it was: no row, no object, no library link.

The cheap checks come first: the actor's role (the role table's "import a take"), the
production and clip, the same bytes imported before; then the video's headers against
:class:`~shortfilm.media.limits.MediaLimits` (a file claiming a huge picture or hours of video
is refused before a frame is decoded); only then the bounded decode of its start and end.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.take import IMPORTED as PROVIDER
from shortfilm.domain.take import Take, TakeClip, TakeSource, TakeState
from shortfilm.errors import InputError, StoreError
from shortfilm.media.limits import MediaLimits
from shortfilm.media.probe import probe
from shortfilm.media.stream_facts import MediaInfo
from shortfilm.media.video_check import check_video
from shortfilm.store import naming, repo
from shortfilm.store import takes as stored
from shortfilm.store.artifacts import sha256_file
from shortfilm.store.repo import Store, Tx, content_hash
from shortfilm.takes.lookup import NamedTake, find_clip
from shortfilm.takes.qc_judge import review_take
from shortfilm.team.people import AUTO, current_person


@dataclass(frozen=True)
class ImportedTake(NamedTake):
    """What :func:`import_take` did: the take (new, or the one already made from this file)."""

    take_id: int
    status: str
    video: Path
    """The readable library path of the stored video."""
    info: MediaInfo
    already: bool
    """The same bytes were imported for this clip before: nothing was added."""
    selected: bool
    """The take is the clip's selection after the call."""

    def to_json(self) -> dict[str, Any]:
        return {
            **self.names_json(),
            "take_id": self.take_id,
            "status": self.status,
            "video": str(self.video),
            "already_imported": self.already,
            "selected": self.selected,
            "probe": self.info.to_json(),
        }


def import_take(
    store: Store,
    slug: str,
    clip_position: int,
    video_path: Path | str,
    *,
    note: str = "",
    select: bool = False,
    selected_by: str | None = None,
    actor: Actor | None = None,
    name: str | None = None,
    limits: MediaLimits | None = None,
    review: bool = True,
) -> ImportedTake:
    """Record ``video_path`` as a new take of clip ``clip_position`` of production ``slug``.

    The file must be a whole, decodable video (:class:`InputError` otherwise, naming it). Its
    bytes are stored once by content under the take's lineage name, with a PNG of its last frame
    (what the next clip may continue from), and the measured facts go to ``meta["probe"]``.
    Importing the same bytes for the same clip again adds nothing and says which take has them;
    with ``select`` that take becomes the clip's selection, a person's pick that ``run`` keeps.

    ``actor`` (default: the local owner at the command line) must be a role that may import a
    take (:class:`~shortfilm.errors.PermissionDenied` before anything is read); the take is
    recorded as made by them unless ``selected_by`` names someone. ``name`` is the file's own
    name (an upload's), used in messages instead of ``video_path``. ``limits`` (default:
    :func:`~shortfilm.media.limits.limits_from_env`) bound what is decoded:
    :class:`~shortfilm.media.limits.MediaTooLarge` from the headers, before any decoding.

    Once the take is stored it is analysed and judged against the clip's plan, and its keyframe
    candidates are kept (:func:`~shortfilm.takes.qc_judge.review_take`); a QC that cannot run
    records its error and never undoes the import. With ``review`` off that is left to the
    caller (the web app queues it); until it runs the take has no report, and whatever reads
    one first (``qc show``, ``run``, ``keyframe pick``) runs it then.
    """
    if actor is not None:
        require(actor, Action.IMPORT_TAKE)
    who = selected_by or (actor.name if actor is not None else None)
    where = Path(video_path)
    result = _record(store, slug, clip_position, where, name, note, select, who, limits)
    if review:
        review_take(store, result.take_id)
    return result


def _record(
    store: Store,
    slug: str,
    clip_position: int,
    video: Path,
    name: str | None,
    note: str,
    select: bool,
    selected_by: str | None,
    limits: MediaLimits | None,
) -> ImportedTake:
    """Prove ``video`` whole, then store it as a take in one transaction (undone on failure).

    The clip is found and the bytes looked up among its takes before anything is decoded: the
    same file again costs a hash and a header read, not a decode."""
    shown = name or str(video)
    if not video.is_file():
        raise InputError(f"{shown}: no such file")
    video_sha = sha256_file(video)
    request_hash = content_hash({"provider": PROVIDER, "video_sha256": video_sha})
    with store.session() as s:
        clip, _, _ = _clip_inputs(s, slug, clip_position)
        done = next(
            (t for t in stored.clip_takes(s, clip.id) if t.request_hash == request_hash), None
        )
        if done is not None:
            info = probe(video, decode_first=False, limits=limits, name=shown)
            return _already(store, s, slug, clip, done, info, select, selected_by)
    with tempfile.TemporaryDirectory(prefix="shortfilm-import-") as tmp:
        last_frame = Path(tmp) / "last.png"
        info = check_video(video, last_frame=last_frame, limits=limits, name=shown)
        frame_sha = sha256_file(last_frame)
        made: list[Path] = []
        try:
            with store.session() as s:
                clip, prompt, board = _clip_inputs(s, slug, clip_position)
                # the same file imported twice at once: the second finds the first one's take
                repo.lock_clip(s, clip.id)
                takes = stored.clip_takes(s, clip.id)
                done = next((t for t in takes if t.request_hash == request_hash), None)
                if done is not None:
                    return _already(store, s, slug, clip, done, info, select, selected_by)
                take = stored.add_take(
                    s,
                    clip.id,
                    prompt_id=prompt.id,
                    board_id=board.id,
                    provider=PROVIDER,
                    model=info.describe()[:120],
                    request_hash=request_hash,
                    status=TakeState.SUCCEEDED,
                    params=_params(info),
                    references=[],
                    notes=note.strip(),
                    meta={"probe": info.to_json(), "source": _source(video, name, video_sha)},
                    finished_at=datetime.now(UTC),
                    created_by=selected_by or _person(),
                )
                stem = naming.take_stem(
                    slug, clip.position, take.number, board.version, prompt.version
                )
                name = f"{stem}.{info.container}"
                _forget_on_failure(store, video_sha, name, made)
                if store.put_artifact(s, video, name) != video_sha:
                    raise InputError(f"{shown}: changed while it was being imported; try again")
                _forget_on_failure(store, frame_sha, f"{stem}__last.png", made)
                frame = store.put_artifact(s, last_frame, f"{stem}__last.png")
                take = stored.update_take(
                    s, take.id, video_sha256=video_sha, last_frame_sha256=frame
                )
                subject = _subject(clip, take)
                repo.event(
                    s,
                    clip.production_id,
                    "take.imported",
                    subject,
                    source=Path(shown).name,
                    sha256=video_sha,
                    model=take.model,
                )
                if select:
                    clip = _select(s, clip, take, subject, selected_by)
                return ImportedTake(
                    slug=slug,
                    clip=clip.position,
                    take=take.number,
                    take_id=take.id,
                    status=take.status,
                    video=store.artifacts.readable(name),
                    info=info,
                    already=False,
                    selected=clip.selected_take_id == take.id,
                )
        except BaseException:
            _remove(made, stop=store.home)
            raise


def _clip_inputs(s: Tx, slug: str, position: int) -> tuple[TakeClip, TakeSource, TakeSource]:
    """The clip and what a take of it is made from now: its newest prompt and board."""
    clip = find_clip(s, slug, position)
    prompt = stored.newest_prompt(s, clip.id)
    board = stored.newest_board(s, clip.production_id)
    if prompt is None or board is None:
        raise StoreError(f"{slug}/clip-{position:02d} has no prompt or board: re-import the spec")
    return clip, prompt, board


def _already(
    store: Store,
    s: Tx,
    slug: str,
    clip: TakeClip,
    take: Take,
    info: MediaInfo,
    select: bool,
    selected_by: str | None,
) -> ImportedTake:
    """The take that already holds these bytes; selected now if asked and still usable (a
    take the ranking selected becomes a person's pick)."""
    subject = _subject(clip, take)
    by_ranking = clip.selected_by in (None, AUTO) and (selected_by or _person()) != AUTO
    if select and (clip.selected_take_id != take.id or by_ranking):
        if take.status != TakeState.SUCCEEDED:
            raise InputError(
                f"{slug}/{subject} already holds this file but is {take.status}: not selected"
            )
        clip = _select(s, clip, take, subject, selected_by)
    sha = take.video_sha256 or ""
    video = store.readable_path(s, sha) or store.artifact_path(sha)
    return ImportedTake(
        slug=slug,
        clip=clip.position,
        take=take.number,
        take_id=take.id,
        status=take.status,
        video=video,
        info=info,
        already=True,
        selected=clip.selected_take_id == take.id,
    )


def _subject(clip: TakeClip, take: Take) -> str:
    return f"clip-{clip.position:02d}/take-{take.number:03d}"


def _select(s: Tx, clip: TakeClip, take: Take, subject: str, selected_by: str | None) -> TakeClip:
    clip = stored.select_take(s, clip.id, take.id, selected_by or _person())
    repo.event(s, clip.production_id, "take.selected", subject, by=clip.selected_by)
    return clip


def _person() -> str:
    """Who picked the take: a person's pick is never undone by ``run`` (unlike ``auto``)."""
    return current_person()


def _params(info: MediaInfo) -> dict[str, Any]:
    """The same keys a generated take records, measured instead of requested."""
    width, height = info.display_size
    return {
        "duration_s": round(info.video_duration_s or info.duration_s, 6),
        "width": width,
        "height": height,
        "fps": round(float(info.fps), 6) if info.fps else None,
    }


def _source(video: Path, name: str | None, sha: str) -> dict[str, Any]:
    """Where the file came from: its name, and its path when a person named one (an upload's
    path is the server's temporary file, nobody's business and gone after the request)."""
    return {
        "name": name or video.name,
        "path": None if name is not None else str(video.resolve()),
        "size": video.stat().st_size,
        "sha256": sha,
    }


def _forget_on_failure(store: Store, sha: str, name: str, made: list[Path]) -> None:
    """Note the object, the library link and the folders that storing ``sha`` will create.

    Called before ``put_artifact`` so that a failure inside it is undone too; paths that exist
    already (the same bytes stored for another take) are left alone.
    """
    for path in (store.artifact_path(sha), store.artifacts.readable(name)):
        fresh: list[Path] = []
        at = path
        while at != store.home and not (at.exists() or at.is_symlink()):
            fresh.append(at)
            at = at.parent
        made.extend(reversed(fresh))


def _remove(made: list[Path], *, stop: Path) -> None:
    """Delete what ``made`` lists, newest first: files and links, then emptied folders."""
    for path in reversed(made):
        if path == stop:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            # a folder we made may still hold an interrupted put's temp file (``.incoming-*``)
            for leftover in path.glob(".*"):
                if leftover.is_file() or leftover.is_symlink():
                    leftover.unlink(missing_ok=True)
            _rmdir_if_empty(path)


def _rmdir_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something else lives there now
        path.rmdir()
