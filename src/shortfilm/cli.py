"""The ``shortfilm`` command: parses, calls the workflow, prints. No business rule lives here.

Errors the workflow raises on purpose (:class:`ShortfilmError`) print as one line and exit with
their code (2 for bad input); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from shortfilm.errors import InputError, ShortfilmError

app = typer.Typer(
    help="Produce AI short films as a team: asset board, shot plans, takes, keyframes, edit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()

HomeOpt = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="SHORTFILM_HOME",
        help="Production home: database, artifacts, reports (default: current folder).",
    ),
]


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


def fail(exc: ShortfilmError) -> NoReturn:
    # escaped: a file name such as ``take[2].mp4`` is text, not Rich markup
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def open_store(home: Path) -> Any:
    from shortfilm.store.repo import Store

    return Store(home)


@contextmanager
def store_at(home: Path) -> Iterator[Any]:
    """The store for one command, its connections closed at the end (a server's too)."""
    store = open_store(home)
    try:
        yield store
    finally:
        store.close()


@app.command()
def init(home: HomeOpt = Path(".")) -> None:
    """Create a production home: the database (migrated) and the artifact folders."""
    try:
        store = open_store(home)
        out.print(f"production home ready: {home.resolve()} ({store.url})")
    except ShortfilmError as exc:
        fail(exc)


@app.command("import")
def import_(
    spec: Annotated[Path, typer.Argument(help="A production spec (YAML).")],
    home: HomeOpt = Path("."),
) -> None:
    """Validate a spec and record it: new versions only where its content changed."""
    from shortfilm.spec import load_spec
    from shortfilm.workflow.importing import import_production

    try:
        production = load_spec(spec)  # before the store opens: a bad spec writes nothing
        result = import_production(open_store(home), production, spec.parent)
    except ShortfilmError as exc:
        fail(exc)
    verb = "created" if result.created else "updated"
    changes = ", ".join(result.new_versions) or "no changes"
    out.print(f"{result.slug}: {verb}; {changes}")


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
) -> None:
    """Import, generate every clip's take, hand keyframes on, edit and render.

    Stops (exit 1) at the first review checkpoint nobody has passed, saying what waits and the
    command that approves it; with --yes the local owner's approvals are recorded instead.
    """
    try:
        result = _run(spec, home, provider, seed, quiet=as_json, force=force, approve=yes)
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
) -> Any:
    from shortfilm.providers import registry
    from shortfilm.spec import load_spec
    from shortfilm.workflow.pipeline import run_production
    from shortfilm.workflow.review import local_owner

    load_spec(spec)  # validate before anything is created
    provider = registry.get(provider_name, home / "work" / provider_name)
    store = open_store(home)
    approve_as = local_owner() if approve else None
    with progress_bars(quiet) as bars:
        return run_production(
            store, spec, provider, seed=seed, force=force, progress=bars, approve_as=approve_as
        )


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
    if as_json:
        data = {"renders": renders, "report": str(result.report), "waiting": waiting}
        sys.stdout.write(json.dumps(data) + "\n")
        return
    table = Table("preset", "duration", "size", "loudness", "file")
    for r in result.edit.renders:
        table.add_row(
            r.preset,
            f"{r.duration_s:.2f} s",
            f"{r.width}x{r.height}",
            f"{r.integrated_lufs:.1f} LUFS / {r.true_peak_dbtp:.1f} dBTP",
            str(r.path),
        )
    table.columns[-1].overflow = "fold"
    out.print(table)
    out.print(f"report: {result.report}")
    for line in waiting:
        out.print(f"waiting: {escape(line)}", highlight=False)


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


@app.command()
def status(
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every production's stages, and what is pending."""
    from shortfilm.workflow.status import production_status

    if not (home / "shortfilm.db").exists() and "SHORTFILM_DATABASE_URL" not in os.environ:
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        statuses = production_status(open_store(home))
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([st.to_json() for st in statuses], indent=2) + "\n")
        return
    for st in statuses:
        out.print(f"[bold]{st.title}[/] ({st.slug}, {st.campaign_role})")
        out.print(
            f"  script v{st.script_version}  board v{st.board_version} ({st.board_status})"
            f"  edit {f'v{st.edit_version}' if st.edit_version else 'pending'}"
            f"  cost {st.total_cost:g}  events {st.events}"
        )
        table = Table("clip", "job", "prompt", "takes", "failed", "selected", "keyframe", "state")
        for c in st.clips:
            table.add_row(
                f"{c.clip} {c.name}",
                c.job,
                f"v{c.prompt_version}",
                str(c.takes),
                str(c.failed_takes),
                f"take-{c.selected_take:03d}" if c.selected_take else "-",
                c.keyframe or "-",
                c.state if c.state != "generated" else c.review,
            )
        out.print(table)
        for preset, path in st.renders.items():
            out.print(f"  render {preset}: {escape(path)}", highlight=False)
        steps = Table("step", "owner", "output", "review check", "state", "waiting for", "detail")
        for step in st.checklist:
            steps.add_row(
                step["label"],
                step["owner_role"],
                step["output"],
                step["review"],
                step["state"],
                ", ".join(step["waiting_for"]) or "-",
                escape(step["detail"]),
            )
        out.print(steps)
        out.print("  pending: " + ("; ".join(st.pending) if st.pending else "nothing"))


@app.command()
def export(
    slug: Annotated[str, typer.Argument(help="The production to export.")],
    dest: Annotated[Path, typer.Argument(help="Folder to write (must not hold files).")],
    home: HomeOpt = Path("."),
    artifacts: Annotated[bool, typer.Option(help="Copy takes, keyframes and renders.")] = True,
) -> None:
    """Write a production back as a spec plus its artifacts: the template of the next film."""
    from shortfilm.workflow.export import export_production

    try:
        path = export_production(open_store(home), slug, dest, with_artifacts=artifacts)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"exported {slug} to {path}")


ClipArg = Annotated[str, typer.Argument(help="The clip: its number (2) or name (clip-02).")]


def parse_clip(text: str) -> int:
    """``2`` or ``clip-02`` to a position; a bad name is bad input (one line, exit 2)."""
    from shortfilm.store.naming import clip_position

    try:
        return clip_position(text)
    except ShortfilmError as exc:
        fail(exc)


@app.command()
def note(
    slug: Annotated[str, typer.Argument(help="The production.")],
    clip: ClipArg,
    take: Annotated[int, typer.Argument(help="Take number.")],
    text: Annotated[str, typer.Argument(help="What worked or failed, for the next person.")],
    failed: Annotated[
        bool, typer.Option("--failed", help="Reject the take: kept, but no longer selected.")
    ] = False,
    home: HomeOpt = Path("."),
) -> None:
    """Leave a note on a take (and optionally mark it failed): failed takes teach."""
    from shortfilm.workflow.takes import note_take

    try:
        with store_at(home) as store:
            subject = note_take(store, slug, parse_clip(clip), take, text, failed=failed)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"{slug}/{subject}: {'rejected, ' if failed else ''}note saved")


@app.command()
def lint(
    target: Annotated[
        str, typer.Argument(help="A spec file (or its folder), or a production slug.")
    ],
    home: HomeOpt = Path("."),
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    provider: Annotated[
        str | None, typer.Option(help="Check clip durations against this provider's limits.")
    ] = None,
) -> None:
    """Lint the prompts like code: rule code, severity, place, message, hint.

    Exit 0 when there is no error, 1 with errors, 2 when the input cannot be read.
    """
    from dataclasses import asdict

    from shortfilm.prompts.lint import has_errors
    from shortfilm.workflow.linting import lint_with_lessons

    if output not in ("text", "json"):
        fail(InputError(f"--format must be text or json, not {output!r}"))
    try:
        production, store = _lint_target(target, home)
        durations = _provider_durations(provider, home)
        findings = lint_with_lessons(production, store=store, durations_s=durations)
    except ShortfilmError as exc:
        fail(exc)
    if output == "json":
        rows = [asdict(f) | {"severity": str(f.severity)} for f in findings]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        for f in findings:
            colour = colours[str(f.severity)]
            out.print(
                f"[bold]{f.code}[/] [{colour}]{f.severity}[/] {f.place}: {f.message}",
                highlight=False,
                soft_wrap=True,
            )
            out.print(f"    hint: {f.hint}", highlight=False, soft_wrap=True)
        counts = {s: sum(1 for f in findings if str(f.severity) == s) for s in colours}
        out.print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info")
    raise typer.Exit(1 if has_errors(findings) else 0)


def _lint_target(target: str, home: Path) -> tuple[Any, Any]:
    """A spec path is read as a spec; anything else is a production in the store at ``home``."""
    from shortfilm.spec import load_spec
    from shortfilm.spec.stored import spec_from_dict
    from shortfilm.store import repo

    path = Path(target)
    store = open_store(home) if _is_home(home) else None
    if path.exists() or target.endswith((".yaml", ".yml")):
        return load_spec(path), store
    if store is None:
        raise InputError(f"{target}: no such spec file, and {home} is not a production home")
    with store.session() as s:
        row = repo.production_by_slug(s, target)
        if row is None:
            raise InputError(f"{target}: no such spec file or production")
        return spec_from_dict(row.spec), store


def _is_home(home: Path) -> bool:
    return (home / "shortfilm.db").exists() or "SHORTFILM_DATABASE_URL" in os.environ


def _provider_durations(name: str | None, home: Path) -> tuple[float, float] | None:
    if name is None:
        return None
    from shortfilm.providers import registry

    return registry.get(name, home / "work" / name).limits.durations_s


@app.command()
def plan(
    script: Annotated[Path, typer.Argument(help="A script: YAML (logline, beats) or Markdown.")],
    target: Annotated[float, typer.Option(help="Target film length, seconds.")] = 50.0,
    spec: Annotated[
        Path | None, typer.Option(help="A production spec whose board the plan should use.")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the clips YAML here (else stdout).")
    ] = None,
    deterministic: Annotated[
        bool, typer.Option(help="Never ask a language model, even when one is configured.")
    ] = False,
) -> None:
    """Split a script's beats into clips with one job each (12-15 s, 3-4 shots), as spec YAML.

    A language model drafts the plan when SHORTFILM_LLM_BASE_URL (and _MODEL, _API_KEY) are set;
    either way the plan is linted before it is written.
    """
    from dataclasses import replace

    from shortfilm.prompts.lint import Severity, lint_production
    from shortfilm.providers.chat import ChatClient
    from shortfilm.spec import load_spec
    from shortfilm.workflow.planning import plan_script

    try:
        production = load_spec(spec) if spec else None
        client = None if deterministic else ChatClient.from_env()
        result = plan_script(
            script, target, board=production.board if production else None, client=client
        )
    except ShortfilmError as exc:
        fail(exc)
    if out_file is not None:
        tmp = out_file.with_name(f".{out_file.name}.tmp")
        tmp.write_text(result.yaml_text, encoding="utf-8")
        os.replace(tmp, out_file)
        err.print(f"wrote {len(result.clips)} clips to {out_file} ({result.drafted_by})")
    else:
        sys.stdout.write(result.yaml_text)
    if production is not None:
        findings = lint_production(replace(production, clips=result.clips))
        errors = [f for f in findings if f.severity is Severity.ERROR]
        for f in findings:
            err.print(f"{f.code} {f.severity} {f.place}: {f.message}", highlight=False)
        if errors:
            raise typer.Exit(1)


@app.command()
def cost(
    slug: Annotated[str, typer.Argument(help="The production.")],
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Spend per clip (failed takes included), against the budget, and per approved second."""
    from shortfilm.workflow.cost import cost_report

    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        report = cost_report(open_store(home), slug)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return

    def money(amounts: dict[str, float]) -> str:
        return ", ".join(f"{v:,.0f} {u}" for u, v in amounts.items()) or "0"

    table = Table("clip", "takes", "spent", "wasted on failed", "approved")
    for c in report.clips:
        table.add_row(c.clip, str(c.takes), money(c.spent), money(c.wasted), f"{c.approved_s:g} s")
    out.print(table)
    out.print(f"total: {money(report.total)}; approved film: {report.approved_s:g} s")
    if report.per_approved_s:
        out.print(f"per approved second: {money(report.per_approved_s)}")
    if report.budget:
        b = report.budget
        out.print(
            f"budget: {b['committed']:,.0f} of {b['limit']:,.0f} {b['unit']} "
            f"({b['remaining']:,.0f} left)"
        )


board_app = typer.Typer(help="The asset board: Step 1 of the workflow.", no_args_is_help=True)
app.add_typer(board_app, name="board")


@board_app.command("generate")
def board_generate(
    slug: Annotated[str, typer.Argument(help="The production.")],
    provider: Annotated[
        str, typer.Option(help="Image provider: board-sheet (offline) or seedream.")
    ] = "board-sheet",
    seed: Annotated[int, typer.Option(help="Generation seed.")] = 0,
    home: HomeOpt = Path("."),
) -> None:
    """Make the board image from the brief and the reference images, as a new board version."""
    from shortfilm.providers.images import get_image_provider
    from shortfilm.workflow.board import generate_board_image

    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        images = get_image_provider(provider, home / "work" / provider)
        try:
            result = generate_board_image(open_store(home), slug, images, seed=seed)
        finally:
            close = getattr(images, "close", None)
            if close is not None:
                close()
    except ShortfilmError as exc:
        fail(exc)
    verb = "reused" if result.reused else "made"
    out.print(
        f"board v{result.version}: {verb} {result.path} "
        f"({result.provider} {result.model}, cost {result.cost:g} {result.cost_unit})"
    )


@board_app.command("add-reference")
def board_add_reference(
    slug: Annotated[str, typer.Argument(help="The production.")],
    image: Annotated[Path, typer.Argument(help="A PNG, JPEG or WebP image.")],
    role: Annotated[str, typer.Option(help="character, environment or board (style/palette).")],
    label: Annotated[
        str, typer.Option(help="The character's or view's name, or a name for a style image.")
    ],
    home: HomeOpt = Path("."),
) -> None:
    """Add a reference image to the board as a new draft version (review it before generating)."""
    from shortfilm.workflow.board import add_reference
    from shortfilm.workflow.people import current_person

    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            added = add_reference(
                store, slug, image, role=role, label=label, actor_name=current_person()
            )
    except ShortfilmError as exc:
        fail(exc)
    out.print(
        f"board v{added.version}: {added.role} reference {added.label} ({added.spec_path}), "
        f"a draft: review it with `shortfilm review board {slug}`",
        highlight=False,
    )
    out.print(
        f"  your spec file does not name it: importing it again makes a version without it; "
        f"`shortfilm export {slug} DIR` writes a spec that does",
        highlight=False,
    )


take_app = typer.Typer(help="Takes of a clip, generated or made elsewhere.", no_args_is_help=True)
app.add_typer(take_app, name="take")


@take_app.command("import")
def take_import(
    slug: Annotated[str, typer.Argument(help="The production.")],
    clip: ClipArg,
    video: Annotated[Path, typer.Argument(help="A video file ffmpeg reads (mp4, mov, webm ...).")],
    note_text: Annotated[
        str, typer.Option("--note", help="What this take is, for the next person.")
    ] = "",
    select: Annotated[
        bool, typer.Option("--select", help="Make it the clip's take (a person's pick).")
    ] = False,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Import a video made elsewhere as a new take of a clip, after proving it plays to the end.

    A file that is not a whole video (empty, an image, audio only, truncated) exits 2 and
    nothing is stored; importing the same file again for the same clip adds nothing.
    """
    from shortfilm.workflow.external import import_take

    position = parse_clip(clip)
    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            result = import_take(store, slug, position, video, note=note_text, select=select)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
        return
    info = result.info
    width, height = info.display_size
    fps = f"{float(info.fps):.3f}".rstrip("0").rstrip(".") if info.fps else "?"
    sound = info.channel_layout or (f"{info.channels} ch" if info.channels else "no audio")
    facts = (
        f"{info.describe()}, {width}x{height} shown, {fps} fps"
        f"{' (variable)' if info.variable_frame_rate else ''}, "
        f"{info.video_duration_s or info.duration_s:.2f} s, {sound}"
    )
    if result.already:
        out.print(
            f"{slug}/clip-{result.clip:02d}: already imported as take {result.take}; nothing added",
            highlight=False,
        )
    else:
        out.print(
            f"{slug}/{result.subject}: imported {video.name} ({facts})",
            highlight=False,
            soft_wrap=True,
        )
        out.print(f"  stored as {result.video}", highlight=False, soft_wrap=True)
    if select and result.selected:
        out.print(f"  selected for clip-{result.clip:02d}", highlight=False)


class _VideoOrSubcommand(TyperGroup):
    """``qc VIDEO`` beside ``qc show SLUG CLIP``: a first word that names no subcommand is the
    video of the default subcommand ``check`` (a file called ``show`` is ``./show``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


qc_app = typer.Typer(
    cls=_VideoOrSubcommand,
    help="Quality checks of a take: `qc VIDEO [--plan SLUG:CLIP]` checks any file, "
    "`qc show SLUG CLIP [--take N]` shows a stored take's report. "
    "Exit 0 when no check fails, 1 when one does, 2 for bad input.",
    no_args_is_help=True,
)
app.add_typer(qc_app, name="qc")


def _plan_target(plan: str) -> tuple[str | None, int]:
    """``SLUG:CLIP`` (or just ``CLIP`` in a home with one production) to (slug, position)."""
    slug, _, clip = plan.rpartition(":")
    return (slug or None), parse_clip(clip)


@qc_app.command("check")
def qc_check(
    video: Annotated[Path, typer.Argument(help="A video file ffmpeg reads (mp4, mov, webm ...).")],
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="SLUG:CLIP (or CLIP in a home with one production): also check it against "
            "that clip's plan, board and the previous clip's keyframe.",
        ),
    ] = None,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Analyse any video and check it; nothing is stored. Exit 1 when a check fails."""
    from shortfilm.workflow.take_qc import check_file

    try:
        if plan is None:
            report = check_file(video)
        else:
            slug, position = _plan_target(plan)
            if not _is_home(home):
                raise InputError(f"{home.resolve()}: not a production home, so no plan to check")
            with store_at(home) as store:
                report = check_file(video, store=store, slug=slug, position=position)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        data = {"video": str(video), "plan": plan, **report.to_json()}
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        against = f" against {plan}" if plan else " (no plan: only the file's own checks)"
        out.print(f"[bold]{escape(str(video))}[/]{escape(against)}", highlight=False)
        _print_qc(report)
    raise typer.Exit(1 if report.failed else 0)


@qc_app.command("show")
def qc_show(
    slug: Annotated[str, typer.Argument(help="The production.")],
    clip: ClipArg,
    take: Annotated[
        int | None, typer.Option("--take", help="Take number (default: the selected take).")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="Analyse the take again and store the new report.")
    ] = False,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """A take's stored QC report and keyframe candidates. Exit 1 when a check fails."""
    from shortfilm.workflow.take_qc import stored_qc

    position = parse_clip(clip)
    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            stored = stored_qc(store, slug, position, take, again=again)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(stored.to_json()) + "\n")
    else:
        state = "selected" if stored.selected else "not selected"
        out.print(
            f"[bold]{escape(slug)}/{stored.subject}[/] ({escape(stored.provider)}, {state}), "
            f"checked {stored.analysed_at:%Y-%m-%d %H:%M} by QC v{stored.report.version}",
            highlight=False,
        )
        _print_qc(stored.report)
        table = Table("#", "time", "score", "sharpness", "exposure", "faces", "thumbnail")
        for i, c in enumerate(stored.candidates, start=1):
            table.add_row(
                str(i),
                f"{c['t_s']:.3f} s",
                f"{c['score']:.2f}",
                f"{c['sharpness']:.0f}",
                f"{c['exposure']:.2f}",
                str(c["faces"]),
                escape(str(c.get("path") or "-")),
            )
        table.columns[-1].overflow = "fold"
        out.print("keyframe candidates (`shortfilm keyframe pick ... --candidate N`):")
        out.print(table)
        if stored.keyframe_ms is not None:
            out.print(
                f"keyframe: {stored.keyframe_ms / 1000:.3f} s, chosen by {stored.keyframe_by}",
                highlight=False,
            )
    raise typer.Exit(1 if stored.report.failed else 0)


_STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def _print_qc(report: Any) -> None:
    """The checks as a table, then the verdict (``report`` is a :class:`QCReport`)."""
    if report.error is not None:
        out.print(f"[bold red]QC could not run:[/] {escape(report.error)}", highlight=False)
        return
    table = Table("check", "status", "reason")
    for c in report.checks:
        style = _STATUS_STYLE.get(str(c.status), "")
        table.add_row(c.name, f"[{style}]{c.status}[/]", escape(c.reason))
    table.columns[-1].overflow = "fold"
    out.print(table)
    counts = {k: sum(1 for c in report.checks if str(c.status) == k) for k in _STATUS_STYLE}
    out.print(
        f"overall: [{_STATUS_STYLE.get(report.status, '')}]{report.status}[/] "
        f"({counts['fail']} failed, {counts['warn']} warnings, {counts['pass']} passed, "
        f"{counts['skip']} skipped)",
        highlight=False,
    )


@app.command("keyframes")
def keyframes_cmd(
    video: Annotated[Path, typer.Argument(help="A video file ffmpeg reads.")],
    top: Annotated[int, typer.Option("--top", help="How many candidates, at most.")] = 5,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write each candidate's thumbnail PNG here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The best keyframe candidates of any video: clear, well exposed, still, spread in time."""
    from shortfilm.workflow.keyframes import file_keyframes

    try:
        found = file_keyframes(video, top=top, out=out_dir)
    except ShortfilmError as exc:
        fail(exc)
    fields = ("t_s", "score", "sharpness", "exposure", "faces", "motion", "path")
    rows = [{k: c.to_json()[k] for k in fields} for c in found]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table("#", "time", "score", "sharpness", "exposure", "faces", "motion", "file")
    for i, r in enumerate(rows, start=1):
        table.add_row(
            str(i),
            f"{r['t_s']:.3f} s",
            f"{r['score']:.2f}",
            f"{r['sharpness']:.0f}",
            f"{r['exposure']:.2f}",
            str(r["faces"]),
            f"{r['motion']:.2f}",
            escape(str(r["path"] or "-")),
        )
    table.columns[-1].overflow = "fold"
    out.print(table)


keyframe_app = typer.Typer(help="The keyframe a take hands to the next clip.", no_args_is_help=True)
app.add_typer(keyframe_app, name="keyframe")


@keyframe_app.command("pick")
def keyframe_pick(
    slug: Annotated[str, typer.Argument(help="The production.")],
    clip: ClipArg,
    take: Annotated[
        int | None, typer.Option("--take", help="Take number (default: the selected take).")
    ] = None,
    at: Annotated[
        float | None, typer.Option("--at", help="The frame on screen at this time, seconds.")
    ] = None,
    candidate: Annotated[
        int | None,
        typer.Option("--candidate", help="A keyframe candidate by number, as `qc show` lists."),
    ] = None,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Choose the take's keyframe yourself (full size, under your name: SHORTFILM_USER or your
    login). The next clip continuing it is generated again from that frame on the next run."""
    from shortfilm.workflow.keyframes import pick_keyframe

    position = parse_clip(clip)
    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            choice = pick_keyframe(store, slug, position, take=take, at_s=at, candidate=candidate)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(choice.to_json()) + "\n")
        return
    where = f"{slug}/{choice.subject}"
    if not choice.changed:
        out.print(
            f"{where}: the frame at {choice.time_ms / 1000:.3f} s is already its keyframe",
            highlight=False,
        )
        return
    replaced = (
        f", replacing {choice.replaced_ms / 1000:.3f} s (kept)"
        if choice.replaced_ms is not None
        else ""
    )
    out.print(
        f"{where}: keyframe now the frame at {choice.time_ms / 1000:.3f} s, "
        f"chosen by {choice.by}{replaced}",
        highlight=False,
        soft_wrap=True,
    )
    out.print(f"  stored as {choice.path}", highlight=False, soft_wrap=True)
    if choice.selected:
        out.print(
            "  a clip continuing this one is generated again from it on the next run",
            highlight=False,
        )
    else:
        out.print(
            f"  take {choice.take} is not clip-{choice.clip:02d}'s selected take: "
            "the next clip continues from the selected take's keyframe",
            highlight=False,
        )


edit_app = typer.Typer(
    help="The edit's timeline: trims, order, speed, transitions, texts, sound. "
    "Each change is a new Edit version; a later `run` keeps it for clips whose take is unchanged.",
    no_args_is_help=True,
)
app.add_typer(edit_app, name="edit")
caption_app = typer.Typer(help="Captions on the film timeline.", no_args_is_help=True)
edit_app.add_typer(caption_app, name="caption")
text_app = typer.Typer(
    help="Any text over the film: caption, lower_third, hook or end_card.", no_args_is_help=True
)
edit_app.add_typer(text_app, name="text")


def _edit_home(home: Path) -> None:
    if not _is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))


def _print_change(change: Any) -> None:
    if change.created:
        out.print(f"{change.slug}: edit v{change.version} ({change.what})", highlight=False)
    else:
        out.print(
            f"{change.slug}: unchanged, still edit v{change.version} ({change.what})",
            highlight=False,
        )
    for what in change.dropped:
        out.print(f"  now past the film's end, taken off: {what}", highlight=False)


def _edit(home: Path, call: Any) -> None:
    """Run one timeline change against the store at ``home`` and print the version it gave."""
    _edit_home(home)
    try:
        with store_at(home) as store:
            change = call(store)
    except ShortfilmError as exc:
        fail(exc)
    _print_change(change)


SlugArg = Annotated[str, typer.Argument(help="The production.")]


@edit_app.command("show")
def edit_show(
    slug: SlugArg,
    version: Annotated[
        int | None, typer.Option("--edit", help="Edit version (default: the latest).")
    ] = None,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The edit's timeline: each clip's take, trim, speed, transition and sound; texts; audio."""
    from shortfilm.domain.timeline_ops import incoming
    from shortfilm.workflow.timeline_edit import load_edit

    _edit_home(home)
    try:
        with store_at(home) as store:
            stored = load_edit(store, slug, version)
    except ShortfilmError as exc:
        fail(exc)
    if stored is None:
        fail(InputError(f"{slug} has no edit yet: run it, or change it with `shortfilm edit`"))
    data = stored.to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    tl = stored.timeline
    who = f", edited by {stored.edited_by} ({stored.what})" if stored.edited_by else ""
    out.print(
        f"[bold]{slug}[/] edit v{stored.version}: {data['duration_s']:.2f} s at {tl.rate} fps{who}",
        highlight=False,
    )
    table = Table("#", "clip", "take", "in-out (take)", "speed", "on film", "in from", "sound")
    film = {p["picture"]: p for p in data["film"]}
    joins = incoming(tl)
    for i, seg in enumerate(tl.segments, start=1):
        place = film[seg.name]
        join = joins.get(seg.clip)
        how = (
            "-"
            if join is None
            else (
                join.kind.value
                if join.frames == 0
                else f"{join.kind.value} {float(tl.seconds(join.frames)):.2f} s"
            )
        )
        table.add_row(
            str(i),
            seg.name,
            f"take-{seg.take:03d}",
            f"{float(tl.seconds(seg.source_in)):.2f}-{float(tl.seconds(seg.source_out)):.2f} s",
            f"x{seg.speed:g}",
            f"{place['start_s']:.2f}-{place['end_s']:.2f} s",
            how,
            ("on" if seg.audio else "off") + (f" {seg.gain_db:+g} dB" if seg.gain_db else ""),
        )
    out.print(table)
    counts: dict[str, int] = {}
    for t in tl.texts:
        counts[t.kind.value] = counts.get(t.kind.value, 0) + 1
        number = counts[t.kind.value]
        out.print(
            f"  {t.kind.value} {number}: {t.text!r} "
            f"{float(tl.seconds(t.start)):.2f}-{float(tl.seconds(t.end)):.2f} s",
            highlight=False,
            soft_wrap=True,
        )
    for cue in tl.audio.sfx:
        out.print(
            f"  sfx {cue.kind} at {float(tl.seconds(cue.at)):.2f} s, {cue.gain_db:+g} dB",
            highlight=False,
        )
    music = tl.audio.music
    if music is not None:
        out.print(
            f"  music {music.path or 'drone'} {music.gain_db:+g} dB, duck {music.duck_db:g} dB",
            highlight=False,
        )
    for target in tl.audio.loudness:
        out.print(f"  loudness {target.channel}: {target.lufs:g} LUFS", highlight=False)


@edit_app.command("trim")
def edit_trim(
    slug: SlugArg,
    clip: ClipArg,
    in_s: Annotated[float | None, typer.Option("--in", help="Start in the take, seconds.")] = None,
    out_s: Annotated[float | None, typer.Option("--out", help="End in the take, seconds.")] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Play only part of a clip's take (seconds of the take)."""
    from shortfilm.workflow.timeline_edit import trim_clip

    position = parse_clip(clip)
    _edit(home, lambda store: trim_clip(store, slug, position, in_s, out_s))


@edit_app.command("move")
def edit_move(
    slug: SlugArg,
    clip: ClipArg,
    to: Annotated[int, typer.Option("--to", help="New place in the film, 1-based.")],
    home: HomeOpt = Path("."),
) -> None:
    """Put a clip at another place in the film (its transition moves with it)."""
    from shortfilm.workflow.timeline_edit import move_clip

    position = parse_clip(clip)
    _edit(home, lambda store: move_clip(store, slug, position, to))


@edit_app.command("speed")
def edit_speed(
    slug: SlugArg,
    clip: ClipArg,
    speed: Annotated[float, typer.Argument(help="0.25-4.0; 2 plays twice as fast.")],
    home: HomeOpt = Path("."),
) -> None:
    """Change a clip's playback speed (picture and sound)."""
    from shortfilm.workflow.timeline_edit import speed_clip

    position = parse_clip(clip)
    _edit(home, lambda store: speed_clip(store, slug, position, speed))


@edit_app.command("transition")
def edit_transition(
    slug: SlugArg,
    clip: ClipArg,
    kind: Annotated[str, typer.Argument(help="cut, crossfade, dip, whip or slide.")],
    duration: Annotated[
        float | None, typer.Option("--duration", help="Seconds (default: the usual length).")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="For whip and slide: left, right, up or down.")
    ] = "left",
    home: HomeOpt = Path("."),
) -> None:
    """Set how the film goes into a clip."""
    from shortfilm.workflow.timeline_edit import transition_into

    position = parse_clip(clip)
    _edit(home, lambda store: transition_into(store, slug, position, kind, duration, direction))


@edit_app.command("audio")
def edit_audio(
    slug: SlugArg,
    clip: ClipArg,
    state: Annotated[str | None, typer.Argument(help="on or off (default: unchanged).")] = None,
    gain: Annotated[float | None, typer.Option("--gain", help="Gain of its sound, dB.")] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Turn a clip's own sound on or off, or change its gain."""
    from shortfilm.workflow.timeline_edit import clip_audio

    position = parse_clip(clip)
    if state not in (None, "on", "off"):
        fail(InputError(f"{state!r}: say on or off"))
    on = None if state is None else state == "on"
    _edit(home, lambda store: clip_audio(store, slug, position, on, gain))


@edit_app.command("music")
def edit_music(
    slug: SlugArg,
    gain: Annotated[float | None, typer.Option("--gain", help="Bed level, dB.")] = None,
    fade_in: Annotated[float | None, typer.Option("--fade-in", help="Seconds.")] = None,
    fade_out: Annotated[float | None, typer.Option("--fade-out", help="Seconds.")] = None,
    duck: Annotated[
        float | None, typer.Option("--duck", help="dB the bed dips under impacts and whooshes.")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Change the music bed's level, fades or ducking."""
    from shortfilm.workflow.timeline_edit import music_settings

    _edit(
        home,
        lambda store: music_settings(
            store, slug, gain_db=gain, fade_in_s=fade_in, fade_out_s=fade_out, duck_db=duck
        ),
    )


@edit_app.command("loudness")
def edit_loudness(
    slug: SlugArg,
    channel: Annotated[str, typer.Argument(help="One of the production's channels.")],
    lufs: Annotated[
        float, typer.Option("--lufs", help="Integrated loudness target, LUFS (-36 to -6).")
    ],
    home: HomeOpt = Path("."),
) -> None:
    """Master one channel's render to another loudness (default -14 LUFS)."""
    from shortfilm.workflow.timeline_edit import loudness_target

    _edit(home, lambda store: loudness_target(store, slug, channel, lufs))


def _text_kind(kind: str) -> Any:
    from shortfilm.domain.timeline import TextKind

    try:
        return TextKind(kind.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        fail(InputError(f"{kind!r}: --kind is caption, lower_third, hook or end_card"))


def _add_text(home: Path, slug: str, kind: str, text: str, at: float, until: float) -> None:
    from shortfilm.workflow.timeline_edit import add_text_item

    parsed = _text_kind(kind)
    _edit(home, lambda store: add_text_item(store, slug, parsed, text, at, until))


def _remove_text(home: Path, slug: str, kind: str, which: str) -> None:
    from shortfilm.workflow.timeline_edit import remove_text_item

    parsed = _text_kind(kind)
    _edit(home, lambda store: remove_text_item(store, slug, parsed, which))


AtOpt = Annotated[float, typer.Option("--at", help="Film time it appears, seconds.")]
UntilOpt = Annotated[float, typer.Option("--until", help="Film time it goes, seconds.")]
WhichArg = Annotated[str, typer.Argument(help="Its number (as `edit show` lists) or its text.")]
KindOpt = Annotated[str, typer.Option("--kind", help="caption, lower_third, hook or end_card.")]


@caption_app.command("add")
def caption_add(
    slug: SlugArg,
    text: Annotated[str, typer.Argument(help="The caption.")],
    at: AtOpt,
    until: UntilOpt,
    home: HomeOpt = Path("."),
) -> None:
    """Add a caption on the film timeline (title card included)."""
    _add_text(home, slug, "caption", text, at, until)


@caption_app.command("remove")
def caption_remove(slug: SlugArg, which: WhichArg, home: HomeOpt = Path(".")) -> None:
    """Take a caption off the film."""
    _remove_text(home, slug, "caption", which)


@text_app.command("add")
def text_add(
    slug: SlugArg,
    text: Annotated[str, typer.Argument(help="The text.")],
    at: AtOpt,
    until: UntilOpt,
    kind: KindOpt = "caption",
    home: HomeOpt = Path("."),
) -> None:
    """Add a caption, lower third, hook or end card."""
    _add_text(home, slug, kind, text, at, until)


@text_app.command("remove")
def text_remove(
    slug: SlugArg, which: WhichArg, kind: KindOpt = "caption", home: HomeOpt = Path(".")
) -> None:
    """Take a text off the film."""
    _remove_text(home, slug, kind, which)


@app.command("render")
def render_cmd(
    slug: SlugArg,
    presets: Annotated[
        list[str] | None,
        typer.Option("--preset", help="A preset or channel (repeatable; default: every channel)."),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="A fast review draft (untouched spans copied), stored as PRESET-draft, "
            "never as the publishable render; needs no approved takes.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    home: HomeOpt = Path("."),
) -> None:
    """Render the current edit for its channels, each render checked (exit 1 if one fails)."""
    from shortfilm.workflow.edit import RenderCheckError, assemble_edit, draft_edit

    _edit_home(home)
    make = draft_edit if draft else assemble_edit
    failure: ShortfilmError | None = None
    try:
        with store_at(home) as store, progress_bars(as_json) as bars:
            result = make(store, slug, progress=bars, preset_names=tuple(presets or ()))
    except RenderCheckError as exc:
        result, failure = exc.result, exc
    except ShortfilmError as exc:
        fail(exc)
    rows = [
        {
            "preset": r.preset,
            "draft": r.draft,
            "status": r.status,
            "reused": r.reused,
            "path": str(r.path),
            "duration_s": round(r.duration_s, 3),
            "size": f"{r.width}x{r.height}",
            "reasons": list(r.reasons),
        }
        for r in result.renders
    ]
    if as_json:
        sys.stdout.write(json.dumps({"edit_version": result.edit_version, "renders": rows}) + "\n")
    else:
        table = Table("preset", "status", "duration", "size", "loudness", "file")
        for r in result.renders:
            table.add_row(
                r.preset + (" (draft)" if r.draft else ""),
                r.status + (", reused" if r.reused else ""),
                f"{r.duration_s:.2f} s",
                f"{r.width}x{r.height}",
                f"{r.integrated_lufs:.1f} LUFS / {r.true_peak_dbtp:.1f} dBTP",
                str(r.path),
            )
        table.columns[-1].overflow = "fold"
        out.print(f"{slug}: edit v{result.edit_version}", highlight=False)
        out.print(table)
    if failure is not None:
        fail(failure)


@app.command("export-timeline")
def export_timeline(
    slug: SlugArg,
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="otio, fcp7 (FCP 7 XML) or fcpxml.")] = (
        "otio"
    ),
    version: Annotated[
        int | None, typer.Option("--edit", help="Edit version (default: the latest).")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Write the edit for DaVinci Resolve, Premiere or Final Cut (OTIO, FCP 7 XML, FCPXML)."""
    from shortfilm.workflow.handoff import export_timeline as export

    _edit_home(home)
    try:
        with store_at(home) as store:
            result = export(store, slug, out_file, fmt, version)
    except ShortfilmError as exc:
        fail(exc)
    out.print(
        f"{slug}: edit v{result.version} ({result.clips} clips) written as {result.format} "
        f"to {result.path}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("import-timeline")
def import_timeline(
    slug: SlugArg,
    file: Annotated[Path, typer.Argument(help="An OpenTimelineIO file (.otio).")],
    home: HomeOpt = Path("."),
) -> None:
    """Bring an edited timeline (.otio) back as a new Edit version."""
    from shortfilm.workflow.handoff import import_timeline as import_otio

    _edit(home, lambda store: import_otio(store, slug, file))


review_app = typer.Typer(
    help="Review checkpoints: the board before generation, each take before the edit, the final "
    "render before publishing. Decisions are the local owner's (SHORTFILM_USER names them).",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

ApproveOpt = Annotated[bool, typer.Option("--approve", help="Approve this exact version.")]
ChangesOpt = Annotated[
    str | None, typer.Option("--request-changes", help="Ask for changes: say what to change.")
]
RejectOpt = Annotated[bool, typer.Option("--reject", help="Reject it (give the reason in --note).")]
NoteOpt = Annotated[str, typer.Option("--note", help="Why; a reject needs one.")]
ScoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--score",
        help="A rubric score, criterion=N[:note] (N 1-5); approving the final needs all seven: "
        "visual-continuity, story-clarity, caption-fit, sound-quality, export-format, "
        "account-match, reuse-potential.",
    ),
]
VersionOpt = Annotated[int | None, typer.Option("--version", help="Version (default: latest).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _review(
    home: Path,
    slug: str,
    kind: str,
    where: dict[str, Any],
    approve: bool,
    changes: str | None,
    reject: bool,
    note: str,
    scores: list[str] | None,
    as_json: bool,
) -> None:
    from dataclasses import asdict

    from shortfilm.domain.review import Decision, Score
    from shortfilm.workflow.review import decide, local_owner, subject_id

    chosen = [d for d, on in ((Decision.APPROVE, approve), (Decision.REQUEST_CHANGES,
              changes is not None), (Decision.REJECT, reject)) if on]  # fmt: skip
    try:
        if len(chosen) != 1:
            raise InputError("decision: give one of --approve, --request-changes TEXT, --reject")
        parsed = [Score.parse(text) for text in scores or []]
        with store_at(home) as store:
            record = decide(
                store, slug, kind, subject_id(store, slug, kind, **where), local_owner(),
                chosen[0], scores=parsed, note=note, changes=changes or "",
            )  # fmt: skip
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(asdict(record), default=str) + "\n")
        return
    done = {"approve": "approved", "request-changes": "changes requested", "reject": "rejected"}
    out.print(
        f"{slug} {record.subject}: {done[record.decision]} by {escape(record.reviewer)} "
        f"({record.role})",
        highlight=False,
    )


@review_app.command("board")
def review_board(
    slug: SlugArg,
    version: VersionOpt = None,
    approve: ApproveOpt = False,
    request_changes: ChangesOpt = None,
    reject: RejectOpt = False,
    note: NoteOpt = "",
    score: ScoreOpt = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Decide on a board version (checkpoint 1: no take is generated before it is approved)."""
    where = {"version": version}
    _review(home, slug, "board", where, approve, request_changes, reject, note, score, as_json)


@review_app.command("take")
def review_take_cmd(
    slug: SlugArg,
    clip: ClipArg,
    take: Annotated[int | None, typer.Argument(help="Take number (default: the selected).")] = None,
    approve: ApproveOpt = False,
    request_changes: ChangesOpt = None,
    reject: RejectOpt = False,
    note: NoteOpt = "",
    score: ScoreOpt = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Decide on a take (checkpoint 2). Approving selects it; rejecting frees the clip."""
    where = {"clip": parse_clip(clip), "take": take}
    _review(home, slug, "take", where, approve, request_changes, reject, note, score, as_json)


@review_app.command("edit")
def review_edit(
    slug: SlugArg,
    version: VersionOpt = None,
    approve: ApproveOpt = False,
    request_changes: ChangesOpt = None,
    reject: RejectOpt = False,
    note: NoteOpt = "",
    score: ScoreOpt = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Decide on an edit version (the cut, before its renders are judged)."""
    where = {"version": version}
    _review(home, slug, "edit", where, approve, request_changes, reject, note, score, as_json)


@review_app.command("final")
def review_final(
    slug: SlugArg,
    preset: Annotated[
        str | None, typer.Option("--preset", help="The render's preset (if there are several).")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--edit-version", help="Edit version (default: latest).")
    ] = None,
    approve: ApproveOpt = False,
    request_changes: ChangesOpt = None,
    reject: RejectOpt = False,
    note: NoteOpt = "",
    score: ScoreOpt = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Decide on a final render (checkpoint 3: only the owner approves, with the rubric)."""
    where = {"preset": preset, "version": version}
    _review(home, slug, "render", where, approve, request_changes, reject, note, score, as_json)


@review_app.command("show")
def review_show(slug: SlugArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Every decision and comment on the production, version by version, in workflow order."""
    from dataclasses import asdict

    from shortfilm.workflow.review import review_history

    try:
        with store_at(home) as store:
            history = review_history(store, slug)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        subjects = [asdict(h) for h in history]
        sys.stdout.write(json.dumps({"slug": slug, "subjects": subjects}, default=str) + "\n")
        return
    if not history:
        out.print(f"{slug}: nothing reviewed or commented on yet", highlight=False)
        return
    for h in history:
        out.print(f"[bold]{escape(h.name)}[/bold]  {h.standing}", highlight=False)
        for r in h.reviews:
            ahead = ", in advance" if r.in_advance else ""
            said = "; ".join(x for x in (r.changes, r.note) if x)
            line = (
                f"  {r.created_at:%Y-%m-%d %H:%M}  {r.decision} by {r.reviewer} ({r.role}{ahead})"
            )
            out.print(escape(line + (f": {said}" if said else "")), highlight=False)
            if r.scores:
                marks = ", ".join(f"{sc.criterion} {sc.value}" for sc in r.scores)
                out.print(f"      scores: {escape(marks)}", highlight=False)
        for c in h.comments:
            at = f" at {c.at_s:.1f} s" if c.at_s is not None else ""
            line = (
                f"  {c.created_at:%Y-%m-%d %H:%M}  comment{at} by {c.author} ({c.role}): {c.body}"
            )
            out.print(escape(line), highlight=False)


@app.command()
def override(
    slug: SlugArg,
    gate: Annotated[str, typer.Argument(help="The checkpoint: board, clip or final.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it may pass unreviewed.")],
    subject: Annotated[
        int | None,
        typer.Option("--subject", help="Only this board/take/render id (default: all waiting)."),
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Let a checkpoint pass on the owner's word, with a reason; recorded like a review."""
    from shortfilm.workflow.review import local_owner
    from shortfilm.workflow.review import override as override_gate

    try:
        with store_at(home) as store:
            override_gate(store, slug, gate, local_owner(), reason, subject_id=subject)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"{slug}: {gate} checkpoint overridden", highlight=False)


@app.command()
def comment(
    slug: SlugArg,
    on: Annotated[str, typer.Argument(help="What it is about: board, take, edit or final.")],
    text: Annotated[str, typer.Argument(help="The comment.")],
    clip: Annotated[str | None, typer.Option("--clip", help="The take's clip.")] = None,
    take: Annotated[int | None, typer.Option("--take", help="Take (default: selected).")] = None,
    version: VersionOpt = None,
    preset: Annotated[str | None, typer.Option("--preset", help="The render's preset.")] = None,
    at: Annotated[
        float | None, typer.Option("--at", help="Seconds into the take or render.")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Leave a comment on one exact version, optionally at a time in a take or render."""
    from shortfilm.workflow.review import add_comment, local_owner, subject_id

    kind = "render" if on == "final" else on
    where: dict[str, Any] = {"version": version}
    if kind == "take":
        where = {"clip": parse_clip(clip) if clip else None, "take": take}
    elif kind == "render":
        where["preset"] = preset
    try:
        with store_at(home) as store:
            record = add_comment(
                store, slug, kind, subject_id(store, slug, kind, **where), local_owner(), text,
                at_s=at,
            )  # fmt: skip
    except ShortfilmError as exc:
        fail(exc)
    at_text = f" at {record.at_s:g} s" if record.at_s is not None else ""
    out.print(f"{slug} {record.subject}{at_text}: comment saved", highlight=False)


@take_app.command("select")
def take_select(
    slug: SlugArg,
    clip: ClipArg,
    take: Annotated[int, typer.Argument(help="Take number.")],
    home: HomeOpt = Path("."),
) -> None:
    """Make a take the clip's selection (your pick, kept by run; still to be approved)."""
    from shortfilm.workflow.review import local_owner, select_take

    try:
        with store_at(home) as store:
            select_take(store, slug, parse_clip(clip), take, local_owner())
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"{slug} clip-{parse_clip(clip):02d}: take-{take:03d} selected", highlight=False)


@app.command()
def publish(
    slug: SlugArg,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Publish only this preset's render.")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Copy the approved final render(s), sidecars and a manifest into HOME/publish/SLUG/."""
    from shortfilm.workflow.review import local_owner
    from shortfilm.workflow.review import publish as publish_final

    try:
        with store_at(home) as store:
            files = publish_final(store, slug, local_owner(), preset=preset)
    except ShortfilmError as exc:
        fail(exc)
    for path in files:
        out.print(str(path), highlight=False, soft_wrap=True)


user_app = typer.Typer(
    help="People who log in to the web app, one role each.", no_args_is_help=True
)
app.add_typer(user_app, name="user")


def _read_password() -> str:
    """The password from stdin: typed without echo at a terminal (twice), else the first line."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            fail(InputError("the two passwords differ"))
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The name the person logs in with.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="writer, visual-operator, ai-operator, editor, growth-operator or owner.",
        ),
    ],
    home: HomeOpt = Path("."),
) -> None:
    """Add a user; the password is read from stdin (never an argument: it would be in history)."""
    from shortfilm.workflow.accounts import add_user, parse_role

    try:
        parse_role(role)  # before asking for a password
        password = _read_password()
        with store_at(home) as store:
            actor = add_user(store, name, role, password)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"user {escape(actor.name)} added as {actor.role.value}", highlight=False)


@user_app.command("list")
def user_list(home: HomeOpt = Path(".")) -> None:
    """The users and their roles."""
    from shortfilm.workflow.accounts import list_users

    try:
        with store_at(home) as store:
            users = list_users(store)
    except ShortfilmError as exc:
        fail(exc)
    table = Table("name", "role")
    for actor in users:
        table.add_row(escape(actor.name), actor.role.value)
    out.print(table)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback unless you mean to share it.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    max_upload_mb: Annotated[
        float, typer.Option(help="Largest upload accepted (reference image, external take).")
    ] = 200.0,
    home: HomeOpt = Path("."),
) -> None:
    """The team web app: review boards, takes and the edit in a browser (login required)."""
    import uvicorn

    from shortfilm.web.settings import ENV_HOME, ENV_MAX_UPLOAD

    if not _is_home(home):
        fail(InputError(f"{home}: not a production home (run 'shortfilm init' or 'run' first)"))
    # the app is built in each worker process from these (uvicorn's factory needs an import path)
    os.environ[ENV_HOME] = str(home.resolve())
    os.environ[ENV_MAX_UPLOAD] = str(int(max_upload_mb * 1024 * 1024))
    err.print(f"serving {home.resolve()} at http://{host}:{port}/", highlight=False)
    uvicorn.run(
        "shortfilm.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def main() -> None:
    app()
