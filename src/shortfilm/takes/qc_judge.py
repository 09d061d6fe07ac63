"""QC of takes: one analysis of a take's video, judged against its clip's plan, kept with the take.

:func:`review_take` runs after every take is stored (generated or imported): it analyses the video
once (:func:`shortfilm.media.analysis.analyse`), judges it (:func:`shortfilm.takes.qc_rules.judge`)
against the prompt the take was made from, the board's reference images and the picture it should
open on (:mod:`shortfilm.takes.qc_plan`), and stores the report with the take's keyframe
candidates (thumbnails, as unchosen keyframes). It never fails the take: a QC that cannot run
stores its error as the report. :func:`check_file` runs the same checks on any video file, against
a clip's current plan if asked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortfilm.domain.qc_report import QC_VERSION, QCReport
from shortfilm.domain.take import Take, TakeClip
from shortfilm.errors import StoreError
from shortfilm.store import keyframes as stored_keyframes
from shortfilm.store import naming, repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store, Tx
from shortfilm.takes.lookup import only_production
from shortfilm.takes.qc_plan import QCPlan, expected, plan_for_clip, plan_for_take
from shortfilm.takes.ranking import follow_ranking

if TYPE_CHECKING:
    from shortfilm.domain.analysis import KeyframeCandidate

CANDIDATES = 5
"""Keyframe candidates kept per take: enough for a person to choose among, at least 1 s apart."""


def review_take(
    store: Store,
    take_id: int,
    *,
    not_judged: Mapping[str, str] | None = None,
    again: bool = False,
) -> QCReport:
    """Analyse and judge stored take ``take_id`` once; store the report and keyframe candidates.

    A report of the current :data:`~shortfilm.domain.qc_report.QC_VERSION` is kept as it is unless
    ``again``. ``not_judged`` names checks this kind of take is not judged on, and why (from the
    provider: the animatic makes no sound); a re-made report keeps the previous one's. Anything
    that stops QC (an undecodable file, a bug in a rule) is stored as the report's error: the
    take, already stored, is never lost or failed by its QC. Costs one decode of the video.
    """
    with store.session() as s:
        take, clip, slug = _take_context(s, take_id)
        existing = stored.analysis(s, take_id)
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
            plan: QCPlan | None = plan_for_take(store, s, take, clip, not_judged)
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
            stored.save_analysis(s, take_id, QC_VERSION, report.status, data)
            landed = stored.take(s, take_id)
            assert landed is not None
            follow_ranking(s, landed)  # the best take selected, unless a person chose one
            repo.event(
                s,
                clip.production_id,
                "take.analysed",
                f"clip-{position:02d}/take-{number:03d}",
                status=report.status,
                version=QC_VERSION,
                error=report.error,
            )
    return report


def _take_context(s: Tx, take_id: int) -> tuple[Take, TakeClip, str]:
    take = stored.take(s, take_id)
    if take is None:
        raise StoreError(f"no take with id {take_id}")
    clip = stored.clip(s, take.clip_id)
    return take, clip, stored.production_slug(s, clip.production_id)


def _store_candidates(
    store: Store,
    s: Tx,
    take_id: int,
    slug: str,
    position: int,
    number: int,
    candidates: list[KeyframeCandidate],
) -> list[dict[str, Any]]:
    """Replace the take's candidate rows with ``candidates`` (thumbnails stored under lineage
    names); the frames ever picked as keyframes are left alone. Returns their JSON, best first."""
    stored_keyframes.drop_candidates(s, take_id)
    found = []
    for c in candidates:
        if c.path is None:
            continue
        ms = int(round(c.t_s * 1000))
        name = naming.keyframe_candidate(slug, position, number, ms)
        sha = store.put_artifact(s, c.path, name)
        stored_keyframes.add(s, take_id, ms, sha, c.score)
        data = c.to_json()
        data.pop("full_path", None)
        data.pop("path", None)  # the thumbnail in QC's temp folder, gone once QC returns
        # the library name, not a path: a home is copied, moved or opened from another folder,
        # and a path written now would point into where it was (see :func:`candidate_paths`)
        found.append(data | {"time_ms": ms, "name": name})
    return found


def candidate_paths(store: Store, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored keyframe candidates with ``path`` made from their library ``name`` in ``store``'s
    home as it is now. Reports stored before names were kept carry the path written then."""
    return [
        {k: v for k, v in c.items() if k != "name"}
        | ({"path": str(store.artifacts.readable(str(c["name"])))} if "name" in c else {})
        for c in candidates
    ]


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
    plan = QCPlan()
    if store is not None and position is not None:
        with store.session() as s:
            plan = plan_for_clip(store, s, slug or only_production(s), position)
    return judge(analyse(path), expected(plan))


def _why(exc: Exception, store: Store, video: Path, number: int) -> str:
    """The error as the report keeps it (and the clip page shows it): the stored video named as
    the take, no path of the server's store in it."""
    text = str(exc).replace(str(video), f"take-{number:03d}").replace(str(store.home), "")
    return f"{type(exc).__name__}: {text}"


def _subject(clip: TakeClip, take: Take) -> str:
    return f"clip-{clip.position:02d}/take-{take.number:03d}"


def _analyse(video: Path, plan: QCPlan, thumbs: Path) -> tuple[QCReport, list[KeyframeCandidate]]:
    """One decode of ``video``: the report, and the candidates with thumbnails in ``thumbs``."""
    from shortfilm.media.analysis import analyse, keyframe_candidates
    from shortfilm.takes.qc_rules import judge

    analysis = analyse(video)
    report = judge(analysis, expected(plan))
    candidates = keyframe_candidates(video, analysis, top=CANDIDATES, dest=thumbs)
    return report, candidates
