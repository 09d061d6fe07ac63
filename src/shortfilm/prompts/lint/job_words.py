"""The words that say what a clip is for: its job families, and the tension a hook needs.

A clip does one job (establish, conflict, chase, reveal ...); the job rules read its job line
and shots for these words (:func:`job_families`), and the story rules ask whether an opening
carries tension or a tease (:func:`tension_words`, :func:`hook_words`).
"""

from __future__ import annotations

from collections.abc import Iterable

from shortfilm.prompts.lint.vocabulary import find_phrases

# Job families: what a clip is for. "strong" words mean the job wherever they appear (job text or
# shots); "job-only" words are too common in shot descriptions ("she steps close", "the door
# opens") and only count in the clip's job line.
_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "establish": (
        (
            "establish",
            "establishes",
            "establishing",
            "introduce",
            "introduces",
            "introducing",
            "introduction",
            "set up",
            "sets up",
            "set the scene",
            "sets the scene",
            "where we are",
        ),
        ("meet", "meets", "open", "opens", "opening", "open on", "intro", "setup", "the world"),
    ),
    "conflict": (
        (
            "fight",
            "fights",
            "fighting",
            "attack",
            "attacks",
            "attacking",
            "ambush",
            "ambushes",
            "battle",
            "battles",
            "clash",
            "clashes",
            "duel",
            "duels",
            "combat",
            "brawl",
            "skirmish",
            "shootout",
            "confront",
            "confronts",
            "confrontation",
            "conflict",
            "standoff",
            "stand-off",
            "showdown",
            "first blow",
            "first strike",
        ),
        ("strike", "strikes", "struggle", "struggles"),
    ),
    "chase": (
        (
            "chase",
            "chases",
            "chasing",
            "pursuit",
            "pursue",
            "pursues",
            "pursuing",
            "flee",
            "flees",
            "fleeing",
            "escape",
            "escapes",
            "escaping",
            "getaway",
            "on the run",
            "run from",
            "runs from",
        ),
        ("race", "races", "hunt", "hunts"),
    ),
    "reveal": (
        (
            "reveal",
            "reveals",
            "revealing",
            "revealed",
            "twist",
            "villain",
            "villains",
            "unmask",
            "unmasks",
            "unmasked",
            "betray",
            "betrays",
            "betrayal",
            "turns out",
            "true identity",
            "true face",
            "mastermind",
        ),
        ("surprise",),
    ),
    "close": (
        (
            "resolve",
            "resolves",
            "resolution",
            "finale",
            "epilogue",
            "aftermath",
            "farewell",
            "the end",
            "denouement",
            "payoff",
            "pay off",
            "pays off",
        ),
        (
            "close",
            "closes",
            "closing",
            "close on",
            "end",
            "ends",
            "ending",
            "end on",
            "finish",
            "finishes",
            "final",
            "conclude",
            "concludes",
            "conclusion",
            "wrap up",
            "wraps up",
            "sign off",
            "call to action",
        ),
    ),
}

JOB_FAMILIES = tuple(_FAMILIES)
"""The kinds of job a clip can do, in story order."""

_TENSION = (
    "tension",
    "tense",
    "threat",
    "threatens",
    "threatening",
    "danger",
    "dangerous",
    "menace",
    "stakes",
    "countdown",
    "alarm",
    "about to",
    "trapped",
    "hunted",
    "stalks",
    "stalking",
    "explodes",
    "explosion",
    "crash",
    "crashes",
    "collapse",
    "collapses",
    "falls",
    "falling",
    "lunges",
    "snaps",
    "snapped",
    "tumbles",
    "tumbling",
    "adrift",
    "breaks",
    "shatters",
    "cliffhanger",
    "deadline",
    "too late",
)
"""Beyond conflict and chase words: what makes an opening carry tension."""

_HOOK = ("hook", "hooks", "tease", "teases", "teaser", "question", "mystery", "cold open")


def job_families(job: str, shot_texts: Iterable[str] = ()) -> dict[str, list[str]]:
    """The job families a clip's job line and shot texts speak of, with the words that showed it.

    The result keeps :data:`JOB_FAMILIES` order, so messages list them in story order.
    """
    shots = " | ".join(shot_texts)
    found: dict[str, list[str]] = {}
    for family, (strong, job_only) in _FAMILIES.items():
        hits = find_phrases(job, strong + job_only) + find_phrases(shots, strong)
        if hits:
            found[family] = list(dict.fromkeys(hits))
    return found


def tension_words(text: str) -> list[str]:
    """Words in ``text`` that put tension on screen: conflict, chase, threat."""
    phrases = _FAMILIES["conflict"][0] + _FAMILIES["conflict"][1] + _FAMILIES["chase"][0]
    return list(dict.fromkeys(find_phrases(text, phrases + _FAMILIES["chase"][1] + _TENSION)))


def hook_words(text: str) -> list[str]:
    """Words that make an opening a hook: tension, a tease, a question."""
    return list(dict.fromkeys(tension_words(text) + find_phrases(text, _HOOK)))
