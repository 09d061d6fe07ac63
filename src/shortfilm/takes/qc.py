"""QC of takes: one analysis of a take's video, judged against its clip's plan, kept with the take.

:func:`review_take` runs after every take is stored (generated or imported): it analyses the video
once (:func:`shortfilm.media.analysis.analyse`), judges it (:func:`shortfilm.takes.qc_rules.judge`)
against the prompt the take was made from, the board's reference images and the picture it should
open on, and stores the report with the take's keyframe candidates (thumbnails, as unchosen
``KeyframeRow`` s). It never fails the take: a QC that cannot run stores its error as the report.
:func:`check_file` runs the same checks on any video file, against a clip's current plan if asked.
:class:`QCQueue` runs :func:`review_take` in the background of a server, a few at once, so an
upload is answered before its QC (seconds of decoding) is done.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from shortfilm.errors import InputError, ShortfilmError, StoreError
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    TakeAnalysisRow,
    TakeRow,
    utcnow,
)
from shortfilm.takes.qc_rules import QC_VERSION, BoardLook, Expected, Opening, QCReport

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from shortfilm.media.analysis import KeyframeCandidate, Palette

CANDIDATES = 5
"""Keyframe candidates kept per take: enough for a person to choose among, at least 1 s apart."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Image:
    label: str
    path: Path


@dataclass(frozen=True)
class _Plan:
    """Where a take's expectations come from, read from the store (no files opened yet)."""

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    shots: tuple[tuple[float, float], ...] | None = None
    sound_rule: str | None = None
    board: tuple[_Image, ...] = ()
    opening: _Image | None = None
    not_judged: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredQC:
    """A take's stored QC report, as ``qc show`` prints it."""

    slug: str
    clip: int
    take: int
    provider: str
    selected: bool
    analysed_at: datetime
    report: QCReport
    candidates: list[dict[str, Any]]
    """The keyframe candidates found, best first: ``t_s``, ``score``, ... and ``path`` (the
    thumbnail's library path)."""
    keyframe_ms: int | None = None
    """Time of the take's chosen keyframe, if it has one."""
    keyframe_by: str | None = None
    """Who chose it: ``auto`` or a person."""

    @property
    def subject(self) -> str:
        return naming.take_subject(self.clip, self.take)

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "clip": self.clip,
            "take": self.take,
            "provider": self.provider,
            "selected": self.selected,
            "analysed_at": self.analysed_at.isoformat(),
            **self.report.to_json(),
            "keyframe_candidates": self.candidates,
            "keyframe": None
            if self.keyframe_ms is None
            else {"time_ms": self.keyframe_ms, "chosen_by": self.keyframe_by},
        }


# --- stored takes -------------------------------------------------------------------------------


def review_take(
    store: Store,
    take_id: int,
    *,
    not_judged: Mapping[str, str] | None = None,
    again: bool = False,
) -> QCReport:
    """Analyse and judge stored take ``take_id`` once; store the report and keyframe candidates.

    A report of the current :data:`~shortfilm.takes.qc_rules.QC_VERSION` is kept as it is unless
    ``again``. ``not_judged`` names checks this kind of take is not judged on, and why (from the
    provider: the animatic makes no sound); a re-made report keeps the previous one's. Anything
    that stops QC (an undecodable file, a bug in a rule) is stored as the report's error: the
    take, already stored, is never lost or failed by its QC. Costs one decode of the video.
    """
    with store.session() as s:
        take, clip, slug = _take_context(s, take_id)
        existing = repo.take_analysis(s, take_id)
        if existing is not None and existing.version >= QC_VERSION and not again:
            return QCReport.from_json(existing.report)
        if not_judged is None:
            kept = existing.report.get("not_judged") if existing is not None else None
            not_judged = dict(kept) if isinstance(kept, Mapping) else {}
        if take.video_sha256 is None:
            raise StoreError(f"{slug}/{_subject(clip, take)} has no video to check")
        video = store.artifact_path(take.video_sha256)
        position, number = clip.position, take.number
        # QC must never cost the take: whatever stops it (reading the plan, decoding, a rule)
        # becomes the stored report's error instead of an error of the run or the import
        try:
            plan: _Plan | None = _plan_for_take(store, s, take, clip, not_judged)
        except Exception as exc:
            plan, report = None, QCReport.could_not_run(_why(exc, store, video, number))
    with tempfile.TemporaryDirectory(prefix="shortfilm-qc-") as tmp:
        candidates: list[KeyframeCandidate] = []
        if plan is not None:
            try:
                report, candidates = _analyse(video, plan, Path(tmp))
            except Exception as exc:
                report = QCReport.could_not_run(_why(exc, store, video, number))
        with store.session() as s:
            # QC of this take finishing elsewhere at the same moment (a run, `qc show --again`):
            # one after the other, each replacing the report, never two reports
            repo.lock_clip(s, clip.id)
            found = _store_candidates(store, s, take_id, slug, position, number, candidates)
            data = report.to_json() | {
                "keyframe_candidates": found,
                "not_judged": dict(not_judged),
            }
            row = repo.take_analysis(s, take_id)
            if row is None:
                row = TakeAnalysisRow(take_id=take_id, version=QC_VERSION, status="", report={})
                s.add(row)
            row.version = QC_VERSION
            row.status = report.status
            row.report = data
            row.analysed_at = utcnow()
            clip_row = s.get(ClipRow, clip.id)
            assert clip_row is not None
            repo.event(
                s,
                clip_row.production_id,
                "take.analysed",
                f"clip-{position:02d}/take-{number:03d}",
                status=report.status,
                version=QC_VERSION,
                error=report.error,
            )
    return report


def stored_qc(
    store: Store, slug: str, position: int, take_number: int | None = None, *, again: bool = False
) -> StoredQC:
    """The QC report of take ``take_number`` of clip ``position`` (default: the selected take).

    A take with no report (made before QC existed) or one judged by older rules is analysed now,
    as is any take when ``again``; :class:`InputError` for an unknown production, clip or take.
    """
    with store.session() as s:
        _, take = find_take(s, slug, position, take_number)
        take_id = take.id
        row = repo.take_analysis(s, take_id)
        fresh = row is not None and row.version >= QC_VERSION
    if again or not fresh:
        review_take(store, take_id, again=again)
    with store.session() as s:
        take_row = s.get(TakeRow, take_id)
        clip_row = s.get(ClipRow, take_row.clip_id) if take_row is not None else None
        row = repo.take_analysis(s, take_id)
        assert take_row is not None and clip_row is not None and row is not None
        chosen = repo.chosen_keyframe(s, take_id)
        return StoredQC(
            slug=slug,
            clip=clip_row.position,
            take=take_row.number,
            provider=take_row.provider,
            selected=clip_row.selected_take_id == take_id,
            analysed_at=row.analysed_at,
            report=QCReport.from_json(row.report),
            candidates=list(row.report.get("keyframe_candidates", [])),
            keyframe_ms=chosen.time_ms if chosen is not None else None,
            keyframe_by=chosen.chosen_by if chosen is not None else None,
        )


def _take_context(s: Session, take_id: int) -> tuple[TakeRow, ClipRow, str]:
    take = s.get(TakeRow, take_id)
    if take is None:
        raise StoreError(f"no take with id {take_id}")
    clip = s.get(ClipRow, take.clip_id)
    assert clip is not None
    prod = s.get(ProductionRow, clip.production_id)
    assert prod is not None
    return take, clip, prod.slug


def _plan_for_take(
    store: Store, s: Session, take: TakeRow, clip: ClipRow, not_judged: Mapping[str, str]
) -> _Plan:
    """What take ``take`` was asked for: its prompt version, its board, its request's size (an
    imported take's size is measured, so the production's generation format stands in), and
    the picture it should open on."""
    from shortfilm.takes.external import PROVIDER as IMPORTED
    from shortfilm.takes.generate import CLIP_FPS, CLIP_SIZE

    prompt = s.get(PromptRow, take.prompt_id)
    board = s.get(BoardRow, take.board_id)
    assert prompt is not None and board is not None
    plan = VideoPrompt.from_sections(prompt.sections)
    params = take.params
    if take.provider == IMPORTED or "width" not in params:
        duration, (width, height), fps = plan.duration_s, CLIP_SIZE, float(CLIP_FPS)
    else:
        duration = float(params.get("duration_s", plan.duration_s))
        width, height = int(params["width"]), int(params["height"])
        fps = float(params.get("fps", CLIP_FPS))
    opening = _opening(store, s, clip, prompt, plan)
    if take.keyframe_id is not None:  # the keyframe it was made from, even if since replaced
        kf = s.get(KeyframeRow, take.keyframe_id)
        if kf is not None:
            opening = _keyframe_image(store, clip.position - 1, kf)
    return _Plan(
        duration_s=duration,
        width=width,
        height=height,
        fps=fps,
        shots=tuple((b.start_s, b.end_s) for b in plan.shots),
        sound_rule=plan.sound_rule,
        board=_board_images(store, board),
        opening=opening,
        not_judged=not_judged,
    )


def _opening(
    store: Store, s: Session, clip: ClipRow, prompt: PromptRow, plan: VideoPrompt
) -> _Image | None:
    """The first frame a frame-mode clip names, or the previous clip's chosen keyframe when the
    clip continues it (``None`` when neither applies or the keyframe is not chosen yet)."""
    from shortfilm.domain.production import PREVIOUS_KEYFRAME

    frames: dict[str, Any] | None = prompt.sections.get("frames")
    first = frames.get("first") if frames else None
    if isinstance(first, dict):
        return _Image(f"the first frame {first['path']}", store.artifact_path(first["sha256"]))
    continues = first == PREVIOUS_KEYFRAME or (frames is None and plan.continues_previous)
    if not continues or clip.position < 2:
        return None
    prev = next(
        (c for c in repo.clips(s, clip.production_id) if c.position == clip.position - 1), None
    )
    if prev is None or prev.selected_take_id is None:
        return None
    kf = repo.chosen_keyframe(s, prev.selected_take_id)
    return _keyframe_image(store, prev.position, kf) if kf is not None else None


def _keyframe_image(store: Store, position: int, kf: KeyframeRow) -> _Image:
    return _Image(
        f"the clip-{position:02d} keyframe at {kf.time_ms} ms", store.artifact_path(kf.sha256)
    )


def _board_images(store: Store, board: BoardRow) -> tuple[_Image, ...]:
    return tuple(
        _Image(str(r.get("label") or r["sha256"][:12]), store.artifact_path(r["sha256"]))
        for r in board.references
    )


def _store_candidates(
    store: Store,
    s: Session,
    take_id: int,
    slug: str,
    position: int,
    number: int,
    candidates: list[KeyframeCandidate],
) -> list[dict[str, Any]]:
    """Replace the take's candidate rows with ``candidates`` (thumbnails stored under lineage
    names); the frames ever picked as keyframes are left alone. Returns their JSON, best first."""
    for old in repo.keyframe_candidates(s, take_id):
        s.delete(old)
    found = []
    for c in candidates:
        if c.path is None:
            continue
        ms = int(round(c.t_s * 1000))
        name = naming.keyframe_candidate(slug, position, number, ms)
        sha = store.put_artifact(s, c.path, name)
        s.add(KeyframeRow(take_id=take_id, time_ms=ms, sha256=sha, score=c.score, chosen=False))
        data = c.to_json()
        data.pop("full_path", None)
        found.append(data | {"time_ms": ms, "path": str(store.artifacts.readable(name))})
    return found


class QCQueue:
    """:func:`review_take` on background threads of this process, at most ``workers`` at once.

    Each take waits its turn in memory: taking a take's id costs nothing, while at most
    ``workers`` decodes run. A take whose QC was queued when the process stopped simply has no
    report: ``qc show``, ``run`` and ``keyframe pick`` analyse a take without one when they
    first need it, and its page says QC is pending meanwhile. A failure inside QC is stored as
    the report (see :func:`review_take`); anything else is logged, never raised to the uploader.
    """

    def __init__(self, store: Store, workers: int = 1) -> None:
        if workers < 1:
            raise InputError(f"QC workers: at least 1, not {workers}")
        self.store = store
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="take-qc")
        self._lock = threading.Lock()
        self._running: set[Future[QCReport]] = set()

    def submit(self, take_id: int) -> Future[QCReport]:
        """Queue the QC of stored take ``take_id``; returns at once."""
        future = self._pool.submit(review_take, self.store, take_id)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[QCReport]) -> None:
        with self._lock:
            self._running.discard(future)
        exc = future.exception()
        if exc is not None:
            _log.error("take QC failed: %s", exc, exc_info=exc)

    def pending(self) -> int:
        """How many queued or running QCs are not finished yet."""
        with self._lock:
            return len(self._running)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every QC queued so far has finished (``False`` if ``timeout`` seconds
        passed first)."""
        with self._lock:
            running = list(self._running)
        return not wait(running, timeout=timeout).not_done

    def close(self) -> None:
        """Finish what is queued, then stop the threads."""
        self._pool.shutdown(wait=True)


# --- any file -----------------------------------------------------------------------------------


def check_file(
    path: Path, *, store: Store | None = None, slug: str | None = None, position: int | None = None
) -> QCReport:
    """QC of any video file: the file's own checks (frozen, black, loudness, sharpness) and, with
    a store and a clip ``position``, the checks against that clip's current plan, board and
    previous keyframe. ``slug`` may be left out when the store holds one production. Writes
    nothing anywhere.

    Raises :class:`InputError` (exit 2) for a file that is not a whole video (empty, truncated,
    an image, no video stream) or an unknown production or clip.
    """
    from shortfilm.media.analysis import analyse
    from shortfilm.media.video_check import check_video
    from shortfilm.takes.qc_rules import judge

    check_video(path)
    plan = _Plan()
    if store is not None and position is not None:
        with store.session() as s:
            plan = _plan_for_clip(store, s, slug or _only_production(s), position)
    return judge(analyse(path), _expected(plan))


def _plan_for_clip(store: Store, s: Session, slug: str, position: int) -> _Plan:
    """What a new take of the clip would be asked for now: its newest prompt and board, the
    production's generation format and the previous clip's chosen keyframe."""
    from shortfilm.takes.generate import CLIP_FPS, CLIP_SIZE

    clip = _clip(s, slug, position)
    prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
    board = repo.latest(s, BoardRow, BoardRow.production_id, clip.production_id)
    if prompt is None or board is None:
        raise StoreError(f"{slug}/clip-{position:02d} has no prompt or board: re-import the spec")
    plan = VideoPrompt.from_sections(prompt.sections)
    return _Plan(
        duration_s=plan.duration_s,
        width=CLIP_SIZE[0],
        height=CLIP_SIZE[1],
        fps=float(CLIP_FPS),
        shots=tuple((b.start_s, b.end_s) for b in plan.shots),
        sound_rule=plan.sound_rule,
        board=_board_images(store, board),
        opening=_opening(store, s, clip, prompt, plan),
    )


def _only_production(s: Session) -> str:
    """The slug of the home's one production; :class:`InputError` when there are none or more."""
    slugs = [p.slug for p in repo.productions(s)]
    if len(slugs) != 1:
        which = ", ".join(slugs) if slugs else "none yet"
        raise InputError(f"name the production as SLUG:CLIP (productions here: {which})")
    return slugs[0]


def _clip(s: Session, slug: str, position: int) -> ClipRow:
    from shortfilm.spec.stored import spec_from_dict

    prod = repo.production_by_slug(s, slug)
    if prod is None:
        known = ", ".join(p.slug for p in repo.productions(s)) or "none yet"
        raise InputError(f"no production {slug!r} in this home (productions: {known})")
    clips = repo.clips(s, prod.id)[: len(spec_from_dict(prod.spec).clips)]
    clip = next((c for c in clips if c.position == position), None)
    if clip is None:
        have = f"clip-01 to clip-{len(clips):02d}" if clips else "no clips"
        raise InputError(f"{slug} has no clip-{position:02d} (it has {have})")
    return clip


def find_take(
    s: Session, slug: str, position: int, number: int | None = None
) -> tuple[ClipRow, TakeRow]:
    """Clip ``position`` of ``slug`` and its take ``number`` (default: the selected take), which
    must have a video; :class:`InputError` naming what is missing otherwise."""
    clip = _clip(s, slug, position)
    return clip, _take(s, slug, clip, number)


def _take(s: Session, slug: str, clip: ClipRow, number: int | None) -> TakeRow:
    """Take ``number`` of the clip, or its selected take; :class:`InputError` if there is none."""
    where = f"{slug}/clip-{clip.position:02d}"
    if number is None:
        if clip.selected_take_id is None:
            raise InputError(f"{where} has no selected take; name one with --take")
        take = s.get(TakeRow, clip.selected_take_id)
        assert take is not None
    else:
        found = next((t for t in repo.takes(s, clip.id) if t.number == number), None)
        if found is None:
            raise InputError(f"{where} has no take {number}")
        take = found
    if take.status != "succeeded" or take.video_sha256 is None:
        raise InputError(f"{where}/take-{take.number:03d} is {take.status}: it has no video")
    return take


def _why(exc: Exception, store: Store, video: Path, number: int) -> str:
    """The error as the report keeps it (and the clip page shows it): the stored video named as
    the take, no path of the server's store in it."""
    text = str(exc).replace(str(video), f"take-{number:03d}").replace(str(store.home), "")
    return f"{type(exc).__name__}: {text}"


def _subject(clip: ClipRow, take: TakeRow) -> str:
    return f"clip-{clip.position:02d}/take-{take.number:03d}"


# --- the work -----------------------------------------------------------------------------------


def _analyse(video: Path, plan: _Plan, thumbs: Path) -> tuple[QCReport, list[KeyframeCandidate]]:
    """One decode of ``video``: the report, and the candidates with thumbnails in ``thumbs``."""
    from shortfilm.media.analysis import analyse, keyframe_candidates
    from shortfilm.takes.qc_rules import judge

    analysis = analyse(video)
    report = judge(analysis, _expected(plan))
    candidates = keyframe_candidates(video, analysis, top=CANDIDATES, dest=thumbs)
    return report, candidates


def _expected(plan: _Plan) -> Expected:
    """Open the images ``plan`` names: palettes of the board references (those that cannot be
    read are left out), and the opening picture as RGB."""
    board = []
    for image in plan.board:
        try:
            board.append(BoardLook(image.label, _image_palette(str(image.path))))
        except ShortfilmError:
            continue
    opening = None
    if plan.opening is not None and plan.opening.path.is_file():
        opening = Opening(plan.opening.label, _rgb(plan.opening.path))
    return Expected(
        duration_s=plan.duration_s,
        width=plan.width,
        height=plan.height,
        fps=plan.fps,
        shots=plan.shots,
        sound_rule=plan.sound_rule,
        board=tuple(board),
        opening=opening,
        not_judged=plan.not_judged,
    )


@functools.lru_cache(maxsize=256)
def _image_palette(path: str) -> Palette:
    """Palette of a stored image. Stored objects are named by their content and never change,
    so each board reference is read once per process, not once per take."""
    from shortfilm.media.analysis import image_palette

    return image_palette(Path(path))


def _rgb(path: Path) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)
