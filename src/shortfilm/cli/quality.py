"""Quality checks and keyframes: the ``qc`` group (``qc VIDEO``, ``qc show``), the
``keyframes`` command and the ``keyframe`` group (``keyframe pick``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from shortfilm.cli.common import (
    ClipArg,
    HomeOpt,
    app,
    fail,
    for_here,
    is_home,
    out,
    parse_clip,
    store_at,
)
from shortfilm.cli.layout import Column, print_path, print_prose, print_table
from shortfilm.errors import InputError, ShortfilmError


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
    from shortfilm.takes.qc_judge import check_file

    try:
        if plan is None:
            report = check_file(video)
        else:
            slug, position = _plan_target(plan)
            if not is_home(home):
                raise InputError(f"{home.resolve()}: not a production home, so no plan to check")
            with store_at(home) as store:
                report = check_file(video, store=store, slug=slug, position=position)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        data = {"video": str(video), "plan": plan, **report.to_json()}
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        print_path(
            f"checked against {plan}:"
            if plan
            else "checked (no plan: only the file's own checks):",
            video,
        )
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
    from shortfilm.takes.qc_show import stored_qc

    position = parse_clip(clip)
    if not is_home(home):
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
        said = (
            f"keyframe candidates (pick one: `shortfilm keyframe pick {slug} "
            f"clip-{position:02d} --take {stored.take} --candidate N`):"
        )
        print_prose(for_here(said))
        rows = [
            [
                str(i),
                f"{c['t_s']:.3f} s",
                f"{c['score']:.2f}",
                f"{c['sharpness']:.0f}",
                f"{c['exposure']:.2f}",
                str(c["faces"]),
                str(c.get("path") or "-"),
            ]
            for i, c in enumerate(stored.candidates, start=1)
        ]
        print_table(_CANDIDATE_COLUMNS, rows)
        if stored.keyframe_ms is not None:
            out.print(
                f"keyframe: {stored.keyframe_ms / 1000:.3f} s, chosen by {stored.keyframe_by}",
                highlight=False,
            )
        _print_ranking(stored)
    raise typer.Exit(1 if stored.report.failed else 0)


_RANK_COLUMNS = (
    Column("rank"),
    Column("take"),
    Column("score"),
    Column("qc"),
    Column("reasons", wrap=30),
)


def _print_ranking(stored: Any) -> None:
    """The clip's takes best first, with what lowered each (``stored`` is a ``StoredQC``)."""
    out.print(f"takes of clip-{stored.clip:02d}, best first by their QC evidence:")
    rows = [
        [
            str(r.rank),
            f"take-{r.number:03d}" + (" (shown)" if r.number == stored.take else ""),
            "-" if r.score is None else f"{r.score:.1f}",
            r.qc or "-",
            "; ".join(r.reasons) or "nothing found wrong",
        ]
        for r in stored.ranking
    ]
    print_table(_RANK_COLUMNS, rows)


_STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def _print_qc(report: Any) -> None:
    """The checks as a table, then the verdict (``report`` is a :class:`QCReport`)."""
    if report.error is not None:
        out.print(f"[bold red]QC could not run:[/] {escape(report.error)}", highlight=False)
        return
    rows = [[c.name, str(c.status), c.reason] for c in report.checks]
    print_table((Column("check"), Column("status"), Column("reason", wrap=30)), rows)
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
    from shortfilm.takes.keyframes import file_keyframes

    try:
        found = file_keyframes(video, top=top, out=out_dir)
    except ShortfilmError as exc:
        fail(exc)
    fields = ("t_s", "score", "sharpness", "exposure", "faces", "motion", "path")
    rows = [{k: c.to_json()[k] for k in fields} for c in found]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = [
        [
            str(i),
            f"{r['t_s']:.3f} s",
            f"{r['score']:.2f}",
            f"{r['sharpness']:.0f}",
            f"{r['exposure']:.2f}",
            str(r["faces"]),
            f"{r['motion']:.2f}",
            str(r["path"] or "-"),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    motion = Column("motion", drop=1)
    columns = (*_CANDIDATE_COLUMNS[:-1], motion, _CANDIDATE_COLUMNS[-1])
    print_table(columns, table)


_CANDIDATE_COLUMNS = (
    Column("#"),
    Column("time"),
    Column("score"),
    Column("sharpness", drop=2),
    Column("exposure", drop=3),
    Column("faces", drop=4),
    Column("file", path=True),
)
"""A keyframe candidate per row: at a narrow width its file stays whole and the scores go."""


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
    """Choose the take's keyframe yourself (full size, under your name).

    Your name is SHORTFILM_USER or your login. The next clip continuing it is generated again
    from that frame on the next run.
    """
    from shortfilm.takes.keyframes import pick_keyframe

    position = parse_clip(clip)
    if not is_home(home):
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
    )
    print_path("  stored as", choice.path)
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
