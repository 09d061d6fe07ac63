"""Reading a beat's plain text: its actions one by one, their subjects, the names it mentions.

Plain heuristics over English sentences, chosen to be predictable rather than clever: a beat is
cut at sentences and at "and"/"then" clauses into actions a shot can carry one each, and a
board's characters and places are found by their names or their first distinctive word. (A
script without a board gets its cast from :mod:`shortfilm.prompts.script_cast`.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shortfilm.domain import AssetBoard
from shortfilm.domain.production import CharacterRole

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s*;\s*")
_CLAUSE = re.compile(r",?\s+and then\s+|,\s*then\s+|\s+then\s+|,\s+but\s+", re.I)
_JOINER = re.compile(r",\s+and\s+|,\s+|\s+and\s+", re.IGNORECASE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DETERMINERS = _words(
    "the a an her his its their our my your this that these those one two three some every "
    "each another"
)
PRONOUNS = _words("she he they")
_NOT_VERBS = _words(
    "its this his hers yours ours theirs always perhaps across towards afterwards sometimes "
    "less unless besides whereas thus was is has does"
)
_BE_VERBS = _words("is are was were has have had does did stands sits lies")
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
            # "Pim, a clockwork boy, winds his key": a verbless left is the subject, not an action.
            if looks_like_verb(right_words[0].lower()) and not absolute and left_verb is not None:
                right = " ".join([*left_words[:left_verb], right])
                pieces.append(left)
                rest = right
                break
            starts_clause = (
                right_words[0].lower() in DETERMINERS
                or right_words[0].lower() in PRONOUNS
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
        if looks_like_verb(word) and words[i - 1].lower() not in DETERMINERS:
            return i
    return None


def looks_like_verb(word: str) -> bool:
    """A present-tense third-person verb, the tense beats are written in ("spins", "turns")."""
    word = word.strip(".,;:!?\"'")
    if word in _BE_VERBS:
        return True
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "'s", "’s", "us", "is"))
        and word not in _NOT_VERBS
        and word not in DETERMINERS
    )


@dataclass(frozen=True)
class CastName:
    """One character or place, and the pattern a text mentions it by."""

    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Cast:
    """The board's characters and places, with the words a beat uses to mention them."""

    characters: tuple[CastName, ...]
    places: tuple[CastName, ...]
    main: str | None

    @classmethod
    def of(cls, board: AssetBoard | None) -> Cast:
        if board is None:
            return cls((), (), None)
        all_names = [c.name for c in board.characters] + [v.name for v in board.environment]
        main = next((c.name for c in board.characters if c.role is CharacterRole.MAIN), None)
        return cls(
            tuple(CastName(c.name, _name_pattern(c.name, all_names)) for c in board.characters),
            tuple(CastName(v.name, _name_pattern(v.name, all_names)) for v in board.environment),
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


def _mentions(text: str, names: Sequence[CastName]) -> list[str]:
    found: list[tuple[int, int, str]] = []
    for order, name in enumerate(names):
        match = name.pattern.search(text)
        if match:
            found.append((match.start(), order, name.name))
    return [name for _, _, name in sorted(found)]
