"""Quality checks of a take: the facts of its analysis held against what its clip's plan expects.

Pure rules: :func:`judge` reads an :class:`~shortfilm.media.analysis.Analysis` (one decode, made
elsewhere) and an :class:`Expected` (gathered from the store by :mod:`shortfilm.takes.qc_plan`)
and decodes nothing. Each check says ``pass``, ``warn`` or ``fail`` with a sentence a person
understands, numbers included, and what was measured against what was expected; a check with
nothing to compare with says ``skip`` and why. The report's status is the worst of its checks.

A ``fail`` is a take the edit cannot rescue (too short, the wrong shape, a stuck or black picture,
no sound where the plan needs it, another look, a jump from the previous clip); a ``warn`` is one a
person should look at or the edit can fix (trim a long take, mute unwanted sound, a soft stretch).
QC never stops a take: it informs the person choosing takes. Thresholds are module constants,
each with the measurement that set it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from shortfilm.domain.sound import audio_wanted

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from shortfilm.media.analysis import Analysis, Palette, Span

QC_VERSION = 1
"""Version of these rules, stored with every report: a report older than this is re-made when a
person asks for it, so stored results always say which rules judged them."""

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

PALETTE_WARN_DE = 12.0
"""ΔE00 from the board above which a take's colours drift: the distance the palette module
measures between two plainly different looks (Big Buck Bunny against street footage 16.5; two
grey street clips 8.6). Faithful animatic takes of the example film measure 9.4-11.7 against
their board, unrelated footage 13.6-18.6."""

PALETTE_FAIL_DE = 20.0
"""ΔE00 from the board above which a take has another look: a frame against its own hue-rotated
copy measures about 20.7, and the example film's takes hue-rotated by 60-120 degrees 17-21."""

CONTINUITY_WARN = 0.35
"""``frame_distance`` from the previous keyframe above which the take does not start where the
previous clip ended: :data:`shortfilm.media.continuity.NEW_SHOT` (the frames around five real cuts
measure 0.41-0.81; adjacent frames of one shot about 0.03)."""

CONTINUITY_FAIL = 0.6
"""``frame_distance`` above which the opening is another picture altogether: the upper half of
the range real cuts measure. Between the two the model may have re-staged the moment (a new
framing of the same place), which a person should look at."""

BOARD_BLEND_REFERENCES = 6
"""Board references (the nearest by palette) that blends are made of; more adds little but time."""

BOARD_BLEND_STEPS = 4
"""Shares of a blend are quarters: a clip shows one to four of the board's references."""


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    """Nothing to compare with (no plan, no board, no previous keyframe) or not judged here."""


_RANK = {Status.SKIP: 0, Status.PASS: 1, Status.WARN: 2, Status.FAIL: 3}


@dataclass(frozen=True)
class Check:
    """One rule's verdict on one take."""

    name: str
    status: Status
    reason: str
    """A sentence a person understands, with the numbers that decided it."""
    measured: Any = None
    """What the take shows (JSON-able)."""
    expected: Any = None
    """What the plan asks for (JSON-able); ``None`` when a check skips for want of it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "reason": self.reason,
            "measured": self.measured,
            "expected": self.expected,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Check:
        return cls(
            name=str(data["name"]),
            status=Status(data["status"]),
            reason=str(data["reason"]),
            measured=data.get("measured"),
            expected=data.get("expected"),
        )


@dataclass(frozen=True)
class QCReport:
    """The checks of one take and the analysis summary they were judged on."""

    checks: tuple[Check, ...]
    analysis: Mapping[str, Any] | None
    """:meth:`Analysis.to_json` of the take; ``None`` when the analysis itself failed."""
    version: int = QC_VERSION
    error: str | None = None
    """Why QC could not run (an undecodable file, a missing reference): the take is kept."""

    @property
    def status(self) -> str:
        """``error`` when QC could not run, else the worst check: ``fail``, ``warn`` or ``pass``
        (``pass`` too when every check skipped)."""
        if self.error is not None:
            return "error"
        worst = max((c.status for c in self.checks), key=_RANK.__getitem__, default=Status.PASS)
        return str(Status.PASS if worst is Status.SKIP else worst)

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "error")

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` if there is none)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "checks": [c.to_json() for c in self.checks],
            "analysis": dict(self.analysis) if self.analysis is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QCReport:
        return cls(
            checks=tuple(Check.from_json(c) for c in data.get("checks", [])),
            analysis=data.get("analysis"),
            version=int(data.get("version", 0)),
            error=data.get("error"),
        )

    @classmethod
    def could_not_run(cls, why: str) -> QCReport:
        """The report of a take QC could not judge (recorded instead of failing the take)."""
        return cls(checks=(), analysis=None, error=why)


@dataclass(frozen=True)
class BoardLook:
    """One board reference image's palette, by the label prompts name it by."""

    label: str
    palette: Palette


@dataclass(frozen=True)
class Opening:
    """The picture a take should open on: the previous clip's chosen keyframe, or the first frame
    a frame-mode clip names."""

    label: str
    """What it is, for people: ``the clip-02 keyframe at 11375 ms``."""
    rgb: NDArray[np.uint8]


@dataclass(frozen=True)
class Expected:
    """What a take's plan asks for. ``None`` or empty means unknown: the check skips itself."""

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    shots: tuple[tuple[float, float], ...] | None = None
    """Planned visual moments as (start_s, end_s)."""
    sound_rule: str | None = None
    board: tuple[BoardLook, ...] = ()
    opening: Opening | None = None
    not_judged: Mapping[str, str] = field(default_factory=dict)
    """Check name to why this kind of take is not judged on it (the offline animatic makes no
    sound, and holds still pictures under camera moves)."""


# --- the rules -------------------------------------------------------------------------------


def judge(analysis: Analysis, expected: Expected) -> QCReport:
    """Every check of ``analysis`` against ``expected``, in a stable order."""
    rules = (
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
        ("palette", _palette),
        ("continuity", _continuity),
    )
    checks = []
    for name, rule in rules:
        why_not = expected.not_judged.get(name)
        if why_not is not None:
            checks.append(Check(name, Status.SKIP, f"Not judged: {why_not}."))
        else:
            checks.append(rule(analysis, expected))
    return QCReport(checks=tuple(checks), analysis=analysis.to_json())


def _duration(a: Analysis, e: Expected) -> Check:
    name = "duration"
    if e.duration_s is None:
        return Check(name, Status.SKIP, "No planned duration to compare with.", _r(a.duration_s))
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
    return Check(name, status, said + tail, _r(a.duration_s), e.duration_s)


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
        return Check(name, Status.SKIP, "No target frame shape to compare with.", _r(ratio))
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
    return Check(name, status, said + tail, _r(ratio), _r(target))


def _fps(a: Analysis, e: Expected) -> Check:
    name = "fps"
    if e.fps is None:
        return Check(name, Status.SKIP, "No target frame rate to compare with.", _r(a.fps))
    off = abs(a.fps / e.fps - 1.0)
    said = f"The take runs at {_rate(a.fps)} fps; the film at {_rate(e.fps)} fps"
    if off <= FPS_OK:
        status, tail = Status.PASS, "."
    elif a.fps >= e.fps * FPS_FAIL:
        status, tail = Status.WARN, ": the render converts it, repeating or dropping frames."
    else:
        status, tail = Status.FAIL, ": too few frames, motion will judder."
    return Check(name, status, said + tail, _r(a.fps), e.fps)


def _shots(a: Analysis, e: Expected) -> Check:
    name = "shots"
    found = [{"start_s": _r(s.start_s), "end_s": _r(s.end_s)} for s in a.shots]
    measured = {"count": len(a.shots), "shots": found}
    if not e.shots:
        return Check(name, Status.SKIP, "No planned shots to compare with.", measured)
    planned = len(e.shots)
    expected = {
        "count": planned,
        "shots": [{"start_s": _r(s), "end_s": _r(t)} for s, t in e.shots],
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
    measured = [{"start_s": _r(s.start_s), "end_s": _r(s.end_s)} for s in spans]
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
    measured = {"integrated_lufs": _r(lufs, 1), "true_peak_dbtp": audio.true_peak_dbtp}
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
        "median": _r(median, 1),
        "p10": _r(float(np.percentile(a.sharpness, 10)), 1),
        "max": _r(float(a.sharpness.max()), 1),
        "soft": [{"start_s": _r(s), "end_s": _r(t)} for s, t in soft],
        "timeline": [[_r(t, 3), _r(v, 1)] for t, v in timeline],
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


def _palette(a: Analysis, e: Expected) -> Check:
    from shortfilm.media.colour import lab_to_hex

    name = "palette"
    colours = [{"hex": lab_to_hex(lab), "weight": _r(w, 3)} for lab, w in a.palette]
    if not e.board:
        return Check(name, Status.SKIP, "No board reference images to compare with.", colours)
    distance, blend = board_distance(a.palette, [look.palette for look in e.board])
    mix = [
        {"reference": look.label, "share": share}
        for look, share in zip(e.board, blend, strict=True)
        if share > 0
    ]
    measured = {"delta_e00": _r(distance, 2), "colours": colours, "nearest_blend": mix}
    expected = {"warn_above": PALETTE_WARN_DE, "fail_above": PALETTE_FAIL_DE}
    nearest = " + ".join(f"{m['share']:.0%} {m['reference']}" for m in mix)
    said = f"The take's colours are {distance:.1f} ΔE00 from the board's nearest blend ({nearest})"
    if distance > PALETTE_FAIL_DE:
        status, tail = Status.FAIL, f": another look (over {PALETTE_FAIL_DE:g})."
    elif distance > PALETTE_WARN_DE:
        status, tail = Status.WARN, f": drifting from the board (over {PALETTE_WARN_DE:g})."
    else:
        status, tail = Status.PASS, ": the board's look."
    return Check(name, status, said + tail, measured, expected)


def board_distance(
    palette: Palette, references: Sequence[Palette]
) -> tuple[float, tuple[float, ...]]:
    """ΔE00 (earth mover's) from ``palette`` to the nearest blend of board reference palettes, and
    that blend's share of each reference (quarters, summing to 1).

    A clip shows part of the board's world (a place and a character or two), not all of it, so
    it is compared with the blend of up to four references that fits it best, not with all of
    them averaged: faithful animatic takes of the example film measure 12.5-21.8 against the even
    merge of its five references but 9.4-11.7 against their best blend, while hue-rotated copies
    stay at 14-21 either way. Only the :data:`BOARD_BLEND_REFERENCES` references nearest on their
    own take part (126 blends of 6).
    """
    from shortfilm.media.analysis import palette_distance

    if not references:
        raise ValueError("no board references to compare with")
    alone = sorted(range(len(references)), key=lambda i: palette_distance(palette, references[i]))
    near = alone[:BOARD_BLEND_REFERENCES]
    best = (math.inf, tuple(0.0 for _ in references))
    for parts in _compositions(BOARD_BLEND_STEPS, len(near)):
        shares = [0.0] * len(references)
        blend: list[tuple[tuple[float, float, float], float]] = []
        for index, part in zip(near, parts, strict=True):
            if part:
                share = part / BOARD_BLEND_STEPS
                shares[index] = share
                blend += [(lab, w * share) for lab, w in references[index]]
        distance = palette_distance(palette, tuple(blend))
        if distance < best[0] - 1e-9:
            best = (distance, tuple(shares))
    return best


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every way to split ``total`` into ``parts`` non-negative whole numbers."""
    found = []
    for bars in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *bars, total + parts - 1)
        found.append(tuple(b - a - 1 for a, b in itertools.pairwise(edges)))
    return found


def _continuity(a: Analysis, e: Expected) -> Check:
    from shortfilm.media.analysis import frame_distance

    name = "continuity"
    if e.opening is None:
        return Check(
            name,
            Status.SKIP,
            "The clip does not continue the previous one (or its keyframe is not chosen yet).",
        )
    distance = frame_distance(a.first_frame, e.opening.rgb)
    measured = {"frame_distance": _r(distance, 3)}
    expected = {
        "opens_on": e.opening.label,
        "warn_above": CONTINUITY_WARN,
        "fail_above": CONTINUITY_FAIL,
    }
    said = f"The first frame is {distance:.2f} from {e.opening.label} (0 same picture, 1 unrelated)"
    if distance > CONTINUITY_FAIL:
        status, tail = Status.FAIL, ": another picture, the cut will jump."
    elif distance > CONTINUITY_WARN:
        status, tail = Status.WARN, ": re-framed or re-staged; check the cut."
    else:
        status, tail = Status.PASS, ": it picks up where the previous clip ended."
    return Check(name, status, said + tail, measured, expected)


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _rate(fps: float) -> str:
    """``24``, ``23.976``, ``29.97``: a frame rate as people write it."""
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _shape(width: int, height: int) -> str:
    """``16:9`` for 1280x720, else the ratio to two decimals (``1.33:1``)."""
    g = math.gcd(width, height)
    w, h = width // g, height // g
    return f"{w}:{h}" if max(w, h) <= 32 else f"{width / height:.2f}:1"
