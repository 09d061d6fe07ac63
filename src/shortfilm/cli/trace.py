"""``shortfilm trace SLUG THING``: lineage, "what breaks if I change X"."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, SlugArg, app, fail, is_home, out, store_at
from shortfilm.domain.trace import THING_FORMS, TraceNode
from shortfilm.errors import InputError, ShortfilmError


@app.command(
    help="What made a stored thing, and what depends on it: what breaks if you change it.\n\n"
    "THING is one of: " + ", ".join(THING_FORMS) + ". A version number left out means the "
    "newest; `clip-02:keyframe` is the chosen keyframe of the clip's selected take. A board "
    "lists the takes of every production made from it (`shortfilm new SLUG --from OTHER`)."
)
def trace(
    slug: SlugArg,
    thing: Annotated[str, typer.Argument(help="board[:N], clip-02:take:3, edit[:N] ...")],
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from shortfilm.production.trace import trace_thing

    try:
        if not is_home(home):
            raise InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)")
        with store_at(home) as store:
            found = trace_thing(store, slug, thing)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(found.to_json(), indent=2, default=str) + "\n")
        return
    t = found.thing
    out.print(f"[bold]{escape(t.production)} {escape(t.name)}[/] {escape(t.detail)}")
    facts = ", ".join(f"{k} {v}" for k, v in found.facts.items() if v not in (None, ""))
    if facts:
        out.print(f"  {escape(facts)}", highlight=False, soft_wrap=True)
    _section("made from", found.made_from, slug)
    _section("used by", found.used_by, slug)


def _section(title: str, nodes: tuple[TraceNode, ...], slug: str) -> None:
    out.print(f"{title}:" if nodes else f"{title}: nothing", highlight=False)
    for n in nodes:
        where = "" if n.production in (slug, n.name) else f"{n.production} "
        detail = f" ({n.detail})" if n.detail else ""
        out.print(
            f"  {escape(n.relation)}: {escape(where + n.name)}{escape(detail)}",
            highlight=False,
            soft_wrap=True,
        )
