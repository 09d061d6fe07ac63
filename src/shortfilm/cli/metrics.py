"""The ``metrics`` group (import, pull) and ``report campaign``: how the published variants did."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, out, store_at
from shortfilm.cli.layout import Column, print_table
from shortfilm.errors import ShortfilmError

metrics_app = typer.Typer(
    help="Performance figures of published variants: imported from a platform's export, or "
    "pulled from Postiz; stored per publication and noted in the production's history.",
    no_args_is_help=True,
)
app.add_typer(metrics_app, name="metrics")
report_app = typer.Typer(help="Reports across a production's work.", no_args_is_help=True)
app.add_typer(report_app, name="report")

SlugArg = Annotated[str, typer.Argument(help="The production's slug.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _measure(home: Path, slug: str, how: Callable[..., list[Any]], as_json: bool) -> None:
    """Run ``how(store, slug, actor)`` and print the figures it stored (JSON: one list)."""
    from shortfilm.domain.metrics import describe
    from shortfilm.review.decisions import local_owner

    try:
        with store_at(home) as store:
            measured = how(store, slug, local_owner())
    except ShortfilmError as exc:
        fail(exc)
    rows = []
    for m in measured:
        pub = m.publication
        if not as_json:
            out.print(escape(f"{slug}: variant {pub.variant} v{pub.variant_version} on "
                             f"{pub.account}: {describe(m.figures)}"),
                      highlight=False, soft_wrap=True)  # fmt: skip
        rows.append({"variant": pub.variant, "version": pub.variant_version,
                     "account": pub.account, "mark": pub.mark,
                     "figures": dict(m.figures)})  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")


@metrics_app.command("import")
def metrics_import(
    slug: SlugArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV export: a column naming the post (mark, "
            "post id, or variant and account) and its figures."
        ),
    ],  # fmt: skip
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Store the figures of a platform's CSV export on the publications they are of.

    Views, average watch time, completion, likes, shares and comments; all lines or none.
    """
    from shortfilm.campaign.metrics import import_csv

    _measure(home, slug, lambda store, s, actor: import_csv(store, s, file, actor), as_json)


@metrics_app.command("pull")
def metrics_pull(slug: SlugArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Ask Postiz for the figures of each post of the production it holds, and store them.

    The key comes from POSTIZ_API_KEY.
    """
    from shortfilm.campaign.metrics import pull

    _measure(home, slug, pull, as_json)


@report_app.command("campaign")
def report_campaign(slug: SlugArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The variants side by side: account, opening, state, figures, and which held best."""
    from shortfilm.campaign.report import campaign_report
    from shortfilm.domain.metrics import describe

    try:
        with store_at(home) as store:
            report = campaign_report(store, slug)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")
        return
    out.print(escape(f"{slug}: campaign ({report.role})"), highlight=False)
    rows = [
        [r.variant, f"v{r.version}", r.account, r.opening or "-", r.state,
         f"{r.held:.0%}" if r.held is not None else "-", describe(r.figures)]
        for r in report.results
    ]  # fmt: skip
    if rows:
        print_table((Column("variant"), Column("version"), Column("account"), Column("opening"),
                     Column("state"), Column("held"), Column("figures")), rows)  # fmt: skip
    for line in report.findings:
        out.print(escape(line), highlight=False, soft_wrap=True)
