"""A copy of the demo home, whose edit v1 the local owner approved in advance, on each database:
what variant rendering, publishing and the campaign page start from.

The demo is made once for the whole run (by the first pytest-xdist worker that asks, under a
lock: :mod:`built_once`), at a quarter of each preset's size (tests/small_cli.py): these tests
are about variants, their delta renders and their posts, not the film's pixels, which
tests/test_pipeline.py checks on the full-size demo. Each test gets its own copy of the folder
(and, on PostgreSQL, of the template database: the SQLite demo's rows, copied, as
:mod:`db_copy` says why), and renders at the same quarter size, so a
variant's film is a delta of the approved one, as it would be at full size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from built_once import fresh, once, shared_root
from conftest import pg_database, pg_template
from db_copy import postgres_home
from small_cli import quarter_size
from typer.testing import CliRunner

from shortfilm.cli import app

SLUG = "wasteland-villa"
SMALL_CLI = Path(__file__).with_name("small_cli.py")


def _make_demo(out: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SHORTFILM_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, str(SMALL_CLI), "demo", "--out", str(fresh(out)), "--json"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    made = json.loads(proc.stdout.strip().splitlines()[-1])
    assert made["renders"], made


@pytest.fixture(params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """A copy of the run's quarter-size demo on ``request.param``'s database;
    SHORTFILM_DATABASE_URL names the copy's database on PostgreSQL."""
    root = shared_root(tmp_path_factory)
    monkeypatch.delenv("SHORTFILM_DATABASE_URL", raising=False)
    quarter_size(monkeypatch.setitem)
    dest = tmp_path / "home"
    made = root / "approved-demo-sqlite"
    once(root, made.name, lambda: _make_demo(made))
    if request.param == "sqlite":
        shutil.copytree(made, dest, symlinks=True)
        yield dest
        return
    template, url = pg_template(
        tmp_path_factory, "approved_demo", lambda _root, url: postgres_home(root, made, url)
    )
    shutil.copytree(postgres_home(root, made, url), dest, symlinks=True)
    with pg_database(template) as (_, url):
        monkeypatch.setenv("SHORTFILM_DATABASE_URL", url)
        yield dest


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.output
