"""One concurrency limit per provider account, across every process and machine of a team.

A hosted model caps the tasks one account has in flight; a process's own semaphore counts only
its own takes, so two runs, or ten workers, together exceed the cap and earn 429s. A slot here
is one of ``cap`` named locks that every process using the store shares:

- PostgreSQL: session advisory locks, each on a connection of its own held while the slot is
  (so a team holds at most ``cap`` such connections per account, however many workers wait);
- SQLite (one machine): ``flock`` on ``cap`` files under ``HOME/work/locks``.

Either way a killed holder's slot is free at once: the server ends its session, the kernel
drops its file lock. A waiter tries every slot without blocking, then sleeps a little longer
each time (up to :data:`MAX_WAIT_S`), so no waiter holds a connection while it waits.
"""

from __future__ import annotations

import fcntl
import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from shortfilm.store.repo import Store

MAX_WAIT_S = 0.5
"""The longest pause between two looks for a free slot."""

_engines: dict[str, Engine] = {}


def _slot_engine(store: Store) -> Engine:
    """Connections of their own (never the store's pool: a held slot keeps one for minutes)."""
    url = store.engine.url.render_as_string(hide_password=False)
    if url not in _engines:
        _engines[url] = create_engine(url, poolclass=NullPool)
    return _engines[url]


def _number(account: str, i: int) -> int:
    digest = hashlib.sha256(f"slot:{account}:{i}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def account_slot(store: Store, account: str, cap: int) -> Iterator[int]:
    """Hold one of ``account``'s ``cap`` slots (waiting for one); yields its number."""
    cap = max(1, cap)
    pause = 0.02
    while True:
        held = _try_any(store, account, cap)
        if held is not None:
            number, release = held
            try:
                yield number
            finally:
                release()
            return
        time.sleep(pause * (0.5 + random.random()))
        pause = min(MAX_WAIT_S, pause * 1.5)


def _try_any(store: Store, account: str, cap: int) -> tuple[int, Any] | None:
    order = list(range(cap))
    random.shuffle(order)  # waiters spread over the slots instead of all asking for slot 0
    if store.engine.dialect.name == "postgresql":
        conn = _slot_engine(store).connect()
        try:
            for i in order:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": _number(account, i)}
                )
                if got.scalar():
                    conn.commit()
                    return i, _pg_release(conn, _number(account, i))
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        conn.close()
        return None
    folder = store.home / "work" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    for i in order:
        name = hashlib.sha256(f"slot:{account}:{i}".encode()).hexdigest()[:24]
        handle = (folder / f"slot-{name}.lock").open("a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return i, _file_release(handle)
    return None


def _pg_release(conn: Any, number: int) -> Any:
    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
            conn.commit()
        finally:
            conn.close()  # the session's end frees the lock even if the unlock failed

    return release


def _file_release(handle: Any) -> Any:
    def release() -> None:
        try:
            fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    return release
