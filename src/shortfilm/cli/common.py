"""What every command group shares: the Typer ``app``, the consoles, ``fail``, the store.

Also the argument and option types several groups use (``HomeOpt``, ``SlugArg``, ``ClipArg``),
the progress bars, and the helpers that read a clip or check a production home.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape

from shortfilm.cli.layout import err as err
from shortfilm.cli.layout import out as out
from shortfilm.errors import ShortfilmError

if TYPE_CHECKING:  # drawn only by the commands that report progress: not imported by the rest
    from rich.progress import Progress, TaskID

app = typer.Typer(
    help="Produce AI short films as a team: asset board, shot plans, takes, keyframes, edit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

HomeOpt = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="SHORTFILM_HOME",
        help="Production home: database, artifacts, reports (default: current folder).",
    ),
]
SlugArg = Annotated[str, typer.Argument(help="The production.")]
ClipArg = Annotated[str, typer.Argument(help="The clip: its number (2) or name (clip-02).")]


class RichProgress:
    """Draws one bar per stage the workflow reports (the workflow never imports Rich)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: float, total: float, /) -> None:
        task = self.tasks.get(stage)
        if task is None:
            task = self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(task, completed=done, total=total)


@contextmanager
def progress_bars(quiet: bool = False) -> Iterator[RichProgress]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )
    with bars:
        yield RichProgress(bars)


_COMMAND = re.compile(r"`(shortfilm [^`]*)`")
_home: Path | None = None
"""The production home the running command works in (set by :func:`is_home` and
:func:`open_store`), so the commands its messages suggest name it: see :func:`for_here`."""


@app.callback()
def _each_command() -> None:
    # runs before every command: a home remembered by an earlier command in the same process
    # (tests invoke many) must not leak into this one's messages
    global _home
    _home = None


def for_here(text: str) -> str:
    """``text`` with each command it suggests (in backticks) complete for where the person is.

    The workflow names next steps as ``shortfilm render SLUG``, which runs in the production home
    or with ``SHORTFILM_HOME`` set. A person who gave ``--home DIR`` is elsewhere: pasted as
    printed, the command would look for a production in the wrong folder, so ``--home DIR`` is
    added to each command (each part of ``a && b``). JSON outputs and the web app keep the bare
    command, since they do not know where it will be run.
    """
    if _home is None:
        return text
    env = os.environ.get("SHORTFILM_HOME")
    default = Path(env) if env else Path(".")
    if _home.resolve() == default.resolve():
        return text
    flag = " --home " + shlex.quote(str(_home.resolve()))

    def complete(match: re.Match[str]) -> str:
        parts = match.group(1).split(" && ")
        done = [p if "--home" in p or "--help" in p else p + flag for p in parts]
        return "`" + " && ".join(done) + "`"

    return _COMMAND.sub(complete, text)


def fail(exc: ShortfilmError) -> NoReturn:
    # escaped: a file name such as ``take[2].mp4`` is text, not Rich markup
    shown = escape(for_here(str(exc)))
    err.print(f"[bold red]error:[/] {shown}", highlight=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def open_store(home: Path) -> Any:
    """The store of ``home``, its report rewritten after each change a command makes."""
    from shortfilm.production.report import keep_reports_current
    from shortfilm.store.repo import Store

    global _home
    _home = home
    store = Store(home)
    keep_reports_current(store)
    return store


@contextmanager
def store_at(home: Path) -> Iterator[Any]:
    """The store for one command, its connections closed at the end (a server's too)."""
    store = open_store(home)
    try:
        yield store
    finally:
        store.close()


def is_home(home: Path) -> bool:
    global _home
    _home = home
    return (home / "shortfilm.db").exists() or "SHORTFILM_DATABASE_URL" in os.environ


def parse_clip(text: str) -> int:
    """``2`` or ``clip-02`` to a position; a bad name is bad input (one line, exit 2)."""
    from shortfilm.store.naming import clip_position

    try:
        return clip_position(text)
    except ShortfilmError as exc:
        fail(exc)
