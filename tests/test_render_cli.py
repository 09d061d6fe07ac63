"""``shortfilm render``: the current edit rendered from the command line, for publishing or as a
review draft that can never be taken for the publishable render.

The example's four clips get takes made with ffmpeg in the quarter-size vertical frame (the
preset the test puts in place of the real one), 24 fps with an IDR frame every second, so the
draft copies most of each take; facts are read back from the written files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from approvals import approve_board, approve_takes
from conftest import database_for
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.edit.versions import record_edit
from shortfilm.examples import example_dir
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.presets import CHANNELS, VERTICAL
from shortfilm.media.probe import probe
from shortfilm.media.verify import read_streams
from shortfilm.production.importing import import_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import EditRow, EventRow
from shortfilm.takes.external import import_take

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"

SMALL = replace(VERTICAL, width=270, height=480)


@dataclass(frozen=True)
class Home:
    path: Path
    url: str


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Home]:
    """The example with preset-format takes selected for every clip (not yet approved) and Edit
    v1 over them, on SQLite and on PostgreSQL."""
    folder = tmp_path_factory.mktemp("render-cli")
    spec = folder / "spec"
    shutil.copytree(example_dir(SLUG), spec, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    with database_for(request.param, folder / "home") as url:
        store = Store(folder / "home", url)
        try:
            import_spec(store, spec / "production.yaml")
            approve_board(store, SLUG)
            for clip, tone in ((1, 330), (2, 440), (3, 550), (4, 660)):
                path = folder / f"take-{clip}.mp4"
                run_ffmpeg(
                    [
                        "-f", "lavfi", "-i", "testsrc2=size=270x480:rate=24:duration=12.5",
                        "-f", "lavfi", "-i",
                        f"sine=frequency={tone}:sample_rate=48000:duration=12.5",
                        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
                        "-pix_fmt", "yuv420p", "-g", "24", "-keyint_min", "24",
                        "-sc_threshold", "0", "-c:a", "aac", "-ac", "2", path,
                    ],
                    what="take",
                    file=path,
                )  # fmt: skip
                import_take(store, SLUG, clip, path, select=True, selected_by="t")
            record_edit(store, SLUG)
        finally:
            store.close()
        yield Home(folder / "home", url)


@pytest.fixture(autouse=True)
def small_vertical(monkeypatch: pytest.MonkeyPatch) -> None:
    for channel, preset in list(CHANNELS.items()):
        if preset.name == VERTICAL.name:
            monkeypatch.setitem(CHANNELS, channel, SMALL)


def render(home: Home, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["render", SLUG, *args, "--home", str(home.path)],
        env={"SHORTFILM_DATABASE_URL": home.url},
    )
    return result.exit_code, result.output


def stored(home: Home) -> tuple[list[str], list[EventRow]]:
    """Presets in the renders table for the latest edit, and the draft events."""
    store = Store(home.path, home.url)
    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
            assert edit is not None
            presets = sorted(r.preset for r in repo.renders(s, edit.id))
            drafts = [e for e in repo.events(s, prod.id) if e.kind == "render.draft"]
            s.expunge_all()
            return presets, drafts
    finally:
        store.close()


def test_a_draft_needs_no_approval_and_is_never_the_publishable_render(home: Home) -> None:
    code, output = render(home, "--preset", "tiktok", "--draft", "--json")
    assert code == 0, output
    data = json.loads(output.strip().splitlines()[-1])
    [made] = data["renders"]
    assert (made["preset"], made["draft"], made["status"]) == ("vertical", True, "passed")
    path = Path(made["path"])
    assert path.name == f"{SLUG}__edit-v{data['edit_version']}__vertical-draft.mp4"
    facts = read_streams(path)
    assert (facts.width, facts.height, facts.audio_codec) == (270, 480, "aac")
    info = probe(path)
    assert abs(info.duration_s - made["duration_s"]) <= 1 / 24
    presets, drafts = stored(home)
    assert presets == [], "a draft is not a row of the renders table"
    assert [(e.data["preset"], e.data["status"]) for e in drafts] == [("vertical", "passed")]


def test_the_publishable_render_waits_for_approved_takes_then_is_stored(home: Home) -> None:
    code, output = render(home, "--preset", "vertical")
    assert code == 1, output
    assert "approved" in output
    store = Store(home.path, home.url)
    try:
        approve_takes(store, SLUG)
    finally:
        store.close()
    code, output = render(home, "--preset", "vertical", "--json")
    assert code == 0, output
    [made] = json.loads(output.strip().splitlines()[-1])["renders"]
    assert (made["preset"], made["draft"], made["status"]) == ("vertical", False, "passed")
    assert Path(made["path"]).name.endswith("__vertical.mp4")
    presets, _ = stored(home)
    assert presets == ["vertical"]


def test_an_unknown_preset_is_bad_input(home: Home) -> None:
    code, output = render(home, "--preset", "cinema", "--draft")
    assert code == 2
    assert "cinema" in output
