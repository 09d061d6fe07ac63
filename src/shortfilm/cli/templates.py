"""``shortfilm new SLUG --from OTHER``: a production started from another's world."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, for_here, is_home, out, store_at
from shortfilm.domain.template import DEFAULT_KEEP, KEEPABLE
from shortfilm.errors import InputError, ShortfilmError


@app.command()
def new(
    slug: Annotated[str, typer.Argument(help="The new production's slug.")],
    source: Annotated[
        str, typer.Option("--from", help="The production whose world it reuses (its slug).")
    ],
    script: Annotated[
        Path | None,
        typer.Option(
            help="A script (YAML or Markdown) to plan the new clips from; "
            "default: the source's script."
        ),
    ] = None,
    keep: Annotated[
        str,
        typer.Option(
            help=f"What to keep, comma-separated: {', '.join(KEEPABLE)}. board is the "
            "source's board version itself, by reference (it brings style and characters).",
        ),
    ] = ",".join(DEFAULT_KEEP),
    title: Annotated[
        str | None,
        typer.Option(help="Its title (default: the script's title or heading, else the source's)."),
    ] = None,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Start a production from another: keep its world, plan a new scenario.

    The kept board is the source's newest board version, used by reference (no copy; an
    approval it has holds here too); the clips are planned from --script (or the source's
    script). `shortfilm trace SLUG board` lists every take made from that board, in both.
    """
    from shortfilm.domain.template import parse_keep
    from shortfilm.production.templates import new_from_template

    try:
        kept = parse_keep(keep)
        if not is_home(home):
            raise InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)")
        with store_at(home) as store:
            result = new_from_template(store, slug, source, kept, script_file=script, title=title)
    except ShortfilmError as exc:
        fail(exc)
    t = result.template
    if as_json:
        data = {
            "slug": result.slug,
            "from": t.source,
            "board": {"production": t.source, "version": t.board_version, "id": t.board_id}
            if t.board_id is not None
            else None,
            "kept": list(t.kept),
            "clips": result.clips,
            "script_from": result.script_from,
            "new_versions": list(result.new_versions),
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    out.print(f"{result.slug}: created from {t.source}; {escape(t.describe())}", highlight=False)
    out.print(
        f"  {result.clips} clips planned from {escape(result.script_from)}; "
        + ", ".join(result.new_versions),
        highlight=False,
        soft_wrap=True,
    )
    out.print(for_here(f"  next: `shortfilm lint {result.slug}`"), highlight=False)
