"""Quality checks of a take: the facts of its analysis held against what its clip's plan expects.

Rules: :func:`judge` reads an :class:`~shortfilm.domain.analysis.Analysis` (one decode, made
elsewhere) and an :class:`Expected` (gathered from the store by :mod:`shortfilm.takes.qc_plan`)
and decodes nothing. Each check says ``pass``, ``warn`` or ``fail`` with a sentence a person
understands, numbers included, and what was measured against what was expected; a check with
nothing to compare with says ``skip`` and why. The report's status is the worst of its checks.

A ``fail`` is a take the edit cannot rescue (too short, the wrong shape, a stuck or black picture,
no sound where the plan needs it, another look, a jump from the previous clip); a ``warn`` is one a
person should look at or the edit can fix (trim a long take, mute unwanted sound, a soft stretch).
QC never stops a take: it informs the person choosing takes. The rules reading the analysis alone
are :mod:`shortfilm.domain.qc_rules`; the two here compare pictures (the board's look, the
previous clip's keyframe) with :mod:`shortfilm.media`'s measures. Thresholds are module constants,
each with the measurement that set it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from shortfilm.domain.qc_report import Check, Expected, QCReport, Status
from shortfilm.domain.qc_rules import RULES, rounded

if TYPE_CHECKING:
    from shortfilm.domain.analysis import Analysis, Palette

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


def judge(analysis: Analysis, expected: Expected) -> QCReport:
    """Every check of ``analysis`` against ``expected``, in a stable order."""
    rules = (*RULES, ("palette", _palette), ("continuity", _continuity))
    checks = []
    for name, rule in rules:
        why_not = expected.not_judged.get(name)
        if why_not is not None:
            checks.append(Check(name, Status.SKIP, f"Not judged: {why_not}."))
        else:
            checks.append(rule(analysis, expected))
    return QCReport(checks=tuple(checks), analysis=analysis.to_json())


def _palette(a: Analysis, e: Expected) -> Check:
    from shortfilm.domain.analysis import lab_to_hex

    name = "palette"
    colours = [{"hex": lab_to_hex(lab), "weight": rounded(w, 3)} for lab, w in a.palette]
    if not e.board:
        return Check(name, Status.SKIP, "No board reference images to compare with.", colours)
    distance, blend = board_distance(a.palette, [look.palette for look in e.board])
    mix = [
        {"reference": look.label, "share": share}
        for look, share in zip(e.board, blend, strict=True)
        if share > 0
    ]
    measured = {"delta_e00": rounded(distance, 2), "colours": colours, "nearest_blend": mix}
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
    measured = {"frame_distance": rounded(distance, 3)}
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
