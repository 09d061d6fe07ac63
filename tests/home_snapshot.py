"""What a production home holds, to compare before and after a command that must change nothing.

A refused import, pick or upload must leave the database and the files as they were; comparing
two snapshots says so on either database.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import Base, ProductionRow

Snapshot = tuple[dict[str, int], list[str], list[str]]


def snapshot(home: Path, url: str | None = None) -> Snapshot:
    """Row counts of every table and the stored specs' hashes (on the database ``url`` names,
    default the home's own), and every file and folder under ``home``.

    SQLite's own ``-wal``/``-shm``/``-journal`` files come and go with connections, so they are
    not listed.
    """
    store = Store(home, url)
    try:
        with store.session() as s:
            counts = {t.name: repo.count(s, t) for t in Base.metadata.sorted_tables}
            specs = sorted(s.scalars(select(ProductionRow.spec_hash)))
    finally:
        store.close()
    files = sorted(
        str(p.relative_to(home))
        for p in home.rglob("*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    )
    return counts, files, specs
