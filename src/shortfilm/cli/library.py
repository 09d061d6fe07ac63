"""The ``search`` command: the library of every production in the home, ranked."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, is_home, out, store_at
from shortfilm.domain.library import MAX_LIMIT, EntryKind, LibraryQuery
from shortfilm.domain.search_text import Snippet
from shortfilm.errors import InputError, ShortfilmError


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words to find (each a word's beginning).")],
    kind: Annotated[
        EntryKind | None, typer.Option("--kind", help="Only this kind of text.")
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed takes.")] = False,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="A campaign role (hook, top-of-funnel, ...: the production's) or a team role "
            "(editor, owner, ...: who wrote the review or note).",
        ),
    ] = None,
    production: Annotated[
        str | None, typer.Option("--production", help="Only this production (slug).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help=f"At most this many (1-{MAX_LIMIT}).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    home: HomeOpt = Path("."),
) -> None:
    """Search every production of the home, failed attempts included; best first.

    It reads prompt versions, board blocks, take notes and failure reasons, reviews, notes and
    performance notes, and shows each match with a snippet.
    """
    from shortfilm.library.search import search

    if not is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    asked = LibraryQuery(query, kind, failed, role, production, limit)
    try:
        with store_at(home) as store:
            found = search(store, asked)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        rows = [_as_json(f.hit, f.thumbnail) for f in found]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    if not found:
        out.print(escape(f"nothing found for {query[:80]!r}"), highlight=False)
        return
    for n, f in enumerate(found, 1):
        hit = f.hit
        flag = " (failed)" if hit.failed else ""
        out.print(
            f"{n}. [bold]{hit.kind.value}[/] · {escape(hit.slug)} · {escape(hit.title)}{flag}",
            highlight=False,
            soft_wrap=True,
        )
        out.print("   " + _marked(hit.snippet), highlight=False, soft_wrap=True)
        if f.thumbnail is not None:
            out.print(f"   thumbnail: {escape(str(f.thumbnail))}", highlight=False, soft_wrap=True)


def _marked(snip: Snippet) -> str:
    """The snippet as Rich markup, matched words in bold."""
    parts, at = [], 0
    for start, end in snip.marks:
        parts.append(escape(snip.text[at:start]))
        parts.append(f"[bold yellow]{escape(snip.text[start:end])}[/]")
        at = end
    parts.append(escape(snip.text[at:]))
    return "".join(parts)


def _as_json(hit: Any, thumbnail: Path | None) -> dict[str, Any]:
    return {
        "kind": hit.kind.value,
        "production": hit.slug,
        "production_title": hit.production_title,
        "what": hit.title,
        "subject": {"kind": hit.subject_kind, "id": hit.subject_id},
        "clip": hit.clip_position,
        "role": hit.role,
        "failed": hit.failed,
        "score": hit.score,
        "snippet": hit.snippet.text,
        "marks": [list(m) for m in hit.snippet.marks],
        "thumbnail": str(thumbnail) if thumbnail is not None else None,
        "thumbnail_sha256": hit.thumbnail_sha256,
    }
