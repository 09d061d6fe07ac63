"""What the read model of a production shows, pinned byte for byte on the example.

The web pages (HTML and JSON), ``shortfilm status --json``, the checklist, the report and the
cost report all read one production; these goldens, written from the code before the read model
was made one, hold every one of those outputs while it is rebuilt. Three states of the web tests'
production (:mod:`web_home`): as prepared; after some reviews and a comment; and published, then
made stale (a prompt re-written under an approved take, another take selected under the edit).
Each runs on SQLite and PostgreSQL against the same goldens.

``SHORTFILM_UPDATE_GOLDEN=1`` rewrites the goldens instead of comparing (review the diff).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_home import PASSWORD, SLUG

from shortfilm import review
from shortfilm.cli import app as cli_app
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.rubric import CRITERION_KEYS, Score
from shortfilm.production.cost import cost_report
from shortfilm.production.importing import import_spec
from shortfilm.production.report import write_report
from shortfilm.publish.final import publish
from shortfilm.review.checklist import checklist
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import BoardRow, EditRow
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

GOLDEN = Path(__file__).parent / "golden" / "read_model"
UPDATE = os.environ.get("SHORTFILM_UPDATE_GOLDEN") == "1"

OWNER = Actor("ines", Role.OWNER)
EDITOR = Actor("mara", Role.EDITOR)
AI = Actor("ari", Role.AI_OPERATOR)
RUBRIC = tuple(Score(key, 4, "fine") for key in CRITERION_KEYS)

STATES = ("prepared", "reviewed", "stale")


def _ids(store: Store) -> dict[str, Any]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        assert board is not None and edit is not None
        clips = repo.clips(s, prod.id)
        return {
            "board": board.id,
            "edit": edit.id,
            "takes": {c.position: [t.id for t in repo.takes(s, c.id)] for c in clips},
            "renders": {r.preset: r.id for r in repo.renders(s, edit.id)},
        }


def _reviewed(store: Store) -> None:
    """Some reviews: clip-01's take approved (with a comment at a time), clip-02's objected to,
    the edit approved, a comment on a render."""
    ids = _ids(store)
    takes = ids["takes"]
    review.decide(store, SLUG, "take", takes[1][0], EDITOR, "approve", scores=RUBRIC, note="good")
    review.add_comment(store, SLUG, "take", takes[1][0], EDITOR, "the cut lands here", at_s=1.5)
    review.add_comment(store, SLUG, "take", takes[1][1], AI, "a spare, in case")
    review.decide(
        store, SLUG, "take", takes[2][0], EDITOR, "request-changes", scores=RUBRIC,
        changes="the villa is too bright",
    )  # fmt: skip
    review.decide(store, SLUG, "edit", ids["edit"], EDITOR, "approve", scores=RUBRIC)
    [render, *_] = sorted(ids["renders"].values())
    review.add_comment(store, SLUG, "render", render, OWNER, "loud at the end", at_s=7.25)


def _stale(store: Store, home: Path) -> None:
    """Everything approved and published; then clip-02's prompt re-written and clip-03 given
    another take: a stale take, a stale edit, stale renders and a stale publication."""
    review.approve_pending(store, SLUG, OWNER, "clip")
    review.approve_pending(store, SLUG, OWNER, "final")
    publish(store, SLUG, OWNER)
    spec = home / "spec" / "production.yaml"
    data: dict[str, Any] = yaml.safe_load(spec.read_text())
    data["clips"][1]["sound_rule"] = "Only the wind. The fight is heard as thuds, far away."
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    import_spec(store, spec)
    review.select_take(store, SLUG, 3, 2, OWNER)


@pytest.fixture(params=STATES)
def state(
    request: pytest.FixtureRequest, web_database: tuple[Path, str | None]
) -> Iterator[tuple[str, Store, Path, str | None]]:
    home, url = web_database
    store = Store(home, url)
    try:
        if request.param in ("reviewed", "stale"):
            _reviewed(store)
        if request.param == "stale":
            _stale(store, home)
        yield request.param, store, home, url
    finally:
        store.close()


# -- normalising what changes from run to run -------------------------------------------------

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z)?")
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_CSRF = re.compile(r'(name="csrf_token" value=")[^"]*(")')
_PREPARED = re.compile(r"/[^\s\"']*/web-home-2(-pg)?/")
"""The prepared home the takes were imported in (their QC reports keep its paths)."""


def _normal(text: str, home: Path) -> str:
    """Times, the home's folder and the session's token out; each artifact hash named by the
    order it first appears (media bytes differ with the ffmpeg build, not with the read)."""
    text = text.replace(str(home.resolve()), "<home>").replace(str(home), "<home>")
    text = _PREPARED.sub("<prepared>/", text)
    text = _TIME.sub("<time>", text)
    text = _CSRF.sub(r"\1<csrf>\2", text)
    seen: dict[str, str] = {}
    return _SHA.sub(lambda m: seen.setdefault(m.group(0), f"<sha{len(seen) + 1}>"), text)


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


# -- the outputs ------------------------------------------------------------------------------


def _outputs(store: Store, home: Path, url: str | None, tmp: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    env = {"SHORTFILM_DATABASE_URL": url} if url else {}
    result = CliRunner().invoke(cli_app, ["status", "--json", "--home", str(home)], env=env)
    assert result.exit_code == 0, result.output
    out["status.json"] = result.stdout
    steps = checklist(store, SLUG)
    out["checklist.json"] = _json([dataclasses.asdict(step) for step in steps])
    out["report.md"] = write_report(store, SLUG, tmp / "report.md").read_text()
    out["cost.json"] = _json(cost_report(store, SLUG).to_json())
    app = create_app(store, Settings(max_upload_bytes=2_000_000))
    try:
        client = TestClient(app, follow_redirects=False)
        login = client.post("/login", data={"name": "ines", "password": PASSWORD, "next": "/"})
        assert login.status_code == 303, login.text
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            positions = [c.position for c in repo.clips(s, prod.id)]
        api = {
            "productions": "/api/productions",
            "dashboard": f"/api/productions/{SLUG}",
            "board": f"/api/productions/{SLUG}/board",
            "edit": f"/api/productions/{SLUG}/edit",
            "review": f"/api/productions/{SLUG}/review",
        }
        api |= {f"clip-{p:02d}": f"/api/productions/{SLUG}/clips/{p}" for p in positions}
        for name, path in api.items():
            got = client.get(path)
            assert got.status_code == 200, (path, got.text)
            out[f"api-{name}.json"] = _json(got.json())
        pages = {
            "productions": "/",
            "dashboard": f"/p/{SLUG}",
            "board": f"/p/{SLUG}/board",
            "edit": f"/p/{SLUG}/edit",
            "review": f"/p/{SLUG}/review",
        }
        pages |= {f"clip-{p:02d}": f"/p/{SLUG}/clips/{p}" for p in positions}
        for name, path in pages.items():
            got = client.get(path)
            assert got.status_code == 200, (path, got.text)
            out[f"page-{name}.html"] = got.text
    finally:
        app.state.qc_queue.close()
    return {name: _normal(text, home) for name, text in out.items()}


def test_the_read_model_shows_what_it_showed(
    state: tuple[str, Store, Path, str | None], tmp_path: Path
) -> None:
    name, store, home, url = state
    outputs = _outputs(store, home, url, tmp_path)
    folder = GOLDEN / name
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for file, text in outputs.items():
            (folder / file).write_text(text, encoding="utf-8")
        return
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}
    assert sorted(outputs) == sorted(expected)
    for file, text in outputs.items():
        assert text == expected[file], f"{name}/{file} changed"
