"""The library's index rows: one per searchable text of any production in the home.

Kept current by :mod:`shortfilm.store.search_index` at every flush, never written elsewhere.
Each database also holds its own full-text structure over ``terms``, made by migration 0014 and
outside these models (:data:`DIALECT_OBJECTS`): an FTS5 external-content table with triggers on
SQLite, a stored ``tsvector`` column of the words of ``terms`` with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortfilm.store.table_base import Base

FTS_TABLE = "search_fts"
"""SQLite: the FTS5 table over ``search_entries.terms`` (external content, ``rowid`` = ``id``)."""
TSV_COLUMN = "tsv"
"""PostgreSQL: a stored generated column, :data:`TSV_EXPRESSION`."""
TSV_EXPRESSION = (
    "array_to_tsvector(string_to_array(terms, ' ')"
    " || string_to_array(regexp_replace(terms, '(\\S{1,3})\\S*', '~\\1', 'g'), ' ')"
    " || string_to_array(regexp_replace(terms, '(\\S{1,4})\\S*', '~~\\1', 'g'), ' '))"
)
"""The words of ``terms`` as lexemes (no text-search parser: the words are already folded), and
each word's first 3 characters marked ``~`` and first 4 marked ``~~``: a query word of 3 or 4
characters is then one exact lexeme, not a merge of every word it begins (see
:func:`shortfilm.domain.search_text.tsquery`)."""
TSV_INDEX = "ix_search_entries_tsv"
"""PostgreSQL: the GIN index over :data:`TSV_COLUMN`."""
TSV_INDEX_DDL = (
    f"CREATE INDEX {TSV_INDEX} ON search_entries USING gin ({TSV_COLUMN}) WITH (fastupdate = off)"
)
"""Without GIN's pending list: each write updates the index at once, so no search has to read
a list of recent entries sequentially (a bulk :func:`~shortfilm.store.search_index.rebuild`
drops the index and makes it again instead)."""
DIALECT_OBJECTS = frozenset(
    {TSV_COLUMN, TSV_INDEX, FTS_TABLE}
    | {f"{FTS_TABLE}_{part}" for part in ("data", "idx", "config", "docsize")}
)
"""Names of the per-database search objects the models do not declare (the migration check and
autogenerate leave them out)."""


def declared_in_models(name: str | None, type_: str, parent: object) -> bool:
    """Alembic's ``include_name`` hook: everything but :data:`DIALECT_OBJECTS`."""
    return name not in DIALECT_OBJECTS


class SearchEntryRow(Base):
    """One searchable text: what it is (``kind``, the subject it was read from), where
    (production, clip), and its words (``terms``, see :mod:`shortfilm.domain.search_text`)."""

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "part"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``production``, ``board``, ``prompt``, ``take``, ``review``, ``note`` or ``metric``."""
    production_id: Mapped[int] = mapped_column(ForeignKey("productions.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    """The table the text was read from: ``production``, ``board``, ``prompt``, ``take``,
    ``review``, ``comment`` or ``event``."""
    subject_id: Mapped[int] = mapped_column(Integer)
    part: Mapped[str] = mapped_column(String(60), default="")
    """Which text of the subject (a board's block name); ``""`` for a subject with one."""
    clip_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(40), default="")
    """The team role of who wrote it (reviews, comments); ``""`` otherwise."""
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    """A take that failed, was cancelled or rejected (and what is said of one)."""
    title: Mapped[str] = mapped_column(String(300))
    """What it is, for a person: ``clip-02 take 3``, ``board v2 · characters``."""
    body: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The chosen keyframe of the take it is about, where there is one."""
