"""The edit: the ``edit`` group (timeline changes, ``edit caption``, ``edit text``) and the
commands that render it or hand it to other editors: ``render``, ``export-timeline``,
``import-timeline``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from shortfilm.cli.common import (
    ClipArg,
    HomeOpt,
    SlugArg,
    app,
    fail,
    is_home,
    out,
    parse_clip,
    progress_bars,
    store_at,
)
from shortfilm.errors import InputError, ShortfilmError

edit_app = typer.Typer(
    help="The edit's timeline: trims, order, speed, transitions, texts, sound. "
    "Each change is a new Edit version; a later `run` keeps it for clips whose take is unchanged.",
    no_args_is_help=True,
)
app.add_typer(edit_app, name="edit")
caption_app = typer.Typer(help="Captions on the film timeline.", no_args_is_help=True)
edit_app.add_typer(caption_app, name="caption")
text_app = typer.Typer(
    help="Any text over the film: caption, lower_third, hook or end_card.", no_args_is_help=True
)
edit_app.add_typer(text_app, name="text")


def _edit_home(home: Path) -> None:
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


def _edit(home: Path, call: Any) -> None:
    """Run one timeline change against the store at ``home`` and print the version it gave."""
    _edit_home(home)
    try:
        with store_at(home) as store:
            change = call(store)
    except ShortfilmError as exc:
        fail(exc)
    _print_change(change)


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
    from shortfilm.domain.timeline_ops import incoming
    from shortfilm.edit.versions import load_edit

    _edit_home(home)
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
    table = Table("#", "clip", "take", "in-out (take)", "speed", "on film", "in from", "sound")
    film = {p["picture"]: p for p in data["film"]}
    joins = incoming(tl)
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
        table.add_row(
            str(i),
            seg.name,
            f"take-{seg.take:03d}",
            f"{float(tl.seconds(seg.source_in)):.2f}-{float(tl.seconds(seg.source_out)):.2f} s",
            f"x{seg.speed:g}",
            f"{place['start_s']:.2f}-{place['end_s']:.2f} s",
            how,
            ("on" if seg.audio else "off") + (f" {seg.gain_db:+g} dB" if seg.gain_db else ""),
        )
    out.print(table)
    counts: dict[str, int] = {}
    for t in tl.texts:
        counts[t.kind.value] = counts.get(t.kind.value, 0) + 1
        number = counts[t.kind.value]
        out.print(
            f"  {t.kind.value} {number}: {escape(repr(t.text))} "
            f"{float(tl.seconds(t.start)):.2f}-{float(tl.seconds(t.end)):.2f} s",
            highlight=False,
            soft_wrap=True,
        )
    for cue in tl.audio.sfx:
        out.print(
            f"  sfx {cue.kind} at {float(tl.seconds(cue.at)):.2f} s, {cue.gain_db:+g} dB",
            highlight=False,
        )
    music = tl.audio.music
    if music is not None:
        out.print(
            f"  music {escape(music.path or 'drone')} {music.gain_db:+g} dB, "
            f"duck {music.duck_db:g} dB",
            highlight=False,
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
    from shortfilm.edit.versions import trim_clip

    position = parse_clip(clip)
    _edit(home, lambda store: trim_clip(store, slug, position, in_s, out_s))


@edit_app.command("move")
def edit_move(
    slug: SlugArg,
    clip: ClipArg,
    to: Annotated[int, typer.Option("--to", help="New place in the film, 1-based.")],
    home: HomeOpt = Path("."),
) -> None:
    """Put a clip at another place in the film (its transition moves with it)."""
    from shortfilm.edit.versions import move_clip

    position = parse_clip(clip)
    _edit(home, lambda store: move_clip(store, slug, position, to))


@edit_app.command("speed")
def edit_speed(
    slug: SlugArg,
    clip: ClipArg,
    speed: Annotated[float, typer.Argument(help="0.25-4.0; 2 plays twice as fast.")],
    home: HomeOpt = Path("."),
) -> None:
    """Change a clip's playback speed (picture and sound)."""
    from shortfilm.edit.versions import speed_clip

    position = parse_clip(clip)
    _edit(home, lambda store: speed_clip(store, slug, position, speed))


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
    from shortfilm.edit.versions import transition_into

    position = parse_clip(clip)
    _edit(home, lambda store: transition_into(store, slug, position, kind, duration, direction))


@edit_app.command("audio")
def edit_audio(
    slug: SlugArg,
    clip: ClipArg,
    state: Annotated[str | None, typer.Argument(help="on or off (default: unchanged).")] = None,
    gain: Annotated[float | None, typer.Option("--gain", help="Gain of its sound, dB.")] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Turn a clip's own sound on or off, or change its gain."""
    from shortfilm.edit.versions import clip_audio

    position = parse_clip(clip)
    if state not in (None, "on", "off"):
        fail(InputError(f"{state!r}: say on or off"))
    on = None if state is None else state == "on"
    _edit(home, lambda store: clip_audio(store, slug, position, on, gain))


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
    from shortfilm.edit.versions import music_settings

    _edit(
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
    from shortfilm.edit.versions import loudness_target

    _edit(home, lambda store: loudness_target(store, slug, channel, lufs))


def _text_kind(kind: str) -> Any:
    from shortfilm.domain.timeline import TextKind

    try:
        return TextKind(kind.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        fail(InputError(f"{kind!r}: --kind is caption, lower_third, hook or end_card"))


def _add_text(home: Path, slug: str, kind: str, text: str, at: float, until: float) -> None:
    from shortfilm.edit.versions import add_text_item

    parsed = _text_kind(kind)
    _edit(home, lambda store: add_text_item(store, slug, parsed, text, at, until))


def _remove_text(home: Path, slug: str, kind: str, which: str) -> None:
    from shortfilm.edit.versions import remove_text_item

    parsed = _text_kind(kind)
    _edit(home, lambda store: remove_text_item(store, slug, parsed, which))


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


@app.command("render")
def render_cmd(
    slug: SlugArg,
    presets: Annotated[
        list[str] | None,
        typer.Option("--preset", help="A preset or channel (repeatable; default: every channel)."),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="A fast review draft (untouched spans copied), stored as PRESET-draft, "
            "never as the publishable render; needs no approved takes.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    home: HomeOpt = Path("."),
) -> None:
    """Render the current edit for its channels, each render checked (exit 1 if one fails)."""
    from shortfilm.edit.assemble import assemble_edit, draft_edit
    from shortfilm.edit.results import RenderCheckError

    _edit_home(home)
    make = draft_edit if draft else assemble_edit
    failure: ShortfilmError | None = None
    try:
        with store_at(home) as store, progress_bars(as_json) as bars:
            result = make(store, slug, progress=bars, preset_names=tuple(presets or ()))
    except RenderCheckError as exc:
        result, failure = exc.result, exc
    except ShortfilmError as exc:
        fail(exc)
    rows = [
        {
            "preset": r.preset,
            "draft": r.draft,
            "status": r.status,
            "reused": r.reused,
            "path": str(r.path),
            "duration_s": round(r.duration_s, 3),
            "size": f"{r.width}x{r.height}",
            "reasons": list(r.reasons),
        }
        for r in result.renders
    ]
    if as_json:
        data = {"edit_version": result.edit_version, "carried": list(result.carried)}
        sys.stdout.write(json.dumps(data | {"renders": rows}) + "\n")
    else:
        table = Table("preset", "status", "duration", "size", "loudness", "file")
        for r in result.renders:
            table.add_row(
                r.preset + (" (draft)" if r.draft else ""),
                r.status + (", reused" if r.reused else ""),
                f"{r.duration_s:.2f} s",
                f"{r.width}x{r.height}",
                f"{r.integrated_lufs:.1f} LUFS / {r.true_peak_dbtp:.1f} dBTP",
                str(r.path),
            )
        table.columns[-1].overflow = "fold"
        out.print(f"{slug}: edit v{result.edit_version}", highlight=False)
        for line in result.carried:
            out.print(f"{slug}: edit v{result.edit_version}: {escape(line)}", highlight=False)
        out.print(table)
    if failure is not None:
        fail(failure)


@app.command("export-timeline")
def export_timeline(
    slug: SlugArg,
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="otio, fcp7 (FCP 7 XML) or fcpxml.")] = (
        "otio"
    ),
    version: Annotated[
        int | None, typer.Option("--edit", help="Edit version (default: the latest).")
    ] = None,
    home: HomeOpt = Path("."),
) -> None:
    """Write the edit for DaVinci Resolve, Premiere or Final Cut (OTIO, FCP 7 XML, FCPXML)."""
    from shortfilm.edit.handoff import export_timeline as export

    _edit_home(home)
    try:
        with store_at(home) as store:
            result = export(store, slug, out_file, fmt, version)
    except ShortfilmError as exc:
        fail(exc)
    out.print(
        f"{slug}: edit v{result.version} ({result.clips} clips) written as {result.format} "
        f"to {result.path}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("import-timeline")
def import_timeline(
    slug: SlugArg,
    file: Annotated[Path, typer.Argument(help="An OpenTimelineIO file (.otio).")],
    home: HomeOpt = Path("."),
) -> None:
    """Bring an edited timeline (.otio) back as a new Edit version."""
    from shortfilm.edit.handoff import import_timeline as import_otio

    _edit(home, lambda store: import_otio(store, slug, file))
