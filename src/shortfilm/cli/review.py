"""Review checkpoints: the ``review`` group (board, take, edit, final, show) and the top-level
``override``, ``comment`` and ``publish``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import (
    ClipArg,
    HomeOpt,
    SlugArg,
    app,
    fail,
    out,
    parse_clip,
    store_at,
)
from shortfilm.cli.layout import print_path, print_prose
from shortfilm.errors import InputError, ShortfilmError

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

    from shortfilm.domain.review import Decision
    from shortfilm.domain.rubric import Score
    from shortfilm.review.decisions import decide, local_owner
    from shortfilm.review.subjects import subject_id

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


def _versioned(kind: str, doc: str) -> Callable[..., None]:
    """The command deciding on a board or an edit version: the two take the same options."""

    def command(
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
        where = {"version": version}
        _review(home, slug, kind, where, approve, request_changes, reject, note, score, as_json)

    command.__doc__ = doc
    return command


review_app.command("board")(
    _versioned(
        "board",
        "Decide on a board version (checkpoint 1: no take is generated before it is approved).",
    )
)


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


review_app.command("edit")(
    _versioned("edit", "Decide on an edit version (the cut, before its renders are judged).")
)


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


@review_app.command("variant")
def review_variant(
    slug: SlugArg,
    name: Annotated[str, typer.Argument(help="The variant's name.")],
    version: VersionOpt = None,
    approve: ApproveOpt = False,
    request_changes: ChangesOpt = None,
    reject: RejectOpt = False,
    note: NoteOpt = "",
    score: ScoreOpt = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Decide on a variant version for its account (only the owner approves).

    The review scores account-match and caption-fit; nothing is published for it before.
    """
    where = {"variant": name, "version": version}
    _review(home, slug, "variant", where, approve, request_changes, reject, note, score, as_json)


@review_app.command("show")
def review_show(slug: SlugArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Every decision and comment on the production, version by version, in workflow order."""
    from dataclasses import asdict

    from shortfilm.review.history import review_history

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
            print_prose(line + (f": {said}" if said else ""))
            if r.scores:
                marks = ", ".join(f"{sc.criterion} {sc.value}" for sc in r.scores)
                out.print(f"      scores: {escape(marks)}", highlight=False)
        for c in h.comments:
            at = f" at {c.at_s:.1f} s" if c.at_s is not None else ""
            line = (
                f"  {c.created_at:%Y-%m-%d %H:%M}  comment{at} by {c.author} ({c.role}): {c.body}"
            )
            print_prose(line)


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
    from shortfilm.review.decisions import local_owner
    from shortfilm.review.overrides import override as override_gate

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
    from shortfilm.review.comments import add_comment
    from shortfilm.review.decisions import local_owner
    from shortfilm.review.subjects import subject_id

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


@app.command()
def publish(
    slug: SlugArg,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Publish only this preset's render.")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            help="Publish this approved variant to its account (repeat for several) instead of "
            "copying the edit's renders to the outbox.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="With --variant: when it goes out, e.g. 2026-12-08T09:00 "
            "(UTC unless a zone is given); default now.",
        ),  # fmt: skip
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            help="With --variant: wait up to this many seconds for a "
            "rate-limited target's next slot instead of stopping.",
        ),  # fmt: skip
    ] = 0.0,
    home: HomeOpt = Path("."),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the files as a JSON list.")
    ] = False,
    detach: Annotated[
        bool, typer.Option(help="Queue it for the workers (SHORTFILM_BROKER_URL) and return.")
    ] = False,
) -> None:
    """Publish the approved film, or with --variant its approved variants to their accounts.

    The film's final render(s), sidecars and a manifest are copied into HOME/publish/SLUG/; a
    variant is sent to its account once, never twice.
    """
    from shortfilm.publish.final import publish as publish_final
    from shortfilm.review.decisions import local_owner

    if variant:
        from shortfilm.cli.publishing import publish_variants

        publish_variants(home, slug, variant, at=at, wait_s=wait, preset=preset,
                         detach=detach, as_json=as_json)  # fmt: skip
        return
    if at is not None:
        fail(InputError("at: --at schedules a variant's post: give --variant NAME"))
    if detach:
        from shortfilm.cli.jobs import detached
        from shortfilm.jobs.requests import request_publish

        ask = lambda store: request_publish(store, slug, local_owner(), preset=preset)  # noqa: E731
        detached(home, ask, as_json=as_json)
        return

    try:
        with store_at(home) as store:
            files = publish_final(store, slug, local_owner(), preset=preset)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([str(path) for path in files]) + "\n")
        return
    for path in files:
        print_path("", path)
