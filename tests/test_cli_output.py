"""The CLI's output read by a person at an 80-column terminal and by a program through a pipe.

The real ``shortfilm`` commands run on the web tests' prepared production (:mod:`web_home`: the
example with imported takes, Edit v1, a render row per preset, a user per role), on SQLite and
on PostgreSQL, in a child process whose stdout is a pseudo-terminal 80 columns wide or a pipe.
One child runs every command in turn (one import of the CLI, not one per command), each
command's output after a marker line. What a person relies on is checked: no line wider than
the terminal (a path alone on its line excepted, since it is printed whole), no table folded
into one word per line, every path the JSON output names printed whole on one line, no ANSI
codes in a pipe, and every ``--json`` output parses.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from built_once import shared_root
from conftest import pg_database
from rich.console import Console
from web_home import SLUG, USERS, web_home_copy

from shortfilm.cli.layout import PIPE_WIDTH, Column, print_table

pytestmark = pytest.mark.media

MARK = "@@@ "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

DRIVER = f"""
import json, sys
from shortfilm.cli import app
for args in json.loads(sys.argv[1]):
    print({MARK!r} + " ".join(args), flush=True)
    try:
        app(args, prog_name="shortfilm", standalone_mode=False)
    except SystemExit:
        pass
    sys.stdout.flush()
print({MARK!r} + "imported", flush=True)
print("alembic" in sys.modules)
"""
"""Runs each command of the JSON list in ``argv[1]`` in this one process, a marker before each
(a command that exits non-zero, as ``lint`` and ``qc show`` do on findings, ends only itself),
then whether Alembic was imported: opening a home at the newest schema must not pay for it."""


def _commands(home: Path, media: Path, out: Path) -> list[list[str]]:
    h = ["--home", str(home)]
    return [
        ["status", *h],
        ["edit", "show", SLUG, *h],
        ["user", "list", *h],
        ["cost", SLUG, *h],
        ["review", "show", SLUG, *h],
        ["qc", "show", SLUG, "clip-01", *h],
        ["lint", SLUG, *h],
        ["keyframes", str(media / "take-0.mp4"), "--top", "3", "--out", str(out / "thumbs")],
        ["export-timeline", SLUG, "--out", str(out / "cut.otio"), *h],
    ]


JSON_COMMANDS = {
    "status": ["--json"],
    "edit show": ["--json"],
    "user list": ["--json"],
    "cost": ["--json"],
    "review show": ["--json"],
    "qc show": ["--json"],
    "lint": ["--json"],
    "keyframes": ["--json"],
}
"""Each listing command and how it asks for JSON."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, str]]]:
    """A private copy of the web tests' production on each database, and the environment
    that points the CLI at it."""
    root = shared_root(tmp_path_factory)
    dest = tmp_path_factory.mktemp("cli-output") / "a-production-home-with-a-longish-name"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env.pop("SHORTFILM_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    if request.param == "sqlite":
        yield web_home_copy(root, dest, 2), env
        return
    template, template_url = request.getfixturevalue("pg_web_template")
    copied = web_home_copy(root, dest, 2, url=template_url)
    with pg_database(template) as (_, url):
        yield copied, env | {"SHORTFILM_DATABASE_URL": url}


def _name(args: list[str]) -> str:
    """A command's name: ``status``, ``edit show``."""
    return " ".join(args[:2] if args[0] in ("edit", "user", "review", "qc") else args[:1])


def _sections(text: str) -> dict[str, str]:
    """The output of each command, by its arguments (without the paths)."""
    found: dict[str, str] = {}
    name = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(MARK):
            args = line[len(MARK) :].split()
            name = _name(args)
            if "--json" in args or "json" in args:
                name += " json"
            found[name] = ""
        elif name:
            found[name] += line + "\n"
    return found


def _piped(commands: list[list[str]], env: dict[str, str]) -> dict[str, str]:
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(commands)],
        stdin=subprocess.DEVNULL,
        capture_output=True,  # stdout a pipe, as in `shortfilm status | less`
        env=env,
        text=True,
        check=True,
    )
    return _sections(run.stdout)


def _in_terminal(commands: list[list[str]], env: dict[str, str], columns: int) -> dict[str, str]:
    """The commands' output to a pseudo-terminal ``columns`` wide (``COLUMNS`` set too)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(commands)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env | {"COLUMNS": str(columns), "TERM": "xterm-256color"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert child.wait() == 0
    return _sections(b"".join(chunks).decode())


def _paths(data: dict[str, Any]) -> list[str]:
    """The paths the JSON outputs name: what must appear whole on one line."""
    paths = [str(p) for st in data["status json"] for p in st["renders"].values()]
    paths += [c["path"] for c in data["qc show json"]["keyframe_candidates"] if c.get("path")]
    paths += [r["path"] for r in data["keyframes json"] if r["path"]]
    assert len(paths) >= 5, "renders, QC candidates and keyframes each name their files"
    return paths


def _check_layout(name: str, text: str, width: int, paths: list[str]) -> None:
    lines = ANSI.sub("", text).splitlines()
    assert lines, f"{name} printed nothing"
    for line in lines:
        if len(line) > width:  # only a path wider than the terminal, alone, printed whole
            word = line.strip().strip("`'\"():;,.")
            alone = word in paths or (len(line.split()) == 1 and Path(word).exists())
            assert alone, f"{name}: {len(line)} columns: {line!r}"
        assert "│" not in line and "┃" not in line, f"{name}: a squeezed Rich table: {line!r}"
    for a, b, c in zip(lines, lines[1:], lines[2:], strict=False):
        words = [len(x.split()) for x in (a, b, c)]
        assert words != [1, 1, 1] or max(len(x.strip()) for x in (a, b, c)) > 20, (
            f"{name}: one word per line:\n{a}\n{b}\n{c}"
        )


def test_commands_read_well_at_80_columns_and_through_a_pipe(
    home: tuple[Path, dict[str, str]],
) -> None:
    path, env = home
    commands = _commands(path, _media(path), path.parent)
    json_runs = [[*a, *JSON_COMMANDS[_name(a)]] for a in commands if _name(a) in JSON_COMMANDS]
    piped = _piped(commands + json_runs, env)
    assert piped.pop("imported").split() == ["False"], "status and the rest imported Alembic"
    data = {name: json.loads(text) for name, text in piped.items() if name.endswith(" json")}
    assert set(data) == {f"{name} json" for name in JSON_COMMANDS}
    paths = [*_paths(data), str(path.parent / "cut.otio")]  # and the timeline written

    # a pipe: plain text, no ANSI codes, laid out for PIPE_WIDTH columns, not squeezed to 80
    for name, text in piped.items():
        assert "\x1b" not in text, f"{name} wrote ANSI codes into a pipe"
        if not name.endswith(" json"):
            _check_layout(name, text, PIPE_WIDTH, paths)
    assert any(len(line) > 80 for line in piped["status"].splitlines())
    # a terminal 80 columns wide (COLUMNS=80 too): styled, nothing wider, every path whole
    terminal = _in_terminal(commands, env, 80)
    terminal.pop("imported")
    assert any("\x1b[" in text for text in terminal.values()), "a terminal gets styles"
    for name, text in terminal.items():
        _check_layout(name, text, 80, paths)
    for output in (piped, terminal):
        lines = "\n".join(ANSI.sub("", text) for text in output.values()).splitlines()
        for p in paths:
            assert any(p in line for line in lines), f"{p} is not printed whole on one line"

    # the cells a person reads in the status tables are whole at 80 columns
    status = ANSI.sub("", terminal["status"])
    [st] = data["status json"]
    for c in st["clips"]:
        assert re.search(rf"^  {c['clip']} {c['name']}\s+", status, re.MULTILINE), status
    for step in st["checklist"]:
        assert re.search(rf"^  {step['label']}\s+{step['owner_role']}\s", status, re.MULTILINE)
    listed = {u["name"]: (u["role"], u["deactivated_at"]) for u in data["user list json"]}
    assert listed == {name: (role.value, None) for name, role in USERS.items()}
    users = ANSI.sub("", terminal["user list"])
    for name, role in (("ines", "owner"), ("gus", "growth-operator")):
        assert re.search(rf"^{name}\s+{role}\s+active$", users, re.MULTILINE), users


def _media(home: Path) -> Path:
    """The folder of the small real videos the prepared home's takes were imported from."""
    root = home
    while not (root / "web-media-2").is_dir():
        assert root != root.parent, f"no web-media-2 above {home}"
        root = root.parent
    return root / "web-media-2"


RENDERS = (
    Column("preset"),
    Column("duration", drop=1),
    Column("size", drop=2),
    Column("loudness", drop=3),
    Column("file", path=True),
)


def _render(columns: tuple[Column, ...], rows: list[list[str]], width: int) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False)
    print_table(columns, rows, console)
    return buffer.getvalue().splitlines()


def test_a_table_drops_low_value_columns_then_turns_into_records() -> None:
    """What the demo prints after rendering: at 80 columns its file paths no longer fit a
    table, so each render becomes a record with its path whole on its own line."""
    long = "/home/someone/films/shortfilm-demo/library/wasteland-villa/renders/" + (
        "wasteland-villa__edit-v1__vertical.mp4"
    )
    rows = [["vertical", "50.83 s", "1080x1920", "-14.0 LUFS / -1.5 dBTP", long]]
    wide = _render(RENDERS, rows, 200)
    assert wide[1].split() == ["vertical", "50.83", "s", "1080x1920", "-14.0", "LUFS", "/"] + [
        "-1.5",
        "dBTP",
        long,
    ]
    narrow = _render(RENDERS, rows, 80)
    assert narrow == [
        "vertical",
        "  duration: 50.83 s",
        "  size: 1080x1920",
        "  loudness: -14.0 LUFS / -1.5 dBTP",
        "  file:",
        long,
    ]
    short = [["vertical", "50.83 s", "1080x1920", "-14.0 LUFS / -1.5 dBTP", "out/v.mp4"]]
    assert _render(RENDERS, short, 40)[0] == "preset    duration  size       file"
    dropped = _render(RENDERS, short, 38)
    assert dropped[:2] == ["preset    duration  file", "vertical  50.83 s   out/v.mp4"]
    note = " ".join(" ".join(dropped[2:]).split())
    assert note == "(not shown at this width: size, loudness; --json has every field)"


def test_a_shortened_column_gets_back_what_a_dropped_one_frees() -> None:
    """Cutting a long cell is preferred to losing a column; once a column must go anyway,
    the room it frees goes back to the cut cell."""
    columns = (Column("name"), Column("job", shorten=10), Column("extra", drop=1))
    job = "Establish the villa and the patrol at dusk"
    rows = [["clip-01", job, "x" * 30]]
    assert _render(columns, rows, 100)[1] == f"clip-01  {job}  {'x' * 30}"
    assert _render(columns, rows, 60)[1] == f"clip-01  Establish the vill…  {'x' * 30}"
    assert _render(columns, rows, 45)[1] == "clip-01  Establish the villa and the patrol…"
    assert _render(columns, rows, 30)[1] == "clip-01  Establish the villa…"
    assert all(len(line) <= 30 for line in _render(columns, rows, 30)[:2])


def test_prose_wraps_inside_its_column() -> None:
    """A QC reason is read whole: at a narrow width it continues under itself, never cut and
    never one word per line (the column keeps at least its ``wrap`` width)."""
    columns = (Column("check"), Column("status"), Column("reason", wrap=30))
    reason = "The take is 180x320; the target is 1280x720: upscaled 4.00x, it will look soft"
    lines = _render(columns, [["resolution", "fail", reason], ["audio", "pass", "Sound."]], 60)
    assert lines[0] == "check       status  reason"
    assert lines[1].startswith("resolution  fail    The take is 180x320;")
    body = lines[1:-1]
    assert all(len(line) <= 60 for line in lines)
    assert all(line.startswith(" " * 20) for line in body[1:]), "continued under the column"
    assert " ".join(line[20:] for line in body) == reason
    assert lines[-1] == "audio       pass    Sound."
    assert all(len(line) <= 52 for line in _render(columns, [["resolution", "fail", reason]], 52))


def test_the_schema_head_is_read_as_alembic_reads_it() -> None:
    """Every command opens its home without importing Alembic when the schema is at the head
    :func:`declared_head` reads from the scripts (the CLI runs above check the import)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from shortfilm.store.db import MIGRATIONS, declared_head

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert declared_head() == ScriptDirectory.from_config(cfg).get_current_head()


def test_every_command_is_summed_up_in_one_line_of_its_group_s_list() -> None:
    """`shortfilm --help` (and each group's) lists a command by its help's first paragraph,
    keeping that paragraph's line breaks: a two-line summary broke mid-sentence in the list
    ("...the jobs queued and running, per" / "queue, with the worker..."). The details go
    after a blank line, where the command's own --help shows them whole."""
    import typer.main

    from shortfilm.cli import app

    def commands(group: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        for name, command in getattr(group, "commands", {}).items():
            if getattr(command, "commands", None):
                yield from commands(command, (*path, name))
            else:
                yield " ".join((*path, name)), command

    listed = dict(commands(typer.main.get_command(app), ("shortfilm",)))
    assert len(listed) > 60 and "shortfilm take new" in listed
    summaries = {name: (c.help or "").strip().split("\n\n")[0] for name, c in listed.items()}
    assert {name: s for name, s in summaries.items() if not s or "\n" in s} == {}
