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

from shortfilm.domain import AssetBoard, ClipPlan, Script, Shot
from shortfilm.prompts.beat_reading import (
    DETERMINERS,
    POSSESSIVES,
    PRONOUNS,
    Cast,
    noun_phrase,
    split_actions,
)
from shortfilm.prompts.clip_slots import (
    DEFAULT_CLIP_RANGE_S,
    JOB_PHRASES,
    SHOTS_PER_CLIP,
    STEP_S,
    ClipJob,
    ClipSlot,
    job_for,
    slot_clips,
)


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
    cast = Cast.of(board)
    tone = _first_sentence(board.world if board else script.logline)
    clips: list[ClipPlan] = []
    state = _PlanState(last_character=cast.main)
    fight_started = False
    for index, slot in enumerate(slots):
        text = " ".join(script.beats[b] for b in slot.beats)
        job = job_for(index, len(slots), slot, text, fight_started)
        fight_started = fight_started or job in (ClipJob.FIGHT, ClipJob.CONFLICT, ClipJob.HOOK)
        previous = clips[-1] if clips else None
        clips.append(_clip(slot, job, script, cast, tone, state, previous, clips))
    return tuple(clips)


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
    cast: Cast,
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


def _subject(action: str, cast: Cast, state: _PlanState) -> str:
    """Who or what a shot shows: a board name when the action gives one, else its noun phrase.

    "she" / "he" (and "her blade") are read as the main character, the one a short film
    follows; "they" as the character last named. A guess a person corrects, but never a name
    that is not on the board.
    """
    named = cast.characters_in(action)
    first = action.split(maxsplit=1)[0].lower().strip(".,") if action.split() else ""
    owner = _pronoun_owner(first, cast, state) if first in PRONOUNS else None
    if owner:
        # "She discovers the Keeper's face": she acts, the Keeper is in the shot too.
        return " and ".join(dict.fromkeys([owner, *named][:2]))
    if named:
        state.last_character = named[0]  # the first named is the one doing the action
        return " and ".join(named[:2])
    if first in PRONOUNS:
        return "the main character"
    places = cast.places_in(action)
    if places:
        return places[0]
    phrase = noun_phrase(action)
    owner, _, rest = phrase.partition(" ")
    who = _pronoun_owner(owner, cast, state) if owner in POSSESSIVES else None
    return f"{who}'s {rest}" if who and rest else phrase  # "her blade" -> "Kestrel's blade"


def _pronoun_owner(pronoun: str, cast: Cast, state: _PlanState) -> str | None:
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
    cast: Cast,
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
    if about.lower() in PRONOUNS:
        about = ""
    words = re.findall(r"[a-z0-9]+", about.lower())
    words = [w for w in words if w not in DETERMINERS][:3]
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
