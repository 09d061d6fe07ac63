"""One provider account's concurrency limit, shared by every process on the store: ten worker
processes together never hold more than the account allows, and a killed holder's slot is free
at once (both databases)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from shortfilm.store.repo import Store
from shortfilm.store.slots import account_slot

ACCOUNT = "SeedanceProvider:https://ark.example:0123456789abcdef"


def _worker(home: str, url: str, cap: int, holds: int, state: Any) -> None:
    """One worker process: ``holds`` takes in a row, each holding a slot for a moment."""
    store = Store(Path(home), url)
    state["ready"].wait(timeout=60)  # all ten asking at once, however slowly each started
    try:
        for _ in range(holds):
            with account_slot(store, ACCOUNT, cap):
                with state["lock"]:
                    state["now"].value += 1
                    state["most"].value = max(state["most"].value, state["now"].value)
                time.sleep(0.25)
                with state["lock"]:
                    state["now"].value -= 1
                    state["done"].value += 1
    finally:
        store.close()


def test_ten_worker_processes_never_hold_more_than_the_account_allows(
    tmp_path: Path, db_url: str
) -> None:
    home = tmp_path / "home"
    Store(home, db_url).close()  # the schema, made once before the workers start
    ctx = multiprocessing.get_context("spawn")
    state = {
        "lock": ctx.Lock(),
        "now": ctx.Value("i", 0),
        "most": ctx.Value("i", 0),
        "done": ctx.Value("i", 0),
        "ready": ctx.Barrier(10),
    }
    workers = [
        ctx.Process(target=_worker, args=(str(home), db_url, 4, 3, state)) for _ in range(10)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * 10
    assert state["done"].value == 30
    assert state["most"].value == 4, "the account's four slots were all used, never a fifth"


HOLDER = """
import sys, time
from pathlib import Path
from shortfilm.store.repo import Store
from shortfilm.store.slots import account_slot
store = Store(Path(sys.argv[1]), sys.argv[2])
with account_slot(store, sys.argv[3], 1):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_killed_holders_slot_is_free_at_once(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    store = Store(home, db_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), db_url, ACCOUNT],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        took: list[float] = []

        def wait_for_slot() -> None:
            start = time.monotonic()
            with account_slot(store, ACCOUNT, 1):
                took.append(time.monotonic() - start)

        waiter = threading.Thread(target=wait_for_slot)
        waiter.start()
        time.sleep(1.0)
        assert not took, "the only slot is held: the waiter waits"
        holder.kill()  # kill -9: no cleanup runs in the holder
        waiter.join(timeout=30)
        assert took and took[0] >= 1.0
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
        store.close()


def test_a_hundred_threads_of_one_process_share_its_slots_and_one_connection(
    tmp_path: Path, db_url: str
) -> None:
    """A worker with a hundred takes waiting: never more than the cap held (two threads of one
    process never both hold one slot), and on PostgreSQL one connection for all of them (a
    connection per waiter exhausted the server's ``max_connections``)."""
    store = Store(tmp_path / "home", db_url)
    lock, state = threading.Lock(), {"now": 0, "most": 0, "done": 0}
    start = threading.Barrier(100)

    def take(_: int) -> None:
        start.wait()
        with account_slot(store, ACCOUNT + ":threads", 4):
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            time.sleep(0.02)
            with lock:
                state["now"] -= 1
                state["done"] += 1

    def connections() -> int:
        from sqlalchemy import text

        with store.engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                or 0
            )

    postgres = store.engine.dialect.name == "postgresql"
    base = connections() if postgres else 0
    seen: list[int] = []
    threads = [threading.Thread(target=take, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    while postgres and any(t.is_alive() for t in threads):
        seen.append(connections() - base)  # while they wait and hold: the slots' connections
        time.sleep(0.01)
    for t in threads:
        t.join(timeout=120)
    try:
        assert state == {"now": 0, "most": 4, "done": 100}, state
        assert not postgres or max(seen) <= 1, max(seen)
    finally:
        store.close()


def test_a_slot_asked_after_the_server_ended_the_connection_is_asked_again(
    tmp_path: Path, pg_url: str
) -> None:
    """The process's slot connection outlives a restart of PostgreSQL or an administrator ending
    it (``pg_terminate_backend``): the next take asking for a slot gets one on a new connection
    instead of failing with "terminating connection due to administrator command". The slots
    the lost connection held were freed by the server; this process forgets them too."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from shortfilm.store import slots

    store = Store(tmp_path / "home", pg_url)
    try:
        with account_slot(store, ACCOUNT + ":lost", 2):
            pass
        session = slots._session(store)
        pid = session.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with store.engine.connect() as admin:  # as a DBA would, from elsewhere
            admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        with account_slot(store, ACCOUNT + ":lost", 2) as number:
            assert number in (0, 1)
            again = session.conn.execute(text("SELECT pg_backend_pid()")).scalar()
            held = session.conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = :p"),
                {"p": again},
            ).scalar()
        assert again != pid and held == 1
        # a server that refuses connections still fails the take that met it, at once
        refused = slots._Session(slots.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/x"))
        with pytest.raises(OperationalError):
            refused.try_lock(1)
    finally:
        store.close()
