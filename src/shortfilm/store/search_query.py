"""Searching the library: the database matches, one rule in Python ranks.

Matching runs in each database's full-text index over the same folded words (FTS5 ``MATCH`` on
SQLite, ``@@`` against the GIN-indexed ``tsvector`` on PostgreSQL): every query term a prefix of
some word, all terms required. Of the matches, the newest :data:`CANDIDATES` (by entry id, the
same set on both databases) are ranked by :func:`shortfilm.domain.search_text.score`, ties
broken by id (newest first), so both databases return the same list in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, TextClause, literal_column, select, table, text

from shortfilm.domain.library import EntryKind, LibraryHit, LibraryQuery
from shortfilm.domain.search_text import fts5_match, score, snippet, tsquery
from shortfilm.store.repo import Tx
from shortfilm.store.search_tables import FTS_TABLE, SearchEntryRow
from shortfilm.store.tables import ProductionRow

CANDIDATES = 400
"""The newest matches ranked per search: bounds the work of a query matching most entries."""


def _matching(tx: Tx, terms: Sequence[str]) -> ColumnElement[bool] | TextClause:
    e = SearchEntryRow
    if tx.get_bind().dialect.name == "sqlite":
        fts: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(table(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=fts5_match(terms)))
        )
        return e.id.in_(fts)
    return text(
        "array_to_tsvector(string_to_array(search_entries.terms, ' ')) @@ CAST(:tsq AS tsquery)"
    ).bindparams(tsq=tsquery(terms))


def search_entries(
    tx: Tx, terms: Sequence[str], query: LibraryQuery, team_roles: frozenset[str]
) -> list[LibraryHit]:
    """The entries matching ``terms`` under ``query``'s filters, best first, at most
    ``query.limit``. ``query.role`` filters the author's role when it is one of ``team_roles``,
    else the production's campaign role."""
    if not terms:
        return []
    e, p = SearchEntryRow, ProductionRow
    stmt = select(e.id, e.terms).where(_matching(tx, terms))
    if query.role is not None or query.production is not None:
        stmt = stmt.join(p, p.id == e.production_id)
    if query.kind is not None:
        stmt = stmt.where(e.kind == query.kind.value)
    if query.failed:
        stmt = stmt.where(e.failed.is_(True))
    if query.role is not None:
        stmt = stmt.where(
            e.role == query.role if query.role in team_roles else p.campaign_role == query.role
        )
    if query.production is not None:
        stmt = stmt.where(p.slug == query.production)
    stmt = stmt.order_by(e.id.desc()).limit(CANDIDATES)
    ranked = sorted((-score(terms, found), -entry_id) for entry_id, found in tx.execute(stmt))
    best = [-entry_id for _, entry_id in ranked[: query.limit]]
    if not best:
        return []
    rows = tx.execute(
        select(e, p.slug, p.title).join(p, p.id == e.production_id).where(e.id.in_(best))
    )
    by_id = {row[0].id: row for row in rows}
    return [_hit(by_id[entry_id], terms) for entry_id in best]


def _hit(row: Row[SearchEntryRow, str, str], terms: Sequence[str]) -> LibraryHit:
    entry: SearchEntryRow = row[0]
    return LibraryHit(
        kind=EntryKind(entry.kind),
        slug=row[1],
        production_title=row[2],
        title=entry.title,
        subject_kind=entry.subject_kind,
        subject_id=entry.subject_id,
        clip_position=entry.clip_position,
        role=entry.role,
        failed=entry.failed,
        score=score(terms, entry.terms),
        snippet=snippet(entry.body, terms),
        thumbnail_sha256=entry.thumbnail_sha256,
        entry_id=entry.id,
    )
