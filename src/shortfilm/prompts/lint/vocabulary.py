"""The words the prompt rules listen for, and the small readings of text built on them.

The rules are deliberately lexical: a prompt is a short piece of English an operator wrote, and
the failures the workflow names (a clip doing several jobs, a shot asking for several actions, a
mood sentence instead of a shot plan) show up in its words. Keeping the word lists here, next to
the functions that read them (the job words in :mod:`~shortfilm.prompts.lint.job_words`, the
action verbs in :mod:`~shortfilm.prompts.lint.action_reading`), lets a person tune the linter in
one place and see why it fired. Matching is on whole words, hyphens included, so ``close``
never matches ``close-up``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: word lists stay readable as prose blocks."""
    return frozenset(text.split())


TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d+(?:\.\d+)?|[.!?;:,()\"“”]")
"""Words (with inner hyphens and apostrophes), numbers, and the punctuation that splits clauses."""

STOPWORDS = word_set(
    """
    a an the and or but nor so yet of in on at to for from by with without into onto over
    under up down out off through across along around about above below behind beside
    between beyond near past toward towards against as than then once when while where after
    before until into is are was were be been being am has have had do does did it its it's
    this that these those there here he she they we you i me him her his hers them their
    theirs us our ours your yours my mine who whom whose which what each every all both some
    any no not only just also very too one two three four five six seven eight nine ten
    first second third last next other another same such own more most less least few many
    much
    """
)

MOOD_WORDS = word_set(
    """
    epic cinematic intense beautiful dramatic stunning breathtaking amazing awesome gorgeous
    emotional powerful moody atmospheric dreamy ethereal majestic mesmerizing mesmerising
    haunting mysterious magical cool vibrant striking iconic legendary incredible thrilling
    exciting suspenseful tense energetic dynamic bold elegant luxurious premium sublime
    glorious evocative poetic surreal chaotic frantic serene peaceful nostalgic melancholic
    melancholy hopeful triumphant heroic ominous eerie uplifting inspiring vivid immersive
    masterpiece ultra award-winning hyperrealistic hyper-realistic photorealistic 4k 8k hd
    perfect insane crazy wild grand unforgettable jaw-dropping mind-blowing emotion emotions
    mood drama energy vibe vibes magic beauty wonder awe tension suspense intensity power
    style stylish aesthetic gritty sensual dreamlike otherworldly spectacular
    """
)
"""Words that say how a shot should feel, not what the camera sees or what happens."""

FILLER_WORDS = word_set(
    """
    moment moments scene scenes shot shots feel feeling feelings look looks stuff thing
    things something everything lots lot kind sort way really super truly incredibly
    extremely pure total overall whole full big great good nice make makes making show shows
    showing create creates creating sequence film video clip visual visuals quality level
    levels vibe tone atmosphere happen happens happening action
    """
)
"""Vague words that are neither mood nor direction: they neither help nor count as concrete."""

FRAMING_WORDS = (
    "wide",
    "medium",
    "close",
    "close-up",
    "closeup",
    "cu",
    "ecu",
    "mcu",
    "ms",
    "ws",
    "long",
    "full",
    "cowboy",
    "two-shot",
    "insert",
    "establishing",
    "overhead",
    "top-down",
    "aerial",
    "bird's-eye",
    "birds-eye",
    "pov",
    "point-of-view",
    "over-the-shoulder",
    "ots",
    "profile",
    "dutch",
    "low-angle",
    "high-angle",
    "low",
    "high",
    "eye-level",
    "eye level",
    "macro",
    "detail",
    "tabletop",
    "worm's-eye",
    "frontal",
    "front",
    "side",
    "rear",
    "angle",
)
"""Terms that give a shot its framing or angle; a camera field should contain at least one."""

_CONTINUATION = re.compile(
    r"\b(continu(?:e|es|ed|ing|ation)|picks? up|picking up|same moment|from the last frame"
    r"|where (?:we|it|they|she|he) left off|carr(?:y|ies) on|right after the last)\b"
)
_STEP = re.compile(r"\bstep\s*(\d+)\b", re.IGNORECASE)
_STEP_START = re.compile(r"^\s*(?:step\s*\d+|\d+\s*[.):])", re.IGNORECASE)


@dataclass(frozen=True)
class Word:
    """One word of a text, with what a reader of names needs to know about its position."""

    text: str
    """As written, possessive ``'s`` removed."""
    lower: str
    sentence_start: bool
    quoted: bool
    """Inside double quotes: sign text or dialogue, not a name the board should hold."""
    possessive: bool
    """Written with ``'s`` (``Mara's hands``)."""
    after_punctuation: bool
    """Punctuation stands between this word and the previous one."""


POSSESSIVE = re.compile(r"['’]s$")


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[Word, ...]:
    """The words of ``text`` in order; punctuation only shapes the flags.

    Remembered per text: the name rules read the same shot texts many times per lint, and a
    60-clip production's lint gate sits before the first paid request.
    """
    out: list[Word] = []
    start, quoted, punctuated = True, False, True
    for token in TOKEN.findall(text):
        if token in ('"', "“", "”"):
            quoted = not quoted if token == '"' else token == "“"
            punctuated = True
            continue
        if token in (".", "!", "?", ":"):
            start = punctuated = True
            continue
        if token in (";", ",", "(", ")"):
            punctuated = True
            continue
        bare = POSSESSIVE.sub("", token).strip("'’")
        if bare:
            possessive = bare != token.strip("'’")
            out.append(Word(bare, bare.lower(), start, quoted, possessive, punctuated))
        start = punctuated = False
    return tuple(out)


def content_words(text: str) -> list[str]:
    """Lower-case words that carry meaning: no stopwords, no numbers."""
    return [w.lower for w in words(text) if w.lower not in STOPWORDS and not w.lower.isdigit()]


@cache
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def find_phrases(text: str, phrases: Sequence[str]) -> list[str]:
    """The phrases of ``phrases`` found in ``text`` as whole words, in order of appearance."""
    if not phrases:
        return []
    return _phrase_pattern(tuple(phrases)).findall(text.lower())


def continuation_phrase(text: str) -> str | None:
    """The phrase by which ``text`` says it continues the previous clip, if it does."""
    match = _CONTINUATION.search(text.lower())
    return match.group(0) if match else None


def step_numbers(text: str) -> list[int]:
    """The step labels (``Step 2``) written in ``text``."""
    return [int(n) for n in _STEP.findall(text)]


def starts_with_step(text: str) -> bool:
    """True for a line that opens with a step label: ``Step 2: ...``, ``2. ...``, ``2) ...``."""
    return _STEP_START.match(text) is not None


def names_framing(camera: str) -> bool:
    """True when a camera field names a framing or an angle (wide, close-up, low angle ...)."""
    return bool(find_phrases(camera, FRAMING_WORDS))


def mood_only(text: str) -> list[str]:
    """The mood words of ``text`` when they are all it says; ``[]`` when it gives direction.

    Mood-only: at least one mood word and nothing concrete, or a run of four or more words at
    least 60% mood with at most one concrete word ("epic cinematic fight, intense and dramatic").
    """
    content = content_words(text)
    mood = [w for w in content if w in MOOD_WORDS]
    concrete = [w for w in content if w not in MOOD_WORDS and w not in FILLER_WORDS]
    if not mood:
        return []
    mostly_mood = len(content) >= 4 and len(mood) >= 0.6 * len(content) and len(concrete) <= 1
    if not concrete or mostly_mood:
        return list(dict.fromkeys(mood))
    return []
