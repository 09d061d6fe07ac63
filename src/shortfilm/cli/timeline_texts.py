"""Texts on the film: ``edit caption add|remove`` and ``edit text add|remove`` (captions, lower
thirds, the hook, the end card), each stored as a new Edit version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shortfilm.cli.common import HomeOpt, SlugArg, fail
from shortfilm.cli.edit import edit_app, run_change
from shortfilm.errors import InputError

caption_app = typer.Typer(help="Captions on the film timeline.", no_args_is_help=True)
edit_app.add_typer(caption_app, name="caption")
text_app = typer.Typer(
    help="Any text over the film: caption, lower_third, hook or end_card.", no_args_is_help=True
)
edit_app.add_typer(text_app, name="text")


def _text_kind(kind: str) -> Any:
    from shortfilm.domain.timeline_parts import TextKind

    try:
        return TextKind(kind.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        fail(InputError(f"{kind!r}: --kind is caption, lower_third, hook or end_card"))


def _add_text(home: Path, slug: str, kind: str, text: str, at: float, until: float) -> None:
    from shortfilm.edit.changes import add_text_item

    parsed = _text_kind(kind)
    run_change(home, lambda store: add_text_item(store, slug, parsed, text, at, until))


def _remove_text(home: Path, slug: str, kind: str, which: str) -> None:
    from shortfilm.edit.changes import remove_text_item

    parsed = _text_kind(kind)
    run_change(home, lambda store: remove_text_item(store, slug, parsed, which))


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
