"""A prepared SQLite home's rows copied into a PostgreSQL database, for the tests' PostgreSQL
templates.

The timeline and web tests each prepare one production (generated, checked, edited) and run
every test on a copy of it, on SQLite and on PostgreSQL. Preparing it a second time through
PostgreSQL re-did the same QC analyses, keyframe picks and stills (80 s of a core for the
timeline home), and what the PostgreSQL runs are there to test is the store's paths on that
server, which the tests drive on the copy. So the PostgreSQL template is the migrated schema
filled with the SQLite home's rows, table by table: the same ids, the same JSON, the same files
in the home's folder. The whole pipeline on PostgreSQL is still run end to end by the demo on
PostgreSQL (``tests/early.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from built_once import fresh, once
from sqlalchemy import create_engine, insert, select, text

from shortfilm.store.db import database_url
from shortfilm.store.repo import Store
from shortfilm.store.table_base import Base

BATCH = 500


def copy_into_postgres(home: Path, url: str) -> None:
    """Migrate the (empty) database ``url`` and copy every row of ``home``'s own SQLite
    database into it; each table's id sequence then continues after its highest id."""
    Store(home, url).close()  # the schema, by the migrations, as any new home gets it
    source = create_engine(database_url(home))
    target = create_engine(url)
    try:
        with source.connect() as read, target.begin() as write:
            # the schema's two cycles (a clip's selected take, a take's keyframe) are filled
            # in the same rows as the rest: the copy's foreign keys are checked by the source
            write.execute(text("SET session_replication_role = replica"))
            for table in Base.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                for start in range(0, len(rows), BATCH):
                    write.execute(insert(table), rows[start : start + BATCH])
                ids = table.columns.get("id")
                if rows and ids is not None and ids.autoincrement in (True, "auto"):
                    write.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                            f" (SELECT max(id) FROM {table.name}))"
                        )
                    )
            write.execute(text("SET session_replication_role = DEFAULT"))
    finally:
        source.dispose()
        target.dispose()


def postgres_home(root: Path, source: Path, url: str) -> Path:
    """``source``'s folder at ``root/<name>-pg`` (less its SQLite file) and its rows in the
    database ``url``: the prepared home, on PostgreSQL (made by the first worker that asks)."""
    home = root / f"{source.name}-pg"

    def build() -> None:
        shutil.copytree(
            source, fresh(home), symlinks=True, ignore=shutil.ignore_patterns("shortfilm.db*")
        )
        copy_into_postgres(source, url)

    once(root, home.name, build)
    return home
