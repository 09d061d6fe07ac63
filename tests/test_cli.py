"""The command line on bad input: one clear line naming the place, exit 2, nothing written.

Each case is a mistake people make in a real spec, run through ``shortfilm run`` (the command
that would otherwise create the store and spend generation time).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.examples import example_dir


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "film"
    shutil.copytree(example_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return folder / "production.yaml"


def _replace(spec: Path, old: str, new: str, occurrence: int = 1) -> None:
    text = spec.read_text()
    at = -1
    for _ in range(occurrence):
        at = text.index(old, at + 1)
    spec.write_text(text[:at] + new + text[at + len(old) :])


CASES = {
    "yaml-syntax": (
        lambda s: _replace(s, "title: Wasteland Villa", "title: Wasteland: Villa"),
        "YAML syntax error",
    ),
    "wrong-type": (
        lambda s: _replace(s, "target_duration_s: 50", "target_duration_s: fifty"),
        "target_duration_s",
    ),
    "unknown-field": (
        lambda s: _replace(s, "owner: ", "producer: someone\nowner: "),
        "unknown field 'producer'",
    ),
    "missing-clip-duration": (
        lambda s: _replace(s, "    duration_s: 12.5\n", "", occurrence=3),
        "clips[2].duration_s: field required",
    ),
    "missing-image": (
        lambda s: _replace(s, "refs/heroine.png", "refs/nobody.png"),
        "reference image not found: refs/nobody.png",
    ),
    "unreadable-image": (
        lambda s: s.with_name("refs").joinpath("heroine.png").write_bytes(b"\x89PNG broken"),
        "not a readable image: refs/heroine.png",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_spec_fails_with_one_clear_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    spec = _copy(tmp_path)
    mutate, says = CASES[case]
    mutate(spec)
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["run", str(spec), "--home", str(home)])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert len(message.splitlines()) == 1, message
    assert f"{spec}:" in message and says in message
    line = int(message.split(f"{spec}:", 1)[1].split(":", 1)[0])
    assert line >= 1
    assert not home.exists(), "a bad spec must not create the store"


def test_status_outside_a_home_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--home", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a production home" in result.output


def test_unknown_provider_is_named(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    result = CliRunner().invoke(
        app, ["run", str(spec), "--home", str(tmp_path / "h"), "--provider", "nope"]
    )
    assert result.exit_code == 2
    assert "unknown provider 'nope'" in result.output and "animatic" in result.output
    assert not (tmp_path / "h").exists()


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_export_into_a_folder_with_files_is_refused(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    home = tmp_path / "home"
    assert CliRunner().invoke(app, ["import", str(spec), "--home", str(home)]).exit_code == 0
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["export", "wasteland-villa", str(dest), "--home", str(home)])
    assert result.exit_code == 2 and "not empty" in result.output
    assert (dest / "keep.txt").read_text() == "mine"


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_board_generate_versions_the_board_and_reimport_keeps_it(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(spec), "--home", str(home)]).exit_code == 0
    made = runner.invoke(app, ["board", "generate", "wasteland-villa", "--home", str(home)])
    assert made.exit_code == 0, made.output
    assert "board v2: made" in made.output
    again = runner.invoke(app, ["board", "generate", "wasteland-villa", "--home", str(home)])
    assert "board v2: reused" in again.output
    reimport = runner.invoke(app, ["import", str(spec), "--home", str(home)])
    assert reimport.exit_code == 0 and "no changes" in reimport.output
    board_png = next((home / "library" / "wasteland-villa" / "board-v2").glob("board__*.png"))
    from PIL import Image

    with Image.open(board_png) as img:
        assert img.size == (2048, 1152)
