"""The library's words: how stored text and a person's query become the same terms, how a hit is
ranked, and the snippet shown with it. Pure, so SQLite and PostgreSQL see identical words.

Both databases index the text :func:`index_terms` makes (lower case, accents dropped, every run
of letters and digits one word, words joined by single spaces), never the raw text: each
database's own tokenizer then only splits on spaces, so they cannot disagree about what a word
is. A query is user text, never syntax: :func:`query_terms` keeps only its words (quotes, ``*``,
``NEAR``, ``-`` and parentheses are separators or plain words), each then matched as a prefix,
all of them required.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUERY_CHARS = 500
"""A query is cut to this many characters before it is read (a 10 kB paste stays a search)."""
MAX_TERMS = 8
"""At most this many distinct words of a query are matched (the first ones)."""
MAX_WORD_CHARS = 64
"""Longer runs of letters (a pasted hash, a base64 blob) are not words: neither indexed nor
matched, alike on both databases."""
MAX_INDEXED_CHARS = 200_000
"""Only the first characters of a very long body are indexed (PostgreSQL caps a tsvector)."""

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits (``\\w`` is exactly those and ``_``)."""


def _fold(text: str) -> str:
    """Lower case with accents dropped (``Café`` -> ``cafe``); compatibility forms unfolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The words of ``text`` in order: folded runs of letters and digits, each at most
    :data:`MAX_WORD_CHARS` long (longer runs are dropped)."""
    return [w for w in _WORD.findall(_fold(text)) if len(w) <= MAX_WORD_CHARS]


def index_terms(*texts: str) -> str:
    """What the databases index for a body: its words joined by single spaces."""
    joined = "\n".join(texts)[:MAX_INDEXED_CHARS]
    return " ".join(words(joined))


def query_terms(query: str) -> tuple[str, ...]:
    """The distinct words of a query (first :data:`MAX_TERMS`), each to be matched as a prefix.
    Empty when the query has no word: such a search finds nothing."""
    seen: dict[str, None] = {}
    for word in words(query[:MAX_QUERY_CHARS]):
        seen.setdefault(word, None)
        if len(seen) == MAX_TERMS:
            break
    return tuple(seen)


def fts5_match(terms: Sequence[str]) -> str:
    """The FTS5 ``MATCH`` string: every term a quoted prefix, all required. Terms are letters and
    digits only, so the quotes hold nothing to escape."""
    return " ".join(f'"{t}"*' for t in terms)


PREFIX_MARKS = {3: "~", 4: "~~"}
"""PostgreSQL indexes each word's first 3 and 4 characters as lexemes with these marks (the
prefix indexes FTS5 keeps), so a 3- or 4-character query word is one exact lexeme."""


def tsquery(terms: Sequence[str]) -> str:
    """The PostgreSQL ``tsquery`` text (read as a literal, no parser), every term required: a
    3- or 4-character term as its marked prefix lexeme, any other as a quoted prefix."""
    return " & ".join(
        f"'{PREFIX_MARKS[len(t)]}{t}'" if len(t) in PREFIX_MARKS else f"'{t}':*" for t in terms
    )


def score(terms: Sequence[str], indexed: str) -> float:
    """The one ranking rule, computed here for both databases: per query term, whole-word hits
    count 1 and longer words it begins count 0.5; the sum saturates (``h / (h + 1)``) and is
    damped for long bodies, so a short note that says it beats a long prompt that mentions it."""
    padded = f" {indexed} "
    length_penalty = 1.0 + math.log1p((padded.count(" ") - 1) / 50.0)
    total = 0.0
    for term in terms:
        begun = padded.count(" " + term)
        whole = padded.count(f" {term} ")  # a word repeated back to back counts once
        hits = whole + 0.5 * (begun - whole)
        total += hits / (hits + 1.0)
    return round(total / length_penalty, 9)


@dataclass(frozen=True)
class Snippet:
    """A stretch of a body around its first match: ``text``, and the ``marks`` (start, end)
    character offsets of the matched words within it."""

    text: str
    marks: tuple[tuple[int, int], ...]


def snippet(body: str, terms: Sequence[str], width: int = 200) -> Snippet:
    """Up to ``width`` characters of ``body`` around its first matched word (``…`` where cut),
    with every matched word in it marked."""
    flat = " ".join(body.split())
    first = next((m.start() for m in _WORD.finditer(flat) if _matches(m.group(), terms)), 0)
    start = 0
    if first > width // 3:
        start = first - width // 3
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    marks = tuple(
        (m.start() + shift, m.end() + shift)
        for m in _WORD.finditer(flat, start, end)
        if _matches(m.group(), terms)
    )
    return Snippet(prefix + flat[start:end] + suffix, marks)


def _matches(run: str, terms: Sequence[str]) -> bool:
    """Whether a run of letters and digits of the text holds a word some term begins."""
    found = [run.lower()] if run.isascii() else words(run)
    return any(w.startswith(t) for w in found for t in terms)
