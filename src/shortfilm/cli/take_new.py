"""``take new``: more takes of one clip, beside its others, from new seeds (and a revised plan)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from shortfilm.cli.common import ClipArg, HomeOpt, fail, out, parse_clip, progress_bars, store_at
from shortfilm.cli.takes import take_app
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import InputError, ShortfilmError


@take_app.command("new")
def take_new(
    slug: Annotated[str, typer.Argument(help="The production.")],
    clip: ClipArg,
    count: Annotated[int, typer.Option("--count", "-n", help="How many takes (1-8).")] = 1,
    seed: Annotated[
        int | None,
        typer.Option(help="The first seed (default: one past the clip's highest); used skipped."),
    ] = None,
    prompt: Annotated[
        Path | None,
        typer.Option(
            "--prompt",
            "--plan",
            help="The clip's edited prompt (its plan: its entry of production.yaml, as "
            "`take new --show-plan` prints it): checked and linted, then the clip's next prompt "
            "version. `--plan` is the same option.",
        ),
    ] = None,
    strategy: Annotated[
        str,
        typer.Option(
            help="best-of: make every take asked for; until-pass: one after the other, none "
            "asked for after the first whose QC passes."
        ),
    ] = "best-of",
    show_plan: Annotated[
        bool, typer.Option("--show-plan", help="Print the clip's plan to revise, and stop.")
    ] = False,
    provider: Annotated[
        str | None,
        typer.Option(help="Video provider (default: the one of the clip's newest take)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Generate despite lint errors.")] = False,
    detach: Annotated[
        bool, typer.Option(help="Queue it for the workers (SHORTFILM_BROKER_URL) and return.")
    ] = False,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Ask for more takes of a clip, stored and checked beside the others.

    Each take is made from a seed none of its takes used, from the clip's newest prompt (or an
    edited one). The best take by its QC evidence is selected unless a person chose one:
    compare them (`qc show`, the clip's page) and pick one with `take select`. The budget is
    checked for all the takes before the first.

    A request carried out twice (a run killed, a job redelivered) finds the takes it already
    made: a paid take is never asked for again.
    """
    from shortfilm.domain.jobs import JobKind
    from shortfilm.jobs.queues import ENV_BROKER, enqueue
    from shortfilm.jobs.requests import (
        default_provider,
        durations_for,
        provider_here,
        queued_seeds,
    )
    from shortfilm.production.clip_revision import clip_plan_text, revise_clip
    from shortfilm.providers import registry
    from shortfilm.takes.more import check_budget, more_takes, next_seeds
    from shortfilm.team.people import current_person

    position = parse_clip(clip)
    try:
        chosen = TakeStrategy.parse(strategy)
    except ValueError as exc:
        fail(InputError(str(exc)))
    try:
        if detach and not os.environ.get(ENV_BROKER, "").strip():
            raise InputError(f"--detach hands the takes to the workers: set {ENV_BROKER}")
        with store_at(home) as store:
            if show_plan:
                sys.stdout.write(clip_plan_text(store, slug, position))
                return
            name = provider or default_provider(store, slug, position)
            if name not in registry.names():
                known = ", ".join(registry.names())
                raise InputError(f"unknown provider {name!r}; known: {known}")
            reserved = queued_seeds(store, slug, position)
            seeds = next_seeds(store, slug, position, count, seed, reserved)
            work = store.home / "work" / name
            made = provider_here(store, name) if detach else registry.get(name, work)
            if made is not None:  # else the workers' job checks the budget before it asks
                check_budget(store, slug, position, made, seeds)
            version = None
            if prompt is not None:
                text = _read_plan(prompt)
                revision = revise_clip(
                    store, slug, position, text, durations_s=durations_for(store, name)
                )
                version = revision.prompt_version
                if not as_json:
                    said = "new" if revision.changed else "unchanged,"
                    out.print(f"clip-{position:02d}: prompt v{version} ({said} from {prompt.name})")
            result: dict[str, Any] = {
                "clip": position,
                "seeds": seeds,
                "provider": name,
                "strategy": str(chosen),
            }
            if version is not None:
                result["prompt_version"] = version
            if detach:
                args = {"clip": position, "count": count, "seeds": seeds, "provider": name}
                if chosen is not TakeStrategy.BEST_OF:
                    args["strategy"] = str(chosen)
                if force:
                    args["force"] = True
                job = enqueue(store, JobKind.TAKES, slug, args, requested_by=current_person())
                _said(result | {"job": job.view()}, as_json, f"queued job {job.id}")
                return
            assert made is not None
            with progress_bars(as_json) as bars:
                outcomes = more_takes(
                    store, slug, position, made, seeds, force=force, progress=bars,
                    strategy=chosen,
                )  # fmt: skip
    except ShortfilmError as exc:
        fail(exc)
    takes = [
        {"take": o.take_number, "status": str(o.status), "reused": o.reused, "error": o.error}
        for o in outcomes
    ]
    lines = [
        f"{slug}/clip-{position:02d} take {t['take']}: {t['status']}"
        + (" (made before)" if t["reused"] else "")
        + (f": {t['error']}" if t["error"] else "")
        for t in takes
    ]
    skipped = len(seeds) - len(takes)
    if skipped:
        lines.append(f"stopped at the first take that passed QC: {skipped} not asked for")
    _said(result | {"takes": takes, "not_asked": skipped}, as_json, "\n".join(lines))
    if all(t["status"] != "succeeded" for t in takes):
        raise typer.Exit(1)


def _read_plan(path: Path) -> str:
    from shortfilm.production.clip_revision import MAX_PLAN_BYTES

    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise InputError(f"{path}: {size} bytes, more than a clip's plan ({MAX_PLAN_BYTES})")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the plan: {exc}") from exc


def _said(data: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        out.print(text, highlight=False)
