"""The ``edit`` group: ``edit show`` and the timeline changes (trim, move, speed, transition,
audio, music, loudness), each stored as a new Edit version. Its texts (``edit caption``,
``edit text``) are :mod:`shortfilm.cli.timeline_texts`'s; rendering and handing the edit to other
editors, :mod:`shortfilm.cli.timeline`'s.
"""

from __future__ import annotations

import json
import sys
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
    is_home,
    out,
    parse_clip,
    store_at,
)
from shortfilm.cli.layout import Column, print_prose, print_table
from shortfilm.errors import InputError, ShortfilmError

edit_app = typer.Typer(
    help="The edit's timeline: trims, order, speed, transitions, texts, sound. "
    "Each change is a new Edit version; a later `run` keeps it for clips whose take is unchanged.",
    no_args_is_help=True,
)
app.add_typer(edit_app, name="edit")


def check_home(home: Path) -> None:
    if not is_home(home):
        fail(InputError(f"{home.resolve()}: not a production home (run `shortfilm init`)"))


def _print_change(change: Any) -> None:
    if change.created:
        out.print(f"{change.slug}: edit v{change.version} ({escape(change.what)})", highlight=False)
    else:
        out.print(
            f"{change.slug}: unchanged, still edit v{change.version} ({escape(change.what)})",
            highlight=False,
        )
    for what in change.dropped:
        out.print(f"  now past the film's end, taken off: {escape(what)}", highlight=False)


def run_change(home: Path, call: Any) -> None:
    """Run one timeline change against the store at ``home`` and print the version it gave."""
    check_home(home)
    try:
        with store_at(home) as store:
            change = call(store)
    except ShortfilmError as exc:
        fail(exc)
    _print_change(change)


_SEGMENT_COLUMNS = (
    Column("#", drop=3),
    Column("clip"),
    Column("take"),
    Column("in-out (take)"),
    Column("speed", drop=2),
    Column("on film"),
    Column("in from"),
    Column("sound", drop=1),
)


@edit_app.command("show")
def edit_show(
    slug: SlugArg,
    version: Annotated[
        int | None, typer.Option("--edit", help="Edit version (default: the latest).")
    ] = None,
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The edit's timeline: each clip's take, trim, speed, transition and sound; texts; audio."""
    from shortfilm.domain.timeline_fit import incoming
    from shortfilm.edit.versions import load_edit

    check_home(home)
    try:
        with store_at(home) as store:
            stored = load_edit(store, slug, version)
    except ShortfilmError as exc:
        fail(exc)
    if stored is None:
        fail(InputError(f"{slug} has no edit yet: make it with `shortfilm run SPEC`"))
    data = stored.to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    tl = stored.timeline
    who = (
        f", edited by {escape(stored.edited_by)} ({escape(stored.what)})"
        if stored.edited_by
        else ""
    )
    out.print(
        f"[bold]{slug}[/] edit v{stored.version}: {data['duration_s']:.2f} s at {tl.rate} fps{who}",
        highlight=False,
    )
    film = {p["picture"]: p for p in data["film"]}
    joins = incoming(tl)
    rows = []
    for i, seg in enumerate(tl.segments, start=1):
        place = film[seg.name]
        join = joins.get(seg.clip)
        how = (
            "-"
            if join is None
            else (
                join.kind.value
                if join.frames == 0
                else f"{join.kind.value} {float(tl.seconds(join.frames)):.2f} s"
            )
        )
        rows.append(
            [
                str(i),
                seg.name,
                f"take-{seg.take:03d}",
                f"{float(tl.seconds(seg.source_in)):.2f}-{float(tl.seconds(seg.source_out)):.2f} s",
                f"x{seg.speed:g}",
                f"{place['start_s']:.2f}-{place['end_s']:.2f} s",
                how,
                ("on" if seg.audio else "off") + (f" {seg.gain_db:+g} dB" if seg.gain_db else ""),
            ]
        )
    print_table(_SEGMENT_COLUMNS, rows)
    counts: dict[str, int] = {}
    for t in tl.texts:
        counts[t.kind.value] = counts.get(t.kind.value, 0) + 1
        number = counts[t.kind.value]
        print_prose(
            f"  {t.kind.value} {number}: {t.text!r} "
            f"{float(tl.seconds(t.start)):.2f}-{float(tl.seconds(t.end)):.2f} s"
        )
    for cue in tl.audio.sfx:
        out.print(
            f"  sfx {cue.kind} at {float(tl.seconds(cue.at)):.2f} s, {cue.gain_db:+g} dB",
            highlight=False,
        )
    music = tl.audio.music
    if music is not None:
        print_prose(
            f"  music {music.path or 'drone'} {music.gain_db:+g} dB, duck {music.duck_db:g} dB"
        )
    for target in tl.audio.loudness:
        out.print(f"  loudness {target.channel}: {target.lufs:g} LUFS", highlight=False)


@edit_app.command("trim")
def edit_trim(
    slug: SlugArg,
    clip: ClipArg,
    in_s: Annotated[float | None, typer.Option("--in", help="Start in the take, seconds.")] = None,
    out_s: Annotated[float | None, typer.Option("--out", help="End in the take, seconds.")] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Play only part of a clip's take (seconds of the take)."""
    from shortfilm.edit.changes import trim_clip

    position = parse_clip(clip)
    run_change(home, lambda store: trim_clip(store, slug, position, in_s, out_s))


@edit_app.command("move")
def edit_move(
    slug: SlugArg,
    clip: ClipArg,
    to: Annotated[int, typer.Option("--to", help="New place in the film, 1-based.")],
    home: HomeOpt = Path("."),
) -> None:
    """Put a clip at another place in the film (its transition moves with it)."""
    from shortfilm.edit.changes import move_clip

    position = parse_clip(clip)
    run_change(home, lambda store: move_clip(store, slug, position, to))


@edit_app.command("speed")
def edit_speed(
    slug: SlugArg,
    clip: ClipArg,
    speed: Annotated[float, typer.Argument(help="0.25-4.0; 2 plays twice as fast.")],
    home: HomeOpt = Path("."),
) -> None:
    """Change a clip's playback speed (picture and sound)."""
    from shortfilm.edit.changes import speed_clip

    position = parse_clip(clip)
    run_change(home, lambda store: speed_clip(store, slug, position, speed))


@edit_app.command("transition")
def edit_transition(
    slug: SlugArg,
    clip: ClipArg,
    kind: Annotated[str, typer.Argument(help="cut, crossfade, dip, whip or slide.")],
    duration: Annotated[
        float | None, typer.Option("--duration", help="Seconds (default: the usual length).")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="For whip and slide: left, right, up or down.")
    ] = "left",
    home: HomeOpt = Path("."),
) -> None:
    """Set how the film goes into a clip."""
    from shortfilm.edit.changes import transition_into

    position = parse_clip(clip)
    run_change(
        home, lambda store: transition_into(store, slug, position, kind, duration, direction)
    )


@edit_app.command("audio")
def edit_audio(
    slug: SlugArg,
    clip: ClipArg,
    state: Annotated[str | None, typer.Argument(help="on or off (default: unchanged).")] = None,
    gain: Annotated[float | None, typer.Option("--gain", help="Gain of its sound, dB.")] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Turn a clip's own sound on or off, or change its gain."""
    from shortfilm.edit.changes import clip_audio

    position = parse_clip(clip)
    if state not in (None, "on", "off"):
        fail(InputError(f"{state!r}: say on or off"))
    on = None if state is None else state == "on"
    run_change(home, lambda store: clip_audio(store, slug, position, on, gain))


@edit_app.command("music")
def edit_music(
    slug: SlugArg,
    gain: Annotated[float | None, typer.Option("--gain", help="Bed level, dB.")] = None,
    fade_in: Annotated[float | None, typer.Option("--fade-in", help="Seconds.")] = None,
    fade_out: Annotated[float | None, typer.Option("--fade-out", help="Seconds.")] = None,
    duck: Annotated[
        float | None, typer.Option("--duck", help="dB the bed dips under impacts and whooshes.")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Change the music bed's level, fades or ducking."""
    from shortfilm.edit.changes import music_settings

    run_change(
        home,
        lambda store: music_settings(
            store, slug, gain_db=gain, fade_in_s=fade_in, fade_out_s=fade_out, duck_db=duck
        ),
    )


@edit_app.command("loudness")
def edit_loudness(
    slug: SlugArg,
    channel: Annotated[str, typer.Argument(help="One of the production's channels.")],
    lufs: Annotated[
        float, typer.Option("--lufs", help="Integrated loudness target, LUFS (-36 to -6).")
    ],
    home: HomeOpt = Path("."),
) -> None:
    """Master one channel's render to another loudness (default -14 LUFS)."""
    from shortfilm.edit.changes import loudness_target

    run_change(home, lambda store: loudness_target(store, slug, channel, lufs))
