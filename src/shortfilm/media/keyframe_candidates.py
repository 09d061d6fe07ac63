"""Choosing keyframe candidates of a take: clear, well exposed, still frames, spread in time, away
from cuts, black and frozen stretches, preferring frames that show a face.

Candidates come from the stills the analysis pass kept (:mod:`shortfilm.media.stills`), so
choosing them decodes nothing; only ``full_size=True`` decodes the file again, to write
source-resolution images.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from shortfilm.domain.analysis import Analysis, KeyframeCandidate, Span
from shortfilm.errors import MediaError
from shortfilm.media.faces import FaceDetector, default_face_detector, detect_many
from shortfilm.media.probe import open_checked
from shortfilm.media.stills import frame_quality, upright

CUT_GUARD_S = 0.25
"""No candidate within this many seconds of a cut: frames there may be mid-transition."""

MIN_GAP_S = 1.0
"""Default least distance in seconds between two candidates."""

FACE_WEIGHT = 0.2
"""Share of the score a visible face is worth: a face-less frame scores at most 0.8."""

SHORTLIST_PER_CANDIDATE = 2
"""Frames face detection runs on, per candidate asked for: the face bonus (0.2) can only
reorder frames already near the top, so looking further down the list buys nothing."""


def excluded_spans(analysis: Analysis, cut_guard_s: float = CUT_GUARD_S) -> list[Span]:
    """Where no candidate may be: around cuts, and black and frozen stretches."""
    around_cuts = [Span(t - cut_guard_s, t + cut_guard_s) for t in analysis.cuts_s]
    return [*around_cuts, *analysis.black, *analysis.frozen]


def keyframe_candidates(
    path: Path,
    analysis: Analysis,
    *,
    top: int = 5,
    dest: Path | None = None,
    min_gap_s: float = MIN_GAP_S,
    cut_guard_s: float = CUT_GUARD_S,
    face_detector: FaceDetector | None = None,
    full_size: bool = False,
) -> list[KeyframeCandidate]:
    """Up to ``top`` best frames of the take ``path`` that ``analysis`` describes, best first.

    Each frame's quality is its sharpness, scaled down for poor exposure and for motion to either
    neighbour (:func:`shortfilm.media.stills.frame_quality`); frames within ``cut_guard_s`` of a
    cut or inside a black or frozen stretch are never chosen. The best few are checked for faces
    (``face_detector``; by default OpenCV's Haar cascade where this OpenCV can run it, see
    :mod:`shortfilm.media.faces`), and a face is worth :data:`FACE_WEIGHT` of the score; with no
    detector the score is quality alone. Then candidates are taken best first, each at least
    ``min_gap_s`` from those already taken, so fewer than ``top`` come back when the take is short.

    With ``dest`` (a folder, created if needed) each candidate's analysis-size frame is written
    there as ``kf-<ms>ms.thumb.png`` and, with ``full_size``, the source-resolution frame as
    ``kf-<ms>ms.png`` (one more decode of the file, up to the last candidate). Files are written
    under a temporary name and renamed, so a reader never sees half a PNG.
    """
    if top < 1:
        return []
    detector = face_detector if face_detector is not None else default_face_detector()
    face_weight = FACE_WEIGHT if detector is not None else 0.0
    fps = analysis.fps
    blocked = excluded_spans(analysis, cut_guard_s)
    motion = _motion_both_sides(analysis.motion)

    scored: list[tuple[float, int]] = []
    for index in analysis.stills:
        t = index / fps
        if any(span.contains(t) for span in blocked):
            continue
        q = frame_quality(
            float(analysis.sharpness[index]), float(analysis.exposure[index]), motion[index]
        )
        scored.append((q, index))
    if not scored:
        return []
    best_q = max(max(q for q, _ in scored), 1e-9)
    ranked = sorted(scored, key=lambda item: (-item[0], item[1]))
    faces_in: dict[int, int] = {}

    def rescored(q: float, index: int) -> tuple[float, int, int]:
        if index not in faces_in:
            found = detector.detect(_grey(analysis.stills[index])) if detector else []
            faces_in[index] = len(found)
        has_face = 1.0 if faces_in[index] else 0.0
        score = (1.0 - face_weight) * (q / best_q) + face_weight * has_face
        return score, index, faces_in[index]

    def far_enough(index: int, chosen: list[tuple[float, int, int]]) -> bool:
        return all(abs(index - c[1]) / fps >= min_gap_s - 1e-9 for c in chosen)

    # Faces are looked for on a short list only: the best frames, half the gap apart.
    shortlist = _spread(ranked, top * SHORTLIST_PER_CANDIDATE, fps, min_gap_s / 2.0)
    if detector is not None:
        listed = [index for _, index in shortlist]
        counts = detect_many(detector, [_grey(analysis.stills[i]) for i in listed])
        faces_in.update(zip(listed, counts, strict=True))
    chosen: list[tuple[float, int, int]] = []
    for item in sorted((rescored(q, i) for q, i in shortlist), key=lambda c: (-c[0], c[1])):
        if len(chosen) < top and far_enough(item[1], chosen):
            chosen.append(item)
    # A short list bunched in time may leave room: fill it from the rest, best first.
    for q, index in ranked:
        if len(chosen) >= top:
            break
        if index not in faces_in and far_enough(index, chosen):
            chosen.append(rescored(q, index))
    chosen.sort(key=lambda c: (-c[0], c[1]))

    thumbs: dict[int, Path] = {}
    fulls: dict[int, Path] = {}
    if dest is not None:
        dest.mkdir(parents=True, exist_ok=True)
        for _, index, _ in chosen:
            thumbs[index] = _write_png(
                analysis.stills[index], dest / f"kf-{_ms(index, fps):04d}ms.thumb.png"
            )
        if full_size:
            frames = _full_frames(path, [index for _, index, _ in chosen], fps)
            for index, rgb in frames.items():
                fulls[index] = _write_png(rgb, dest / f"kf-{_ms(index, fps):04d}ms.png")

    return [
        KeyframeCandidate(
            t_s=index / fps,
            score=score,
            sharpness=float(analysis.sharpness[index]),
            exposure=float(analysis.exposure[index]),
            faces=faces,
            motion=motion[index],
            path=thumbs.get(index),
            full_path=fulls.get(index),
            faces_checked=detector is not None,
        )
        for score, index, faces in chosen
    ]


def default_pick(candidates: Sequence[KeyframeCandidate], duration_s: float) -> KeyframeCandidate:
    """The candidate to hand on to the next clip: the best in the last third of the take (it
    joins the next clip most closely), else the best overall. ``ValueError`` if there are none."""
    if not candidates:
        raise ValueError("no keyframe candidates to pick from")
    late = [c for c in candidates if c.t_s >= duration_s * 2.0 / 3.0]
    return max(late or candidates, key=lambda c: (c.score, c.t_s))


def _spread(
    ranked: list[tuple[float, int]], count: int, fps: float, min_gap_s: float
) -> list[tuple[float, int]]:
    """The first ``count`` of ``ranked`` (best first) that are ``min_gap_s`` from each other."""
    picked: list[tuple[float, int]] = []
    for q, index in ranked:
        if len(picked) == count:
            break
        if all(abs(index - j) / fps >= min_gap_s - 1e-9 for _, j in picked):
            picked.append((q, index))
    return picked


def _motion_both_sides(motion: NDArray[np.float64]) -> list[float]:
    """For each frame, the larger of its change from the previous and to the next frame."""
    after = np.append(motion[1:], motion[-1:]) if len(motion) else motion
    return [float(v) for v in np.maximum(motion, after)]


def _grey(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    import cv2

    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _ms(index: int, fps: float) -> int:
    return int(round(index / fps * 1000))


def _write_png(rgb: NDArray[np.uint8], target: Path) -> Path:
    """Write ``rgb`` to ``target`` atomically (a temporary name in the same folder, then rename)."""
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError("cannot encode the keyframe as PNG", file=target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data.tobytes())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _full_frames(path: Path, indices: list[int], fps: float) -> dict[int, NDArray[np.uint8]]:
    """Source-resolution RGB frames at ``indices`` (on the analysis's constant-rate grid), from
    one threaded PyAV decode that stops after the last of them."""
    import av

    wanted = set(indices)
    found: dict[int, NDArray[np.uint8]] = {}
    if not wanted:
        return found
    last = max(wanted)
    try:
        with open_checked(path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start: float | None = None
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else 0.0
                if start is None:
                    start = t
                index = int(round((t - start) * fps))
                if index in wanted and index not in found:
                    rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                    found[index] = upright(rgb, int(frame.rotation or 0))
                if index >= last:
                    break
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot decode keyframes: {exc}", file=path) from exc
    missing = wanted - found.keys()
    if missing:
        raise MediaError(f"frames {sorted(missing)} not found when decoding again", file=path)
    return found
