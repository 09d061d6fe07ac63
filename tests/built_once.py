"""Things the tests build once for the whole run, shared by pytest-xdist's workers.

Each worker has its own base temp folder (``.../pytest-N/popen-gwK``); their parent is the run's.
A prepared home built there under a lock is built by the first worker that asks and copied by
the others: building one takes 10-40 s of a core, and every worker used to build its own.
PostgreSQL templates get a name fixed for the run (:func:`template_name`), so every worker finds
the one the first built; the controller drops them when the run ends (see ``conftest``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TEMPLATE_PREFIX = "shortfilm_tpl_"
ENV_RUN = "PYTEST_XDIST_TESTRUNUID"
"""This run's id: xdist sets it in its workers; ``conftest`` gives the controller the same."""


def run_id() -> str:
    """This run's id, the same in the controller and every worker (see ``conftest``)."""
    return os.environ.setdefault(ENV_RUN, uuid.uuid4().hex)[:12]


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this run can see (the base temp folder without xdist)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def run_templates_pattern() -> str:
    """A SQL ``LIKE`` pattern for this run's template databases."""
    return f"{TEMPLATE_PREFIX}{run_id()}_%"


def template_name(what: str) -> str:
    """The database name of this run's template ``what`` (the same in every worker)."""
    return f"{TEMPLATE_PREFIX}{run_id()}_{what}"


@contextmanager
def locked(root: Path, name: str) -> Iterator[None]:
    """Hold ``root/name.lock`` (blocking): one worker at a time in the block."""
    with (root / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once(root: Path, name: str, build: Callable[[], object], lock: str | None = None) -> None:
    """Run ``build`` unless some worker of this run has finished it already (``root/name.done``
    says so). A build that failed left no mark: the next worker that asks tries again, starting
    from what ``build`` itself clears. Builds sharing a ``lock`` name never run at once."""
    with locked(root, lock or name):
        done = root / f"{name}.done"
        if done.exists():
            return
        build()
        done.touch()


def fresh(path: Path) -> Path:
    """``path``, emptied of what a failed build left."""
    if path.exists():
        shutil.rmtree(path)
    return path
