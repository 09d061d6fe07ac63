"""Slow checks that are whole commands (mypy over src/, the demo on each database), started as
soon as collection is done and awaited by the tests that read them.

Most of the suite keeps one core busy (Python, SQLite, HTTP), so a command started at the
beginning runs on the other core while those tests run, instead of alone when its test's turn
comes: mypy took 35-55 s of the suite's wall time, the demo 50-80 s. A check whose tests were
not selected is never started, and one still running when the session ends is stopped. Its
output goes to files, not pipes, so a long error report cannot block it. The test asserts on
the result exactly as it would on a command run in place: only *when* it runs changes.

The demo on PostgreSQL starts when the one on SQLite has finished, so that it finds the takes
that one drew in the run's animatic cache (``SHORTFILM_ANIMATIC_CACHE``, set by ``conftest``),
as a team's second home would: the store's paths are what it is there to test, the pictures are
checked once.

Under pytest-xdist (README's test command runs one worker per core, a file per worker at a
time) every worker collects every test, so none can tell at collection which checks it will
run: a check starts when a worker's first test asks for it, in that worker only. Both cores are
busy anyway, so starting early would only make the two workers' tests wait on a third process.
The PostgreSQL demo is started with the SQLite one, chained after it, as above.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_KINDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class DemoHome:
    """Where one database's demo is made: its folder, and its database (``None``: the home's
    own SQLite file; else a PostgreSQL database of its own, dropped at the end)."""

    out: Path
    url: str | None
    database: str | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "SHORTFILM_DATABASE_URL"}
        return env | ({"SHORTFILM_DATABASE_URL": self.url} if self.url else {})


class _Started:
    """A command running in the background, once ``after`` (if any) has finished."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        after: _Started | None = None,
    ) -> None:
        self.argv, self.env, self.after = argv, env, after
        # closed by result() or stop_all(): they outlive this call
        self.stdout = tempfile.TemporaryFile()  # noqa: SIM115
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._go, daemon=True)
        self.thread.start()

    def _go(self) -> None:
        if self.after is not None:
            self.after.wait_started(None)
            if self.after.proc is not None:
                self.after.proc.wait()
        if self.stopped:
            return
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=self.stdout, stderr=self.stderr
        )

    def wait_started(self, timeout: float | None) -> None:
        self.thread.join(timeout)

    def result(self, timeout: float) -> subprocess.CompletedProcess[str]:
        self.wait_started(timeout)
        if self.proc is None:
            raise RuntimeError(f"{self.argv}: did not start (its predecessor failed to?)")
        code = self.proc.wait(timeout=timeout)
        texts = []
        for stream in (self.stdout, self.stderr):
            stream.seek(0)
            texts.append(stream.read().decode("utf-8", "replace"))
            stream.close()
        return subprocess.CompletedProcess(self.argv, code, texts[0], texts[1])

    def stop(self) -> None:
        self.stopped = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


_started: dict[str, _Started] = {}
_finished: dict[str, subprocess.CompletedProcess[str]] = {}
_homes: dict[str, DemoHome] = {}
_cleanup = ExitStack()


def demo_home(kind: str) -> DemoHome:
    """The session's demo home on database ``kind`` (the same for every caller). On PostgreSQL
    its database is made here: skips, or fails under ``SHORTFILM_REQUIRE_SERVICES=1``, when
    the server is missing (see ``conftest.pg_database``)."""
    if kind not in _homes:
        folder = Path(tempfile.mkdtemp(prefix=f"shortfilm-test-demo-{kind}-"))
        _cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        home = DemoHome(folder / "shortfilm-demo", None)
        if kind == "postgres":
            from conftest import pg_database

            name, url = _cleanup.enter_context(pg_database())
            home = DemoHome(home.out, url, name)
        _homes[kind] = home
    return _homes[kind]


def command(name: str) -> tuple[list[str], dict[str, str]]:
    """The command behind each early check, and its environment."""
    if name == "mypy":
        return [sys.executable, "-m", "mypy", "src"], dict(os.environ)
    if name.startswith("demo:"):  # demo:<database kind>
        kind = name.split(":", 1)[1]
        home = demo_home(kind)
        # the films themselves are checked on SQLite's demo; PostgreSQL's renders them at a
        # quarter of the size (tests/small_cli.py): its store is what it is there to test
        command = (
            ["-m", "shortfilm"] if kind == "sqlite" else [str(ROOT / "tests" / "small_cli.py")]
        )
        argv = [sys.executable, *command, "demo", "--out", str(home.out), "--json"]
        return argv, home.env
    raise KeyError(name)


def start(name: str) -> None:
    """Start the check ``name`` in the background (once); the PostgreSQL demo after the SQLite
    one, from its drawn takes."""
    if name in _started:
        return
    argv, env = command(name)
    after = _started.get("demo:sqlite") if name == "demo:postgres" else None
    _started[name] = _Started(argv, env, after)


def result(name: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """The finished check ``name``: awaited if it was started early, else started now (with
    the PostgreSQL demo behind the SQLite one, which its tests will ask for next)."""
    if name not in _started:
        start(name)
        if name == "demo:sqlite" and in_worker():
            # no PostgreSQL here: that demo's own tests skip, or fail, with the reason
            with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
                start("demo:postgres")
    done = _started.pop(name).result(timeout)
    _finished[name] = done
    return done


def finished(name: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """The check ``name`` as it first ran in this process (run now if it never did): for the
    tests that read what the demo made, which need it made once, not again per test (running
    ``demo`` again in its folder is what ``result`` does, and what one test of it checks)."""
    return _finished.get(name) or result(name, timeout)


def in_worker() -> bool:
    """Whether this process is a pytest-xdist worker (see the module's docstring)."""
    return "PYTEST_XDIST_WORKER" in os.environ


def stop_all() -> None:
    """Stop every check nobody awaited (a test deselected or failed before reading it), then
    drop the demos' databases and folders."""
    for started in _started.values():
        started.stop()
    for started in _started.values():
        started.wait_started(None)
        started.stop()  # started while the others were being stopped
        started.stdout.close()
        started.stderr.close()
    _started.clear()
    _finished.clear()
    _homes.clear()
    _cleanup.close()
