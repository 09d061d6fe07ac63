"""The store on SQLite and PostgreSQL: migrations, versioning, artifacts, the event log."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shortfilm.production.importing import import_spec
from shortfilm.spec import load_spec
from shortfilm.store.repo import Store, count
from shortfilm.store.search_tables import declared_in_models
from shortfilm.store.tables import (
    ArtifactNameRow,
    ArtifactRow,
    Base,
    BoardRow,
    EventRow,
    PromptRow,
    ScriptRow,
)


@pytest.mark.usefixtures("real_migrations")  # not the tests' migrated copy (see conftest)
def test_migrations_create_exactly_the_models(tmp_path: Path, db_url: str) -> None:
    store = Store(tmp_path / "home", db_url)
    with store.engine.connect() as conn:
        # each database's own full-text objects (FTS5 table, GIN index) are not in the models
        context = MigrationContext.configure(conn, opts={"include_name": declared_in_models})
        diff = compare_metadata(context, Base.metadata)
        tables = set(inspect(conn).get_table_names())
    store.close()
    assert diff == []
    assert {"takes", "keyframes", "events", "artifacts", "asset_boards"} <= tables
    # opening again runs no migration and keeps data
    Store(tmp_path / "home", db_url).close()


def test_import_twice_adds_nothing(tmp_path: Path, db_url: str, example_spec: Path) -> None:
    store = Store(tmp_path / "home", db_url)
    first = import_spec(store, example_spec)
    assert first.created
    production = load_spec(example_spec)
    assert "board v1" in first.new_versions
    assert sum("prompt v1" in v for v in first.new_versions) == len(production.clips)
    with store.session() as s:
        before = {m.__name__: count(s, m) for m in (ScriptRow, BoardRow, PromptRow, ArtifactRow)}
        events_before = count(s, EventRow)
    again = import_spec(store, example_spec)
    assert not again.created and again.new_versions == []
    with store.session() as s:
        after = {m.__name__: count(s, m) for m in (ScriptRow, BoardRow, PromptRow, ArtifactRow)}
        assert count(s, EventRow) == events_before
    assert before == after
    store.close()


def test_editing_one_shot_versions_only_that_prompt(
    tmp_path: Path, db_url: str, example_spec: Path
) -> None:
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    text = example_spec.read_text()
    production = load_spec(example_spec)
    old_action = production.clips[1].shots[0].action
    assert text.count(old_action) == 1
    example_spec.write_text(text.replace(old_action, "She vaults the low wall, blade folded"))
    result = import_spec(store, example_spec)
    assert result.new_versions == ["clip-02 prompt v2"]
    store.close()


def test_artifacts_are_stored_once_under_linked_names(
    tmp_path: Path, db_url: str, example_spec: Path
) -> None:
    store = Store(tmp_path / "home", db_url)
    src = example_spec.parent / "copy.png"
    board_ref = next(example_spec.parent.glob("refs/*.png"))
    src.write_bytes(board_ref.read_bytes())
    with store.session() as s:
        a = store.put_artifact(s, board_ref, "demo/one.png")
        b = store.put_artifact(s, src, "demo/two.png")
    assert a == b
    objects = [p for p in (store.home / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1
    for name in ("demo/one.png", "demo/two.png"):
        linked = store.home / "library" / name
        assert linked.read_bytes() == board_ref.read_bytes()
    with store.session() as s:
        assert count(s, ArtifactRow) == 1
        assert count(s, ArtifactNameRow) == 2
    store.close()


def test_event_log_records_the_import(tmp_path: Path, db_url: str, example_spec: Path) -> None:
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    with store.session() as s:
        from shortfilm.store import repo

        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        kinds = [e.kind for e in repo.events(s, prod.id)]
    assert kinds[0] == "production.created"
    assert "board.version" in kinds and kinds.count("prompt.version") == 4
    store.close()


@pytest.mark.parametrize("bad", ["not: [valid", "title: 3\n"])
def test_bad_spec_writes_nothing(tmp_path: Path, bad: str) -> None:
    from typer.testing import CliRunner

    from shortfilm.cli import app

    spec = tmp_path / "bad.yaml"
    spec.write_text(bad)
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["import", str(spec), "--home", str(home)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output
    assert not home.exists()
