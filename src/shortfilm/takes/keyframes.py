"""The keyframe each take hands to the next clip: picked by rule, replaced by a person's pick.

By rule (:func:`ensure_keyframe`), the keyframe is the best candidate QC found in the last third of
the take (:func:`shortfilm.media.analysis.default_pick`), written full size from the video. A
person can pick another frame (:func:`pick_keyframe`), by time or by candidate number: that frame
becomes the chosen keyframe under their name, the one it replaces is kept unchosen, and the next
clip continuing this one is then asked for again (its request names the keyframe's bytes).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortfilm.errors import InputError, MediaError
from shortfilm.media.probe import open_checked
from shortfilm.store import keyframes as stored_keyframes
from shortfilm.store import naming, repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.lookup import NamedTake, find_take
from shortfilm.takes.qc_judge import review_take
from shortfilm.team.people import AUTO, current_person

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from shortfilm.domain.analysis import KeyframeCandidate


@dataclass(frozen=True)
class KeyframeChoice(NamedTake):
    """What :func:`pick_keyframe` did."""

    time_ms: int
    path: Path
    """The readable library path of the full-size keyframe PNG."""
    by: str
    replaced_ms: int | None
    """Time of the keyframe it replaced, if the take had one."""
    changed: bool
    """``False`` when that very frame was already the chosen keyframe: nothing was written."""
    selected: bool
    """The take is its clip's selection, so the next clip continues from this frame."""

    def to_json(self) -> dict[str, Any]:
        return {
            **self.names_json(),
            "time_ms": self.time_ms,
            "path": str(self.path),
            "by": self.by,
            "replaced_ms": self.replaced_ms,
            "changed": self.changed,
            "selected": self.selected,
        }


def ensure_keyframe(
    store: Store,
    slug: str,
    clip_id: int,
    *,
    not_judged: Mapping[str, str] | None = None,
    review: bool = True,
) -> None:
    """Give the clip's selected take a chosen keyframe, once: the default pick among its QC
    candidates, full size. A take QC found no candidates in (all black or frozen, or QC could not
    run) falls back to the clearest frame of its last 1.5 s. A chosen keyframe, a person's or
    not, is never replaced here. ``not_judged`` is passed to QC for a take not reviewed yet;
    with ``review`` off an unreviewed take is not analysed here (the fallback pick is used)."""
    with store.session() as s:
        clip = stored.clip(s, clip_id)
        assert clip.selected_take_id is not None
        take_id = clip.selected_take_id
        if stored_keyframes.chosen(s, take_id) is not None:
            return
    # reviewed when it was stored: read back, not re-run (a take from before QC is reviewed now)
    report = review_take(store, take_id, not_judged=not_judged) if review else None
    with store.session() as s:
        clip = stored.clip(s, clip_id)
        take = stored.take(s, take_id)
        assert take is not None and take.video_sha256 is not None
        video = store.artifact_path(take.video_sha256)
        kept = stored.analysis(s, take_id)
        candidates = _candidates(kept.report if kept is not None else {})
        analysis = (
            (report.analysis if report is not None else None)
            or (kept.report.get("analysis") if kept is not None else None)
            or {}
        )
        with tempfile.TemporaryDirectory(prefix="shortfilm-kf-") as tmp:
            image = Path(tmp) / "keyframe.png"
            if candidates and analysis.get("fps"):
                pick = _default_pick(candidates, float(analysis["duration_s"]))
                fps = float(analysis["fps"])
                index = int(round(pick.t_s * fps))
                write_frame(video, index, fps, image)
                time_ms, score = int(round(index / fps * 1000)), pick.score
            else:
                from shortfilm.media.keyframe import pick_keyframe as clearest_near_end

                old = clearest_near_end(video, image)
                time_ms, score = old.time_ms, old.sharpness
            name = naming.keyframe(slug, clip.position, take.number, time_ms)
            # a person may have chosen one meanwhile (the web app, `keyframe pick`): theirs stands
            repo.lock_clip(s, clip.id)
            if stored_keyframes.chosen(s, take.id) is not None:
                return
            sha = store.put_artifact(s, image, name)
        stored_keyframes.add(s, take.id, time_ms, sha, score, chosen=True, chosen_by=AUTO)
        repo.event(s, clip.production_id, "keyframe.chosen", name, score=score)


def pick_keyframe(
    store: Store,
    slug: str,
    position: int,
    *,
    take: int | None = None,
    at_s: float | None = None,
    candidate: int | None = None,
    by: str | None = None,
) -> KeyframeChoice:
    """Make a person's frame the chosen keyframe of a take (default: the clip's selected take).

    The frame is the one shown at ``at_s`` seconds, or candidate number ``candidate`` (1 is the
    best, as ``qc show`` lists them); it is written full size from the video and recorded under
    ``by`` (default: ``SHORTFILM_USER`` or the login name). The keyframe it replaces is kept,
    unchosen. Event ``keyframe.overridden``. :class:`InputError` for a time outside the take, an
    unknown candidate, or both or neither of ``at_s`` and ``candidate``.
    """
    if (at_s is None) == (candidate is None):
        raise InputError("say which frame: a time in the take (--at) or a candidate (--candidate)")
    person = by or current_person()
    with store.session() as s:
        clip, take_row = find_take(s, slug, position, take)
        take_id, number = take_row.id, take_row.number
    review_take(store, take_id)  # candidates, duration and frame rate (stored once per take)
    with store.session() as s:
        clip, take_row = find_take(s, slug, position, number)
        assert take_row.video_sha256 is not None
        video = store.artifact_path(take_row.video_sha256)
        kept = stored.analysis(s, take_id)
        analysis: dict[str, Any] = (kept.report.get("analysis") if kept else None) or {}
        fps, duration = _timing(video, analysis)
        subject = f"{slug}/clip-{position:02d}/take-{number:03d}"
        score = 0.0
        if candidate is not None:
            rows = stored_keyframes.candidates(s, take_id)
            if not 1 <= candidate <= len(rows):
                have = f"1 to {len(rows)}" if rows else "none (pick a time with --at)"
                raise InputError(f"{subject} has no candidate {candidate}; it has {have}")
            at_s, score = rows[candidate - 1].time_ms / 1000.0, rows[candidate - 1].score
            index = int(round(at_s * fps))
        else:
            assert at_s is not None
            if not 0.0 <= at_s < duration:
                raise InputError(
                    f"--at {at_s:g}: {subject} runs from 0 to {duration:.2f} s; pick a time in it"
                )
            index = int(math.floor(at_s * fps + 1e-6))  # the frame on screen at that time
        index = max(0, min(index, max(0, int(round(duration * fps)) - 1)))
        time_ms = int(round(index / fps * 1000))
        name = naming.keyframe(slug, position, number, time_ms)
        with tempfile.TemporaryDirectory(prefix="shortfilm-kf-") as tmp:
            image = write_frame(video, index, fps, Path(tmp) / "keyframe.png")
            # one chooser at a time (another person, a run's automatic pick): the current choice
            # is read under the lock, so two picks never leave two chosen keyframes
            repo.lock_clip(s, clip.id)
            current = stored_keyframes.chosen(s, take_id)
            sha = store.put_artifact(s, image, name)
        selected = clip.selected_take_id == take_id
        path = store.artifacts.readable(name)
        if current is not None and current.sha256 == sha:
            return KeyframeChoice(
                slug, position, number, current.time_ms, path, current.chosen_by or AUTO,
                current.time_ms, changed=False, selected=selected,
            )  # fmt: skip
        if current is not None:
            stored_keyframes.choose(s, current.id, False)
        again = next((k for k in stored_keyframes.picked(s, take_id) if k.sha256 == sha), None)
        if again is not None:  # picked before and since replaced: choose it again
            stored_keyframes.choose(s, again.id, True, person)
        else:
            stored_keyframes.add(s, take_id, time_ms, sha, score, chosen=True, chosen_by=person)
        repo.event(
            s,
            clip.production_id,
            "keyframe.overridden",
            name,
            by=person,
            time_ms=time_ms,
            replaced_ms=current.time_ms if current is not None else None,
            sha256=sha,
        )
        return KeyframeChoice(
            slug, position, number, time_ms, path, person,
            current.time_ms if current is not None else None, changed=True, selected=selected,
        )  # fmt: skip


def file_keyframes(path: Path, *, top: int = 5, out: Path | None = None) -> list[KeyframeCandidate]:
    """The ``top`` keyframe candidates of any video file, best first; thumbnails written to
    ``out`` when given. :class:`InputError` (exit 2) for a file that is not a whole video."""
    from shortfilm.media.analysis import analyse, keyframe_candidates
    from shortfilm.media.video_check import check_video

    if top < 1:
        raise InputError(f"--top {top}: ask for at least one candidate")
    check_video(path)
    return keyframe_candidates(path, analyse(path), top=top, dest=out)


def write_frame(video: Path, index: int, fps: float, dest: Path) -> Path:
    """Write frame ``index`` of ``video`` (on the constant-rate grid of ``fps``, as the analysis
    counts frames) to ``dest`` as a full-size PNG, upright as a player shows it.

    Seeks to the nearest key frame before it and decodes from there, so a frame near the end of
    a take costs a fraction of the whole decode. The PNG is written under a temporary name and
    renamed. :class:`MediaError` naming the file when the frame cannot be decoded.
    """
    rgb = _frame(video, index, fps)
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError("cannot encode the keyframe as PNG", file=dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data.tobytes())
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _frame(video: Path, index: int, fps: float) -> NDArray[np.uint8]:
    import av
    import numpy as np

    from shortfilm.media.stills import upright

    try:
        with open_checked(video) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            unit = stream.time_base
            base = float(stream.start_time * unit) if stream.start_time and unit else 0.0
            if unit:  # half a frame early: the frame itself is never skipped by rounding
                target = base + max(index - 0.5, 0.0) / fps
                container.seek(int(target / unit), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else base
                last = frame
                if int(round((t - base) * fps)) >= index:
                    break
            if last is None:
                raise MediaError(f"no frame decodes at {index / fps:.3f} s", file=video)
            rgb = np.asarray(last.to_ndarray(format="rgb24"), dtype=np.uint8)
            return upright(rgb, int(last.rotation or 0))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot decode the keyframe: {exc}", file=video) from exc


def _timing(video: Path, analysis: dict[str, Any]) -> tuple[float, float]:
    """Frame rate and duration (seconds) of a take: from its stored analysis, else measured."""
    if analysis.get("fps") and analysis.get("duration_s"):
        return float(analysis["fps"]), float(analysis["duration_s"])
    from shortfilm.media.probe import probe

    info = probe(video)
    if not info.fps:
        raise MediaError("the video states no frame rate", file=video)
    return float(info.fps), float(info.video_duration_s or info.duration_s)


def _candidates(report: dict[str, Any]) -> list[KeyframeCandidate]:
    from shortfilm.domain.analysis import KeyframeCandidate

    return [
        KeyframeCandidate(
            t_s=float(c["t_s"]),
            score=float(c["score"]),
            sharpness=float(c["sharpness"]),
            exposure=float(c["exposure"]),
            faces=int(c["faces"]),
            motion=float(c["motion"]),
            faces_checked=bool(c.get("faces_checked", True)),
        )
        for c in report.get("keyframe_candidates", [])
    ]


def _default_pick(candidates: list[KeyframeCandidate], duration_s: float) -> KeyframeCandidate:
    from shortfilm.media.analysis import default_pick

    return default_pick(candidates, duration_s)
