"""A copy of the session's demo home whose edit v1 the local owner approved in advance, on each
database: what variant rendering and publishing start from."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import early
import pytest
from conftest import pg_database
from small_cli import quarter_size
from typer.testing import CliRunner

from shortfilm.cli import app

SLUG = "wasteland-villa"


@pytest.fixture(params=early.DEMO_KINDS)
def home(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A copy of the session's demo home (its database copied too); SHORTFILM_DATABASE_URL
    names the copy's database on PostgreSQL, where the demo was made at a quarter of the size
    (tests/small_cli.py), and so is everything this test renders."""
    demo = early.demo_home(request.param)
    proc = early.result(f"demo:{request.param}", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with ExitStack() as stack:
        monkeypatch.delenv("SHORTFILM_DATABASE_URL", raising=False)
        if demo.database:
            url = stack.enter_context(pg_database(demo.database))[1]
            monkeypatch.setenv("SHORTFILM_DATABASE_URL", url)
            quarter_size(monkeypatch.setitem)
        dest = tmp_path / "home"
        shutil.copytree(demo.out, dest, symlinks=True)
        yield dest


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.output
