"""How many clips a script becomes, how long each, which beats each tells, and each one's job.

The workflow's editing rules decide the shape: a film is split into controlled clips of 12-15 s
(a 50-second film is four clips), each clip does ONE job (establish the scene or hook, start the
fight or chase when the script has one, build the moment, continue the action, turn the story,
close the moment). The planner never puts more than
two beats in one clip; where the script is thinner than the film it splits a beat over several
clips. Durations are multiples of 0.5 s so they read well in YAML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shortfilm.domain import Script
from shortfilm.errors import InputError
from shortfilm.prompts.beat_reading import split_actions

DEFAULT_CLIP_RANGE_S = (12.0, 15.0)
"""The workflow's clip length: long enough for motion, short enough to stay in control."""
MAX_BEATS_PER_CLIP = 2
"""More than two story beats in 12-15 s is the overloaded prompt the workflow warns about."""
SHOTS_PER_CLIP = (3, 4)
"""Visual moments per clip: the workflow's 3-4."""
STEP_S = 0.5
"""Durations and shot timings are multiples of this, in seconds."""


class ClipJob(StrEnum):
    """The one job a clip does, from the workflow's list for a 50-second film."""

    ESTABLISH = "establish"
    HOOK = "hook"
    FIGHT = "fight"
    """Start the script's own action: its fight, chase, attack ... (see :func:`action_word`)."""
    BUILD = "build"
    """A middle clip that moves the story on without a fight or chase in the script."""
    CONTINUE = "continue"
    TWIST = "twist"
    CLOSE = "close"


JOB_PHRASES: dict[ClipJob, str] = {
    ClipJob.ESTABLISH: "Establish the scene",
    ClipJob.HOOK: "Hook the viewer",
    ClipJob.FIGHT: "Start the fight",
    ClipJob.BUILD: "Build the moment",
    ClipJob.CONTINUE: "Continue the action",
    ClipJob.TWIST: "Reveal the twist",
    ClipJob.CLOSE: "Close the moment",
}
"""How each job opens a clip's ``job`` line; the job's first words name exactly one job.

The fight job's opener names the script's own word ("Start the chase"); the phrase here is the
one a chat model is taught."""


@dataclass(frozen=True)
class ClipSlot:
    """Which beats one clip tells and for how long, before any shot is written."""

    beats: tuple[int, ...]
    """0-based indexes of the script beats this clip covers (one or two, adjacent)."""
    duration_s: float
    part: int = 1
    """1-based part of a beat split over several clips; 1 when the beat is not split."""
    parts: int = 1

    @property
    def continues_split_beat(self) -> bool:
        return self.part > 1

    def label(self) -> str:
        """``beat 2``, ``beats 2-3`` or ``beat 3, part 2 of 2`` (1-based, as a writer counts)."""
        if len(self.beats) > 1:
            return f"beats {self.beats[0] + 1}-{self.beats[-1] + 1}"
        text = f"beat {self.beats[0] + 1}"
        return f"{text}, part {self.part} of {self.parts}" if self.parts > 1 else text


def slot_clips(
    script: Script,
    target_s: float,
    *,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> tuple[ClipSlot, ...]:
    """How many clips, how long each, and which beats go in each.

    The clip count ``n`` is the one whose ``target_s / n`` falls in ``clip_range_s`` (closest to
    the number of beats when several do; closest to the range when none does, e.g. a 20 s
    target between one 15 s clip and two 12 s clips). Durations are multiples of 0.5 s and add
    up to ``target_s`` within 0.25 s. Raises :class:`InputError` for a target that is not a
    positive number of seconds, a bad range, or more beats than the clips can hold at two beats
    a clip.
    """
    low, high = clip_range_s
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high):
        raise InputError(
            f"clip range must be two positive seconds, low <= high; got {clip_range_s}"
        )
    if not (math.isfinite(target_s) and target_s >= STEP_S):
        raise InputError(f"target duration must be at least {STEP_S:g} s, got {target_s!r}")
    beats = len(script.beats)
    if beats == 0:
        raise InputError("the script has no beats to plan")
    n = _clip_count(beats, target_s, low, high)
    durations = _durations(target_s, n)
    if beats >= n:
        groups = _merge_beats(script.beats, n)
        return tuple(ClipSlot(g, d) for g, d in zip(groups, durations, strict=True))
    parts = _split_beats(script.beats, n)
    slots: list[ClipSlot] = []
    for beat, count in enumerate(parts):
        for part in range(1, count + 1):
            slots.append(ClipSlot((beat,), durations[len(slots)], part, count))
    return tuple(slots)


_EPS = 1e-9


def _clip_count(beats: int, target_s: float, low: float, high: float) -> int:
    need = -(-beats // MAX_BEATS_PER_CLIP)
    most = max(need, math.ceil(target_s / low) + 1)

    def outside(n: int) -> float:
        each = target_s / n
        return max(low - each, each - high, 0.0)

    best = min(range(1, most + 1), key=lambda n: (outside(n) > _EPS, outside(n), abs(n - beats)))
    if best >= need:
        return best
    # The range allows fewer clips than the beats need: more clips would be shorter than the
    # workflow's minimum, so the script must lose beats or the film must get longer.
    raise InputError(
        f"{beats} beats need at least {need} clips at {MAX_BEATS_PER_CLIP} beats a clip, but a "
        f"{target_s:g} s film makes {need} clips of {target_s / need:.1f} s, under {low:g} s: "
        f"merge beats in the script or raise the target to {need * low:g} s or more"
    )


def _durations(target_s: float, n: int) -> tuple[float, ...]:
    units = math.floor(target_s / STEP_S + 0.5)
    base, extra = divmod(units, n)
    if base == 0:
        raise InputError(f"a {target_s:g} s target is too short for {n} clips")
    return tuple((base + (1 if i < extra else 0)) * STEP_S for i in range(n))


def _merge_beats(beats: Sequence[str], n: int) -> list[tuple[int, ...]]:
    """Group ``beats`` into ``n`` runs of one or two adjacent beats.

    Pairs are chosen to keep the merged text short (two light beats share a clip more easily
    than two heavy ones) and away from the first and last beat, which open and close the film
    and deserve a clip each. Dynamic programming keeps this exact and deterministic.
    """
    count = len(beats)
    words = [len(b.split()) for b in beats]

    def pair_cost(i: int) -> int:
        touches_end = i == 0 or i + 1 == count - 1
        return words[i] + words[i + 1] + (10_000 if touches_end else 0)

    inf = math.inf
    # best[i][k]: least cost of splitting beats[:i] into k groups; step[i][k]: last group size.
    best = [[inf] * (n + 1) for _ in range(count + 1)]
    step = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0
    for i in range(1, count + 1):
        for k in range(1, n + 1):
            single = best[i - 1][k - 1]
            if single < best[i][k]:
                best[i][k], step[i][k] = single, 1
            if i >= 2:
                paired = best[i - 2][k - 1] + pair_cost(i - 2)
                if paired < best[i][k]:
                    best[i][k], step[i][k] = paired, 2
    groups: list[tuple[int, ...]] = []
    i, k = count, n
    while i > 0:
        size = step[i][k]
        groups.append(tuple(range(i - size, i)))
        i, k = i - size, k - 1
    return groups[::-1]


def _split_beats(beats: Sequence[str], n: int) -> list[int]:
    """How many clips each beat gets when there are fewer beats than clips.

    Extra clips go to the beats with the most actions per clip, middle beats first: the
    action of a story is in its middle, and the opening and closing beats keep one clip each
    where they can.
    """
    count = len(beats)
    actions = [len(split_actions(b)) for b in beats]
    parts = [1] * count
    for _ in range(n - count):

        def score(i: int) -> tuple[float, int]:
            middle = 0 < i < count - 1 or count <= 2
            return (actions[i] / parts[i] * (1.0 if middle else 0.5), -i)

        chosen = max(range(count), key=score)
        parts[chosen] += 1
    return parts


def job_for(index: int, total: int, slot: ClipSlot, text: str, action_started: bool) -> ClipJob:
    """The one job of clip ``index`` of ``total``, read from the text of its beats.

    The first clip establishes (or hooks, when it opens on tension), the last closes; in
    between, a split beat continues, a turn in the story twists, and the first clip whose
    script fights, chases or attacks starts that action. Every other middle clip builds the
    moment (or continues, once the action is under way): no clip starts a fight the script
    does not have.
    """
    if index == total - 1 and total > 1:
        return ClipJob.CLOSE
    if index == 0:
        return ClipJob.HOOK if _TENSION.search(text) else ClipJob.ESTABLISH
    if slot.continues_split_beat:
        return ClipJob.CONTINUE
    if _TWIST.search(text):
        return ClipJob.TWIST
    if not action_started:
        return ClipJob.FIGHT if action_word(text) else ClipJob.BUILD
    return ClipJob.CONTINUE


def action_word(text: str) -> str | None:
    """The action the script names, as a noun ("chase" for "chases"), the earliest in ``text``.

    Only these words make a job "Start the ...": the script must say it, not merely
    suggest it ("lunges", "cuts down" open no fight the writer did not name).
    """
    found = [(m.start(), noun) for noun, pattern in _ACTIONS if (m := pattern.search(text))]
    return min(found)[1] if found else None


_ACTIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (noun, re.compile(rf"\b(?:{forms})\b", re.IGNORECASE))
    for noun, forms in (
        ("fight", "fight|fights|fighting|fought"),
        ("chase", "chase|chases|chased|chasing"),
        ("attack", "attack|attacks|attacked|attacking"),
        ("battle", "battle|battles|battled|battling"),
        ("duel", "duel|duels|duelled|dueling|duelling"),
        ("ambush", "ambush|ambushes|ambushed"),
        ("clash", "clash|clashes|clashed"),
        ("race", "race|races|raced|racing"),
        ("escape", "escape|escapes|escaped|escaping"),
        ("struggle", "struggle|struggles|struggled|struggling"),
        ("pursuit", "pursue|pursues|pursued|pursuing|pursuit"),
    )
)
_TENSION = re.compile(
    r"\b(fight|strik|struck|attack|punch|kick|slash|stab|lung|charg|chas|clash|battl|ambush|"
    r"explo|blast|crash|smash|shear|duel|shoot|gun|swing|tackl)",
    re.IGNORECASE,
)
"""Words that make an opening clip a hook: it starts on the tension."""
_TWIST = re.compile(
    r"\b(reveal|twist|turns out|realis|realiz|discover|unmask|betray|secret|suddenly|"
    r"it was|was never|all along|true face)",
    re.IGNORECASE,
)
