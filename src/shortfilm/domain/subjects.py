"""Which board entry a shot is about: its subject text resolved to a character, place or prop.

The animatic draws each shot from the reference of the entry its subject resolves to, and lint
(K307) asks which board characters a clip names; both use this module so they agree. A subject
resolves by, in order of strength:

* a name or alias of an entry (all its words, or any telling word of it: "the three patrol
  units" names "Patrol unit", "the white villa" names "Villa exterior"); when several entries
  are named, the one named first is the subject ("Kestrel and the last robot" is Kestrel);
* failing any name, the noun an entry's description says it is ("the lead robot" is the
  "Patrol unit" whose description opens "Zombie robot: ..."), the entry named first winning.

Words under a negation do not count: "Nothing but black water where the lighthouse should be"
is not the lighthouse, nor is "no sign of Kestrel" Kestrel. A subject naming nothing resolves to
no entry, so a caller shows that text instead of borrowing another entry's picture.

Props are what a character's ``props`` text introduces as ``Name: description`` ("Spinning
blade: a 60 cm steel disc ..."); they have no reference image of their own. Pure: no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from shortfilm.domain.production import AssetBoard

SubjectKind = Literal["character", "place", "prop"]

_STOP = frozenset(
    """
    a an the and or but nor so yet of in on at to for from by with into onto over under up down
    out off through across along around about above below behind beside between beyond near past
    toward towards against as than then once when while where after before until is are was were
    be been being am has have had do does did it its this that these those there here he she they
    we you him her his hers them their us our your my who whom whose which what each every all
    both some any only just also very too one two three four five six seven eight nine ten first
    second third last next other another same such own more most less least few many much lead
    left right front back side main old new big small long short
    """.strip().split(sep=None)
)
"""Words that never tell one entry from another (ordinal and position words included: "the
second robot" is a robot, "the left side" names nothing)."""

_GENERIC_NAME_WORDS = frozenset({"exterior", "interior", "view", "unit", "shot", "place"})
"""Words of a name too generic to name the entry alone ("unit" in "Patrol unit")."""

_NEGATORS = frozenset(
    {"no", "not", "without", "nothing", "never", "none", "nobody", "instead", "absent", "lacking"}
)
_AFFIRMING_AFTER_NEGATOR = frozenset({"but", "except", "save"})
"""``nothing but X`` shows X: the negator does not reach past these."""
_ABSENCE_AFTER = (("should", "be"), ("would", "be"), ("used", "to"), ("once", "stood"))
"""``... where the lighthouse should be``: the words before such a pair are absent."""
_ABSENT_WORDS = frozenset({"gone", "missing", "vanished", "absent"})
_RELATIVE = frozenset({"where", "which", "that", "what", "whose"})
_CLAUSE = re.compile(r"[,;:.!?()\u2014\u2013]| - | but ")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class BoardSubject:
    """One entry a shot can be about."""

    kind: SubjectKind
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    reference: str | None = None
    """The entry's reference image as the board names it (a path, or a reference label)."""
    owner: str | None = None
    """For a prop: the character whose ``props`` text introduces it."""

    @property
    def label(self) -> str:
        """What a picture of this entry is called: ``character Kestrel``, ``prop Blade``."""
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Resolution:
    """What a subject text resolved to, and how (for metadata, lint messages and tests)."""

    text: str
    subject: BoardSubject | None
    how: Literal["name", "description", "negated", "unmatched", "blank"]


def board_subjects(board: AssetBoard) -> tuple[BoardSubject, ...]:
    """The board's characters, places (environment views) and props, in board order."""
    out: list[BoardSubject] = []
    for c in board.characters:
        out.append(BoardSubject("character", c.name, c.aliases, c.description, c.reference, None))
    for v in board.environment:
        out.append(BoardSubject("place", v.name, v.aliases, v.description, v.reference, None))
    for c in board.characters:
        for name, description in props_of(c.props):
            out.append(BoardSubject("prop", name, (), description, None, c.name))
    return tuple(out)


def props_of(text: str) -> list[tuple[str, str]]:
    """``Name: description`` sentences of a character's ``props`` text as (name, description);
    a name is at most four words, so a sentence that merely contains a colon is not a prop."""
    found: list[tuple[str, str]] = []
    for sentence in re.split(r"(?<=[.;])\s+", text.strip()):
        name, colon, rest = sentence.partition(":")
        if colon and name.strip() and len(name.split()) <= 4:
            found.append((name.strip(), rest.strip()))
    return found


def resolve_subject(text: str, subjects: Sequence[BoardSubject]) -> Resolution:
    """The entry ``text`` is about (see the module docstring), or none and why."""
    tokens = _tokens(text)
    if not tokens:
        return Resolution(text, None, "blank")
    named = _named(tokens, subjects)
    if named:
        return Resolution(text, named[0][1], "name")
    negated = [s for _, s in _named(tokens, subjects, include_negated=True)]
    best: tuple[int, BoardSubject] | None = None
    for subject in subjects:
        kind = _kind_word(subject.description)
        if kind is None or subject in negated:  # "where the lighthouse should be" is not it
            continue
        hits = [i for i, (stem, neg) in enumerate(tokens) if not neg and stem == kind]
        if hits and (best is None or hits[0] < best[0]):
            best = (hits[0], subject)
    if best is not None:
        return Resolution(text, best[1], "description")
    if negated:
        return Resolution(text, None, "negated")
    return Resolution(text, None, "unmatched")


def named_subjects(texts: Iterable[str], subjects: Sequence[BoardSubject]) -> list[BoardSubject]:
    """Every entry some text names (by name or alias, not under a negation), in board order."""
    seen: set[str] = set()
    for text in texts:
        seen.update(s.label for _, s in _named(_tokens(text), subjects))
    return [s for s in subjects if s.label in seen]


# --- words ------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """Possessive and plural folded: ``robot's``, ``robots`` and ``robot`` are one word."""
    word = word.removesuffix("'s").removesuffix("'")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


_HEAD_PHRASE_ENDS = frozenset(
    {"who", "which", "that", "with", "without", "on", "in", "of", "at", "from", "by", "for"}
    | {"under", "over", "near", "beside", "behind", "whose", "where", "and", "to"}
)


def _kind_word(description: str) -> str | None:
    """The noun an entry's description says it is: the last word of its head phrase, cut at the
    first clause mark, preposition, relative word or ``-ing`` word ("Zombie robot: ..." ->
    ``robot``, "White tower with red bands" -> ``tower``, "Cracked coast road running
    through ruins" -> ``road``). Only that word is matched: the rest are looks ("black",
    "white"), and matching on them would make "black water" a character."""
    head = _CLAUSE.split(f" {description.lower()} ", maxsplit=1)[0]
    words: list[str] = []
    for word in _WORD.findall(head):
        if word in _HEAD_PHRASE_ENDS or (len(word) > 4 and word.endswith("ing")):
            break
        words.append(_stem(word))
    return words[-1] if words and words[-1] not in _STOP else None


def _tokens(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` (stemmed) each with whether a negation covers it."""
    out: list[tuple[str, bool]] = []
    for clause in _CLAUSE.split(f" {text.lower()} "):
        words = [_stem(w) for w in _WORD.findall(clause)]
        negated = [False] * len(words)
        for i, word in enumerate(words):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if word in _NEGATORS and nxt not in _AFFIRMING_AFTER_NEGATOR:
                for j in range(i + 1, len(words)):
                    negated[j] = True
            if (word, nxt) in _ABSENCE_AFTER or word in _ABSENT_WORDS:
                start = max((k for k in range(i) if words[k] in _RELATIVE), default=0)
                for j in range(start, i):
                    negated[j] = True
        out.extend(zip(words, negated, strict=True))
    return out


def _named(
    tokens: list[tuple[str, bool]],
    subjects: Sequence[BoardSubject],
    *,
    include_negated: bool = False,
) -> list[tuple[int, BoardSubject]]:
    """Entries named by name or alias, as (position of the first naming word, entry), sorted.

    A whole name or alias counts wherever its words stand; a single telling word of it (not a
    stopword nor a generic word) counts too. Ties at one position go to the longer match.
    """
    found: list[tuple[int, int, int, BoardSubject]] = []
    for order, subject in enumerate(subjects):
        hit: tuple[int, int] | None = None
        for phrase in (subject.name, *subject.aliases):
            keys = [_stem(w) for w in _WORD.findall(phrase.lower())]
            telling = [k for k in keys if k not in _STOP and k not in _GENERIC_NAME_WORDS]
            wanted = set(telling or keys) - _STOP
            at = [
                i
                for i, (stem, negated) in enumerate(tokens)
                if stem in wanted and (include_negated or not negated)
            ]
            if at:
                matched = len({tokens[i][0] for i in at})
                candidate = (min(at), -matched)
                hit = candidate if hit is None or candidate < hit else hit
        if hit is not None:
            found.append((hit[0], hit[1], order, subject))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    return [(pos, subject) for pos, _, _, subject in found]


__all__ = [
    "BoardSubject",
    "Resolution",
    "SubjectKind",
    "board_subjects",
    "named_subjects",
    "props_of",
    "resolve_subject",
]
