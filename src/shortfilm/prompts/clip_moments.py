"""What a clip shows, in the script's own words: who each moment holds, and the clip's job line.

A drafted plan is only useful if it tells the story the writer wrote. So a job line never names
an action the script does not have: "Start the chase" only when the clip's beats chase, "Start
the fight" only when they fight; otherwise the job is a neutral one ("Build the moment"), and
after the colon comes the clip's key action as the script says it ("Ada lights the lamp."). A
shot's subject is the cast member the action is about (the first one it names, or the one a
leading "she" stands for), never a phrase cut out of the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shortfilm.prompts.beat_reading import Cast
from shortfilm.prompts.clip_slots import JOB_PHRASES, ClipJob, action_word
from shortfilm.prompts.lint.job_words import job_families

_QUOTED = re.compile(r"[\"“”][^\"“”]*[\"“”]\s*,?\s*")
_PRONOUN = re.compile(r"\b(she|he|they|her|his|their)\b", re.IGNORECASE)
_LEADING_PRONOUN = re.compile(r"^(she|he|they)\b\s*", re.IGNORECASE)
_REVEAL = re.compile(r"\b(reveal|reveals|revealed|revealing)\b", re.IGNORECASE)
_TURN = "Turn the story"
"""The twist job when the script turns without saying "reveal": a neutral, not invented, verb."""
_MAX_JOB_WORDS = 24
_MIN_TOLD_WORDS = 3
"""A key action shorter than this once speech is dropped ("Rosa says") tells no job."""
_NO_ONE = "the scene"
"""The subject of a shot in a script that names no one and nothing: says nothing in a job."""


@dataclass
class Tracking:
    """Who "she" is: the last person a moment was about, carried from shot to shot."""

    last_character: str | None


def without_speech(text: str) -> str:
    """``text`` with quoted speech removed: "\"You came,\" she says" -> "she says"."""
    return " ".join(_QUOTED.sub("", text).split())


def subject_of(
    action: str, cast: Cast, tracking: Tracking, fallback: str, *, also: Cast | None = None
) -> str:
    """The cast member ``action`` is about, or ``fallback`` when it names none.

    A pronoun before any name wins: "At the top she wipes the lens" is about whoever "she"
    is (the last person named, else the lead). Then characters come before places: "Kestrel
    drops in front of the patrol" is about Kestrel and the patrol, the two characters it names
    (a second one only when it is a person, not a thing); "Waves break against the rocks" is
    about the rocks.
    """
    text = without_speech(action)
    characters = _positions(text, cast, places=False)
    places = _positions(text, cast, places=True)
    pronoun = _PRONOUN.search(text)
    first_named = min(characters + places, default=None)
    if pronoun and (first_named is None or pronoun.start() < first_named[0]):
        owner = tracking.last_character or cast.main
        if owner:
            others = [name for _, name in characters if name != owner and _is_person(name)]
            return " and ".join([owner, *others[:1]])
    if characters:  # who acts comes before where: "In the ward, Okafor checks the chart"
        names = list(dict.fromkeys(name for _, name in characters))
        if not _is_person(names[0]):
            return names[0]
        tracking.last_character = names[0]
        return " and ".join([names[0], *[n for n in names[1:] if _is_person(n)][:1]])
    if places:
        return places[0][1]
    if also is not None:
        # A board that has no name for "the lead robot": the script's own word beats a guess.
        mentions = _positions(text, also, places=False) + _positions(text, also, places=True)
        found = min(mentions, default=None)
        return found[1] if found else fallback
    return fallback


def job_line(job: ClipJob, text: str, moments: Sequence[tuple[str, str]]) -> str:
    """The clip's job: one opener, then its key action in the script's words.

    ``moments`` are the clip's (subject, action) pairs taken from the script (no fillers).
    The key action is the first for an opening clip, the last for a closing one, the one that
    carries the clip's action word for a fight or chase, else the fullest. An action that
    would make the line read as a second job (an opening that "ends", a close that "opens")
    is passed over, so the job stays one.
    """
    opener = job_opener(job, text)
    for subject, action in _by_preference(job, text, moments):
        told = _told(subject, action)
        if without_speech(action) != action and len(told.split()) < _MIN_TOLD_WORDS:
            continue
        line = f"{opener}: {told}"
        if len(line.split()) <= _MAX_JOB_WORDS and set(job_families(line)) <= set(
            job_families(opener)
        ):
            return line
    subjects = [s for s in dict.fromkeys(subject for subject, _ in moments) if s != _NO_ONE][:2]
    return f"{opener}: {' and '.join(subjects)}." if subjects else f"{opener}."


def job_opener(job: ClipJob, text: str) -> str:
    """``Start the chase`` only from a script that chases; a neutral opener otherwise."""
    if job is ClipJob.FIGHT:
        word = action_word(text)
        return f"Start the {word}" if word else JOB_PHRASES[ClipJob.BUILD]
    if job is ClipJob.TWIST and not _REVEAL.search(without_speech(text)):
        return _TURN
    return JOB_PHRASES[job]


def _by_preference(
    job: ClipJob, text: str, moments: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    ordered = sorted(moments, key=lambda m: -len(without_speech(m[1]).split()))
    if job in (ClipJob.ESTABLISH, ClipJob.HOOK):
        ordered = [*moments[:1], *ordered]
    elif job is ClipJob.CLOSE:
        ordered = [*moments[-1:], *ordered]
    elif job is ClipJob.FIGHT:
        word = action_word(text)
        ordered = [m for m in moments if word and action_word(m[1]) == word] + ordered
    return list(dict.fromkeys(ordered))


def _told(subject: str, action: str) -> str:
    """The action as the job tells it: speech dropped, a leading "she" named."""
    text = without_speech(action).rstrip(".!?,; ") + "."
    if _LEADING_PRONOUN.match(text) and subject != _NO_ONE:
        text = _LEADING_PRONOUN.sub(f"{subject.split(' and ')[0]} ", text, count=1)
    return text[:1].upper() + text[1:]


def _positions(text: str, cast: Cast, *, places: bool) -> list[tuple[int, str]]:
    names = cast.places if places else cast.characters
    found = [(m.start(), n.name) for n in names if (m := n.pattern.search(text))]
    return sorted(found)


def _is_person(name: str) -> bool:
    """A capitalised name ("Ada", "Patrol unit"), not a thing the script calls "the boat"."""
    return name[:1].isupper()


__all__ = ["Tracking", "job_line", "job_opener", "subject_of", "without_speech"]
