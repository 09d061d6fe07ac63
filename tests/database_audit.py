"""An opt-in audit (``SHORTFILM_AUDIT_DATABASES=report.json``): which tests open the store on
SQLite only.

Issue 16 asks that every test that touches the store runs on SQLite *and* PostgreSQL. Which ones
touch it is not visible from a test's fixtures alone (a test may open a home of its own), so this
plugin watches :func:`shortfilm.store.db.make_engine` while each test is set up, runs and is torn
down, and notes the ``SHORTFILM_DATABASE_URL`` a test's subprocesses inherit. At the end it writes
every test function (parameters folded together) that opened a database and never PostgreSQL.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_seen: dict[str, set[str]] = defaultdict(set)


def _dialect(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    import shortfilm.store.repo as repo

    original = repo.make_engine
    key = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"

    def watching(url: str) -> Any:
        _seen[key].add(_dialect(url))
        return original(url)

    repo.make_engine = watching  # type: ignore[assignment]
    try:
        yield
    finally:
        repo.make_engine = original


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    key = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
    url = os.environ.get("SHORTFILM_DATABASE_URL")
    if url:
        _seen[key].add(_dialect(url))
    yield


def pytest_sessionfinish(session: pytest.Session) -> None:
    report = Path(os.environ["SHORTFILM_AUDIT_DATABASES"])
    sqlite_only = sorted(k for k, dialects in _seen.items() if dialects == {"sqlite"})
    report.write_text(
        json.dumps({"sqlite_only": sqlite_only, "tests_with_a_store": len(_seen)}, indent=1),
        "utf-8",
    )
