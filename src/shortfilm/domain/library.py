"""The library: what a search across every production of the home asks for and finds. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shortfilm.domain.search_text import Snippet


class EntryKind(StrEnum):
    """What a found text is (``--kind``)."""

    PROMPT = "prompt"
    """A prompt version of a clip."""
    BOARD = "board"
    """One block of an asset board version (world, characters, style ...)."""
    TAKE = "take"
    """A take's notes and failure reason."""
    NOTE = "note"
    """A comment left on a version (a board, a take, an edit, a render)."""
    REVIEW = "review"
    """A review's notes, requested changes and rubric notes."""
    METRIC = "metric"
    """A performance note: how a published variant did."""
    PRODUCTION = "production"
    """The production itself: title, logline, script beats."""


@dataclass(frozen=True)
class LibraryQuery:
    """A search: the person's text (read by :func:`~shortfilm.domain.search_text.query_terms`)
    and the filters, each ``None`` (or false) for no filter."""

    text: str
    kind: EntryKind | None = None
    failed: bool = False
    """Only failed, cancelled or rejected takes."""
    role: str | None = None
    """A campaign role (the production's) or a team role (who wrote the review or note)."""
    production: str | None = None
    """A production's slug."""
    limit: int = 20


MAX_LIMIT = 200
"""The most results one search returns."""


@dataclass(frozen=True)
class LibraryHit:
    """One found text, ranked: where it is, what it is, the words that matched."""

    kind: EntryKind
    slug: str
    production_title: str
    title: str
    """What it is: ``clip-02 take 3``, ``board v2 · characters``."""
    subject_kind: str
    subject_id: int
    clip_position: int | None
    role: str
    failed: bool
    score: float
    snippet: Snippet
    thumbnail_sha256: str | None
    entry_id: int
