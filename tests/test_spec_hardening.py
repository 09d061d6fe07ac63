"""A spec is hostile until checked (issue 14): its files stay in its folder, its size is bounded.

Each test is an attack or an accident seen in a probe of the code: a spec naming
``/etc/passwd`` as its music, a shared spec whose export overwrites ``../.bashrc``, 352 bytes of
YAML aliases that ran for minutes into a MemoryError, a nesting that overflowed the stack, a
spec of ten thousand clips. Each must end in one line naming the file, line and field, exit 2
at the command line, quickly, with nothing written.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from shortfilm.errors import InputError, SpecError
from shortfilm.production.export import export_production
from shortfilm.production.importing import import_production, import_spec
from shortfilm.spec import load_spec
from shortfilm.spec.limits import (
    MAX_BEATS,
    MAX_BOARD_REFERENCES,
    MAX_CAPTIONS,
    MAX_CHANNELS,
    MAX_CHARACTERS,
    MAX_CLIPS,
    MAX_SFX,
    MAX_SPEC_BYTES,
    MAX_TEXT_CHARS,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)
from shortfilm.store.repo import Store
from shortfilm.store.tables import ArtifactRow, BoardRow, ProductionRow, PromptRow

SLUG = "wasteland-villa"


MEMORY_CAP = 768 << 20
"""Address space for a command fed a YAML bomb: ample for the command, while a reader that
expands the bomb dies of MemoryError here instead of taking the machine's memory."""


CAPPED = (
    "import resource, runpy, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP})); "
    "sys.argv[0] = 'shortfilm'; runpy.run_module('shortfilm', run_name='__main__')"
)
"""The command with its address space capped by itself, first thing: a ``preexec_fn`` runs
Python between fork and exec, which deadlocks when another thread of the test process held a
lock at the fork (it hung a CI run: the child waiting on a futex, pytest on the exec pipe)."""


def shortfilm(
    *args: str | Path, timeout: float = 30, capped: bool = False
) -> subprocess.CompletedProcess[str]:
    """``python -m shortfilm ARGS`` as a person runs it (PYTHONPATH passes on to it);
    ``capped`` runs it within :data:`MEMORY_CAP`."""
    command = ["-c", CAPPED] if capped else ["-m", "shortfilm"]
    return subprocess.run(
        [sys.executable, *command, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "400"},
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], *says: str) -> str:
    """The one line a refusal prints, after checking it is exit 2, one line, no traceback."""
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output[-2000:]
    assert "Traceback" not in output and len(output.splitlines()) == 1, output[-2000:]
    for part in says:
        assert part in output, output
    return output


def replace_in(spec: Path, old: str, new: str) -> None:
    text = spec.read_text()
    assert old in text, old
    spec.write_text(text.replace(old, new, 1))


def line_of(spec: Path, needle: str) -> int:
    return next(i for i, line in enumerate(spec.read_text().splitlines(), 1) if needle in line)


def outside_image(tmp_path: Path) -> Path:
    """A real PNG beside (not inside) the spec's folder: what an escaping path reaches."""
    image = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (200, 10, 10)).save(image)
    return image


# --- finding 1: paths stay in the spec's folder, on import ----------------------------------

ESCAPES = {
    "music-absolute": (
        "  music:\n    gain_db: -20",
        "  music:\n    path: /etc/passwd\n    gain_db: -20",
        "path: /etc/passwd",
        "edit.music.path: '/etc/passwd' is an absolute path",
    ),
    "character-dotdot": (
        "reference: refs/heroine.png",
        "reference: ../secret.png",
        "reference: ../secret.png",
        "board.characters[0].reference: '../secret.png' climbs out of the spec's folder",
    ),
    "board-reference-dotdot": (
        "    - refs/palette.png",
        "    - refs/../../secret.png",
        "refs/../../secret.png",
        "board.references[0]: 'refs/../../secret.png' climbs out",
    ),
    "first-frame-absolute": (
        "    duration_s: 12.5\n",
        "    duration_s: 12.5\n    first_frame: {outside}\n",
        "first_frame:",
        "clips[0].first_frame: '{outside}' is an absolute path",
    ),
    "last-frame-backslash": (
        "    duration_s: 12.5\n",
        "    duration_s: 12.5\n    first_frame: refs/heroine.png\n    last_frame: ..\\secret.png\n",
        "last_frame:",
        "clips[0].last_frame: '..\\\\secret.png' uses '\\'",
    ),
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_import_refuses_a_path_out_of_the_folder(
    tmp_path: Path, example_spec: Path, case: str
) -> None:
    outside = outside_image(tmp_path)
    old, new, needle, says = (part.format(outside=outside) for part in ESCAPES[case])
    replace_in(example_spec, old, new)
    home = tmp_path / "home"
    message = refused(shortfilm("import", example_spec, "--home", home), says)
    assert message.startswith(f"error: {example_spec}:{line_of(example_spec, needle)}: ")
    assert not home.exists(), "a refused spec must not create the store"


def test_import_refuses_a_symbolic_link_out_of_the_folder(
    tmp_path: Path, example_spec: Path
) -> None:
    heroine = example_spec.parent / "refs" / "heroine.png"
    heroine.unlink()
    heroine.symlink_to(outside_image(tmp_path))
    home = tmp_path / "home"
    message = refused(
        shortfilm("import", example_spec, "--home", home),
        "board.characters[0].reference: reference image: 'refs/heroine.png' leads out of the "
        "spec's folder through a symbolic link",
    )
    assert f"{example_spec}:{line_of(example_spec, 'refs/heroine.png')}:" in message
    assert not home.exists()


def test_a_symbolic_link_inside_the_folder_is_fine(tmp_path: Path, example_spec: Path) -> None:
    refs = example_spec.parent / "refs"
    (refs / "kestrel.png").symlink_to("heroine.png")
    replace_in(example_spec, "reference: refs/heroine.png", "reference: refs/kestrel.png")
    result = shortfilm("import", example_spec, "--home", tmp_path / "home")
    assert result.returncode == 0, result.stderr


def test_import_of_a_folder_reads_the_files_beside_its_spec(
    tmp_path: Path, example_spec: Path
) -> None:
    # the folder form of the argument once resolved the images against the folder's parent
    result = shortfilm("import", example_spec.parent, "--home", tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{SLUG}: created;")


def test_import_production_checks_paths_itself_and_writes_nothing(
    tmp_path: Path, db_url: str, example_spec: Path
) -> None:
    """The workflow API is held to the rule too: a production built in code, not loaded."""
    production = load_spec(example_spec)
    board = production.board
    character = dataclasses.replace(board.characters[0], reference=str(outside_image(tmp_path)))
    bad = dataclasses.replace(
        production,
        board=dataclasses.replace(board, characters=(character, *board.characters[1:])),
    )
    store = Store(tmp_path / "home", db_url)
    try:
        with pytest.raises(SpecError, match="board.characters.0..reference: .* absolute path"):
            import_production(store, bad, example_spec.parent)
        with store.session() as s:
            assert s.query(ProductionRow).count() == 0
            assert s.query(ArtifactRow).count() == 0
        assert not any(p.is_file() for p in store.artifacts.objects.rglob("*"))
    finally:
        store.close()


# --- finding 1: and on export, whatever the store holds --------------------------------------


@pytest.fixture
def imported(tmp_path: Path, db_url: str, example_spec: Path) -> Store:
    """The example with a music file, imported into a store on each database."""
    (example_spec.parent / "audio").mkdir()
    (example_spec.parent / "audio" / "theme.wav").write_bytes(b"RIFF not really a wav")
    replace_in(
        example_spec,
        "  music:\n    gain_db: -20",
        "  music:\n    path: audio/theme.wav\n    gain_db: -20",
    )
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    return store


def _only_export_left(parent: Path, expected: set[str]) -> None:
    assert {p.name for p in parent.iterdir()} == expected, "nothing else may be written"


def test_export_refuses_a_stored_spec_path_that_climbs_out(tmp_path: Path, imported: Store) -> None:
    """A spec stored by older code with ``music.path: ../theme.wav`` must not write beside the
    export folder (the old export copied the music there)."""
    with imported.session() as s:
        row = s.query(ProductionRow).one()
        spec: dict[str, Any] = dict(row.spec)
        spec["edit"] = {**spec["edit"], "music": {**spec["edit"]["music"], "path": "../theme.wav"}}
        row.spec = spec
    out = tmp_path / "out"
    out.mkdir()
    try:
        with pytest.raises(SpecError) as caught:
            export_production(imported, SLUG, out / "film", with_artifacts=False)
    finally:
        imported.close()
    assert str(caught.value) == (
        f"the stored spec of {SLUG!r}: edit.music.path: '../theme.wav' climbs out of the "
        "spec's folder with '..': name a file inside it"
    )
    _only_export_left(out, set())


def test_export_refuses_a_stored_board_path_that_climbs_out(
    tmp_path: Path, imported: Store
) -> None:
    with imported.session() as s:
        board = s.query(BoardRow).one()
        refs = [dict(r) for r in board.references]
        refs[0]["path"] = "../../.bashrc"
        board.references = refs
    out = tmp_path / "out"
    out.mkdir()
    try:
        with pytest.raises(SpecError, match=r"board v1 of 'wasteland-villa': references\[0\]"):
            export_production(imported, SLUG, out / "film")
    finally:
        imported.close()
    _only_export_left(out, set())
    assert not (tmp_path / ".bashrc").exists()


def test_export_refuses_a_stored_frame_path_that_climbs_out(
    tmp_path: Path, imported: Store
) -> None:
    with imported.session() as s:
        prompt = s.query(PromptRow).order_by(PromptRow.id).first()
        assert prompt is not None
        sections = dict(prompt.sections)
        sha = s.query(BoardRow).one().references[0]["sha256"]
        sections["frames"] = {"first": {"path": str(tmp_path / "evil.png"), "sha256": sha}}
        prompt.sections = sections
    try:
        with pytest.raises(SpecError, match=r"clip-01: frames.first.path: .* absolute path"):
            export_production(imported, SLUG, tmp_path / "out" / "film")
    finally:
        imported.close()
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.png").exists()


def test_export_into_a_symbolic_link_is_refused_cleanly(tmp_path: Path, imported: Store) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "film").symlink_to(elsewhere)
    try:
        with pytest.raises(InputError, match="export folder is a symbolic link"):
            export_production(imported, SLUG, out / "film")
    finally:
        imported.close()
    _only_export_left(out, {"film"})
    assert not any(elsewhere.iterdir())


def test_export_will_not_write_through_a_link_planted_in_the_folder(
    tmp_path: Path, imported: Store
) -> None:
    """Guard: a folder holding only a link is not empty, so nothing is written through it."""
    victim = tmp_path / "victim"
    victim.mkdir()
    film = tmp_path / "film"
    film.mkdir()
    (film / "audio").symlink_to(victim)
    try:
        with pytest.raises(InputError, match="not empty"):
            export_production(imported, SLUG, film)
    finally:
        imported.close()
    assert not any(victim.iterdir())


def test_an_export_still_round_trips(tmp_path: Path, imported: Store) -> None:
    try:
        spec = export_production(imported, SLUG, tmp_path / "out" / "film")
    finally:
        imported.close()
    assert (spec.parent / "audio" / "theme.wav").read_bytes() == b"RIFF not really a wav"
    assert load_spec(spec).edit.music is not None
    _only_export_left(tmp_path / "out", {"film"})


# --- finding 5: YAML that expands, nests or cannot be built ----------------------------------


def laughs(levels: int = 9) -> str:
    """The classic alias bomb: 9 ** levels strings from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghijk", "bcdefghijkl"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def merge_laughs() -> str:
    """The same bomb made of merge keys, which PyYAML flattens into ever longer mappings."""
    lines = ["a: &a {x: 1, y: 2, z: 3}"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} {{<<: [" + ", ".join([f"*{previous}"] * 9) + "]}")
    return "\n".join(lines) + "\n"


BOMBS = {
    "billion-laughs": (laughs, "too many values", f"{MAX_YAML_NODES:,}"),
    "merge-laughs": (merge_laughs, "too many values", f"{MAX_YAML_NODES:,}"),
    "deep-nesting": (lambda: "x: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested too deeply", ""),
    "deep-through-aliases": (
        lambda: "\n".join(
            f"a{i}: &a{i} " + "[" * 20 + (f"*a{i - 1}" if i else "1") + "]" * 20 for i in range(40)
        ),
        "nested too deeply",
        f"limit is {MAX_YAML_DEPTH} levels",
    ),
    "many-aliases": (
        lambda: "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n",
        "too many aliases",
        f"limit is {MAX_YAML_ALIASES}",
    ),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_import_refuses_a_yaml_bomb_at_once(tmp_path: Path, case: str) -> None:
    make, *says = BOMBS[case]
    spec = tmp_path / "production.yaml"
    spec.write_text(make())
    home = tmp_path / "home"
    # the old reader ran for minutes into a MemoryError: the cap (or, failing it, the timeout)
    # ends it here; bench/refusals.py times the refusal against starting Python
    result = shortfilm("import", spec, "--home", home, timeout=60, capped=True)
    message = refused(result, *[s for s in says if s])
    assert message.startswith(f"error: {spec}:")
    assert not home.exists()


@pytest.mark.parametrize("command", ["run", "lint", "plan-spec", "plan-script"])
def test_every_command_reading_yaml_refuses_the_bomb(tmp_path: Path, command: str) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs())
    script = tmp_path / "script.md"
    script.write_text("A logline.\n\n- one beat\n- another beat\n")
    home = tmp_path / "home"
    args: dict[str, list[str | Path]] = {
        "run": ["run", bomb, "--home", home],
        "lint": ["lint", bomb, "--home", home],
        "plan-spec": ["plan", script, "--spec", bomb, "--deterministic"],
        "plan-script": ["plan", bomb, "--deterministic"],
    }
    refused(shortfilm(*args[command], timeout=60, capped=True), f"{bomb}:", "too many values")
    assert not home.exists()


UNBUILDABLE = {
    "long-number": ("target_duration_s: 50", "target_duration_s: " + "9" * 5000, "whole number"),
    "impossible-date": ("title: Wasteland Villa", "title: 2020-13-45", "as a date"),
}


@pytest.mark.parametrize("case", sorted(UNBUILDABLE))
def test_a_value_yaml_cannot_build_is_one_line(
    tmp_path: Path, example_spec: Path, case: str
) -> None:
    old, new, says = UNBUILDABLE[case]
    replace_in(example_spec, old, new)
    message = refused(
        shortfilm("import", example_spec, "--home", tmp_path / "home"), says, "quote it"
    )
    assert f"{example_spec}:{line_of(example_spec, new[:20])}:" in message


# --- finding 11: the size of a spec ----------------------------------------------------------


def test_a_spec_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, example_spec: Path
) -> None:
    # a valid spec, padded with a comment past the limit: the old reader imported it
    with example_spec.open("a") as f:
        f.write("# " + "x" * MAX_SPEC_BYTES + "\n")
    home = tmp_path / "home"
    refused(
        shortfilm("import", example_spec, "--home", home),
        f"{example_spec}: file too large",
        f"the limit is {MAX_SPEC_BYTES:,} bytes",
    )
    assert not home.exists()


def test_a_script_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "script.md"
    with script.open("w") as f:
        f.write("A logline.\n\n- one beat\n- another beat\n")
        f.truncate(MAX_SPEC_BYTES + 1)  # the rest is a hole: no bytes written
    refused(shortfilm("plan", script, "--deterministic"), f"{script}: file too large")


def _spec_data(example_spec: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(example_spec.read_text())
    return data


def _many(items: list[Any], count: int) -> list[Any]:
    """``count`` items cycling through ``items``, each its own copy (YAML would alias shared
    ones)."""
    return [copy.deepcopy(items[i % len(items)]) for i in range(count)]


def _too_many_clips(data: dict[str, Any]) -> None:
    data["clips"] = _many(data["clips"], MAX_CLIPS + 1)


def _too_many_characters(data: dict[str, Any]) -> None:
    board = data["board"]
    board["characters"] = [
        {**board["characters"][0], "name": f"Extra {i}"} for i in range(MAX_CHARACTERS + 1)
    ]


COUNTS = {
    "clips": (_too_many_clips, "clips", MAX_CLIPS),
    "characters": (_too_many_characters, "board.characters", MAX_CHARACTERS),
    "board-references": (
        lambda d: d["board"].__setitem__("references", ["refs/palette.png"] * 51),
        "board.references",
        MAX_BOARD_REFERENCES,
    ),
    "captions": (
        lambda d: d["edit"].__setitem__("captions", _many(d["edit"]["captions"], 1001)),
        "edit.captions",
        MAX_CAPTIONS,
    ),
    "sfx": (
        lambda d: d["edit"].__setitem__("sfx", _many(d["edit"]["sfx"], 1001)),
        "edit.sfx",
        MAX_SFX,
    ),
    "channels": (
        lambda d: d.__setitem__("channels", [f"channel-{i}" for i in range(21)]),
        "channels",
        MAX_CHANNELS,
    ),
    "beats": (
        lambda d: d["script"].__setitem__("beats", _many(d["script"]["beats"], 501)),
        "script.beats",
        MAX_BEATS,
    ),
}


@pytest.mark.parametrize("case", sorted(COUNTS))
def test_counts_past_their_limit_are_refused_naming_the_limit(
    example_spec: Path, case: str
) -> None:
    change, field, limit = COUNTS[case]
    data = _spec_data(example_spec)
    change(data)
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as caught:
        load_spec(example_spec)
    error = caught.value
    assert error.field == field and error.line is not None
    assert error.message.startswith(f"allows at most {limit} items, got {limit + 1}")


def test_ten_thousand_clips_are_refused_at_the_command_line(
    tmp_path: Path, example_spec: Path
) -> None:
    text = example_spec.read_text()
    head, tail = text[: text.index("\nclips:")], text[text.index("\nedit:") :]
    clip = "  - {name: c, job: j, shots: [{action: x}], duration_s: 5}\n"
    example_spec.write_text(f"{head}\nclips:\n{clip * 10_000}{tail}")
    home = tmp_path / "home"
    refused(shortfilm("import", example_spec, "--home", home, timeout=60), f"{example_spec}:")
    assert not home.exists()


def test_a_text_past_its_limit_is_refused(example_spec: Path) -> None:
    long = "word " * (MAX_TEXT_CHARS // 5 + 1)
    replace_in(example_spec, "title: Wasteland Villa", f"title: {long}")
    with pytest.raises(SpecError) as caught:
        load_spec(example_spec)
    assert caught.value.field == "title"
    assert caught.value.message.startswith(f"allows at most {MAX_TEXT_CHARS} characters")
