"""Commands about takes: ``note`` (a top-level command) and the ``take`` group (``take import``,
``take select``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from shortfilm.cli.common import (
    ClipArg,
    HomeOpt,
    SlugArg,
    app,
    fail,
    is_home,
    out,
    parse_clip,
    store_at,
)
from shortfilm.cli.layout import print_path, print_prose
from shortfilm.errors import InputError, ShortfilmError

take_app = typer.Typer(help="Takes of a clip, generated or made elsewhere.", no_args_is_help=True)
app.add_typer(take_app, name="take")


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
    from shortfilm.takes.notes import note_take

    try:
        with store_at(home) as store:
            subject = note_take(store, slug, parse_clip(clip), take, text, failed=failed)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"{slug}/{subject}: {'rejected, ' if failed else ''}note saved")


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
    from shortfilm.takes.external import import_take

    position = parse_clip(clip)
    if not is_home(home):
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
        print_prose(f"{slug}/{result.subject}: imported {video.name} ({facts})")
        print_path("  stored as", result.video)
    if select and result.selected:
        out.print(f"  selected for clip-{result.clip:02d}", highlight=False)


@take_app.command("select")
def take_select(
    slug: SlugArg,
    clip: ClipArg,
    take: Annotated[int, typer.Argument(help="Take number.")],
    home: HomeOpt = Path("."),
) -> None:
    """Make a take the clip's selection (your pick, kept by run; still to be approved)."""
    from shortfilm.review.decisions import local_owner
    from shortfilm.review.selection import select_take

    try:
        with store_at(home) as store:
            select_take(store, slug, parse_clip(clip), take, local_owner())
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"{slug} clip-{parse_clip(clip):02d}: take-{take:03d} selected", highlight=False)
