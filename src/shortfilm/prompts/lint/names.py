"""Who and what the asset board names, and the names a clip uses that the board never gave.

Reference mode only helps when the prompt's names point at the board: a character called "Mara"
in a shot but "Kestrel" on the board gets no reference image and is invented from text, which is
exactly the drift the asset board exists to prevent. There is no dictionary here, so a "name" is
read the way a careful reader would: a capitalised word that is not at the start of a sentence,
not a stopword, and never written in lower case anywhere in the production (a word the author
also writes in lower case is a common noun, like "Villa" and "villa").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from shortfilm.domain.production import Production
from shortfilm.prompts.lint.vocabulary import STOPWORDS, Word, word_set, words

_NOT_NAMES = word_set(
    """
    step shot scene clip image frame take cut pov ots close-up wide medium slow fast camera
    lens sound music voice no none keep match avoid
    """
)
"""Capitalised words that label a prompt's parts rather than naming anyone."""

_MISSPELLING_CUTOFF = 0.75
"""How alike (difflib ratio) an unknown word and a board name must be to suggest the name."""


@dataclass(frozen=True)
class UnknownName:
    """A name used in a clip that the board does not have; ``near`` is a board name it resembles."""

    text: str
    near: str | None


@dataclass(frozen=True)
class BoardNames:
    """Names the board gives, and the words the production writes as common nouns."""

    display: tuple[str, ...]
    """Character and environment view names as written, for hints."""
    name_words: dict[str, str]
    """Lower-case word of a character or view name -> the whole name as written."""
    known: frozenset[str]
    """Capitalised words where the board defines things (names, world, descriptions), lower-cased.

    Consistency and negative lines are left out: a name only mentioned there ("Ilse's dress is
    always linen") has no character entry, so nothing gives it a reference.
    """
    common: frozenset[str]
    """Words written in lower case somewhere in the production: not proper names."""

    @classmethod
    def of(cls, production: Production) -> BoardNames:
        board = production.board
        display = tuple(c.name for c in board.characters) + tuple(v.name for v in board.environment)
        name_words: dict[str, str] = {}
        for name in display:
            for word in words(name):
                if word.lower not in STOPWORDS:
                    name_words.setdefault(word.lower, name)
        known = {
            w.lower for text in _defining_texts(production) for w in words(text) if _capital(w)
        }
        common = {
            w.lower for text in _all_texts(production) for w in words(text) if w.text.islower()
        }
        return cls(display, name_words, frozenset(known | set(name_words)), frozenset(common))

    def unknown(self, text: str, *, first_word_counts: bool) -> list[UnknownName]:
        """Names in ``text`` not on the board, in order, consecutive words joined ("Neo Tokyo").

        ``first_word_counts`` reads ``text`` as a noun phrase (a shot subject), whose first word
        is a name when capitalised, rather than as sentences whose first word is capitalised anyway.
        """
        out: list[UnknownName] = []
        run: list[Word] = []
        found = words(text)
        for index, word in enumerate(found):
            at_start = first_word_counts and index == 0 and _names_at_start(found)
            counts = not word.sentence_start or at_start
            if counts and self._unknown(word):
                run.append(word)
                continue
            if run and _capital(word) and word.lower in STOPWORDS:
                run.append(word)  # "Tower Nine", "Gate One": a number word inside a name
                continue
            out += self._close(run)
            run = []
        out += self._close(run)
        return out

    def _unknown(self, word: Word) -> bool:
        lower = word.lower
        return (
            _capital(word)
            and not word.quoted
            and lower not in STOPWORDS
            and lower not in _NOT_NAMES
            and lower not in self.known
            and lower not in self.common
        )

    def _close(self, run: list[Word]) -> Iterator[UnknownName]:
        if not run:
            return
        text = " ".join(w.text for w in run)
        near: str | None = None
        for word in run:
            match = difflib.get_close_matches(
                word.lower, list(self.name_words), n=1, cutoff=_MISSPELLING_CUTOFF
            )
            if match and len(word.lower) >= 4:
                near = self.name_words[match[0]]
                break
        yield UnknownName(text, near)


def _names_at_start(found: Sequence[Word]) -> bool:
    """Whether a noun phrase's capitalised first word reads as a name, not a capitalised noun.

    ``Marcus``, ``Mara's hands``, ``Mara and the drone``, ``Officer Reyes``: a name. ``Neon signs``
    (the first word qualifies a lower-case noun right after it): an ordinary noun phrase.
    """
    first, following = found[0], found[1:2]
    if first.possessive or not following:
        return True
    after = following[0]
    return after.after_punctuation or not after.text.islower() or after.lower in STOPWORDS


def _capital(word: Word) -> bool:
    """Capitalised like a name: ``Mara``, ``Neo-Tokyo``; not an acronym or sign text (``HUD``)."""
    return word.text[0].isupper() and not (len(word.text) > 1 and word.text.isupper())


def _defining_texts(production: Production) -> Iterator[str]:
    board = production.board
    yield board.world
    for c in board.characters:
        yield from (c.name, c.description, c.outfit, c.silhouette, c.props)
    for v in board.environment:
        yield from (v.name, v.description)


def _board_texts(production: Production) -> Iterator[str]:
    yield from _defining_texts(production)
    yield from production.board.consistency
    yield from production.board.negative


def _all_texts(production: Production) -> Iterator[str]:
    yield production.title
    yield production.script.logline
    yield from production.script.beats
    yield from _board_texts(production)
    for clip in production.clips:
        yield from (clip.job, clip.tone_world, clip.character_environment, clip.sound_rule)
        for shot in clip.shots:
            yield from (shot.camera, shot.movement, shot.subject, shot.action)
    yield from (c.text for c in production.edit.captions)
