"""Searching the library: the database matches, one rule in Python ranks.

Matching runs in each database's full-text index over the same folded words (FTS5 ``MATCH`` on
SQLite, ``@@`` against the GIN-indexed ``tsvector`` on PostgreSQL): every query term a prefix of
some word, all terms required. Of the matches, the newest :data:`CANDIDATES` (by entry id, the
same set on both databases) are ranked by :func:`shortfilm.domain.search_text.score`, ties
broken by id (newest first), so both databases return the same list in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, Select, column, select, table, text

from shortfilm.domain.library import EntryKind, LibraryHit, LibraryQuery
from shortfilm.domain.search_text import fts5_match, score, snippet, tsquery
from shortfilm.store.repo import Tx
from shortfilm.store.search_tables import FTS_TABLE, TSV_COLUMN, SearchEntryRow
from shortfilm.store.tables import ProductionRow

CANDIDATES = 250
"""The newest matches ranked per search: bounds the work of a query matching most entries."""


def _candidates(tx: Tx, terms: Sequence[str]) -> Select[int, str]:
    """The matching entries' ids and words, newest first: on SQLite driven by FTS5 in
    descending rowid order (it stops at the limit); on PostgreSQL the planner picks the GIN
    index (rare words) or a backward walk of the ids testing the stored ``tsvector`` (common)."""
    e = SearchEntryRow
    if tx.get_bind().dialect.name == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))
        match = text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=fts5_match(terms))
        return (
            select(e.id, e.terms)
            .select_from(fts.join(e, e.id == fts.c.rowid))
            .where(match)
            .order_by(fts.c.rowid.desc())
        )
    # the plan depends on the words (GIN for rare ones, a walk of the newest ids for common
    # ones): never a generic plan, which psycopg's prepared statements would get after a few runs
    tx.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    match = text(f"search_entries.{TSV_COLUMN} @@ CAST(:tsq AS tsquery)").bindparams(
        tsq=tsquery(terms)
    )
    return select(e.id, e.terms).where(match).order_by(e.id.desc())


def search_entries(
    tx: Tx, terms: Sequence[str], query: LibraryQuery, team_roles: frozenset[str]
) -> list[LibraryHit]:
    """The entries matching ``terms`` under ``query``'s filters, best first, at most
    ``query.limit``. ``query.role`` filters the author's role when it is one of ``team_roles``,
    else the production's campaign role."""
    if not terms:
        return []
    e, p = SearchEntryRow, ProductionRow
    stmt = _candidates(tx, terms)
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
    stmt = stmt.limit(CANDIDATES)
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
