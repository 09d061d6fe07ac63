"""Opening the database: a SQLite file in the production home by default, PostgreSQL by URL.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, so a reader never blocks the
one writer; the schema is brought to head with Alembic on open (migrations are idempotent).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

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
    cur.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts and survives a process crash (kill -9); only an OS crash
    # may lose the last commits. FULL would fsync every short transaction of every worker.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when already there)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
