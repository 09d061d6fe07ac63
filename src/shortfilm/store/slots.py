"""One concurrency limit per provider account, across every process and machine of a team.

A hosted model caps the tasks one account has in flight; a process's own semaphore counts only
its own takes, so two runs, or ten workers, together exceed the cap and earn 429s. A slot here
is one of ``cap`` named locks that every process using the store shares:

- PostgreSQL: session advisory locks, all of one process's on one connection of its own
  (:class:`_Session`), so a worker of a hundred waiting takes holds one connection, not a
  hundred (the server's ``max_connections`` refused the hundred-and-first);
- SQLite (one machine): ``flock`` on ``cap`` files under ``HOME/work/locks``.

Either way a killed holder's slot is free at once: the server ends its session, the kernel
drops its file lock. One waiter per process at a time tries every slot without blocking, then
sleeps a little longer each time (up to :data:`MAX_WAIT_S`, or until a slot of its own process
is freed), so waiting takes cost the store almost nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from shortfilm.store.repo import Store

MAX_WAIT_S = 0.5
"""The longest pause between two looks for a free slot."""

_sessions: dict[str, _Session] = {}
_sessions_lock = threading.Lock()


class _Session:
    """This process's slots on one PostgreSQL server: one connection of its own (never the
    store's pool: slots are held for minutes), shared by the threads under a lock.

    Advisory locks are re-entrant within a session, so the slots this process holds are also
    kept here, and never tried again until released: two threads of one process must not both
    count as the holder of one slot. A connection lost (a server restart, an administrator
    ending it) drops every lock it held; the try that finds it lost asks again on a new one,
    so a take waiting for a slot waits on instead of failing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.conn: Any = None
        self.held: set[int] = set()

    def try_lock(self, number: int) -> bool:
        with self.lock:
            if number in self.held:
                return False
            try:
                got = self._ask(number)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                got = self._ask(number)  # lost, not refused: once more, on a new connection
            if got:
                self.held.add(number)
            return got

    def _ask(self, number: int) -> bool:
        """Try the lock on this process's connection (opened if need be); any failure drops
        the connection, and with it the locks it held."""
        try:
            if self.conn is None:
                self.conn = self.engine.connect()
            got = bool(
                self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": number}).scalar()
            )
            self.conn.commit()
            return got
        except Exception:
            self._drop()
            raise

    def unlock(self, number: int) -> None:
        with self.lock:
            self.held.discard(number)
            if self.conn is None:
                return
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
                self.conn.commit()
            except Exception:
                self._drop()  # the session's end frees what it held

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.conn = None
        self.held.clear()


def _session(store: Store) -> _Session:
    url = store.engine.url.render_as_string(hide_password=False)
    with _sessions_lock:
        if url not in _sessions:
            _sessions[url] = _Session(create_engine(url, poolclass=NullPool))
        return _sessions[url]


def _number(account: str, i: int) -> int:
    digest = hashlib.sha256(f"slot:{account}:{i}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _Gate:
    """The waiters of one account in this process: one at a time asks the store (the others
    wait here, asking nothing), and a slot this process frees wakes it at once."""

    def __init__(self) -> None:
        self.turn = threading.Lock()
        self.freed = threading.Event()


_gates: dict[tuple[str, str], _Gate] = {}


def _gate(store: Store, account: str) -> _Gate:
    key = (store.engine.url.render_as_string(hide_password=True), account)
    with _sessions_lock:
        return _gates.setdefault(key, _Gate())


@contextmanager
def account_slot(store: Store, account: str, cap: int) -> Iterator[int]:
    """Hold one of ``account``'s ``cap`` slots (waiting for one); yields its number.

    A hundred takes of one worker waiting for a slot ask the store one at a time: they asked
    all at once before, which cost more of a two-core machine's time the more worker processes
    it ran (``bench/workers.py``: 2 workers were slower than one)."""
    cap = max(1, cap)
    gate = _gate(store, account)
    with gate.turn:
        pause = 0.02
        while (held := _try_any(store, account, cap)) is None:
            # a slot freed here wakes the waiter at once; one freed elsewhere, at its next look
            gate.freed.wait(pause * (0.5 + random.random()))
            gate.freed.clear()
            pause = min(MAX_WAIT_S, pause * 1.5)
    number, release = held
    try:
        yield number
    finally:
        release()
        gate.freed.set()


def _try_any(store: Store, account: str, cap: int) -> tuple[int, Any] | None:
    order = list(range(cap))
    random.shuffle(order)  # waiters spread over the slots instead of all asking for slot 0
    if store.engine.dialect.name == "postgresql":
        session = _session(store)
        for i in order:
            number = _number(account, i)
            if session.try_lock(number):
                return i, functools.partial(session.unlock, number)
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


def _file_release(handle: Any) -> Any:
    def release() -> None:
        try:
            fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    return release
