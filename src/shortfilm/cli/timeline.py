"""The edit's timeline out of shortfilm and back: ``render`` (the finished films, one per
channel), ``export-timeline`` (for DaVinci Resolve, Premiere or Final Cut) and
``import-timeline`` (an edited ``.otio`` back as a new Edit version).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shortfilm.cli.common import (
    HomeOpt,
    SlugArg,
    app,
    fail,
    out,
    progress_bars,
    store_at,
)
from shortfilm.cli.edit import check_home, run_change
from shortfilm.cli.layout import Column, print_path, print_table
from shortfilm.errors import ShortfilmError


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
    from shortfilm.edit.assemble import assemble_edit, draft_edit
    from shortfilm.edit.results import RenderCheckError

    check_home(home)
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
        data = {"edit_version": result.edit_version, "carried": list(result.carried)}
        sys.stdout.write(json.dumps(data | {"renders": rows}) + "\n")
    else:
        out.print(f"{slug}: edit v{result.edit_version}", highlight=False)
        for line in result.carried:
            out.print(f"{slug}: edit v{result.edit_version}: {escape(line)}", highlight=False)
        print_table(
            _RENDER_COLUMNS,
            [
                [
                    r.preset + (" (draft)" if r.draft else ""),
                    r.status + (", reused" if r.reused else ""),
                    f"{r.duration_s:.2f} s",
                    f"{r.width}x{r.height}",
                    f"{r.integrated_lufs:.1f} LUFS / {r.true_peak_dbtp:.1f} dBTP",
                    str(r.path),
                ]
                for r in result.renders
            ],
        )
    if failure is not None:
        fail(failure)


_RENDER_COLUMNS = (
    Column("preset"),
    Column("status"),
    Column("duration", drop=1),
    Column("size", drop=2),
    Column("loudness", drop=3),
    Column("file", path=True),
)
"""A render per row; at a narrow width the file keeps its line whole and the facts go first."""


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
    from shortfilm.edit.handoff import export_timeline as export

    check_home(home)
    try:
        with store_at(home) as store:
            result = export(store, slug, out_file, fmt, version)
    except ShortfilmError as exc:
        fail(exc)
    print_path(
        f"{slug}: edit v{result.version} ({result.clips} clips) written as {result.format} to",
        result.path,
    )


@app.command("import-timeline")
def import_timeline(
    slug: SlugArg,
    file: Annotated[Path, typer.Argument(help="An OpenTimelineIO file (.otio).")],
    home: HomeOpt = Path("."),
) -> None:
    """Bring an edited timeline (.otio) back as a new Edit version."""
    from shortfilm.edit.handoff import import_timeline as import_otio

    run_change(home, lambda store: import_otio(store, slug, file))
