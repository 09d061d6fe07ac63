"""``shortfilm trace SLUG THING``: each thing traces to what made it and to what depends on it,
from the command (text and JSON), the JSON API and the pages' lineage sections; a malformed or
missing thing is refused with the forms listed.

On the web tests' prepared example (4 clips x 2 imported takes, the first of each selected,
Edit v1 with a render row per preset), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner
from web_home import PASSWORD, SLUG

from shortfilm.cli import app as cli
from shortfilm.domain.trace import THING_FORMS
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import KeyframeRow, RenderRow, TakeRow
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def home(web_database: tuple[Path, str | None], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path, url = web_database
    if url:
        monkeypatch.setenv("SHORTFILM_DATABASE_URL", url)
    else:
        monkeypatch.delenv("SHORTFILM_DATABASE_URL", raising=False)
    yield path


def traced(home: Path, thing: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["trace", SLUG, thing, "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def names(nodes: list[dict[str, Any]], kind: str | None = None) -> list[str]:
    return [n["name"] for n in nodes if kind is None or n["kind"] == kind]


def _presets(home: Path) -> list[str]:
    store = Store(home)
    try:
        with store.session() as s:
            return sorted(s.scalars(select(RenderRow.preset)))
    finally:
        store.close()


def test_a_take_traces_to_its_making_and_the_edit_and_renders_that_contain_it(
    home: Path,
) -> None:
    presets = _presets(home)
    assert presets
    take = traced(home, "clip-02:take:1")
    assert take["thing"]["name"] == "clip-02:take:1"
    assert take["facts"]["selected"] is True and take["facts"]["provider"]
    assert "seed" in take["facts"] and "model" in take["facts"]
    assert names(take["made_from"], "prompt") == ["clip-02:prompt:1"]
    assert names(take["made_from"], "board") == ["board:1"]
    used = names(take["used_by"])
    assert "edit:1" in used
    assert [f"edit:1:render:{p}" for p in presets] == names(take["used_by"], "render")
    # the take not selected is in no edit: changing it breaks nothing
    other = traced(home, "2:take:2")
    assert names(other["used_by"], "edit") == [] and names(other["used_by"], "render") == []

    render = traced(home, f"render:{presets[0]}")
    assert render["thing"]["name"] == f"edit:1:render:{presets[0]}"
    assert names(render["made_from"], "edit") == ["edit:1"]
    assert names(render["made_from"], "take") == [f"clip-0{p}:take:1" for p in (1, 2, 3, 4)]
    edit = traced(home, "edit:1")
    assert names(edit["used_by"], "render") == [f"edit:1:render:{p}" for p in presets]

    board = traced(home, "board")
    expected = [f"clip-0{p}:take:{n}" for p in (1, 2, 3, 4) for n in (1, 2)]
    assert names(board["used_by"], "take") == expected
    prompt = traced(home, "clip-03:prompt")
    assert names(prompt["used_by"], "take") == ["clip-03:take:1", "clip-03:take:2"]

    text = CliRunner().invoke(cli, ["trace", SLUG, "clip-02:take:1", "--home", str(home)])
    assert text.exit_code == 0
    assert "made from:" in text.output and "plays it: edit:1" in text.output


def test_a_keyframe_lists_the_takes_that_continue_it(home: Path) -> None:
    store = Store(home)
    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clip1, clip2 = repo.clips(s, prod.id)[:2]
            kf = s.scalars(
                select(KeyframeRow).where(KeyframeRow.take_id == clip1.selected_take_id)
            ).first()
            assert kf is not None
            s.execute(update(KeyframeRow).where(KeyframeRow.id == kf.id).values(chosen=True))
            s.execute(
                update(TakeRow)
                .where(TakeRow.clip_id == clip2.id, TakeRow.number == 2)
                .values(keyframe_id=kf.id)
            )
    finally:
        store.close()
    keyframe = traced(home, "clip-01:keyframe")
    assert keyframe["thing"]["name"] == "clip-01:keyframe:1"
    assert names(keyframe["made_from"]) == ["clip-01:take:1"]
    assert names(keyframe["used_by"]) == ["clip-02:take:2"]
    take = traced(home, "clip-02:take:2")
    assert names(take["made_from"], "keyframe") == ["clip-01:keyframe:1"]
    assert names(traced(home, "clip-01:take:1")["used_by"], "take") == ["clip-02:take:2"]


BAD_THINGS = [
    ("take:3", "clip-02:take:3"),  # malformed: the forms are listed
    ("clip-02:take", "board:2"),
    ("clip-09:take:1", "clip-09"),
    ("clip-02:take:7", "take 7"),
    ("board:5", "board v5"),
    ("render:square", "square"),
]
"""Each refused thing and what its message must name."""


def test_a_bad_thing_is_refused_naming_it(home: Path) -> None:
    for thing, named in BAD_THINGS:
        result = CliRunner().invoke(cli, ["trace", SLUG, thing, "--home", str(home)])
        assert result.exit_code == 2, (thing, result.output)
        assert named in result.output, (thing, result.output)


def test_the_pages_and_the_api_show_the_lineage_with_links(home: Path) -> None:
    store = Store(home)
    made = create_app(store, Settings(max_upload_bytes=2_000_000))
    try:
        client = TestClient(made, follow_redirects=False, headers=HTML)
        login = client.post("/login", data={"name": "ines", "password": PASSWORD})
        assert login.status_code == 303
        api = client.get(f"/api/productions/{SLUG}/trace", params={"thing": "clip-02:take:1"})
        assert api.status_code == 200
        assert api.json() == traced(home, "clip-02:take:1")
        bad = client.get(f"/api/productions/{SLUG}/trace", params={"thing": "nonsense"})
        assert bad.status_code == 400 and all(form in bad.text for form in THING_FORMS)

        board = client.get(f"/p/{SLUG}/board").text
        assert 'class="lineage"' in board
        assert f'href="/p/{SLUG}/clips/2#take-1">clip-02:take:1</a>' in board
        clip = client.get(f"/p/{SLUG}/clips/2").text
        assert f'href="/p/{SLUG}/edit#edit-v1">edit:1</a>' in clip
        assert f'href="/p/{SLUG}/board#board-v1">board:1</a>' in clip
        edit = client.get(f"/p/{SLUG}/edit").text
        assert f'href="/p/{SLUG}/clips/4#take-1">clip-04:take:1</a>' in edit
    finally:
        made.state.qc_queue.close()
        store.close()
