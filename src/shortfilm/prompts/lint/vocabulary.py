"""The words the prompt rules listen for, and the small readings of text built on them.

The rules are deliberately lexical: a prompt is a short piece of English an operator wrote, and
the failures the workflow names (a clip doing several jobs, a shot asking for several actions, a
mood sentence instead of a shot plan) show up in its words. Keeping every word list here, next to
the functions that read them, lets a person tune the linter in one place and see why it fired.
Matching is on whole words, hyphens included, so ``close`` never matches ``close-up``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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

_CONTINUATION = re.compile(
    r"\b(continu(?:e|es|ed|ing|ation)|picks? up|picking up|same moment|from the last frame"
    r"|where (?:we|it|they|she|he) left off|carr(?:y|ies) on|right after the last)\b"
)

_SEQUENCE = re.compile(
    r"\b(?:and then|then|after that|afterwards|followed by|finally|after which)\b"
)

_STEP = re.compile(r"\bstep\s*(\d+)\b", re.IGNORECASE)
_STEP_START = re.compile(r"^\s*(?:step\s*\d+|\d+\s*[.):])", re.IGNORECASE)

_ACTION_VERBS = word_set(
    """
    walk run sprint dash jump leap hop vault drop fall climb crawl roll dive slide duck
    dodge spin turn pivot swing strike hit punch kick slash stab slice shear throw toss
    catch grab seize lift raise lower push pull drag shove kneel stand sit rise crouch lean
    reach point aim fire shoot reload open close slam lock unlock break smash crack shatter
    burst explode ignite flicker flash blink stare glance watch wait step stride stumble
    trip limp charge lunge attack block parry retreat flee chase follow race ride drive
    steer brake skid crash land fly hover float sink swim splash pour mix stir knead fold
    whisk sift bake weigh measure sprinkle brush spread press place set shape score cover
    serve taste slice chop crack beat add scoop spray apply dab uncap unscrew hold hand give
    take pick put smile laugh cry shout scream whisper nod wave sigh breathe gasp hug kiss
    wink type write read sign deliver scale swerve bank tumble skate grind kick-flip tap
    swipe glide descend ascend emerge vanish appear enter exit leave arrive cross bite cut
    bow shrug shiver freeze collapse stagger grip clutch squeeze release drink eat sniff
    spritz mist twist tilt rotate raise lower flip toss launch hurl dodge weave sweep
    """
)
"""Verbs of visible action; their third-person (``drops``) and imperative (``pour``) forms count."""

_NOT_VERB_AFTER = STOPWORDS - {"and", "or", "then", "she", "he", "they", "it", "we", "you", "i"}
"""A verb-looking word after these (``the swing``, ``two cuts``) is a noun."""


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


@dataclass(frozen=True)
class ActionReading:
    """How many actions a shot's action text asks for, clause by clause."""

    clauses: tuple[tuple[str, ...], ...]
    """The action verbs of each clause (clauses split at ``;`` and at sequence words)."""
    sequence: tuple[str, ...]
    """Sequence words found (``then``, ``after that`` ...): the text orders several actions."""

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(v for clause in self.clauses for v in clause)

    def overloaded(self) -> bool:
        """Several actions: a sequence word joining two acting clauses, three or more acting
        clauses, or three or more verbs in one clause ("she ducks, rolls and fires").

        Two clauses joined by ``;`` stay one beat (cause and effect: "she cuts; it drops").
        """
        acting = [c for c in self.clauses if c]
        if self.sequence and len(acting) >= 2:
            return True
        return len(acting) >= 3 or any(len(c) >= 3 for c in acting)


def read_action(text: str) -> ActionReading:
    """Split ``text`` into clauses and find the action verbs of each."""
    sequence = tuple(m.group(0) for m in _SEQUENCE.finditer(text.lower()))
    parts = re.split(r";|" + _SEQUENCE.pattern, text, flags=re.IGNORECASE)
    clauses = tuple(tuple(_verbs(part)) for part in parts if part and part.strip(" ,."))
    return ActionReading(clauses, sequence)


def _verbs(clause: str) -> list[str]:
    found: list[str] = []
    previous: str | None = None
    for token in TOKEN.findall(clause.lower()):
        base = _verb_base(token)
        if base is not None:
            third_person = token != base
            after_noun_marker = previous is not None and previous in _NOT_VERB_AFTER
            clause_start = previous is None or previous in {",", "and", "or", "then", ":"}
            if (third_person and not after_noun_marker) or (not third_person and clause_start):
                found.append(token)
        previous = token
    return found


def _verb_base(token: str) -> str | None:
    if token in _ACTION_VERBS:
        return token
    candidates = [token[:-1]]
    if token.endswith("es"):
        candidates.append(token[:-2])
    if token.endswith("ies"):
        candidates.append(token[:-3] + "y")
    for base in candidates:
        if token.endswith("s") and base in _ACTION_VERBS:
            return base
    return None
