"""Two processes on one production at the same moment, on SQLite and PostgreSQL: opening a new
home, holding a named lock, and two whole ``shortfilm run``s against the fake ModelArk.

What a team does without thinking: two people start ``run`` on the same spec, or a web server
and a worker open a new home together. Each step must happen once (one production, one take
per clip, paid once and downloaded once, one Edit, one render, one approval each) and both
runs must end well with the same film.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import at_once
from sqlalchemy import func, select

from shortfilm.store.repo import Store
from shortfilm.store.tables import EventRow
from shortfilm.testing.fake_modelark import FakeModelArk

KEY = "ark-test-concurrent-0123456789"
SMALL_CLI = Path(__file__).with_name("small_cli.py")
"""The command with small exports: these tests are about payments and claims, not pixels."""


@pytest.mark.usefixtures("real_migrations")  # not the tests' migrated copy (see conftest)
def test_a_new_home_opened_by_four_at_once_is_migrated_once(tmp_path: Path, db_url: str) -> None:
    stores = at_once(4, lambda i: Store(tmp_path / "home", db_url))
    assert all(isinstance(s, Store) for s in stores), stores
    try:
        with stores[0].engine.connect() as conn:
            from alembic.migration import MigrationContext

            assert MigrationContext.configure(conn).get_current_revision() is not None
        with stores[3].session() as s:  # every table is there and usable
            assert s.scalar(select(func.count()).select_from(EventRow)) == 0
    finally:
        for s in stores:
            s.close()


@pytest.mark.usefixtures("real_migrations")  # a new database, the migrations not yet run
def test_four_processes_initialising_one_new_home_all_succeed(tmp_path: Path, db_url: str) -> None:
    """Separate processes, not threads: each connection's set-up (WAL mode on a new SQLite
    file) must wait for the one migrating instead of failing on the lock."""
    env = dict(os.environ, SHORTFILM_DATABASE_URL=db_url)
    args = [sys.executable, "-m", "shortfilm", "init", "--home", str(tmp_path / "home")]
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]


def test_an_exclusive_block_waits_for_the_one_holding_it(tmp_path: Path, db_url: str) -> None:
    """Two holders of one key (from two stores: two processes' connections) and one of another
    key start together. The first of a key holds it until the other key's holder is inside its
    own block: a lock that also kept out other keys would never let it in."""
    stores = [Store(tmp_path / "home", db_url) for _ in range(2)]
    guard = threading.Lock()
    inside = {"render:1:vertical": 0, "render:1:square": 0}
    most = dict.fromkeys(inside, 0)
    other_in = threading.Event()
    saw_other: list[bool] = []

    def hold(i: int) -> None:
        key = "render:1:vertical" if i < 2 else "render:1:square"
        with stores[i % 2].exclusive(key):
            with guard:
                inside[key] += 1
                most[key] = max(most[key], inside[key])
            if key == "render:1:square":
                other_in.set()
            else:
                saw_other.append(other_in.wait(timeout=30))
                time.sleep(0.05)  # room for a second holder to come in, were the lock broken
            with guard:
                inside[key] -= 1

    try:
        assert at_once(3, hold) == [None] * 3
    finally:
        for s in stores:
            s.close()
    assert most["render:1:vertical"] == 1, "one after the other"
    assert saw_other == [True, True], "another key does not wait"


@pytest.mark.media
def test_two_runs_of_one_spec_at_once_make_each_thing_once(
    tmp_path: Path, example_spec: Path, db_url: str
) -> None:
    text = example_spec.read_text()
    example_spec.write_text(text.replace("channels: [tiktok, youtube]", "channels: [tiktok]"))
    home = tmp_path / "home"
    with FakeModelArk(api_keys=[KEY], latency=lambda: 0.4) as fake:
        env = dict(os.environ)
        env.update(
            SHORTFILM_SEEDANCE_BASE_URL=fake.base_url,
            ARK_API_KEY=KEY,
            SHORTFILM_SEEDANCE_POLL_S="0.1",
            SHORTFILM_DATABASE_URL=db_url,
        )
        args = [sys.executable, str(SMALL_CLI), "run", str(example_spec)]
        args += ["--provider", "seedance", "--home", str(home), "--json", "--yes"]
        runs = [
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=600) for run in runs]
        stats = fake.stats()
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()[-3000:]
    results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert results[0]["renders"] == results[1]["renders"], "both runs end on the same film"
    # four clips: four paid tasks, each video and last frame downloaded once
    assert stats["tasks_created"] == stats["create_calls"] == 4
    assert len(stats["downloads"]) == 8 and set(stats["downloads"].values()) == {1}
    store = Store(home, db_url)
    try:
        with store.session() as s:
            rows = s.execute(select(EventRow.kind, func.count()).group_by(EventRow.kind))
            kinds = {kind: int(n) for kind, n in rows}
    finally:
        store.close()
    assert kinds["production.created"] == 1 and "production.updated" not in kinds
    assert kinds["take.created"] == kinds["take.succeeded"] == kinds["take.analysed"] == 4
    assert kinds["keyframe.chosen"] == 4
    assert kinds["edit.version"] == 1 and kinds["render.done"] == 1
    # board, four takes, the render: approved once each, not once per run
    assert kinds["review.approve"] == 6, kinds
