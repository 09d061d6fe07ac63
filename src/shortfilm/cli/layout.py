"""How the CLI lays out what it prints: tables that fit the width, paths whole, plain pipes.

Rich's own tables squeeze every column to fit the console, so at 80 columns (or in a pipe,
which Rich treats as 80 columns) a seven-column table becomes one word per line and a path is
folded over five lines that no longer paste. Here a table is printed at its natural width when
it fits; otherwise the columns that may be shortened are cut (with ``…``), then the columns that
may go are dropped, lowest value first, and when even that does not fit every row is printed as
``key: value`` lines. Nothing a person copies is ever broken: a path is printed whole, on its own
line when it does not fit beside its label.

When stdout is not a terminal the output is plain text (no ANSI codes) laid out for
:data:`PIPE_WIDTH` columns, or for ``COLUMNS`` when that is set.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console, ConsoleDimensions
from rich.text import Text

PIPE_WIDTH = 120
"""Columns a pipe is laid out for when ``COLUMNS`` is not set (Rich would take 80)."""

GAP = "  "
"""Between two table columns."""


class CliConsole(Console):
    """A Rich console that, writing to a pipe or file, lays out for :data:`PIPE_WIDTH` columns.

    Rich takes 80 columns for anything that is not a terminal, which folds prose and paths for
    ``grep`` and ``less``. ``COLUMNS``, when set, still wins; a terminal keeps its own width.
    Rich already writes no ANSI codes when the stream is not a terminal.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        columns = os.environ.get("COLUMNS", "")
        if self._width is None and not self.is_terminal and not columns.isdigit():
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = CliConsole()
"""What a command prints: its result."""
err = CliConsole(stderr=True)
"""Progress, errors and notes, kept out of a piped result."""


@dataclass(frozen=True)
class Column:
    """One column of a table, and what may be done to it when the width is short."""

    header: str
    drop: int = 0
    """0: always shown; otherwise the column may be left out at narrow widths, the highest
    number first (a detail the ``--json`` output still carries)."""
    shorten: int = 0
    """0: never cut; otherwise its cells may be cut to this many columns, ending in ``…``."""
    path: bool = False
    """Holds paths: never cut, and printed whole even in the ``key: value`` layout."""
    wrap: int = 0
    """0: one line per cell; otherwise prose whose cells wrap between words inside the column,
    which may narrow to this many columns (a QC reason, a step's detail): read whole, not cut."""


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal columns, ``…`` marking a cut."""
    if cell_len(text) <= width:
        return text
    while text and cell_len(text) > width - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def _fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """The width of each column (0: left out) so a table fits ``width``; ``None`` if none does.

    The fewest columns are dropped (lowest value first) such that narrowing the shortenable and
    wrapping ones, no narrower than their floor, makes the rest fit; what is left over goes back
    to the narrowed.
    """
    natural = [
        max([cell_len(col.header), *(cell_len(row[i]) for row in rows)])
        for i, col in enumerate(columns)
    ]
    droppable = sorted((i for i, c in enumerate(columns) if c.drop), key=lambda k: -columns[k].drop)
    for k in range(len(droppable) + 1):
        widths = [0 if i in droppable[:k] else w for i, w in enumerate(natural)]
        shown = [i for i, w in enumerate(widths) if w]
        over = sum(widths) + len(GAP) * (len(shown) - 1) - width
        for i in sorted(shown, key=lambda i: -widths[i]):
            least = columns[i].shorten or columns[i].wrap
            floor = max(least, cell_len(columns[i].header))
            if over <= 0:
                break
            if least and widths[i] > floor:
                cut = min(over, widths[i] - floor)
                widths[i] -= cut
                over -= cut
        if over <= 0:
            return widths
    return None


def _cell(column: Column, text: str, width: int) -> list[str]:
    """The lines of one cell ``width`` columns wide: wrapped prose, else one (cut) line."""
    if column.wrap and cell_len(text) > width:
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return [_cut(text, width)]


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def print_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    console: Console = out,
    *,
    indent: str = "",
) -> None:
    """Print ``rows`` (plain text, no Rich markup) under ``columns``, fitted to the console.

    Columns are left-aligned and two spaces apart; a ``wrap`` column's prose continues on the
    next lines inside its column. When the columns do not fit even with the low-value ones cut
    and dropped, each row is printed as ``key: value`` lines instead (see :func:`print_records`).
    """
    width = console.width - cell_len(indent)
    widths = _fit(columns, rows, width)
    if widths is None:
        print_records(columns, rows, console, indent=indent)
        return
    shown = [i for i, w in enumerate(widths) if w]
    style = "bold" if console.is_terminal else ""
    for n, row in enumerate([[c.header for c in columns], *rows]):
        cells = [_cell(columns[i], row[i], widths[i]) for i in shown]
        for k in range(max(len(c) for c in cells)):
            parts = [
                _pad(c[k] if k < len(c) else "", widths[i])
                for c, i in zip(cells, shown, strict=True)
            ]
            line = indent + GAP.join(parts).rstrip()
            shown_line = Text(line, style=style if n == 0 else "")
            console.print(shown_line, soft_wrap=True, highlight=False)
    hidden = [columns[i].header for i, w in enumerate(widths) if not w]
    if hidden:
        print_prose(
            f"{indent}(not shown at this width: {', '.join(hidden)}; --json has every field)",
            console,
        )


def print_records(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    console: Console = out,
    *,
    indent: str = "",
) -> None:
    """Each row as a heading (its first cell) and one ``key: value`` line per other cell.

    Prose wraps between words under its key; a path is never broken (see :func:`print_path`).
    """
    width = console.width
    heading = "bold" if console.is_terminal else ""
    for row in rows:
        title = f"#{row[0]}" if columns[0].header == "#" else row[0]  # a bare number says little
        console.print(Text(indent + title, style=heading), soft_wrap=True, highlight=False)
        for col, value in zip(columns[1:], row[1:], strict=True):
            label = f"{indent}  {col.header}:"
            if col.path:
                print_path(label, value, console)
                continue
            lines = textwrap.wrap(
                value or "-",
                width=max(width, cell_len(label) + 20),
                initial_indent=label + " ",
                subsequent_indent=indent + "    ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            for line in lines:
                console.print(Text(line), soft_wrap=True, highlight=False)


def print_path(label: str, path: str | Path, console: Console = out) -> None:
    """``label path`` on one line when it fits, else ``label`` and the path on its own line.

    The path is never wrapped nor indented, so it pastes as printed (triple-click selects it).
    """
    text = str(path)
    line = f"{label} {text}" if label else text
    if label and cell_len(line) > console.width:
        console.print(Text(label), soft_wrap=True, highlight=False)
        line = text
    console.print(Text(line), soft_wrap=True, highlight=False)


def print_prose(
    text: str, console: Console = out, *, styles: Sequence[tuple[int, int, str]] = ()
) -> None:
    """``text`` (plain, no markup) wrapped between words, later lines under its first word.

    A word longer than the width (a path, a command's ``--home DIR``) is never broken: it is
    the line's one word. In a pipe the width is :data:`PIPE_WIDTH` (or ``COLUMNS``). ``styles``
    are ``(start, end, style)`` spans of ``text`` within its first line (a finding's code).
    """
    body = text.lstrip(" ")
    indent = text[: len(text) - len(body)]
    hang = indent + "  "
    lines = textwrap.wrap(
        body,
        width=max(console.width, cell_len(hang) + 20),
        initial_indent=indent,
        subsequent_indent=hang,
        break_long_words=False,
        break_on_hyphens=False,
    )
    for n, line in enumerate(lines or [indent]):
        shown = Text(line)
        for start, end, style in styles if n == 0 else ():
            shown.stylize(style, start, min(end, len(line)))
        console.print(shown, soft_wrap=True, highlight=False)
