"""The cast of a script with no board yet: its named characters and its recurring nouns.

A plan's shot subject is who or what the camera holds, so it must be someone or something the
script is about: "Ada", "the lighthouse", never "the top she" (a phrase cut mid-sentence) nor
"a brass hand" (a body part standing in for its owner). Without a board to name them, the cast
is read from the script's own words with plain, predictable rules:

* proper names: capitalised words (runs of them, "Nurse Okafor") that are not a sentence's
  first word, or that are but recur, and all-caps screenplay names ("MAYA", shown "Maya");
* noun heads after "the" / "a" / "an" that recur, that open a sentence as its subject
  ("A storm rolls in") or that name where something happens ("into the harbour"), shown with
  "the" ("the storm") and at most two words before the head;
* never pronouns, determiners alone, body parts, time words, or words inside quoted speech.

A noun is a place when the script puts it after a place preposition ("in the workshop", "below
the lighthouse") or a scene heading ("In the ward at night"). The result is a
:class:`~shortfilm.prompts.beat_reading.Cast`, the same shape the board gives, so the planner
treats the two alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shortfilm.domain import Script
from shortfilm.prompts.beat_reading import Cast, CastName, looks_like_verb

_QUOTED = re.compile(r"[\"“”][^\"“”]*[\"“”]")
_SENTENCES = re.compile(r"(?<=[.!?;:])\s+")
_POSSESSIVE = re.compile(r"['’]s$")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|[,;:()]")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARTICLES = _set("the a an")
_FUNCTION = _set(
    "the a an this that these those her his their its my your our one two three four five some "
    "every each another no any all both she he they it i we you him them us me who which what "
    "whose where when then than as at in on into onto of to from by with without for after "
    "before over under across through along toward towards behind beside near past around "
    "beneath below above inside outside up down off out away back and but or nor so yet while "
    "until if because though although is are was were be been has have had does did not never "
    "there here now just only still even also again once too very among between within against "
    "beyond upon about like"
)
_PLACE_PREPS = _set(
    "in at on into onto inside outside across through along toward towards behind beside near "
    "past around beneath below above under over from to among between within up down"
)
_NOT_CAST = _set(
    "hand hands eye eyes face head arm arms leg legs foot feet finger fingers fist fists mouth "
    "lips lip shoulder shoulders heart hair voice breath tear tears skin cheek cheeks chin neck "
    "time moment way end rest top bottom side middle edge length first last other same thing "
    "things sound silence air light dark darkness day night morning evening dawn dusk noon "
    "minute second hour year years spray name names word words"
)
"""Heads that are never a shot's subject on their own: body parts, time, positions, abstractions."""
_PHRASE_ENDS = _set("of and with")
_MASS_NOUNS = _set(
    "steam smoke rain snow fog mist wind water fire dust thunder lightning music sunlight "
    "moonlight nobody everyone someone something everything nothing night morning dawn dusk"
)
"""Words that open a sentence and act ("Steam rises") without being anyone's name."""
_JUNK_ADJECTIVES = _set("last first next other same only final very whole entire late")
_TITLES = _set("mr mrs ms dr nurse doctor captain officer uncle aunt grandma grandpa sister")
_ALL_CAPS_NOT_NAMES = _set("INT EXT I OK TV V.O O.S CONT'D CUT FADE DAY NIGHT")
_MAX_MODIFIERS = 2


@dataclass
class _Noun:
    display: str
    count: int = 0
    subject: bool = False
    place: bool = False


@dataclass
class _Reading:
    """Counts gathered over the script's sentences, before any choice is made."""

    names: Counter[str] = field(default_factory=Counter)
    name_order: dict[str, int] = field(default_factory=dict)
    name_places: set[str] = field(default_factory=set)
    nouns: dict[str, _Noun] = field(default_factory=dict)
    noun_order: dict[str, int] = field(default_factory=dict)
    lower_words: set[str] = field(default_factory=set)
    initial_words: Counter[str] = field(default_factory=Counter)
    acting_initials: set[str] = field(default_factory=set)


def script_cast(script: Script) -> Cast:
    """The characters and places of ``script``, most mentioned first; ``main`` is the lead.

    Deterministic: ties keep the order of first mention (beats first, then the logline).
    """
    reading = _Reading()
    # A one-paragraph ad or a screenplay's first scene is its own logline: count it once.
    logline = () if any(script.logline in beat for beat in script.beats) else (script.logline,)
    for text in (*script.beats, *logline):
        for sentence in _SENTENCES.split(_QUOTED.sub(" ", text)):
            _read_sentence(sentence, reading)
    names = _names(reading)
    nouns = [
        (key, noun)
        for key, noun in reading.nouns.items()
        if (noun.count >= 2 or noun.subject or noun.place) and key not in _NOT_CAST
    ]
    characters = [(n, _name_terms(n)) for n in names if n not in reading.name_places]
    places = [(n, _name_terms(n)) for n in names if n in reading.name_places]
    ranked = sorted(nouns, key=lambda kn: (-kn[1].count, reading.noun_order[kn[0]]))
    for key, noun in ranked:
        entry = (noun.display, [key])
        (places if noun.place and not noun.subject else characters).append(entry)
    # The lead: the most mentioned person ("in Lisbon" is a place, not a lead).
    main = characters[0][0] if characters else None
    return Cast(
        tuple(CastName(name, _pattern(terms)) for name, terms in characters),
        tuple(CastName(name, _pattern(terms)) for name, terms in places),
        main,
    )


def _read_sentence(sentence: str, reading: _Reading) -> None:
    tokens = [_POSSESSIVE.sub("", t) for t in _TOKEN.findall(sentence)]
    for token in tokens:
        if token[:1].islower():
            reading.lower_words.add(token.lower())
    if tokens:
        reading.initial_words[tokens[0]] += 1
        if len(tokens) > 1 and looks_like_verb(tokens[1].lower()):
            reading.acting_initials.add(tokens[0])  # "Gina opens the pizzeria"
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if _is_name_start(tokens, i, reading):
            run = [token]
            while i + len(run) < len(tokens) and _name_goes_on(tokens[i + len(run)]):
                run.append(tokens[i + len(run)])
            name = " ".join(_display_name(t) for t in run)
            reading.names[name] += 1
            reading.name_order.setdefault(name, len(reading.name_order))
            if i and tokens[i - 1].lower() in _PLACE_PREPS:
                reading.name_places.add(name)
            i += len(run)
            continue
        if token.lower() in _ARTICLES:
            i = _read_noun(tokens, i, reading)
            continue
        i += 1


def _read_noun(tokens: Sequence[str], at: int, reading: _Reading) -> int:
    """Read "the white villa" from ``tokens[at]`` on; return the index after the phrase."""
    words: list[str] = []
    j = at + 1
    verb_seen = any(t[:1].islower() and looks_like_verb(t) for t in tokens[:at])
    while j < len(tokens) and len(words) <= _MAX_MODIFIERS:
        word = tokens[j]
        low = word.lower()
        if not word[:1].isalpha() or low in _FUNCTION or _capitalised(word):
            break
        if words and looks_like_verb(low) and not (verb_seen and _ends_phrase(tokens, j + 1)):
            # "the patrol limps": a verb. After the sentence's verb, "(waits among) the dusty
            # chairs." is an object, its last word a plural noun.
            break
        words.append(low)
        j += 1
        if _singular(low) != low:
            break  # a plural is the head: "the lights flicker", "the robots spill sparks"
    words = [w for w in words if w not in _JUNK_ADJECTIVES] or words
    if not words:
        return at + 1
    head = words[-1]
    key = _singular(head)
    noun = reading.nouns.setdefault(key, _Noun(f"the {' '.join(words)}"))
    reading.noun_order.setdefault(key, len(reading.noun_order))
    noun.count += 1
    before = tokens[at - 1].lower() if at else ""
    if before in _PLACE_PREPS:
        noun.place = True
    if at == 0 and any(looks_like_verb(t.lower()) for t in tokens[j : j + 2]):
        noun.subject = True  # "A storm rolls in", "The city outside lights up"
    return j


def _ends_phrase(tokens: Sequence[str], j: int) -> bool:
    after = tokens[j].lower() if j < len(tokens) else ""
    return not after or not after[:1].isalpha() or after in _PHRASE_ENDS


def _is_name_start(tokens: Sequence[str], i: int, reading: _Reading) -> bool:
    token = tokens[i]
    if token.lower() in _TITLES:
        return i + 1 < len(tokens) and _capitalised(tokens[i + 1])  # "Nurse Okafor"
    if not _capitalised(token) or token.lower() in _FUNCTION:
        return False
    if token.isupper() and len(token) > 1:
        # "MAYA folds shirts" introduces Maya; a sentence all in capitals names no one.
        shouting = not any(t[:1].islower() for t in tokens)
        return not shouting and token not in _ALL_CAPS_NOT_NAMES
    return i > 0  # a sentence's first word: decided in _names, from how often it recurs


def _names(reading: _Reading) -> list[str]:
    """Names, most mentioned first; a sentence's first word counts only when it recurs."""
    counts = Counter(reading.names)
    order = dict(reading.name_order)
    for word, count in reading.initial_words.items():
        if (
            _capitalised(word)
            and word.lower() not in _FUNCTION
            and word.lower() not in reading.lower_words
            and word.lower() not in _MASS_NOUNS
            and (
                count >= 2
                or word in reading.acting_initials
                or any(word in n.split() for n in counts)
            )
        ):
            name = _display_name(word)
            merged = next((n for n in counts if name in n.split()), name)
            counts[merged] += count
            order.setdefault(merged, len(order))
    # A surname said alone ("Okafor") is the person already named in full ("Nurse Okafor").
    for short in [n for n in counts if len(n.split()) == 1]:
        full = next((n for n in counts if n != short and short in n.split()), None)
        if full is not None:
            counts[full] += counts.pop(short)
    return sorted(counts, key=lambda n: (-counts[n], order[n]))


def _name_goes_on(token: str) -> bool:
    """ "Nurse Okafor", "Ana Lucía": a capitalised word that is not "The" or "At"."""
    return _capitalised(token) and token.lower() not in _FUNCTION


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def _display_name(token: str) -> str:
    return token.capitalize() if token.isupper() and len(token) > 1 else token


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _name_terms(name: str) -> list[str]:
    words = name.split()
    return [name, *([words[-1]] if len(words) > 1 else [])]


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"\b(?:{alternatives})(?:e?s|['’]s)?\b", re.IGNORECASE)


__all__ = ["script_cast"]
