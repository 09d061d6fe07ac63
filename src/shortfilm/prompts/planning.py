"""Script -> clip plan, without a model: a first draft a person edits, the same every time.

The workflow's editing rules decide the shape: a film is split into controlled clips of 12-15 s
(a 50-second film is four clips), each clip does ONE job (establish the scene or hook, start the
fight, continue the action, reveal a twist, close the moment) and holds 3-4 visual moments, each
a shot with a camera angle, a movement, a subject and one action. Asking one clip to do more is
how generations drift, so the planner never puts more than two beats in one clip and never
joins two actions in one shot; where the script is thinner than the film it splits a beat and
marks the extra clip as continuing the previous one (so its first frame comes from a keyframe).

Everything here is plain text heuristics over the beats, chosen to be predictable rather than
clever: same script, same target and same board give the same plan, byte for byte, so a plan
can be regenerated and diffed. Durations are multiples of 0.5 s so they read well in YAML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shortfilm.domain import AssetBoard, ClipPlan, Script, Shot
from shortfilm.domain.production import CharacterRole
from shortfilm.errors import InputError

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
    CONFLICT = "conflict"
    CONTINUE = "continue"
    TWIST = "twist"
    CLOSE = "close"


JOB_PHRASES: dict[ClipJob, str] = {
    ClipJob.ESTABLISH: "Establish the scene",
    ClipJob.HOOK: "Hook the viewer",
    ClipJob.FIGHT: "Start the fight",
    ClipJob.CONFLICT: "Start the conflict",
    ClipJob.CONTINUE: "Continue the action",
    ClipJob.TWIST: "Reveal the twist",
    ClipJob.CLOSE: "Close the moment",
}
"""How each job opens a clip's ``job`` line; the job's first words name exactly one job."""


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


def plan_clips(
    script: Script,
    target_s: float,
    *,
    board: AssetBoard | None = None,
    clip_range_s: tuple[float, float] = DEFAULT_CLIP_RANGE_S,
) -> tuple[ClipPlan, ...]:
    """A first clip plan for ``script``: one job per clip, 3-4 shots, timings that add up.

    With a ``board``, subjects and the character/environment line use the board's names (so
    the references are found) and the tone comes from the board's world; without one, from the
    beats' own noun phrases and the logline. Deterministic. Raises :class:`InputError` as
    :func:`slot_clips` does.
    """
    slots = slot_clips(script, target_s, clip_range_s=clip_range_s)
    cast = _Cast.of(board)
    tone = _first_sentence(board.world if board else script.logline)
    clips: list[ClipPlan] = []
    state = _PlanState(last_character=cast.main)
    fight_started = False
    for index, slot in enumerate(slots):
        text = " ".join(script.beats[b] for b in slot.beats)
        job = _job_for(index, len(slots), slot, text, fight_started)
        fight_started = fight_started or job in (ClipJob.FIGHT, ClipJob.CONFLICT, ClipJob.HOOK)
        previous = clips[-1] if clips else None
        clips.append(_clip(slot, job, script, cast, tone, state, previous, clips))
    return tuple(clips)


# --- how many clips, how long, which beats -----------------------------------------------


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


def _job_for(index: int, total: int, slot: ClipSlot, text: str, fight_started: bool) -> ClipJob:
    if index == total - 1 and total > 1:
        return ClipJob.CLOSE
    if index == 0:
        return ClipJob.HOOK if _FIGHT.search(text) else ClipJob.ESTABLISH
    if slot.continues_split_beat:
        return ClipJob.CONTINUE
    if _TWIST.search(text):
        return ClipJob.TWIST
    if not fight_started:
        return ClipJob.FIGHT if _FIGHT.search(text) else ClipJob.CONFLICT
    return ClipJob.CONTINUE


_FIGHT = re.compile(
    r"\b(fight|strik|struck|attack|punch|kick|slash|stab|lung|charg|chas|clash|battl|ambush|"
    r"explo|blast|crash|smash|shear|duel|shoot|gun|cuts?\b|swing|hit\b|hits\b|grab|tackl)",
    re.IGNORECASE,
)
_TWIST = re.compile(
    r"\b(reveal|twist|turns out|realis|realiz|discover|unmask|betray|secret|suddenly|"
    r"it was|was never|all along|true face)",
    re.IGNORECASE,
)


# --- actions and subjects -----------------------------------------------------------------


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s*;\s*")
_CLAUSE = re.compile(r",?\s+and then\s+|,\s*then\s+|\s+then\s+|,\s+but\s+", re.I)
_JOINER = re.compile(r",\s+and\s+|,\s+|\s+and\s+", re.IGNORECASE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DETERMINERS = _words(
    "the a an her his its their our my your this that these those one two three some every "
    "each another"
)
_PRONOUNS = _words("she he they")
_POSSESSIVES = _words("her his their")
_NOT_VERBS = _words(
    "its this his hers yours ours theirs always perhaps across towards afterwards sometimes "
    "less unless besides whereas thus was is has does"
)
_BE_VERBS = _words("is are was were has have had does did stands sits lies")
_PARTICLES = _words("down up off away out back over")
_STOP_NAME_WORDS = _words("the a an of and on in at to mr mrs ms dr")


def split_actions(beat: str) -> list[str]:
    """The beat cut into actions: sentences, then clauses joined by "and", "then" or ";".

    Each action is one sentence ending in a period, so a shot can carry exactly one of them.
    An "and" or a comma splits only when what follows reads as a new verb ("drops ... and
    spins up") or a new subject with its verb, so "sparks and black oil" stays whole.
    """
    actions: list[str] = []
    for sentence in _SENTENCE.split(beat):
        for clause in _CLAUSE.split(sentence):
            for piece in _split_on_and(clause):
                cleaned = piece.strip().strip(".,;:!? ").strip()
                if cleaned:
                    actions.append(cleaned[0].upper() + cleaned[1:] + ".")
    return actions


def _split_on_and(clause: str) -> list[str]:
    """Split at an "and" or comma that starts a new action; a verb-first one gets its subject.

    "Kestrel climbs the wall and drops onto the road" becomes two actions, the second
    "Kestrel drops onto the road"; "the robot lunges and the blade shears its arm" splits too
    (a new subject with its own verb), and so does "drops, spins up her blade and charges".
    "sparks and black oil" and "the coast is held, for tonight" do not: no verb follows.
    """
    pieces: list[str] = []
    rest = clause
    while True:
        for match in _JOINER.finditer(rest):
            left, right = rest[: match.start()], rest[match.end() :]
            left_words, right_words = left.split(), right.split()
            if len(left_words) < 2 or not right_words:
                continue
            left_verb = _verb_index(left_words)
            # "..., sparks flying" is a noun and a participle, not a new verb.
            second = right_words[1].lower().rstrip(".,;:!?") if len(right_words) > 1 else ""
            absolute = second.endswith(("ing", "ed"))
            if _looks_like_verb(right_words[0].lower()) and not absolute:
                if left_verb is not None:
                    right = " ".join([*left_words[:left_verb], right])
                pieces.append(left)
                rest = right
                break
            starts_clause = (
                right_words[0].lower() in _DETERMINERS
                or right_words[0].lower() in _PRONOUNS
                or right_words[0][:1].isupper()
            )
            if starts_clause and left_verb is not None and _verb_index(right_words[:6]):
                pieces.append(left)
                rest = right
                break
        else:
            pieces.append(rest)
            return pieces


def _verb_index(words: Sequence[str]) -> int | None:
    """Index of the first word that reads as the verb after a subject, or ``None``."""
    for i in range(1, len(words)):
        word = words[i].lower().strip(".,;:!?\"'")
        if _looks_like_verb(word) and words[i - 1].lower() not in _DETERMINERS:
            return i
    return None


def _looks_like_verb(word: str) -> bool:
    """A present-tense third-person verb, the tense beats are written in ("spins", "turns")."""
    word = word.strip(".,;:!?\"'")
    if word in _BE_VERBS:
        return True
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "'s", "’s", "us", "is"))
        and word not in _NOT_VERBS
        and word not in _DETERMINERS
    )


def noun_phrase(action: str) -> str:
    """The subject an action is about, read from its words: "the white villa stands" -> "the
    white villa". Falls back to the first few words; never empty."""
    words = [w.strip(".,;:!?\"'") for w in action.split()]
    words = [w for w in words if w]
    verb = _verb_index(words)
    head = words[:verb] if verb is not None else words[:4]
    starts = [i for i, w in enumerate(head) if w.lower() in _DETERMINERS]
    if starts:
        head = head[starts[-1] :]
    while len(head) > 1 and head[-1].lower() in _PARTICLES:
        head = head[:-1]
    head = head[:5]
    if not head:
        return "the scene"
    if head[0].lower() in _DETERMINERS:
        head = [head[0].lower(), *head[1:]]
    return " ".join(head)


@dataclass(frozen=True)
class _Name:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Cast:
    """The board's characters and places, with the words a beat uses to mention them."""

    characters: tuple[_Name, ...]
    places: tuple[_Name, ...]
    main: str | None

    @classmethod
    def of(cls, board: AssetBoard | None) -> _Cast:
        if board is None:
            return cls((), (), None)
        all_names = [c.name for c in board.characters] + [v.name for v in board.environment]
        main = next((c.name for c in board.characters if c.role is CharacterRole.MAIN), None)
        return cls(
            tuple(_Name(c.name, _name_pattern(c.name, all_names)) for c in board.characters),
            tuple(_Name(v.name, _name_pattern(v.name, all_names)) for v in board.environment),
            main,
        )

    def characters_in(self, text: str) -> list[str]:
        return _mentions(text, self.characters)

    def places_in(self, text: str) -> list[str]:
        return _mentions(text, self.places)


def _name_pattern(name: str, all_names: Sequence[str]) -> re.Pattern[str]:
    """The full name, or its first significant word that no other board name shares.

    "Patrol unit" is mentioned as "the patrol", "Villa exterior" as "the villa"; but "Cliff
    path" is not mentioned by "the patrol's path", hence first word only.
    """
    terms = [re.escape(name.lower())]
    others = [n.lower() for n in all_names if n != name]
    for word in re.findall(r"[\w-]+", name.lower()):
        if word in _STOP_NAME_WORDS or len(word) < 3:
            continue
        if not any(re.search(rf"\b{re.escape(word)}\b", other) for other in others):
            terms.append(re.escape(word))
        break
    return re.compile(rf"\b(?:{'|'.join(terms)})(?:e?s|['’]s)?\b", re.IGNORECASE)


def _mentions(text: str, names: Sequence[_Name]) -> list[str]:
    found: list[tuple[int, int, str]] = []
    for order, name in enumerate(names):
        match = name.pattern.search(text)
        if match:
            found.append((match.start(), order, name.name))
    return [name for _, _, name in sorted(found)]


# --- one clip -----------------------------------------------------------------------------


@dataclass
class _PlanState:
    """What carries from clip to clip: who "she" is, who and where the story last was."""

    last_character: str | None
    characters: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


_CAMERAS: dict[ClipJob, tuple[tuple[str, str], ...]] = {
    ClipJob.ESTABLISH: (
        ("extreme wide, eye level", "static"),
        ("wide, low angle", "slow push-in"),
        ("medium, eye level", "handheld follow"),
        ("close-up, slightly low", "static"),
    ),
    ClipJob.HOOK: (
        ("close-up, low angle", "handheld follow"),
        ("medium wide, eye level", "static"),
        ("low-angle medium", "orbit"),
        ("extreme close-up", "slow push-in"),
    ),
    ClipJob.FIGHT: (
        ("wide, high angle", "tilt down"),
        ("medium, over the shoulder", "handheld follow"),
        ("low-angle close-up", "orbit"),
        ("close-up, eye level", "static"),
    ),
    ClipJob.CONTINUE: (
        ("medium wide, eye level", "handheld follow"),
        ("close-up, eye level", "static"),
        ("wide, low angle", "pan right"),
        ("extreme close-up", "slow push-in"),
    ),
    ClipJob.TWIST: (
        ("medium, eye level", "static"),
        ("close-up, eye level", "slow push-in"),
        ("wide, low angle", "pan left"),
        ("extreme close-up", "static"),
    ),
    ClipJob.CLOSE: (
        ("medium, low angle", "orbit"),
        ("close-up, eye level", "slow push-in"),
        ("wide, eye level", "static"),
        ("extreme wide, eye level", "pull back"),
    ),
}
"""Camera angle and movement by job and shot position; three-shot clips use 1, 2 and 4."""
_CAMERAS[ClipJob.CONFLICT] = _CAMERAS[ClipJob.FIGHT]

_TONES: dict[ClipJob, str] = {
    ClipJob.ESTABLISH: "Quiet before anything moves.",
    ClipJob.HOOK: "Open on the tension, no slow build.",
    ClipJob.FIGHT: "Tension breaks into motion.",
    ClipJob.CONFLICT: "Tension breaks into motion.",
    ClipJob.CONTINUE: "Same light and place as the previous clip; the pace holds.",
    ClipJob.TWIST: "A held beat of stillness before the turn.",
    ClipJob.CLOSE: "The motion settles and the place goes quiet.",
}

_SOUNDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b({words})", re.IGNORECASE), sound)
    for words, sound in (
        ("wind|dust|wasteland|desert|storm", "wind"),
        ("sea\\b|surf|coast|wave|shore|beach|tide", "surf"),
        ("robot|machine|servo|drone|mech", "servo whine"),
        ("blade|sword|strik|struck|shear|clash|slash|cuts?\\b", "metal impacts"),
        ("spark", "spark crackle"),
        ("run|drop|step|walk|foot|land|slid|duck|charg|chas", "footfalls"),
        ("breath|pant|gasp", "breathing"),
        ("fire|flame|burn", "fire crackle"),
        ("explo|blast|boom", "a blast"),
        ("rain", "rain"),
        ("engine|car\\b|truck|motor", "engine noise"),
        ("door|gate", "a door"),
        ("crowd|city|street|market", "street noise"),
        ("bird|forest|tree", "birdsong"),
    )
)
"""Diegetic sounds a beat's words imply, in a fixed order so the rule reads the same each time."""
_MAX_SOUNDS = 4


def _clip(
    slot: ClipSlot,
    job: ClipJob,
    script: Script,
    cast: _Cast,
    tone: str,
    state: _PlanState,
    previous: ClipPlan | None,
    earlier: Sequence[ClipPlan],
) -> ClipPlan:
    beat_text = " ".join(script.beats[b] for b in slot.beats)
    actions = _slot_actions(slot, script, keep_first=job in (ClipJob.ESTABLISH, ClipJob.HOOK))
    characters = tuple(cast.characters_in(beat_text)) or state.characters
    if not characters and cast.main:
        characters = (cast.main,)
    places = tuple(cast.places_in(beat_text)) or state.places
    if not places and cast.places:
        places = (cast.places[0].name,)

    moments: list[tuple[str, str]] = []  # (subject, action)
    for action in actions:
        moments.append((_subject(action, cast, state), action))
    moments = _fit_moments(moments, job, characters, places)

    cameras = _CAMERAS[job]
    positions = (0, 1, 3) if len(moments) == 3 else (0, 1, 2, 3)
    timings = _shot_timings(slot.duration_s, len(moments))
    shots = tuple(
        Shot(
            camera=cameras[p][0],
            movement=cameras[p][1],
            subject=subject,
            action=action,
            timing_s=timing,
        )
        for p, (subject, action), timing in zip(positions, moments, timings, strict=True)
    )
    state.characters, state.places = characters, places
    continues = job is ClipJob.CONTINUE or slot.continues_split_beat
    name = _unique_name(_name_for(job, characters, places, moments), earlier)
    return ClipPlan(
        name=name,
        job=_job_line(job, characters, places),
        tone_world=f"{tone} {_TONES[job]}",
        character_environment=_character_environment(
            characters, places, moments, cast, previous if continues else None
        ),
        shots=shots,
        sound_rule=_sound_rule(f"{beat_text} {tone}"),
        duration_s=slot.duration_s,
        continues_previous=continues and previous is not None,
    )


def _slot_actions(slot: ClipSlot, script: Script, *, keep_first: bool) -> list[str]:
    actions = [a for b in slot.beats for a in split_actions(script.beats[b])]
    if slot.parts > 1:
        # Ceiling division, so a beat with fewer actions than parts fills the first parts.
        start = -(-(slot.part - 1) * len(actions) // slot.parts)
        end = -(-slot.part * len(actions) // slot.parts)
        actions = actions[start:end]
    most = SHOTS_PER_CLIP[1]
    while len(actions) > most:
        # Drop the lightest moment (fewest words, the earlier on a tie): heavier actions carry
        # the beat. The last one lands the clip and stays; so does an opening clip's first.
        first = 1 if keep_first else 0
        lightest = min(range(first, len(actions) - 1), key=lambda i: (len(actions[i].split()), i))
        del actions[lightest]
    return actions


def _subject(action: str, cast: _Cast, state: _PlanState) -> str:
    """Who or what a shot shows: a board name when the action gives one, else its noun phrase.

    "she" / "he" (and "her blade") are read as the main character, the one a short film
    follows; "they" as the character last named. A guess a person corrects, but never a name
    that is not on the board.
    """
    named = cast.characters_in(action)
    first = action.split(maxsplit=1)[0].lower().strip(".,") if action.split() else ""
    owner = _pronoun_owner(first, cast, state) if first in _PRONOUNS else None
    if owner:
        # "She discovers the Keeper's face": she acts, the Keeper is in the shot too.
        return " and ".join(dict.fromkeys([owner, *named][:2]))
    if named:
        state.last_character = named[0]  # the first named is the one doing the action
        return " and ".join(named[:2])
    if first in _PRONOUNS:
        return "the main character"
    places = cast.places_in(action)
    if places:
        return places[0]
    phrase = noun_phrase(action)
    owner, _, rest = phrase.partition(" ")
    who = _pronoun_owner(owner, cast, state) if owner in _POSSESSIVES else None
    return f"{who}'s {rest}" if who and rest else phrase  # "her blade" -> "Kestrel's blade"


def _pronoun_owner(pronoun: str, cast: _Cast, state: _PlanState) -> str | None:
    if pronoun in ("they", "their"):
        return state.last_character or cast.main
    return cast.main or state.last_character


def _fit_moments(
    moments: list[tuple[str, str]],
    job: ClipJob,
    characters: Sequence[str],
    places: Sequence[str],
) -> list[tuple[str, str]]:
    """Pad a thin clip up to three moments with shots that serve its one job.

    The fillers are deliberately plain single actions (an opening frame of the place, a
    reaction close-up, a closing pull-back) so the person editing the plan sees what to replace.
    """
    person = characters[0] if characters else None
    place = places[0] if places else None
    fillers: list[tuple[bool, str, str]] = []  # (at_start, subject, action)
    if job in (ClipJob.ESTABLISH, ClipJob.HOOK):
        if place and (not moments or moments[0][0] != place):
            fillers.append((True, place, f"{place} lies still before anything moves."))
        if person:
            fillers.append((False, person, f"{person} turns toward the camera."))
    elif job is ClipJob.CLOSE:
        last = place or (moments[-1][0] if moments else "the scene")
        fillers.append((False, last, f"{_capital(last)}{_PULL_AWAY}"))
        if person:
            fillers.append((False, person, f"{person} lowers their guard."))
    elif job is ClipJob.TWIST:
        if person:
            fillers.append((False, person, f"{person} stops and stares."))
    elif person:
        fillers.append((False, person, f"{person} braces for the next move."))
    if place:
        fillers.append((False, place, f"Light moves across {place}."))
    anchor = person or place or (moments[0][0] if moments else "the scene")
    fillers.append((False, anchor, f"The camera settles on {anchor}."))
    fillers.append((False, anchor, f"The camera holds on {anchor}."))
    fillers.append((False, anchor, f"{_capital(anchor)} holds still for a beat."))

    result = list(moments)
    closing: list[tuple[str, str]] = []
    for at_start, subject, action in fillers:
        if len(result) + len(closing) >= SHOTS_PER_CLIP[0]:
            break
        if (subject, action) in result:
            continue
        if at_start:
            result.insert(0, (subject, action))
        elif action.endswith(_PULL_AWAY):
            closing.append((subject, action))  # the pull-back ends the film, after the rest
        else:
            result.append((subject, action))
    return result + closing


_PULL_AWAY = " stays in frame as the camera pulls away."


def _shot_timings(duration_s: float, shots: int) -> tuple[float, ...]:
    """Shot lengths in 0.5 s steps adding up exactly to ``duration_s`` (the first ones longer)."""
    units = math.floor(duration_s / STEP_S + 0.5)
    base, extra = divmod(units, shots)
    return tuple((base + (1 if i < extra else 0)) * STEP_S for i in range(shots))


def _job_line(job: ClipJob, characters: Sequence[str], places: Sequence[str]) -> str:
    who = " and ".join(characters[:2])
    where = places[0] if places else ""
    detail = f"{who} at {where}" if who and where else who or where
    return f"{JOB_PHRASES[job]}: {detail}." if detail else f"{JOB_PHRASES[job]}."


def _character_environment(
    characters: Sequence[str],
    places: Sequence[str],
    moments: Sequence[tuple[str, str]],
    cast: _Cast,
    previous: ClipPlan | None,
) -> str:
    lead = f"Continue from the last frame of {previous.name}. " if previous else ""
    if not cast.characters and not cast.places:
        subjects = list(dict.fromkeys(subject for subject, _ in moments))
        return f"{lead}As written in the script: {', '.join(subjects)}."
    parts: list[str] = []
    if characters:
        parts.append(f"{_join(characters)} as on the board references")
    if places:
        parts.append(f"{_join(places)} from the board's environment views")
    return f"{lead}{'; '.join(parts)}."


def _sound_rule(text: str) -> str:
    sounds = [sound for pattern, sound in _SOUNDS if pattern.search(text)][:_MAX_SOUNDS]
    heard = ", ".join(sounds) if sounds else "room tone, footsteps"
    return f"Diegetic sound only: {heard}; no music, no narration."


def _name_for(
    job: ClipJob,
    characters: Sequence[str],
    places: Sequence[str],
    moments: Sequence[tuple[str, str]],
) -> str:
    if job in (ClipJob.ESTABLISH, ClipJob.CLOSE) and places:
        about = places[0]
    elif characters:
        about = characters[0]
    else:
        about = noun_phrase(moments[0][1]) if moments else ""
    if about.lower() in _PRONOUNS:
        about = ""
    words = re.findall(r"[a-z0-9]+", about.lower())
    words = [w for w in words if w not in _DETERMINERS][:3]
    return "-".join([job.value, *words])


def _unique_name(name: str, earlier: Sequence[ClipPlan]) -> str:
    taken = {c.name for c in earlier}
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    return candidate


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = [
    "DEFAULT_CLIP_RANGE_S",
    "JOB_PHRASES",
    "MAX_BEATS_PER_CLIP",
    "SHOTS_PER_CLIP",
    "ClipJob",
    "ClipSlot",
    "noun_phrase",
    "plan_clips",
    "slot_clips",
    "split_actions",
]
