"""The takes of one clip ranked by evidence: a score out of 100 and the reasons that lowered it,
read from what QC already measured (:class:`~shortfilm.domain.qc_report.QCReport`), so that a
reviewer watches the best take first instead of watching them all.

Pure: no I/O. Each fault costs points in proportion to how much of it there is (seconds frozen,
shots missing, ΔE from the board), so two takes with the same fault are still told apart by its
size. Two measures are relative to the clip's other takes, because content sets their level: a
take is soft when its sharpness is well under the clip's typical take's, and its palette has drifted
when it is several ΔE further from the board than the take nearest to it. Takes QC could not
judge rank after the judged ones, and takes that did not succeed rank last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shortfilm.domain.qc_report import Check, QCReport, Status
from shortfilm.domain.qc_rules import SOFT_MEDIAN

FULL_SCORE = 100.0

SHOT_MISSING_POINTS = 12.0
"""Points per planned visual moment the take lacks: a quarter to a third of a 3-4 moment clip."""

SHOT_EXTRA_POINTS = 5.0
"""Points per cut more than planned: the edit can often live with one."""

FROZEN_POINTS_PER_S = 10.0
"""Points per second of frozen picture (QC reports stretches from 0.5 s; 2 s fails the take)."""

BLACK_POINTS_PER_S = 10.0
"""Points per second of black picture (QC reports stretches from 0.25 s)."""

SOFT_SHARE = 0.6
"""A take whose median sharpness is under this share of the clip's typical take's (the median
of its takes' medians) is soft: a
1-px Gaussian blur measures 0.35-0.52 of its sharp original (see
:data:`shortfilm.domain.qc_rules.SOFT_RATIO`), encoder noise between two sharp takes 0.9-1.1."""

SOFT_POINTS = 30.0
"""Points for a take with no sharpness at all next to the clip's typical take (scaled by the share
missing)."""

PALETTE_POINTS_PER_DE = 1.0
"""Points per ΔE00 from the board's nearest blend (faithful takes measure about 10)."""

PALETTE_DRIFT_DE = 4.0
"""ΔE00 further from the board than the clip's most faithful take that is named as a drift even
when QC passed it: about half the gap between a faithful take and another look."""

CONTINUITY_POINTS = 30.0
"""Points for an opening frame unrelated to the previous keyframe (``frame_distance`` 1)."""

STILL_MOTION = 0.15
"""Median frame-to-frame grey change (0..255) under which a take barely moves: an animatic's
slowest camera drift measures about 0.3, a still picture with encoder noise under 0.1."""

STILL_POINTS = 10.0

CHECK_POINTS = {Status.FAIL: 15.0, Status.WARN: 3.0}
"""Points for the other checks (duration, size, shape, frame rate, sound, loudness) by verdict."""


@dataclass(frozen=True)
class TakeEvidence:
    """What is known of one take of a clip: its state and, once checked, its QC report."""

    number: int
    status: str
    """The take's state (``succeeded``, ``failed`` ...)."""
    report: QCReport | None = None
    """Its QC report; ``None`` while it has none."""
    error: str | None = None
    """Why the take failed, when it did."""


@dataclass(frozen=True)
class RankedTake:
    """One take's place among its clip's takes."""

    number: int
    rank: int
    """1 for the best take of the clip."""
    score: float | None
    """0-100, higher is better; ``None`` when there is no evidence to score (not checked, QC
    could not run, the take failed)."""
    reasons: tuple[str, ...]
    """What lowered the score, biggest first, as a person would say it."""
    status: str
    """The take's state."""
    qc: str | None
    """The QC verdict (``pass``, ``warn``, ``fail``, ``error``) or ``None`` when unchecked."""

    @property
    def scored(self) -> bool:
        return self.score is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "take": self.number,
            "rank": self.rank,
            "score": self.score,
            "reasons": list(self.reasons),
            "status": self.status,
            "qc": self.qc,
        }


@dataclass(frozen=True)
class _Clip:
    """What the clip's takes together set: the typical sharpness (the median of their medians)
    and the palette distance of the take nearest the board."""

    typical_sharpness: float
    nearest_de: float | None


def rank_takes(takes: Sequence[TakeEvidence]) -> list[RankedTake]:
    """``takes`` best first: succeeded and checked by score (the newer first when equal), then
    succeeded ones not checked yet, then those QC could not judge, then those that did not
    succeed."""
    checked = [t.report for t in takes if _judged(t) and t.report is not None]
    clip = _Clip(
        typical_sharpness=_median(
            [v for r in checked if (v := _measure(r, "sharpness", "median")) is not None]
        ),
        nearest_de=min(
            (d for r in checked if (d := _measure(r, "palette", "delta_e00")) is not None),
            default=None,
        ),
    )
    scored = [(_tier(t), *_score(t, clip), t) for t in takes]
    # equal scores: the newer take first (made from the newer prompt, or simply the latest ask)
    scored.sort(key=lambda x: (x[0], -(x[1] if x[1] is not None else 0.0), -x[3].number))
    return [
        RankedTake(
            number=t.number,
            rank=i,
            score=score,
            reasons=reasons,
            status=t.status,
            qc=t.report.status if t.report is not None else None,
        )
        for i, (_, score, reasons, t) in enumerate(scored, start=1)
    ]


def _judged(t: TakeEvidence) -> bool:
    return t.status == "succeeded" and t.report is not None and t.report.error is None


def _tier(t: TakeEvidence) -> int:
    if t.status != "succeeded":
        return 3
    if t.report is None:
        return 1
    return 2 if t.report.error is not None else 0


def _score(t: TakeEvidence, clip: _Clip) -> tuple[float | None, tuple[str, ...]]:
    if t.status != "succeeded":
        said = t.status + (f": {t.error}" if t.error else "")
        return None, (f"the take {said}",)
    if t.report is None:
        return None, ("not checked yet",)
    if t.report.error is not None:
        return None, (f"QC could not run: {t.report.error}",)
    found: list[tuple[float, str]] = []
    for check in t.report.checks:
        if check.status is Status.SKIP:
            continue
        if check.name in _MEASURES:
            found += _MEASURES[check.name](check, clip)
        elif check.status in CHECK_POINTS:
            found.append((CHECK_POINTS[check.status], _short(check.name, check.reason)))
    found += _motion(t.report.analysis)
    points = sum(p for p, _ in found)
    reasons = tuple(r for p, r in sorted(found, key=lambda x: -x[0]) if r)
    return round(max(0.0, FULL_SCORE - points), 1), reasons


Found = list[tuple[float, str]]
"""Points lost and the reason (empty when the loss is too small to be worth saying)."""


def _shots(check: Check, clip: _Clip) -> Found:
    measured, expected = check.measured, check.expected
    got = int(measured["count"])
    planned = int(expected["count"])
    if got < planned:
        return [((planned - got) * SHOT_MISSING_POINTS, f"{got} of {planned} shots found")]
    if got > planned:
        return [((got - planned) * SHOT_EXTRA_POINTS, f"{got} shots found, {planned} planned")]
    return []


def _spans(what: str, per_s: float) -> Callable[[Check, _Clip], Found]:
    def rule(check: Check, clip: _Clip) -> Found:
        spans = [(float(s["start_s"]), float(s["end_s"])) for s in check.measured or []]
        return [
            ((end - start) * per_s, f"{what} {end - start:.1f} s at {start:.1f} s")
            for start, end in spans
        ]

    return rule


def _sharpness_rule(check: Check, clip: _Clip) -> Found:
    found: Found = []
    measured = check.measured
    median = float(measured["median"])
    typical = clip.typical_sharpness
    share = min(1.0, median / typical) if typical > 0 else 1.0
    if share < SOFT_SHARE:
        points = SOFT_POINTS * (1.0 - share)
        said = (
            f"soft: sharpness {median:.0f}, {share:.0%} of the clip's typical take ({typical:.0f})"
        )
        found.append((points, said))
    elif check.status is Status.WARN and median < SOFT_MEDIAN:
        found.append((CHECK_POINTS[Status.WARN], f"soft throughout: sharpness {median:.0f}"))
    for stretch in measured.get("soft", []):
        start, end = float(stretch["start_s"]), float(stretch["end_s"])
        found.append((end - start, f"soft {end - start:.1f} s at {start:.1f} s"))
    return found


def _palette_rule(check: Check, clip: _Clip) -> Found:
    de = float(check.measured["delta_e00"])
    drifted = check.status is not Status.PASS or (
        clip.nearest_de is not None and de - clip.nearest_de >= PALETTE_DRIFT_DE
    )
    said = f"palette drifted ΔE {de:.0f} from the board" if drifted else ""
    return [(de * PALETTE_POINTS_PER_DE, said)]


def _continuity_rule(check: Check, clip: _Clip) -> Found:
    distance = float(check.measured["frame_distance"])
    said = ""
    if check.status is not Status.PASS:
        opens_on = check.expected["opens_on"]
        said = f"opens {distance:.2f} away from {opens_on} (0 same, 1 unrelated)"
    return [(distance * CONTINUITY_POINTS, said)]


def _motion(analysis: Mapping[str, Any] | None) -> Found:
    if analysis is None or "motion_median" not in analysis:
        return []
    motion = float(analysis["motion_median"])
    if motion >= STILL_MOTION:
        return []
    return [(STILL_POINTS, f"barely moves: median frame change {motion:.2f} of 255")]


def _short(name: str, reason: str) -> str:
    """``duration: The take runs 9.50 s; ...`` without its closing full stop."""
    return f"{name}: {reason.rstrip('.')}"


def _measure(report: QCReport, name: str, key: str) -> float | None:
    """Measure ``key`` of check ``name`` in ``report``, when the check judged the take."""
    try:
        check = report.check(name)
    except KeyError:
        return None
    if check.status is Status.SKIP or not isinstance(check.measured, Mapping):
        return None
    return float(check.measured[key])


_MEASURES: dict[str, Callable[[Check, _Clip], Found]] = {
    "shots": _shots,
    "frozen": _spans("frozen", FROZEN_POINTS_PER_S),
    "black": _spans("black", BLACK_POINTS_PER_S),
    "sharpness": _sharpness_rule,
    "palette": _palette_rule,
    "continuity": _continuity_rule,
}
"""Checks scored from their measures (how much of a fault) rather than by their verdict."""


def _median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def leader(ranked: Sequence[RankedTake]) -> RankedTake | None:
    """The clip's best take with evidence, if any take has some."""
    return next((r for r in ranked if r.scored), None)
