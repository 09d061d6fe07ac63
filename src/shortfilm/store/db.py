"""Opening the database: a SQLite file in the production home by default, PostgreSQL by URL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, so a reader never blocks the
one writer; the schema is brought to head with Alembic on open (migrations are idempotent).
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

ENV_URL = "SHORTFILM_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(home: Path) -> str:
    """``SHORTFILM_DATABASE_URL`` if set, else the SQLite file ``home/shortfilm.db``."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{(home / 'shortfilm.db').resolve()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    # WAL is a property of the file, set once. Changing the journal mode needs the file to
    # itself and SQLite answers "database is locked" at once, without the busy timeout, while
    # another process opens or closes it, so a file already in WAL is left alone and a new
    # one is retried for the same ten seconds.
    deadline = time.monotonic() + 10.0
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                # WAL after this, or not for a database that cannot have it (in memory)
                cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    # In WAL mode NORMAL never corrupts and survives a process crash (kill -9); only an OS crash
    # may lose the last commits. FULL would fsync every short transaction of every worker.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


_MIGRATION_LOCK = 0x5F_4D49_4752
"""PostgreSQL advisory lock key held while the schema is migrated (any fixed number will do)."""


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when already there).

    Two processes opening a new home at once (two terminals, a web server and a worker) would
    both create the tables and one would fail, so the upgrade runs under a lock: an advisory
    lock on PostgreSQL, the write lock (``BEGIN IMMEDIATE``) on SQLite, whose driver would not
    otherwise open a transaction for DDL at all. The second process then finds the schema at
    head. A schema already at head is seen without taking any lock.
    """
    head = declared_head()
    if head is not None and _current_revision(engine) == head:
        return
    # Alembic (with Mako and Pygments) costs a few hundred ms to import and to read the
    # migration scripts: paid only when the schema may need upgrading, not by every command
    from alembic import command
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")  # reads the revision again, under the lock


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(.+)$", re.MULTILINE)


@functools.cache
def declared_head() -> str | None:
    """The newest revision the migration scripts declare, read as text (not imported).

    ``None`` when the scripts do not name exactly one head (a branch, a form this reading does
    not know): :func:`migrate` then asks Alembic. Matches Alembic's own head (a test checks).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            found = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (revisions if name == "revision" else parents).update(found)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _current_revision(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for a new database (no version table yet)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None
