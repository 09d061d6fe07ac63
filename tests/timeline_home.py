"""A production home with the example generated offline, made once per test session.

Generating the example with the animatic provider takes about half a minute, so it is done once
(the first module of any xdist worker to ask pays) and every module works on its own copy.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from approvals import approve_board
from built_once import fresh, once
from db_copy import postgres_home

from shortfilm.edit.versions import record_edit
from shortfilm.examples import example_dir
from shortfilm.production.importing import import_spec
from shortfilm.providers import registry
from shortfilm.store.repo import Store, count
from shortfilm.store.tables import EditRow
from shortfilm.takes.generate import generate_takes

SLUG = "wasteland-villa"


@functools.cache
def prepared_home(root: Path, url: str | None = None) -> Path:
    """``root/prepared-home``: the example imported, every clip generated, Edit v1 recorded, on
    the home's own SQLite file or, with ``url``, on that database (``-pg`` added to the name):
    there the SQLite home's folder and rows, copied (:mod:`db_copy` says why)."""
    if url is not None:
        return postgres_home(root, prepared_home(root), url)
    home = root / "prepared-home"

    def build() -> None:
        spec = fresh(home) / "spec"
        shutil.copytree(
            example_dir(SLUG), spec, ignore=shutil.ignore_patterns("__pycache__", "*.py")
        )
        store = Store(home, url)
        try:
            import_spec(store, spec / "production.yaml")
            approve_board(store, SLUG)
            generate_takes(store, SLUG, registry.get("animatic", root / "prepared-animatic"))
            record_edit(store, SLUG)
        finally:
            store.close()

    once(root, home.name, build)  # one worker builds, the others wait for it (built_once)
    return home


def home_copy(root: Path, dest: Path, url: str | None = None) -> Path:
    """A private copy of the prepared home (of database ``url``'s) at ``dest`` (library links
    kept relative). The database is the caller's to copy: see ``conftest.timeline_database``."""
    shutil.copytree(prepared_home(root, url), dest, symlinks=True)
    return dest


def edit_versions(home: Path) -> int:
    """How many edit versions the home's database holds (``SHORTFILM_DATABASE_URL``'s when set):
    a refused edit or import adds none."""
    store = Store(home)
    try:
        with store.session() as s:
            return count(s, EditRow)
    finally:
        store.close()
