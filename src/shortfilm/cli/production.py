"""Commands that make a whole production: ``init``, ``import``, ``run`` and ``demo``, with the
helpers ``run`` and ``demo`` share (``status`` and ``export`` read one: :mod:`.status`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import (
    HomeOpt,
    app,
    fail,
    for_here,
    out,
    progress_bars,
    store_at,
)
from shortfilm.cli.layout import Column, print_path, print_prose, print_table
from shortfilm.errors import InputError, ShortfilmError


@app.command()
def init(home: HomeOpt = Path(".")) -> None:
    """Create a production home: the database (migrated) and the artifact folders."""
    try:
        with store_at(home) as store:
            print_path("production home ready:", home.resolve())
            out.print(f"database: {escape(str(store.url))}", highlight=False, soft_wrap=True)
    except ShortfilmError as exc:
        fail(exc)


@app.command("import")
def import_(
    spec: Annotated[Path, typer.Argument(help="A production spec (YAML).")],
    home: HomeOpt = Path("."),
    prefer_spec: Annotated[
        bool,
        typer.Option(
            "--prefer-spec",
            help="Where the file and the store both changed a field since the last import, "
            "take the file's value (changes made only in the store are still kept).",
        ),
    ] = False,
) -> None:
    """Validate a spec and record it: new versions only where its content changed.

    What the file changed since the last import is applied; what was changed elsewhere
    meanwhile (a reference added with `board add-reference` or in the web app) is kept; a field
    changed in both places stops the import (exit 1), naming both values.
    """
    from shortfilm.production.importing import import_production
    from shortfilm.spec import load_spec
    from shortfilm.spec.load import spec_file_of

    try:
        production = load_spec(spec)  # before the store opens: a bad spec writes nothing
        with store_at(home) as store:
            result = import_production(
                store,
                production,
                spec_file_of(spec).parent,
                prefer_spec=prefer_spec,
                spec_file=spec,
            )
    except ShortfilmError as exc:
        fail(exc)
    verb = "created" if result.created else "updated"
    changes = ", ".join(result.new_versions) or "no changes"
    out.print(f"{result.slug}: {verb}; {changes}", highlight=False)
    if result.kept:
        out.print(
            "  kept what changed in the store since the last import: " + ", ".join(result.kept),
            highlight=False,
        )


@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="A production spec (YAML).")],
    home: HomeOpt = Path("."),
    provider: Annotated[str, typer.Option(help="Video provider.")] = "animatic",
    seed: Annotated[int, typer.Option(help="Generation seed.")] = 0,
    force: Annotated[
        bool, typer.Option(help="Generate clips even with lint errors (recorded on the take).")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Approve each checkpoint in advance as the local owner (recorded)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    detach: Annotated[
        bool,
        typer.Option(
            "--detach", help="Import here, queue the rest for the workers and return (a broker)."
        ),
    ] = False,
    takes: Annotated[
        int,
        typer.Option(
            "--takes", help="Takes asked of each clip (1-8, seeds SEED up); the best is selected."
        ),
    ] = 1,
    strategy: Annotated[
        str,
        typer.Option(
            help="With --takes: best-of (all of them) or until-pass (stop at the first "
            "whose QC passes)."
        ),
    ] = "best-of",
) -> None:
    """Import, generate every clip's take, hand keyframes on, edit and render.

    Stops (exit 1) at the first review checkpoint nobody has passed, saying what waits and the
    command that approves it; with --yes the local owner's approvals are recorded instead.
    With --detach the spec is checked and imported here, and the rest is a job the workers
    carry out (SHORTFILM_BROKER_URL): `shortfilm jobs` follows it.
    """
    try:
        many = _many_takes(takes, strategy)
    except InputError as exc:
        fail(exc)
    if detach:
        _detach(spec, home, provider, seed, force=force, approve=yes, as_json=as_json, many=many)
        return
    try:
        result = _run(spec, home, provider, seed, quiet=as_json, force=force, approve=yes,
                      many=many)  # fmt: skip
    except ShortfilmError as exc:
        fail(exc)
    _print_run(result, as_json)


def _run(
    spec: Path,
    home: Path,
    provider_name: str,
    seed: int,
    *,
    quiet: bool,
    force: bool = False,
    approve: bool = False,
    many: dict[str, Any] | None = None,
) -> Any:
    from shortfilm.production.pipeline import run_production
    from shortfilm.providers import registry
    from shortfilm.review.decisions import local_owner
    from shortfilm.spec import load_spec

    load_spec(spec)  # validate before anything is created
    provider = registry.get(provider_name, home / "work" / provider_name)
    approve_as = local_owner() if approve else None
    with store_at(home) as store, progress_bars(quiet) as bars:
        return run_production(
            store, spec, provider, seed=seed, force=force, progress=bars, approve_as=approve_as,
            **(many or {}),
        )  # fmt: skip


def _many_takes(takes: int, strategy: str) -> dict[str, Any]:
    """``run``'s keywords for ``--takes`` and ``--strategy`` (none when one take is asked)."""
    from shortfilm.domain.take_strategy import TakeStrategy
    from shortfilm.takes.take_budget import MAX_TAKES

    if not 1 <= takes <= MAX_TAKES:
        raise InputError(f"--takes: 1 to {MAX_TAKES} takes a clip, not {takes}")
    try:
        chosen = TakeStrategy.parse(strategy)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if takes == 1 and chosen is TakeStrategy.BEST_OF:
        return {}
    return {"takes": takes, "strategy": chosen}


def _detach(
    spec: Path,
    home: Path,
    provider: str,
    seed: int,
    *,
    force: bool,
    approve: bool,
    as_json: bool,
    many: dict[str, Any] | None = None,
) -> None:
    from shortfilm.cli.jobs import detached
    from shortfilm.domain.jobs import JobKind
    from shortfilm.jobs.queues import enqueue
    from shortfilm.production.importing import import_spec
    from shortfilm.providers import registry
    from shortfilm.spec import load_spec
    from shortfilm.team.people import current_person

    if provider not in registry.names():
        fail(InputError(f"unknown provider {provider!r}; known: {', '.join(registry.names())}"))
    try:
        load_spec(spec)  # validate before anything is created
    except ShortfilmError as exc:
        fail(exc)
    args: dict[str, Any] = {"provider": provider, "seed": seed, "force": force}
    args |= {key: str(value) if key == "strategy" else value for key, value in (many or {}).items()}
    if approve:
        args["approve_as"] = current_person()

    def ask(store: Any) -> Any:
        slug = import_spec(store, spec).slug
        return enqueue(store, JobKind.RUN, slug, args, requested_by=current_person())

    detached(home, ask, as_json=as_json)


def _print_run(result: Any, as_json: bool) -> None:
    renders = [
        {
            "preset": r.preset,
            "path": str(r.path),
            "duration_s": round(r.duration_s, 3),
            "width": r.width,
            "height": r.height,
        }
        for r in result.edit.renders
    ]
    waiting = [f"{step.label}: {step.detail}" for step in result.waiting]
    carried = list(result.edit.carried)
    if as_json:
        data = {
            "renders": renders,
            "report": str(result.report),
            "waiting": waiting,
            "edit": {"version": result.edit.edit_version, "carried": carried},
        }
        sys.stdout.write(json.dumps(data) + "\n")
        return
    for line in carried:
        out.print(f"edit v{result.edit.edit_version}: {escape(line)}", highlight=False)
    print_table(
        _RENDER_COLUMNS,
        [
            [
                r.preset,
                f"{r.duration_s:.2f} s",
                f"{r.width}x{r.height}",
                f"{r.integrated_lufs:.1f} LUFS / {r.true_peak_dbtp:.1f} dBTP",
                str(r.path),
            ]
            for r in result.edit.renders
        ],
    )
    print_path("report:", result.report)
    for line in waiting:
        print_prose(f"waiting: {for_here(line)}")


_RENDER_COLUMNS = (
    Column("preset"),
    Column("duration", drop=1),
    Column("size", drop=2),
    Column("loudness", drop=3),
    Column("file", path=True),
)
"""A render per row; at a narrow width the file keeps its line whole and the facts go first."""


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to make the demo in.")] = Path(
        "shortfilm-demo"
    ),
    seed: Annotated[int, typer.Option(help="Generation seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Make the example film 'wasteland-villa' offline, from spec to finished MP4s.

    Each review checkpoint is approved in advance as the local owner (recorded as such).
    """
    from shortfilm.examples import example_dir

    try:
        spec_dir = out_dir / "spec"
        source = example_dir("wasteland-villa")
        _copy_example(source, spec_dir)
        result = _run(
            spec_dir / "production.yaml", out_dir, "animatic", seed, quiet=as_json, approve=True
        )
    except ShortfilmError as exc:
        fail(exc)
    _print_run(result, as_json)


def _copy_example(source: Path, dest: Path) -> None:
    """Copy the example spec and its images, leaving a person's edits of an earlier copy alone."""
    if (dest / "production.yaml").exists():
        return
    tmp = dest.with_name(f".{dest.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
