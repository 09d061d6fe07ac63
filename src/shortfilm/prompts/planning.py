"""Script -> clip plan, without a model: a first draft a person edits, the same every time.

The workflow's editing rules decide the shape: a film is split into controlled clips of 12-15 s
(a 50-second film is four clips), each clip does ONE job (establish the scene or hook, start the
fight, continue the action, reveal a twist, close the moment) and holds 3-4 visual moments, each
a shot with a camera angle, a movement, a subject and one action. Asking one clip to do more is
how generations drift, so the planner never puts more than two beats in one clip and never
joins two actions in one shot; where the script is thinner than the film it splits a beat and
marks the extra clip as continuing the previous one (so its first frame comes from a keyframe).

The plan keeps to the script's own words: a job names only an action the script has, and a
shot's subject is one of the board's names or, with no board, of the script's own cast (see
:mod:`~shortfilm.prompts.script_cast` and :mod:`~shortfilm.prompts.clip_moments`).

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
from shortfilm.prompts.beat_reading import DETERMINERS, PRONOUNS, Cast, split_actions
from shortfilm.prompts.clip_moments import Tracking, job_line, subject_of
from shortfilm.prompts.clip_slots import (
    DEFAULT_CLIP_RANGE_S,
    SHOTS_PER_CLIP,
    STEP_S,
    ClipJob,
    ClipSlot,
    job_for,
    slot_clips,
)
from shortfilm.prompts.script_cast import script_cast


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
    script's own cast (its names and recurring nouns) and the logline. Deterministic. Raises
    :class:`InputError` as :func:`slot_clips` does.
    """
    slots = slot_clips(script, target_s, clip_range_s=clip_range_s)
    own_cast = script_cast(script)
    cast = Cast.of(board) if board else own_cast
    also = own_cast if board else None
    tone = _first_sentence(board.world if board else script.logline)
    clips: list[ClipPlan] = []
    state = _PlanState(last_character=cast.main)
    action_started = False
    for index, slot in enumerate(slots):
        text = " ".join(script.beats[b] for b in slot.beats)
        job = job_for(index, len(slots), slot, text, action_started)
        action_started = action_started or job is ClipJob.FIGHT
        previous = clips[-1] if clips else None
        clips.append(_clip(slot, job, script, (cast, also), tone, state, previous, clips))
    return tuple(clips)


# --- one clip -----------------------------------------------------------------------------


@dataclass
class _PlanState(Tracking):
    """What carries from clip to clip: who "she" is, who and where the story last was."""

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
_CAMERAS[ClipJob.BUILD] = _CAMERAS[ClipJob.CONTINUE]

_TONES: dict[ClipJob, str] = {
    ClipJob.ESTABLISH: "Quiet before anything moves.",
    ClipJob.HOOK: "Open on the tension, no slow build.",
    ClipJob.FIGHT: "Tension breaks into motion.",
    ClipJob.BUILD: "The story moves on at the previous clip's pace.",
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
    casts: tuple[Cast, Cast | None],
    tone: str,
    state: _PlanState,
    previous: ClipPlan | None,
    earlier: Sequence[ClipPlan],
) -> ClipPlan:
    cast, also = casts
    beat_text = " ".join(script.beats[b] for b in slot.beats)
    actions = _slot_actions(slot, script, keep_first=job in (ClipJob.ESTABLISH, ClipJob.HOOK))
    characters = tuple(cast.characters_in(beat_text)) or state.characters
    if not characters and cast.main:
        characters = (cast.main,)
    places = tuple(cast.places_in(beat_text)) or state.places
    if not places and cast.places:
        places = (cast.places[0].name,)

    anchor = (characters or places or ("the scene",))[0]
    moments = [(subject_of(a, cast, state, anchor, also=also), a) for a in actions]
    told = job_line(job, beat_text, moments)
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
        job=told,
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


def _fit_moments(
    moments: list[tuple[str, str]],
    job: ClipJob,
    characters: Sequence[str],
    places: Sequence[str],
) -> list[tuple[str, str]]:
    """Pad a thin clip up to three moments with shots that serve its one job.

    The fillers are deliberately plain camera moments (an opening frame of the place, the
    camera finding a character, a closing pull-back) that invent no action the script does not
    have, so the person editing the plan sees what to replace.
    """
    person = characters[0] if characters else None
    place = places[0] if places else None
    fillers: list[tuple[bool, str, str]] = []  # (at_start, subject, action)
    if job in (ClipJob.ESTABLISH, ClipJob.HOOK):
        # Open on the place unless the script's first image already shows a place or thing.
        first = moments[0][0] if moments else None
        if place and (first is None or (first[:1].isupper() and first != place)):
            fillers.append((True, place, f"{_capital(place)} lies still before anything moves."))
        if person:
            fillers.append((False, person, f"The camera finds {person}."))
    elif job is ClipJob.CLOSE:
        last = place or (moments[-1][0] if moments else "the scene")
        fillers.append((False, last, f"{_capital(last)}{_PULL_AWAY}"))
        if person:
            fillers.append((False, person, f"The camera rests on {person}."))
    elif job is ClipJob.TWIST:
        if person:
            fillers.append((False, person, f"The camera pushes in on {person}."))
    elif person:
        fillers.append((False, person, f"The camera follows {person}."))
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
        about = moments[0][0] if moments else ""
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
