"""Quality checks of a take that read the facts of its analysis alone: duration, size, shape,
frame rate, planned moments, frozen and black stretches, sound, loudness and sharpness.

Pure rules: each reads an :class:`~shortfilm.domain.analysis.Analysis` (one decode, made
elsewhere) and an :class:`~shortfilm.domain.qc_report.Expected` and decodes nothing. Each check
says ``pass``, ``warn`` or ``fail`` with a sentence a person understands, numbers included, and
what was measured against what was expected; a check with nothing to compare with says ``skip``
and why. Thresholds are module constants, each with the measurement that set it. The rules that
compare pictures (the board's look, the previous clip's keyframe) are in
:mod:`shortfilm.takes.qc_rules`, whose :func:`~shortfilm.takes.qc_rules.judge` runs them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from shortfilm.domain.qc_report import Check, Expected, Status
from shortfilm.domain.sound import audio_wanted

if TYPE_CHECKING:
    from shortfilm.domain.analysis import Analysis, Span

# --- thresholds ------------------------------------------------------------------------------

DURATION_OK_S = 0.5
"""Seconds a take may differ from the prompt's duration and pass: 12 frames at 24 fps, less than
the shortest crossfade the edit uses (0.4 s) plus a frame or two of encoder rounding."""

DURATION_SHORT_FAIL_S = 1.5
"""Seconds short of the prompt's duration beyond which a take fails: with 3-4 planned moments
in 12-15 s, 1.5 s is about half of one moment, more than the edit can stretch (a longer take is
only ever a warning, since the edit trims it)."""

RESOLUTION_WARN = 0.98
"""Short side below this share of the target's: the render upscales it (a warning)."""

RESOLUTION_FAIL = 2 / 3
"""Short side below this share of the target's (480 lines for 720p): upscaled by more than 1.5x,
visibly soft next to the other clips."""

ASPECT_OK = 0.01
"""Relative aspect difference that passes: rounding of sizes to even pixels (1278x720 is 0.2 %)."""

ASPECT_FAIL = 0.05
"""Relative aspect difference beyond which a take fails: the render would crop or pad more than
5 % of the frame (4:3 against 16:9 is 25 %, 9:16 against 16:9 is 68 %), cutting the planned
framing."""

FPS_OK = 0.01
"""Relative frame-rate difference that passes (23.976 against 24 is 0.1 %)."""

FPS_FAIL = 0.75
"""A frame rate below this share of the target's fails: the render repeats every third frame or
more (15 fps in a 24 fps film), which reads as judder; higher or nearby rates only warn."""

FROZEN_FAIL_S = 2.0
"""A picture stuck this long fails: in a 12-15 s clip of 3-4 moments, cutting around it loses most
of a moment. Shorter frozen stretches (the analysis reports from 0.5 s) warn."""

BLACK_FAIL_S = 1.0
"""A black stretch this long fails; shorter ones (from 0.25 s) warn: a fade at either end is
trimmed in the edit, a blink in the middle is worth a look."""

QUIET_LUFS = -35.0
"""Integrated loudness below this warns: 21 dB under the -14 LUFS the film is mastered to, so
bringing it up raises its noise as much."""

HOT_LUFS = -8.0
"""Integrated loudness above this warns: louder than any delivery target, usually limited or
clipped by the generator."""

SOFT_MEDIAN = 20.0
"""Median sharpness (variance of the Laplacian at the 288-px analysis size, (grey levels)^2) below
which the whole take is soft. Measured on real footage: sharp sources 47 (bikes.mp4, street) to
415 (Big Buck Bunny, shrunk 2.5x) and 700-980 (the demo's 720p animatic takes); where ffmpeg
lacks zimg and the pass shrinks with ``area`` (:func:`shortfilm.media.decode_pass.downscale_filter`)
those two read 650 and 1,230-1,620. The fence shot of bikes (enlarged slightly: the same with
either filter) 192, blurred with a Gaussian of sigma 1 px 68, sigma 2 px 23, sigma 3 px 12;
carphone, a 176x144 clip upscaled, 53 and its heavily compressed copy 21. Below 20 a take is as
soft as that compressed QCIF clip or a 2-px blur of real footage. Content changes sharpness a
lot (a foggy shot is soft on purpose), so softness only ever warns."""

SOFT_RATIO = 0.35
"""A quarter-second window whose sharpness is below this share of the take's median is soft: a
1-px Gaussian blur of the same picture measured 0.35-0.52 of the sharp original on three sources
(bikes, Big Buck Bunny, an animatic), so this is a drop at least that strong."""

SOFT_MIN_S = 0.5
"""Soft windows must last this long (two windows) to be reported: one blurred frame of fast
action is motion blur, not a fault."""


def _duration(a: Analysis, e: Expected) -> Check:
    name = "duration"
    if e.duration_s is None:
        return Check(
            name, Status.SKIP, "No planned duration to compare with.", rounded(a.duration_s)
        )
    diff = a.duration_s - e.duration_s
    said = f"The take runs {a.duration_s:.2f} s; the prompt asks for {e.duration_s:.2f} s"
    if abs(diff) <= DURATION_OK_S:
        status, tail = Status.PASS, f" (within {DURATION_OK_S:g} s)."
    elif diff > 0:
        status, tail = Status.WARN, f": {diff:.2f} s too long, which the edit can trim."
    elif -diff <= DURATION_SHORT_FAIL_S:
        status, tail = Status.WARN, f": {-diff:.2f} s short; the edit has less to play with."
    else:
        status = Status.FAIL
        tail = (
            f": {-diff:.2f} s short (more than {DURATION_SHORT_FAIL_S:g} s); a moment is missing."
        )
    return Check(name, status, said + tail, rounded(a.duration_s), e.duration_s)


def _resolution(a: Analysis, e: Expected) -> Check:
    name = "resolution"
    measured = [a.width, a.height]
    if e.width is None or e.height is None:
        return Check(name, Status.SKIP, "No target frame size to compare with.", measured)
    share = min(a.width, a.height) / min(e.width, e.height)
    said = f"The take is {a.width}x{a.height}; the target is {e.width}x{e.height}"
    if share >= RESOLUTION_WARN:
        status, tail = Status.PASS, "."
    elif share >= RESOLUTION_FAIL:
        status, tail = Status.WARN, f": the render upscales it {1 / share:.2f}x."
    else:
        status = Status.FAIL
        tail = f": upscaled {1 / share:.2f}x, it will look soft next to the other clips."
    return Check(name, status, said + tail, measured, [e.width, e.height])


def _aspect(a: Analysis, e: Expected) -> Check:
    name = "aspect"
    ratio = a.width / a.height
    if e.width is None or e.height is None:
        return Check(name, Status.SKIP, "No target frame shape to compare with.", rounded(ratio))
    target = e.width / e.height
    off = abs(ratio / target - 1.0)
    said = f"The take's shape is {_shape(a.width, a.height)}; the target is "
    said += _shape(e.width, e.height)
    if off <= ASPECT_OK:
        status, tail = Status.PASS, "."
    elif off <= ASPECT_FAIL:
        status, tail = Status.WARN, f": {off:.1%} of the frame is cropped or padded."
    else:
        status, tail = Status.FAIL, f": {off:.0%} off, the planned framing would be cut."
    return Check(name, status, said + tail, rounded(ratio), rounded(target))


def _fps(a: Analysis, e: Expected) -> Check:
    name = "fps"
    if e.fps is None:
        return Check(name, Status.SKIP, "No target frame rate to compare with.", rounded(a.fps))
    off = abs(a.fps / e.fps - 1.0)
    said = f"The take runs at {_rate(a.fps)} fps; the film at {_rate(e.fps)} fps"
    if off <= FPS_OK:
        status, tail = Status.PASS, "."
    elif a.fps >= e.fps * FPS_FAIL:
        status, tail = Status.WARN, ": the render converts it, repeating or dropping frames."
    else:
        status, tail = Status.FAIL, ": too few frames, motion will judder."
    return Check(name, status, said + tail, rounded(a.fps), e.fps)


def _shots(a: Analysis, e: Expected) -> Check:
    name = "shots"
    found = [{"start_s": rounded(s.start_s), "end_s": rounded(s.end_s)} for s in a.shots]
    measured = {"count": len(a.shots), "shots": found}
    if not e.shots:
        return Check(name, Status.SKIP, "No planned shots to compare with.", measured)
    planned = len(e.shots)
    expected = {
        "count": planned,
        "shots": [{"start_s": rounded(s), "end_s": rounded(t)} for s, t in e.shots],
    }
    cuts = ", ".join(f"{t:.2f} s" for t in a.cuts_s) or "none"
    said = f"Found {len(a.shots)} shot(s) (cuts at {cuts}); the plan has {planned} visual moments"
    if len(a.shots) == planned:
        status, tail = Status.PASS, "."
    elif len(a.shots) < planned:
        # a model may join moments with a camera move instead of a cut: worth a look, not a fault
        status, tail = Status.WARN, ": some may be joined by a camera move, or missing."
    elif len(a.shots) == planned + 1:
        status, tail = Status.WARN, ": one cut more than planned."
    else:
        status, tail = Status.FAIL, ": cut up far more than planned."
    return Check(name, status, said + tail, measured, expected)


def _frozen(a: Analysis, e: Expected) -> Check:
    # black frames never change: a black stretch is reported once, by the black check
    return _stretches(
        "frozen",
        [s for s in a.frozen if not _within_black(s.start_s, s.end_s, a)],
        FROZEN_FAIL_S,
        what="frozen picture",
        none="The picture never freezes (no stretch of 0.5 s or more without change).",
    )


def _black(a: Analysis, e: Expected) -> Check:
    return _stretches(
        "black",
        a.black,
        BLACK_FAIL_S,
        what="black",
        none="No black frames (no stretch of 0.25 s or more).",
    )


def _stretches(name: str, spans: Sequence[Span], fail_s: float, *, what: str, none: str) -> Check:
    measured = [{"start_s": rounded(s.start_s), "end_s": rounded(s.end_s)} for s in spans]
    expected = {"longest_under_s": fail_s}
    if not spans:
        return Check(name, Status.PASS, none, measured, expected)
    longest = max(s.duration_s for s in spans)
    where = ", ".join(f"{s.start_s:.2f}-{s.end_s:.2f} s" for s in spans)
    said = f"{what.capitalize()} at {where} (longest {longest:.2f} s)"
    if longest >= fail_s - 1e-9:
        return Check(name, Status.FAIL, f"{said}: {fail_s:g} s or more.", measured, expected)
    return Check(name, Status.WARN, f"{said}: short, trim or cut around it.", measured, expected)


def _audio(a: Analysis, e: Expected) -> Check:
    name = "audio"
    audible = a.audio is not None and not a.audio.silent
    measured = {"stream": a.audio is not None, "audible": audible}
    if e.sound_rule is None:
        return Check(name, Status.SKIP, "No sound rule to compare with.", measured)
    wanted = audio_wanted(e.sound_rule)
    expected = {"sound_rule": e.sound_rule, "wanted": wanted}
    has = (
        "no audio stream"
        if a.audio is None
        else ("a silent audio track" if not audible else f"sound ({a.audio.layout})")
    )
    if wanted and audible:
        return Check(
            name, Status.PASS, f"The take has {has}, as the sound rule asks.", measured, expected
        )
    if wanted:
        rule = e.sound_rule.strip().rstrip(".")
        reason = f"The take has {has}, but its sound rule asks for sound: {rule}."
        return Check(name, Status.FAIL, reason, measured, expected)
    if audible:
        reason = f"The take has {has}, but its sound rule asks for silence; mute it in the edit."
        return Check(name, Status.WARN, reason, measured, expected)
    return Check(
        name, Status.PASS, f"The take has {has}, as its silent sound rule asks.", measured, expected
    )


def _loudness(a: Analysis, e: Expected) -> Check:
    name = "loudness"
    expected = {"min_lufs": QUIET_LUFS, "max_lufs": HOT_LUFS}
    audio = a.audio
    if audio is None or audio.silent or audio.integrated_lufs is None:
        return Check(name, Status.SKIP, "No audible sound to measure.", None, expected)
    lufs = audio.integrated_lufs
    peak = "" if audio.true_peak_dbtp is None else f", true peak {audio.true_peak_dbtp:.1f} dBTP"
    measured = {"integrated_lufs": rounded(lufs, 1), "true_peak_dbtp": audio.true_peak_dbtp}
    said = f"Integrated loudness {lufs:.1f} LUFS{peak}"
    if lufs < QUIET_LUFS:
        reason = f"{said}: very quiet (under {QUIET_LUFS:g} LUFS); raising it raises its noise."
        return Check(name, Status.WARN, reason, measured, expected)
    if lufs > HOT_LUFS:
        reason = f"{said}: very loud (over {HOT_LUFS:g} LUFS), likely limited or clipped."
        return Check(name, Status.WARN, reason, measured, expected)
    return Check(name, Status.PASS, f"{said}, a usable level.", measured, expected)


def _sharpness(a: Analysis, e: Expected) -> Check:
    name = "sharpness"
    expected = {"median_at_least": SOFT_MEDIAN, "soft_below_share_of_median": SOFT_RATIO}
    if a.frame_count == 0:
        return Check(name, Status.SKIP, "No frames to measure.", None, expected)
    lit = np.ones(a.frame_count, dtype=bool)  # black frames have no detail to judge
    for span in a.black:
        lit[(a.times_s >= span.start_s) & (a.times_s < span.end_s)] = False
    median = float(np.median(a.sharpness[lit] if lit.any() else a.sharpness))
    timeline = a.sharpness_timeline()
    soft = [
        (start, end)
        for start, end in _soft_stretches(timeline, median * SOFT_RATIO, a.duration_s)
        if not _within_black(start, end, a)
    ]
    measured = {
        "median": rounded(median, 1),
        "p10": rounded(float(np.percentile(a.sharpness, 10)), 1),
        "max": rounded(float(a.sharpness.max()), 1),
        "soft": [{"start_s": rounded(s), "end_s": rounded(t)} for s, t in soft],
        "timeline": [[rounded(t, 3), rounded(v, 1)] for t, v in timeline],
    }
    problems = []
    if median < SOFT_MEDIAN:
        problems.append(f"the whole take is soft (median {median:.1f}, under {SOFT_MEDIAN:g})")
    if soft:
        where = ", ".join(f"{s:.2f}-{t:.2f} s" for s, t in soft)
        problems.append(f"soft at {where} (under {SOFT_RATIO:.0%} of the take's median)")
    if problems:
        reason = f"Sharpness: {'; '.join(problems)}."
        return Check(name, Status.WARN, reason[0].upper() + reason[1:], measured, expected)
    lowest = min(v for _, v in timeline)
    reason = f"Sharp throughout: median {median:.0f}, lowest quarter second {lowest:.0f}."
    return Check(name, Status.PASS, reason, measured, expected)


def _within_black(start_s: float, end_s: float, a: Analysis) -> bool:
    """Whether black stretches cover most (80 %) of ``[start_s, end_s)``."""
    covered = sum(max(0.0, min(end_s, b.end_s) - max(start_s, b.start_s)) for b in a.black)
    return covered >= 0.8 * (end_s - start_s)


def _soft_stretches(
    timeline: Sequence[tuple[float, float]], floor: float, end_s: float
) -> list[tuple[float, float]]:
    """Runs of timeline windows under ``floor`` lasting :data:`SOFT_MIN_S` or more, as
    (start_s, end_s); a window ends where the next begins (the last at ``end_s``)."""
    runs: list[tuple[float, float]] = []
    start: float | None = None
    last_end = 0.0
    ends = [t for t, _ in timeline[1:]] + [end_s]
    for (t, value), window_end in zip(timeline, ends, strict=True):
        if value < floor:
            start = t if start is None else start
            last_end = window_end
        elif start is not None:
            runs.append((start, last_end))
            start = None
    if start is not None:
        runs.append((start, last_end))
    return [(s, t) for s, t in runs if t - s >= SOFT_MIN_S - 1e-9]


def rounded(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _rate(fps: float) -> str:
    """``24``, ``23.976``, ``29.97``: a frame rate as people write it."""
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _shape(width: int, height: int) -> str:
    """``16:9`` for 1280x720, else the ratio to two decimals (``1.33:1``)."""
    g = math.gcd(width, height)
    w, h = width // g, height // g
    return f"{w}:{h}" if max(w, h) <= 32 else f"{width / height:.2f}:1"


Rule = Callable[["Analysis", Expected], Check]

RULES: tuple[tuple[str, Rule], ...] = (
    ("duration", _duration),
    ("resolution", _resolution),
    ("aspect", _aspect),
    ("fps", _fps),
    ("shots", _shots),
    ("frozen", _frozen),
    ("black", _black),
    ("audio", _audio),
    ("loudness", _loudness),
    ("sharpness", _sharpness),
)
"""The analysis-only rules by check name, in the order reports list them."""
