"""The ``variant`` group: a campaign's variants of the approved film (add, list, show)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, out, store_at
from shortfilm.cli.layout import Column, print_table
from shortfilm.errors import InputError, ShortfilmError

if TYPE_CHECKING:
    from shortfilm.domain.production import RhythmClip
    from shortfilm.domain.variant import StoredVariant

variant_app = typer.Typer(
    help="Variants of the approved film, one per post: hook, end card, caption, rhythm, account.",
    no_args_is_help=True,
)
app.add_typer(variant_app, name="variant")

SlugArg = Annotated[str, typer.Argument(help="The production's slug.")]
NameArg = Annotated[str, typer.Argument(help="The variant's name, e.g. tt-hook-a.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _json(stored: StoredVariant) -> dict[str, Any]:
    from shortfilm.spec.dump import section_to_dict

    return {
        "name": stored.name,
        "version": stored.version,
        "created_by": stored.created_by,
        "created_at": stored.created_at.isoformat(),
        "review": stored.standing.value,
        "variant": section_to_dict(stored.variant),
    }


def _order(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InputError(
            f"--order: {text!r} is not clip numbers separated by commas, e.g. 2,1,3,4"
        ) from None


def _rhythm(trims: list[str], speeds: list[str]) -> tuple[RhythmClip, ...]:
    """``--trim CLIP=IN:OUT`` and ``--speed CLIP=X`` as one cut per clip."""
    from shortfilm.domain.production import RhythmClip

    cut: dict[int, dict[str, float | None]] = {}

    def clip_of(option: str, value: str) -> tuple[int, str]:
        clip, sep, rest = value.partition("=")
        if not sep or not clip.strip().isdigit():
            raise InputError(f"{option}: {value!r} must be CLIP=..., e.g. {option} 2=1.5:9")
        return int(clip), rest

    for value in trims:
        clip, rest = clip_of("--trim", value)
        start, sep, end = rest.partition(":")
        try:
            cut.setdefault(clip, {})["in_s"] = float(start) if start else None
            cut[clip]["out_s"] = float(end) if sep and end else None
        except ValueError:
            raise InputError(
                f"--trim: {value!r} must be CLIP=IN:OUT in seconds, e.g. 2=1.5:9"
            ) from None
    for value in speeds:
        clip, rest = clip_of("--speed", value)
        try:
            cut.setdefault(clip, {})["speed"] = float(rest)
        except ValueError:
            raise InputError(f"--speed: {value!r} must be CLIP=SPEED, e.g. 3=1.25") from None
    return tuple(RhythmClip(clip, **fields) for clip, fields in sorted(cut.items()))


@variant_app.command("add")
def variant_add(
    slug: SlugArg,
    name: NameArg,
    account: Annotated[
        str, typer.Option(help="The account it is posted to (`shortfilm account list`).")
    ],
    hook: Annotated[str | None, typer.Option(help="Opening text in place of the edit's.")] = None,
    hook_until: Annotated[float, typer.Option(help="Seconds the hook stays on screen.")] = 2.0,
    end_card: Annotated[
        str | None, typer.Option(help="Closing text in place of the edit's.")
    ] = None,
    end_card_s: Annotated[float, typer.Option(help="Seconds the end card holds.")] = 3.0,
    caption: Annotated[str, typer.Option(help="The post's text.")] = "",
    hashtag: Annotated[
        list[str] | None, typer.Option(help="A hashtag (repeat the option).")
    ] = None,
    order: Annotated[str | None, typer.Option(help="The clips' order, e.g. 2,1,3,4.")] = None,
    trim: Annotated[list[str] | None, typer.Option(help="CLIP=IN:OUT seconds of the take.")] = None,
    speed: Annotated[list[str] | None, typer.Option(help="CLIP=SPEED, e.g. 3=1.25.")] = None,
    preset: Annotated[str | None, typer.Option(help="The frame (default: the account's).")] = None,
    title: Annotated[
        str | None, typer.Option(help="The post's title, where the platform has one.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Change a variant that exists.")
    ] = False,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Add a variant (checked against its account's platform before it is stored)."""
    from shortfilm.campaign.variants import add_variant
    from shortfilm.domain.production import EndCard, Hook, Variant
    from shortfilm.production.clip_revision import LintRefusal
    from shortfilm.review.decisions import local_owner

    try:
        variant = Variant(
            name=name,
            account=account,
            hook=None if hook is None else Hook(hook, 0.0, hook_until),
            end_card=None if end_card is None else EndCard(end_card, end_card_s),
            caption=caption,
            hashtags=tuple(hashtag or ()),
            order=_order(order),
            clips=_rhythm(trim or [], speed or []),
            preset=preset,
            title=title,
        )
        with store_at(home) as store:
            stored = add_variant(store, slug, variant, local_owner(), replace=replace)
    except LintRefusal as exc:
        for f in exc.findings:
            sys.stderr.write(f"{f.code} {f.place}: {f.message}\n  hint: {f.hint}\n")
        fail(exc)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(_json(stored), indent=2) + "\n")
        return
    out.print(f"{escape(slug)}: variant {escape(stored.name)} v{stored.version} for "
              f"{escape(stored.variant.account)}", highlight=False)  # fmt: skip


@variant_app.command("list")
def variant_list(slug: SlugArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The production's variants, newest version of each."""
    from shortfilm.campaign.variants import variants
    from shortfilm.domain.variant import differences
    from shortfilm.publish.variants import publications

    try:
        with store_at(home) as store:
            found = variants(store, slug)
            posted = {(p.variant, p.variant_version): p for p in publications(store, slug)}
    except ShortfilmError as exc:
        fail(exc)

    def post(s: StoredVariant) -> str:
        pub = posted.get((s.name, s.version))
        if pub is None:
            return "-"
        return f"{pub.state} {pub.at:%Y-%m-%d %H:%M}" if pub.at else str(pub.state)

    if as_json:
        shown = [_json(v) | {"post": post(v) if (v.name, v.version) in posted else None}
                 for v in found]  # fmt: skip
        sys.stdout.write(json.dumps(shown, indent=2) + "\n")
        return
    if not found:
        example = f"shortfilm variant add {slug} tt-hook-a --account tt-main --hook 'Hold on'"
        out.print(f"{escape(slug)} has no variants yet; add one, e.g. `{escape(example)}`")
        return
    rows = [
        [s.name, f"v{s.version}", s.variant.account, s.standing.value, post(s),
         differences(s.variant)]
        for s in found
    ]  # fmt: skip
    columns = (Column("name"), Column("version"), Column("account"), Column("review"),
               Column("post"), Column("differs in"))  # fmt: skip
    print_table(columns, rows)


@variant_app.command("show")
def variant_show(
    slug: SlugArg, name: NameArg, home: HomeOpt = Path("."), as_json: JsonOpt = False
) -> None:
    """One variant: what it changes, its post text as posted, and its versions."""
    from shortfilm.campaign.variants import variant
    from shortfilm.domain.platforms import post_text
    from shortfilm.domain.variant import differences
    from shortfilm.publish.variants import publications

    try:
        with store_at(home) as store:
            versions = variant(store, slug, name)
            posts = [p for p in publications(store, slug) if p.variant == name]
    except ShortfilmError as exc:
        fail(exc)
    newest = versions[-1]
    if as_json:
        posted = [{"version": p.variant_version, "account": p.account, "state": p.state.value,
                   "at": p.at.isoformat() if p.at else None, "remote_url": p.remote_url}
                  for p in posts]  # fmt: skip
        shown = _json(newest) | {"versions": [_json(v) for v in versions], "posts": posted}
        sys.stdout.write(json.dumps(shown, indent=2) + "\n")
        return
    v = newest.variant
    lines = [f"{slug}: variant {v.name} v{newest.version} for {v.account}",
             f"  differs in: {differences(v)}"]  # fmt: skip
    if v.hook is not None:
        lines.append(f"  hook: {v.hook.text} ({v.hook.start_s:g}-{v.hook.end_s:g} s)")
    if v.end_card is not None:
        lines.append(f"  end card: {v.end_card.text} (last {v.end_card.duration_s:g} s)")
    if v.order:
        lines.append(f"  order: {', '.join(str(c) for c in v.order)}")
    for c in v.clips:
        lines.append(f"  clip {c.clip}: in {c.in_s}, out {c.out_s}, speed {c.speed}")
    text = post_text(v.caption, v.hashtags)
    lines.append(f"  post text: {text}" if text else "  post text: (none)")
    lines += [
        f"  v{s.version} by {s.created_by} on {s.created_at:%Y-%m-%d %H:%M} UTC: {s.standing}"
        for s in versions
    ]
    for p in posts:
        when = f" for {p.at:%Y-%m-%d %H:%M} UTC" if p.at else ""
        where = f" ({p.remote_url})" if p.remote_url else ""
        lines.append(f"  v{p.variant_version} to {p.account} via {p.target}: {p.state}{when}"
                     f"{where}")  # fmt: skip
    if not newest.standing.passes:
        lines.append(
            f"  the owner approves it with `shortfilm review variant {slug} {v.name} --approve "
            "--score account-match=N --score caption-fit=N`"
        )
    for line in lines:
        out.print(escape(line), highlight=False, soft_wrap=True)


@variant_app.command("render")
def variant_render(
    slug: SlugArg,
    name: NameArg,
    again: Annotated[
        bool, typer.Option("--again", help="Render it anew even when it was made before.")
    ] = False,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Render a variant of the approved film in its account's frame, checked like any render.

    A film made before for the same variant version, edit and preset is kept, not remade.
    """
    from shortfilm.campaign.variant_renders import render_variant
    from shortfilm.review.decisions import local_owner

    try:
        with store_at(home) as store:
            made = render_variant(store, slug, name, local_owner(), again=again)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        shown = {
            "variant": made.variant,
            "version": made.variant_version,
            "edit_version": made.edit_version,
            "preset": made.preset,
            "path": str(made.path),
            "sha256": made.sha256,
            "duration_s": made.duration_s,
            "status": made.status,
            "reasons": list(made.reasons),
            "encoded_frames": made.encoded_frames,
            "copied_frames": made.copied_frames,
            "reused": made.reused,
        }
        sys.stdout.write(json.dumps(shown, indent=2) + "\n")
    else:
        out.print(f"{escape(slug)}: variant {escape(made.variant)} v{made.variant_version} of edit "
                  f"v{made.edit_version}, {made.preset}, {made.duration_s:.2f} s, {made.status}: "
                  f"{escape(str(made.path))}", highlight=False, soft_wrap=True)  # fmt: skip
        if made.reused:
            out.print("  made before for this version, edit and preset: not rendered again "
                      "(--again renders it anew)", highlight=False)  # fmt: skip
        elif made.copied_frames:
            total = made.encoded_frames + made.copied_frames
            out.print(f"  {made.encoded_frames} of {total} frames encoded; the rest copied from "
                      "the approved film", highlight=False)  # fmt: skip
        for reason in made.reasons:
            out.print(f"  {escape(reason)}", highlight=False)
    if made.status != "passed":
        raise typer.Exit(1)
