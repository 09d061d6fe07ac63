"""Search the library: every prompt version, board block, take note and failure reason, review,
comment and performance note of every production in the home.

The query is user text, never syntax (:mod:`shortfilm.domain.search_text`); the filters are
checked here, and a bad one is an :class:`~shortfilm.errors.InputError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shortfilm.domain.library import MAX_LIMIT, LibraryHit, LibraryQuery
from shortfilm.domain.people import Role
from shortfilm.domain.production import CampaignRole
from shortfilm.domain.search_text import query_terms
from shortfilm.errors import InputError
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.search_query import search_entries

TEAM_ROLES = frozenset(r.value for r in Role)
CAMPAIGN_ROLES = frozenset(r.value for r in CampaignRole)


@dataclass(frozen=True)
class Found:
    """A hit, with the readable path of its keyframe thumbnail when it has one."""

    hit: LibraryHit
    thumbnail: Path | None


def check(query: LibraryQuery) -> None:
    """Refuse a filter that cannot mean anything (the text itself is never refused)."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InputError(f"limit: {query.limit}; give 1 to {MAX_LIMIT}")
    if query.role is not None and query.role not in TEAM_ROLES | CAMPAIGN_ROLES:
        raise InputError(
            f"role: {query.role!r} is neither a campaign role ({', '.join(sorted(CAMPAIGN_ROLES))})"
            f" nor a team role ({', '.join(sorted(TEAM_ROLES))})"
        )


def search(store: Store, query: LibraryQuery) -> list[Found]:
    """The best hits of ``query`` across the home, best first (see
    :mod:`shortfilm.store.search_query` for the ranking)."""
    check(query)
    with store.session() as tx:
        if query.production is not None and repo.production_by_slug(tx, query.production) is None:
            raise InputError(f"production: no production {query.production!r} in this home")
        hits = search_entries(tx, query_terms(query.text), query, TEAM_ROLES)
        return [
            Found(
                hit, _thumbnail(store, tx, hit.thumbnail_sha256) if hit.thumbnail_sha256 else None
            )
            for hit in hits
        ]


def production_slugs(store: Store) -> list[str]:
    """Every production of the home, for a ``production`` filter to choose from."""
    with store.session() as tx:
        return [p.slug for p in repo.productions(tx)]


def _thumbnail(store: Store, tx: repo.Tx, sha: str) -> Path | None:
    path = store.readable_path(tx, sha)
    return path if path is not None else store.artifact_path(sha)
