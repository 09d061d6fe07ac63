"""The whole job as a user runs it: `shortfilm demo`, again, `status`, `export` and re-import.

One demo is made per test session and database (it is the slow part; see tests/early.py) and
every check reads that same home: the store's checks on SQLite and on PostgreSQL, the films'
pictures and sound once.
"""

from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import early
import pytest
from approvals import approve_board
from conftest import database_for, pg_database
from media_facts import frames_at, luma, mono_audio, rms
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.media.loudness import measure
from shortfilm.media.probe import probe
from shortfilm.production.importing import import_spec
from shortfilm.providers import registry
from shortfilm.spec import load_spec
from shortfilm.store.repo import Store, count
from shortfilm.store.tables import ArtifactRow, KeyframeRow, RenderRow, TakeRow
from shortfilm.takes.generate import generate_takes

pytestmark = pytest.mark.media


Demo = tuple[early.DemoHome, dict[str, Any]]
ONE_DEMO = pytest.mark.parametrize("demo", ["sqlite"], indirect=True)
"""For the checks of the films themselves, the same on either database."""


def _demo(kind: str, *, again: bool = False) -> dict[str, Any]:
    name = f"demo:{kind}"
    proc = early.result(name, timeout=600) if again else early.finished(name, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="session", params=early.DEMO_KINDS)
def demo(request: pytest.FixtureRequest) -> Demo:
    """The session's demo on each database, started when collection ended (tests/early.py)."""
    home = early.demo_home(request.param)
    return home, _demo(request.param)


def _env(home: early.DemoHome) -> dict[str, str | None]:
    """The environment a command on the demo's home runs in (``None`` unsets)."""
    return {"SHORTFILM_DATABASE_URL": home.url}


@ONE_DEMO
def test_demo_renders_watchable_films(demo: Demo) -> None:
    _, result = demo
    by_preset = {r["preset"]: r for r in result["renders"]}
    assert set(by_preset) == {"vertical", "horizontal"}
    sizes = {"vertical": (1080, 1920), "horizontal": (1920, 1080)}
    for preset, render in by_preset.items():
        info = probe(render["path"])
        assert 45.0 <= info.duration_s <= 60.0
        assert (info.width, info.height) == sizes[preset]
        assert (render["width"], render["height"]) == sizes[preset]
        assert info.video_codec == "h264" and info.audio_codec == "aac"
        assert abs(info.duration_s - render["duration_s"]) < 0.1
        loud = measure(Path(render["path"]))
        assert abs(loud.integrated_lufs - (-14.0)) <= 1.0
        assert loud.true_peak_dbtp <= -1.0
    assert Path(result["report"]).read_text().startswith("# ")


@ONE_DEMO
def test_demo_opens_on_its_title_card_and_its_impacts_are_heard(demo: Demo) -> None:
    home, result = demo
    out = home.out
    production = load_spec(out / "spec" / "production.yaml")
    film = Path(next(r["path"] for r in result["renders"] if r["preset"] == "horizontal"))
    first = luma(frames_at(film, [0.5])[0])
    clip_one = luma(frames_at(film, [production.edit.title_card.duration_s + 1.0])[0])  # type: ignore[union-attr]
    assert first.mean() < 80, "the title card is a dark plate"
    assert (first > 200).mean() > 0.002, "with bright title text on it"
    assert abs(first.mean() - clip_one.mean()) > 5 or (first - clip_one).std() > 20
    audio = mono_audio(film)
    impacts = [c.at_s for c in production.edit.sfx if c.kind == "impact"]
    assert impacts
    for at in impacts:
        assert rms(audio, at, at + 0.3) > 2.0 * rms(audio, at - 1.0, at - 0.1), at


def test_demo_again_duplicates_nothing(demo: Demo) -> None:
    home, first = demo
    out = home.out

    def counts() -> dict[str, int]:
        store = Store(out, home.url)
        with store.session() as s:
            found = {
                m.__name__: count(s, m) for m in (TakeRow, ArtifactRow, KeyframeRow, RenderRow)
            }
        store.close()
        objects = sum(1 for p in (out / "objects").rglob("*") if p.is_file())
        return found | {"objects": objects}

    before = counts()
    again = _demo("postgres" if home.url else "sqlite", again=True)
    assert counts() == before
    assert again["renders"] == first["renders"]


def test_status_shows_every_stage(demo: Demo) -> None:
    home, _ = demo
    out = home.out
    result = CliRunner().invoke(app, ["status", "--home", str(out), "--json"], env=_env(home))
    assert result.exit_code == 0, result.output
    (status,) = json.loads(result.output)
    assert status["slug"] == "wasteland-villa"
    assert status["board_version"] == 1 and status["edit_version"] == 1
    assert [c["state"] for c in status["clips"]] == ["generated"] * 4
    assert all(c["selected_take"] == 1 for c in status["clips"])
    assert all(path != "pending" for path in status["renders"].values())
    # the demo approved each checkpoint in advance as the local owner; publishing is left
    assert [c["review"] for c in status["clips"]] == ["approved"] * 4
    assert status["board_status"] == "approved"
    states = {step["key"]: step["state"] for step in status["checklist"]}
    assert states == dict.fromkeys(states, "done") | {"publish": "todo"}
    assert status["pending"] == [
        "Publish: edit v1 approved, not published (waiting for growth-operator)"
    ]
    text = CliRunner().invoke(app, ["status", "--home", str(out)], env=_env(home))
    assert "clip-04" in text.output and "pending" in text.output
    assert "Keyframe" in text.output and "growth-operator" in text.output


def test_keyframe_lineage_links_clips(demo: Demo) -> None:
    home, _ = demo
    out = home.out
    production = load_spec(out / "spec" / "production.yaml")
    store = Store(out, home.url)
    with store.session() as s:
        from shortfilm.store import repo

        prod = repo.production_by_slug(s, production.slug)
        assert prod is not None
        clips = repo.clips(s, prod.id)
        for prev, clip, plan in zip(clips, clips[1:], production.clips[1:], strict=False):
            take = s.get(TakeRow, clip.selected_take_id)
            assert take is not None
            if plan.continues_previous:
                kf = s.get(KeyframeRow, take.keyframe_id)
                assert kf is not None and kf.take_id == prev.selected_take_id
                assert take.references[0]["role"] == "keyframe"
            else:
                assert take.keyframe_id is None
    store.close()
    keyframes = sorted((out / "library" / "wasteland-villa").rglob("*kf-*ms.png"))
    assert [p.parent.name for p in keyframes] == ["clip-01", "clip-02", "clip-03", "clip-04"]


def test_export_then_import_gives_an_equal_production(demo: Demo, tmp_path: Path) -> None:
    """Exported from the demo's home, imported into a new one on the same kind of database."""
    home, _ = demo
    out = home.out
    dest = tmp_path / "export"
    result = CliRunner().invoke(
        app, ["export", "wasteland-villa", str(dest), "--home", str(out)], env=_env(home)
    )
    assert result.exit_code == 0, result.output
    original = load_spec(out / "spec" / "production.yaml")
    assert load_spec(dest / "production.yaml") == original
    assert (dest / "artifacts" / "wasteland-villa" / "renders").is_dir()
    with database_for("postgres" if home.url else "sqlite", tmp_path / "home") as db_url:
        imported = CliRunner().invoke(
            app,
            ["import", str(dest / "production.yaml"), "--home", str(tmp_path / "home")],
            env={"SHORTFILM_DATABASE_URL": db_url},
        )
    assert imported.exit_code == 0, imported.output
    assert "board v1" in imported.output


def test_editing_one_shot_regenerates_only_what_depends_on_it(demo: Demo, tmp_path: Path) -> None:
    with ExitStack() as stack:
        demo_home, _ = demo
        url = None
        if demo_home.database:  # a copy of the demo's database, as the folder is copied
            url = stack.enter_context(pg_database(demo_home.database))[1]
        _edit_one_shot(demo_home.out, tmp_path / "home", url)


def _edit_one_shot(out: Path, home: Path, url: str | None) -> None:
    shutil.copytree(out, home, symlinks=True)
    spec = home / "spec" / "production.yaml"
    production = load_spec(spec)
    # the last shot: its pixels are where clip 2's keyframe comes from. Its subject, not its
    # action, decides what the animatic shows (the action is not drawn): a placeholder of the
    # spinning blade becomes Kestrel's reference.
    old = production.clips[1].shots[-1].subject
    assert spec.read_text().count(old) == 1
    spec.write_text(spec.read_text().replace(old, "Kestrel's blade arm"))
    store = Store(home, url)
    try:  # closed even when an assertion fails: its pool must not outlive the test
        import_spec(store, spec)
        provider = registry.get("animatic", home / "work" / "animatic")
        approve_board(store, production.slug)
        result = generate_takes(store, production.slug, provider)
        reused = [o.reused for o in result.outcomes]
        numbers = [o.take_number for o in result.outcomes]
        # clip 2 changed; clip 3 continues clip 2 so its keyframe reference changed too
        assert reused == [True, False, not production.clips[2].continues_previous, True]
        assert numbers[1] == 2
        with store.session() as s:
            from shortfilm.store import repo

            prod = repo.production_by_slug(s, production.slug)
            assert prod is not None
            clips = repo.clips(s, prod.id)
            selected = [s.get(TakeRow, c.selected_take_id) for c in clips]
            assert [t.number for t in selected if t] == numbers
            failed_or_old = repo.takes(s, clips[1].id)
            assert [t.number for t in failed_or_old] == [1, 2], "the first take is kept"
    finally:
        store.close()
