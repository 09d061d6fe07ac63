"""Commands that check and plan before money is spent, and count it after: ``lint``, ``plan``
and ``cost``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import (
    HomeOpt,
    app,
    err,
    fail,
    is_home,
    open_store,
    out,
    store_at,
)
from shortfilm.cli.layout import Column, print_prose, print_table
from shortfilm.errors import InputError, ShortfilmError


@app.command()
def lint(
    target: Annotated[
        str, typer.Argument(help="A spec file (or its folder), or a production slug.")
    ],
    home: HomeOpt = Path("."),
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    provider: Annotated[
        str | None, typer.Option(help="Check clip durations against this provider's limits.")
    ] = None,
) -> None:
    """Lint the prompts like code: rule code, severity, place, message, hint.

    Exit 0 when there is no error, 1 with errors, 2 when the input cannot be read.
    """
    from dataclasses import asdict

    from shortfilm.prompts.lint import has_errors
    from shortfilm.prompts.linting import lint_with_lessons

    if output not in ("text", "json"):
        fail(InputError(f"--format must be text or json, not {output!r}"))
    if as_json:
        output = "json"
    store = open_store(home) if is_home(home) else None
    try:
        production = _lint_target(target, home, store)
        durations = _provider_durations(provider, home)
        findings = lint_with_lessons(production, store=store, durations_s=durations)
    except ShortfilmError as exc:
        fail(exc)
    finally:
        if store is not None:  # its connections too (a PostgreSQL one would be left open)
            store.close()
    if output == "json":
        rows = [asdict(f) | {"severity": str(f.severity)} for f in findings]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        for f in findings:
            colour = colours[str(f.severity)]
            head = f"{f.code} {f.severity}"
            spans = [(0, len(f.code), "bold"), (len(f.code) + 1, len(head), colour)]
            print_prose(f"{head} {f.place}: {f.message}", styles=spans)
            print_prose(f"    hint: {f.hint}")
        counts = {s: sum(1 for f in findings if str(f.severity) == s) for s in colours}
        out.print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info")
    raise typer.Exit(1 if has_errors(findings) else 0)


def _lint_target(target: str, home: Path, store: Any) -> Any:
    """A spec path is read as a spec; anything else is a production in the store at ``home``."""
    from shortfilm.spec import load_spec
    from shortfilm.spec.stored import spec_from_dict
    from shortfilm.store import repo

    path = Path(target)
    if path.exists() or target.endswith((".yaml", ".yml")):
        return load_spec(path)
    if store is None:
        raise InputError(f"{target}: no such spec file, and {home} is not a production home")
    with store.session() as s:
        row = repo.production_by_slug(s, target)
        if row is None:
            raise InputError(f"{target}: no such spec file or production")
        return spec_from_dict(row.spec)


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
    from shortfilm.prompts.plan_file import plan_script
    from shortfilm.providers.chat import ChatClient
    from shortfilm.spec import load_spec

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
        err.print(
            f"wrote {len(result.clips)} clips to {escape(str(out_file))} ({result.drafted_by})"
        )
    else:
        sys.stdout.write(result.yaml_text)
    if production is not None:
        findings = lint_production(replace(production, clips=result.clips))
        errors = [f for f in findings if f.severity is Severity.ERROR]
        for f in findings:
            err.print(
                f"{f.code} {f.severity} {escape(f.place)}: {escape(f.message)}", highlight=False
            )
        if errors:
            raise typer.Exit(1)


@app.command()
def cost(
    slug: Annotated[str, typer.Argument(help="The production.")],
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Spend per clip (failed takes included), against the budget, and per approved second."""
    from shortfilm.production.cost import cost_report

    if not is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            report = cost_report(store, slug)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return

    def money(amounts: dict[str, float]) -> str:
        return ", ".join(f"{v:,.0f} {u}" for u, v in amounts.items()) or "0"

    columns = (
        Column("clip"),
        Column("takes"),
        Column("spent"),
        Column("wasted on failed", drop=1),
        Column("approved"),
    )
    rows = [
        [c.clip, str(c.takes), money(c.spent), money(c.wasted), f"{c.approved_s:g} s"]
        for c in report.clips
    ]
    print_table(columns, rows)
    out.print(f"total: {money(report.total)}; approved film: {report.approved_s:g} s")
    if report.per_approved_s:
        out.print(f"per approved second: {money(report.per_approved_s)}")
    if report.budget:
        b = report.budget
        out.print(
            f"budget: {b['committed']:,.0f} of {b['limit']:,.0f} {b['unit']} "
            f"({b['remaining']:,.0f} left)"
        )
