"""`shortfilm lint` and the lint gate of `shortfilm run`, as a user meets them."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from approvals import approve_board
from fake_providers import RefusingProvider
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.errors import GateError
from shortfilm.examples import example_dir
from shortfilm.production.importing import import_production, import_spec
from shortfilm.providers import registry
from shortfilm.spec import load_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.takes.generate import generate_takes

runner = CliRunner()
STORE_ON_BOTH = pytest.mark.usefixtures("db_env")
"""For the tests that keep a production in a home: run them on SQLite and on PostgreSQL."""


def test_the_example_lints_clean() -> None:
    result = runner.invoke(app, ["lint", str(example_dir() / "production.yaml")])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_a_broken_copy_exits_1_with_json_findings(tmp_path: Path, example_spec: Path) -> None:
    production = load_spec(example_spec)
    shots = list(production.clips[1].shots)
    shots[0] = dataclasses.replace(shots[0], camera="")
    clips = list(production.clips)
    clips[1] = dataclasses.replace(clips[1], shots=tuple(shots), sound_rule="")
    from shortfilm.spec import dump_spec

    broken = example_spec.with_name("broken.yaml")
    dump_spec(dataclasses.replace(production, clips=tuple(clips)), broken)
    result = runner.invoke(app, ["lint", str(broken), "--format", "json"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.output)
    assert all(set(r) == {"code", "severity", "place", "message", "hint"} for r in rows)
    places = {(r["place"], r["severity"]) for r in rows}
    assert ("clips[1].shots[0].camera", "error") in places
    assert any(r["place"].startswith("clips[1]") and "sound" in r["message"] for r in rows)


def test_unusable_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed")
    assert runner.invoke(app, ["lint", str(bad)]).exit_code == 2
    assert (
        runner.invoke(app, ["lint", "no-such-production", "--home", str(tmp_path)]).exit_code == 2
    )
    assert runner.invoke(app, ["lint", str(bad), "--format", "xml"]).exit_code == 2


# SQLite only for now: `lint` never closes the store it opens (cli/planning.py _lint_target),
# which PostgreSQL's driver reports as an unclosed connection in whichever test runs next
def test_lint_a_stored_production_shows_lessons_of_failed_takes(
    tmp_path: Path, example_spec: Path, db_env: str
) -> None:
    home = tmp_path / "home"
    store = Store(home)
    import_spec(store, example_spec)
    approve_board(store, "wasteland-villa")
    generate_takes(store, "wasteland-villa", RefusingProvider(), poll_interval_s=0)
    store.close()
    result = runner.invoke(
        app, ["lint", "wasteland-villa", "--home", str(home), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    lessons = [r for r in json.loads(result.output) if r["code"] == "L501"]
    assert {r["place"] for r in lessons} >= {"clips[0]", "clips[1]", "clips[3]"}
    assert all(r["severity"] == "info" for r in lessons)
    assert "OutputVideoSensitiveContentDetected" in lessons[0]["message"]


def _one_broken_clip(example_spec: Path) -> tuple[Store, str]:
    production = load_spec(example_spec)
    clip = production.clips[0]
    shots = (dataclasses.replace(clip.shots[0], camera=""),) + clip.shots[1:]
    short = dataclasses.replace(clip, shots=shots, duration_s=4.0)
    cut = dataclasses.replace(production, clips=(short,), target_duration_s=4.0)
    store = Store(example_spec.parent.parent / "home")
    import_production(store, cut, example_spec.parent)
    return store, cut.slug


@STORE_ON_BOTH
def test_run_refuses_clips_with_lint_errors_and_sends_nothing(example_spec: Path) -> None:
    store, slug = _one_broken_clip(example_spec)
    provider = RefusingProvider()
    try:
        approve_board(store, slug)
        generate_takes(store, slug, provider, poll_interval_s=0)
    except GateError as exc:
        assert "clip-01: C2" in str(exc) and "clips[0].shots[0].camera" in str(exc)
    else:
        raise AssertionError("the lint gate did not refuse")
    assert provider.submitted == []
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        assert prod is not None
        assert repo.takes(s, repo.clips(s, prod.id)[0].id) == []
    store.close()


@STORE_ON_BOTH
def test_forced_run_records_that_it_was_forced(example_spec: Path) -> None:
    store, slug = _one_broken_clip(example_spec)
    animatic = registry.get("animatic", store.home / "work" / "animatic")
    approve_board(store, slug)
    result = generate_takes(store, slug, animatic, force=True)
    assert [o.status for o in result.outcomes] == ["succeeded"]
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        assert prod is not None
        (take,) = repo.takes(s, repo.clips(s, prod.id)[0].id)
        assert take.forced and any(c.startswith("C2") for c in take.params["forced_over"])
        assert "take.forced" in [e.kind for e in repo.events(s, prod.id)]
    store.close()


def test_plan_writes_clips_that_lint_clean(tmp_path: Path) -> None:
    script = Path(__file__).parent / "scripts" / "wasteland-50s.md"
    out = tmp_path / "clips.yaml"
    spec = example_dir() / "production.yaml"
    result = runner.invoke(
        app, ["plan", str(script), "--target", "50", "--spec", str(spec), "--out", str(out),
              "--deterministic"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.count("  - name: ") == 4
    shutil.copytree(example_dir(), tmp_path / "film", ignore=shutil.ignore_patterns("*.py"))
    merged = tmp_path / "film" / "production.yaml"
    original = merged.read_text()
    head = original[: original.index("\nclips:") + 1]
    tail = original[original.index("\nedit:") :]
    merged.write_text(head + text[text.index("\nclips:") + 1 :] + tail)
    linted = runner.invoke(app, ["lint", str(merged)])
    assert linted.exit_code == 0, linted.output
    assert " 0 errors" in " " + linted.output.splitlines()[-1]


def test_the_gate_selects_like_linting_each_clip_alone(example_spec: Path) -> None:
    from shortfilm.prompts.lint import Severity, lint_production
    from shortfilm.prompts.linting import clips_with_errors

    production = load_spec(example_spec)
    clips = list(production.clips)
    clips[1] = dataclasses.replace(clips[1], sound_rule="")
    clips[3] = dataclasses.replace(clips[3], shots=clips[3].shots[:1])
    board = dataclasses.replace(production.board, negative=())
    broken = dataclasses.replace(production, clips=tuple(clips), board=board)
    expected = {}
    for i in range(len(clips)):
        errors = [
            f
            for f in lint_production(broken, durations_s=(4.0, 15.0), only_clip=i)
            if f.severity is Severity.ERROR
        ]
        if errors:
            expected[i] = errors
    assert clips_with_errors(broken, (4.0, 15.0)) == expected
    assert set(expected) == {0, 1, 2, 3}  # the board error blocks every clip


def test_a_lower_third_over_a_caption_is_found_by_lint_and_refused_before_any_take(
    tmp_path: Path, example_spec: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the edit would refuse after generation, lint finds first and run refuses first."""
    text = example_spec.read_text(encoding="utf-8")
    anchor = "  sfx:\n    - kind: ambience"
    assert anchor in text
    overlapping = (
        "  lower_thirds:\n    - text: Ines, the keeper\n      start_s: 6\n      end_s: 9\n"
    )
    spec = example_spec.with_name("overlap.yaml")
    spec.write_text(text.replace(anchor, overlapping + anchor, 1), encoding="utf-8")

    linted = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    assert linted.exit_code == 1, linted.output
    rows = json.loads(linted.output)
    (overlap,) = [r for r in rows if r["code"] == "S410"]
    assert overlap["severity"] == "error" and overlap["place"] == "edit.lower_thirds[0]"
    assert "'Ines, the keeper'" in overlap["message"]
    assert "'The last white house on a dead coast.'" in overlap["message"]

    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)  # after lint, which leaks its store
    _run_refuses_before_any_take(spec, tmp_path / "home", "S410 edit.lower_thirds[0]")


def _run_refuses_before_any_take(spec: Path, home: Path, finding: str) -> None:
    """``run --yes`` stops on ``finding`` (a lint error) with no take made, none paid for."""
    ran = runner.invoke(app, ["run", str(spec), "--home", str(home), "--yes"])
    assert ran.exit_code != 0, ran.output
    assert finding in " ".join(ran.output.split())
    assert "nothing was generated" in ran.output
    store = Store(home)
    with store.session() as s:
        prod = repo.production_by_slug(s, load_spec(spec).slug)
        assert prod is not None
        assert all(repo.takes(s, clip.id) == [] for clip in repo.clips(s, prod.id))
    store.close()


def test_lint_reports_a_text_after_the_planned_film_end(example_spec: Path) -> None:
    text = example_spec.read_text(encoding="utf-8")
    late = "    - text: The coast is held.\n      start_s: 46.5\n      end_s: 50.5\n"
    assert late in text
    spec = example_spec.with_name("late.yaml")
    spec.write_text(text.replace(late, late.replace("46.5", "60").replace("50.5", "62")))
    linted = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    assert linted.exit_code == 1, linted.output
    (found,) = [r for r in json.loads(linted.output) if r["code"] == "S411"]
    assert found["place"] == "edit"
    assert (
        "caption 'The coast is held.' starts at 60.000 s, after the film ends" in found["message"]
    )


def test_a_film_longer_than_a_channel_takes_is_refused_by_lint_and_run_before_any_take(
    tmp_path: Path, example_spec: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example grown to 16 clips (about 195 s) is too long for the vertical channels (180 s):
    the render would refuse it after every take, so lint names it and run pays for nothing."""
    from long_film import long_spec

    spec = long_spec(example_spec, 16)
    linted = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    assert linted.exit_code == 1, linted.output
    (found,) = [r for r in json.loads(linted.output) if r["severity"] == "error"]
    assert found["code"] == "S414" and found["place"] == "channels[0]"
    planned = float(found["message"].split("the planned film is ")[1].split(" s")[0])
    assert 180 < planned < 200
    assert "tiktok takes at most 180 s" in found["message"]

    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    _run_refuses_before_any_take(spec, tmp_path / "home", "S414 channels[0]")
