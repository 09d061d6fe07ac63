"""Commands for work carried out by workers: ``worker`` starts one, ``jobs`` lists the jobs
(queued and running first, with the worker driving each)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shortfilm.cli.common import HomeOpt, app, fail, out, store_at
from shortfilm.cli.layout import Column, print_table
from shortfilm.domain.jobs import Job
from shortfilm.errors import InputError, ShortfilmError

if TYPE_CHECKING:
    from shortfilm.store.repo import Store


@app.command()
def worker(
    home: HomeOpt = Path("."),
    queues: Annotated[
        str, typer.Option(help="Queues to take jobs from: provider (takes), cpu (renders).")
    ] = "provider,cpu",
    concurrency: Annotated[
        int | None,
        typer.Option(help="Jobs at once (default: the cores; 8 for the provider queue alone)."),
    ] = None,
    pool: Annotated[
        str | None, typer.Option(help="Celery pool: prefork, threads, solo (default by queue).")
    ] = None,
    nice: Annotated[
        int | None,
        typer.Option(
            help="CPU priority to lower this worker by (default: 10 for a cpu-only worker, so "
            "decoding yields to the takes' downloads and polls on the same machine; else 0)."
        ),
    ] = None,
) -> None:
    """Take jobs from the broker (SHORTFILM_BROKER_URL) and carry them out, until stopped.

    The same as `celery -A shortfilm.jobs.celery_app worker -Q QUEUES`, with the queue names
    and a pool sized for what they wait on: the provider queue waits on the network (threads,
    many at once), the cpu queue decodes and encodes (processes, one per core, at a lower CPU
    priority, so on a shared machine the takes' polls and downloads never wait behind QC).
    """
    if not os.environ.get("SHORTFILM_BROKER_URL", "").strip():
        fail(InputError("shortfilm worker needs a broker: set SHORTFILM_BROKER_URL=redis://..."))
    names = [q.strip() for q in queues.split(",") if q.strip()]
    if not names or any(q not in {"provider", "cpu"} for q in names):
        fail(InputError(f"--queues {queues!r}: name provider, cpu or both"))
    os.environ["SHORTFILM_HOME"] = str(home.resolve())
    lower = nice if nice is not None else (10 if names == ["cpu"] else 0)
    if not 0 <= lower <= 19:
        fail(InputError(f"--nice {lower}: 0 (as is) to 19 (yield the most)"))
    if lower:
        os.nice(lower)  # the pool's processes inherit it
    network_only = names == ["provider"]
    chosen_pool = pool or ("threads" if network_only else "prefork")
    at_once = concurrency or (8 if network_only else (os.cpu_count() or 1))
    from shortfilm.jobs.celery_app import app as celery
    from shortfilm.jobs.celery_app import queue_name

    celery.worker_main(
        [
            "worker",
            "--queues",
            ",".join(queue_name(q) for q in names),
            "--concurrency",
            str(at_once),
            "--pool",
            chosen_pool,
            "--hostname",
            f"shortfilm-{'-'.join(names)}-{os.getpid()}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )


_JOB_COLUMNS = (
    Column("job", shorten=12),
    Column("kind"),
    Column("production", drop=2),
    Column("queue", drop=3),
    Column("state"),
    Column("progress", drop=1),
    Column("worker"),
    Column("by", drop=5),
)


@app.command("jobs")
def list_jobs(
    home: HomeOpt = Path("."),
    slug: Annotated[str | None, typer.Option("--production", help="One production's.")] = None,
    active: Annotated[bool, typer.Option(help="Only queued and running jobs.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The newest jobs, each with its queue, state, progress and the worker driving it."""
    from shortfilm.store import jobs as stored

    try:
        with store_at(home) as store, store.session() as tx:
            found = stored.jobs(tx, slug=slug, active_only=active)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([job.view() for job in found], indent=2) + "\n")
        return
    if not found:
        out.print("no jobs" + (" queued or running" if active else ""))
        return
    print_jobs(found)


def print_jobs(found: list[Job]) -> None:
    """Jobs as a table: what, where, how far, driven by whom, asked by whom."""
    rows = []
    for job in found:
        p = job.progress
        progress = f"{p['stage']} {p['done']:.0f}/{p['total']:.0f}" if p else ""
        state = job.state.value + (f": {job.error}" if job.error else "")
        rows.append(
            [
                job.id,
                job.kind.value,
                job.slug or "",
                job.queue.value,
                state,
                progress,
                job.worker or "",
                job.requested_by or "",
            ]
        )
    print_table(_JOB_COLUMNS, rows)


def detached(home: Path, ask: Callable[[Store], Job], *, as_json: bool = False) -> None:
    """``--detach``: queue the job ``ask`` records for the workers, say so, and return."""
    if not os.environ.get("SHORTFILM_BROKER_URL", "").strip():
        fail(
            InputError(
                "--detach hands the work to the workers: set SHORTFILM_BROKER_URL (and start "
                "`shortfilm worker`), or run it without --detach"
            )
        )
    try:
        with store_at(home) as store:
            job = ask(store)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps({"job": job.view()}) + "\n")
        return
    out.print(f"queued job {job.id} ({job.kind.value} {job.slug}, queue {job.queue.value})")
    out.print(f"follow it with `shortfilm jobs --production {job.slug}`", highlight=False)
