"""Commands that read a whole production back: ``status`` (every stage, what is pending, the
jobs in flight) and ``export`` (the production as a spec, the template of the next film).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, for_here, out, store_at
from shortfilm.cli.layout import Column, print_path, print_prose, print_table
from shortfilm.errors import InputError, ShortfilmError


@app.command()
def status(
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every production's stages and what is pending, then the jobs in flight per queue.

    Each job is shown with the worker driving it (`shortfilm jobs --json` has them as data).
    """
    from shortfilm.cli.jobs import print_jobs
    from shortfilm.production.status import production_status
    from shortfilm.store import jobs as stored_jobs

    if not (home / "shortfilm.db").exists() and "SHORTFILM_DATABASE_URL" not in os.environ:
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            statuses = production_status(store)
            with store.session() as tx:
                active = stored_jobs.jobs(tx, active_only=True)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([st.to_json() for st in statuses], indent=2) + "\n")
        return
    for st in statuses:
        _print_status(st)
    for queue in sorted({job.queue for job in active}):
        out.print(f"[bold]jobs in the {queue.value} queue[/]")
        print_jobs([job for job in active if job.queue is queue])


_CLIP_COLUMNS = (
    Column("clip"),
    Column("job", shorten=20, drop=1),
    Column("prompt", drop=2),
    Column("takes"),
    Column("failed", drop=3),
    Column("selected"),
    Column("keyframe", drop=4),
    Column("state"),
)
_STEP_COLUMNS = (
    Column("step"),
    Column("owner"),
    Column("output", drop=3),
    Column("review check", drop=2),
    Column("state"),
    Column("waiting for"),
    Column("detail", wrap=24, drop=1),
)


def _print_status(st: Any) -> None:
    """One production's status (a :class:`ProductionStatus`): clips, renders, stale, steps."""
    out.print(f"[bold]{escape(st.title)}[/] ({st.slug}, {st.campaign_role})")
    out.print(
        f"  script v{st.script_version}  board v{st.board_version} ({st.board_status})"
        f"  edit {f'v{st.edit_version}' if st.edit_version else 'pending'}"
        f"  cost {st.total_cost:g}  events {st.events}"
    )
    clips = [
        [
            f"{c.clip} {c.name}",
            c.job,
            f"v{c.prompt_version}",
            str(c.takes),
            str(c.failed_takes),
            f"take-{c.selected_take:03d}" if c.selected_take else "-",
            c.keyframe or "-",
            "stale" if c.stale else c.state if c.state != "generated" else c.review,
        ]
        for c in st.clips
    ]
    print_table(_CLIP_COLUMNS, clips, indent="  ")
    for c in st.clips:
        for line in c.in_flight:
            out.print(f"  in flight: {c.clip} {escape(line)}", highlight=False)
        if c.leading_take is not None:
            lead = c.leading_take
            why = "; ".join(lead["reasons"]) or "nothing found wrong"
            print_prose(
                f"  leading: {c.clip} take-{lead['take']:03d}, score {lead['score']} ({why})"
            )
    for preset, path in st.renders.items():
        print_path(f"  render {preset}:", path)
    for line in st.stale:
        print_prose("  stale: " + for_here(line))
    steps = [
        [
            step["label"],
            step["owner_role"],
            step["output"],
            step["review"],
            step["state"],
            ", ".join(step["waiting_for"]) or "-",
            for_here(step["detail"]),
        ]
        for step in st.checklist
    ]
    print_table(_STEP_COLUMNS, steps, indent="  ")
    for line in st.pending or ["nothing"]:
        print_prose("  pending: " + for_here(line))


@app.command()
def export(
    slug: Annotated[str, typer.Argument(help="The production to export.")],
    dest: Annotated[Path, typer.Argument(help="Folder to write (must not hold files).")],
    home: HomeOpt = Path("."),
    artifacts: Annotated[bool, typer.Option(help="Copy takes, keyframes and renders.")] = True,
) -> None:
    """Write a production back as a spec plus its artifacts: the template of the next film."""
    from shortfilm.production.export import export_production

    try:
        with store_at(home) as store:
            path = export_production(store, slug, dest, with_artifacts=artifacts)
    except ShortfilmError as exc:
        fail(exc)
    print_path(f"exported {slug} to", path)
