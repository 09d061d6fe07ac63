"""The ``board`` group, Step 1 of the workflow: generate the board image, add reference
images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shortfilm.cli.common import (
    HomeOpt,
    app,
    fail,
    for_here,
    is_home,
    out,
    store_at,
)
from shortfilm.cli.layout import print_path, print_prose
from shortfilm.errors import InputError, ShortfilmError

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
    detach: Annotated[
        bool, typer.Option(help="Queue it for the workers (SHORTFILM_BROKER_URL) and return.")
    ] = False,
) -> None:
    """Make the board image from the brief and the reference images, as a new board version."""
    from shortfilm.board.image import generate_board_image
    from shortfilm.providers.image_registry import get_image_provider

    if detach:
        from shortfilm.cli.jobs import detached
        from shortfilm.jobs.requests import request_board_image
        from shortfilm.review.decisions import local_owner

        detached(
            home,
            lambda store: request_board_image(
                store, slug, local_owner(), provider=provider, seed=seed
            ),
        )
        return

    if not is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        images = get_image_provider(provider, home / "work" / provider)
        try:
            with store_at(home) as store:
                result = generate_board_image(store, slug, images, seed=seed)
        finally:
            close = getattr(images, "close", None)
            if close is not None:
                close()
    except ShortfilmError as exc:
        fail(exc)
    verb = "reused" if result.reused else "made"
    out.print(
        f"board v{result.version}: {verb} ({result.provider} {result.model}, "
        f"cost {result.cost:g} {result.cost_unit})",
        highlight=False,
    )
    print_path("  image:", result.path)


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
    from shortfilm.board.references import add_reference
    from shortfilm.review.decisions import local_owner

    if not is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))
    try:
        with store_at(home) as store:
            added = add_reference(store, slug, image, role=role, label=label, actor=local_owner())
    except ShortfilmError as exc:
        fail(exc)
    said = (
        f"board v{added.version}: {added.role} reference {added.label} ({added.spec_path}), "
        f"a draft: approve it with `shortfilm review board {slug} --approve` (or "
        "--request-changes TEXT)"
    )
    print_prose(for_here(said))
    said = (
        "  importing your spec file again keeps it (the file does not name it); "
        f"`shortfilm export {slug} {slug}-export` writes a spec that does"
    )
    print_prose(for_here(said))
