"""The ``account`` group: the home's publishing accounts (add, list, show, remove)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from shortfilm.cli.common import HomeOpt, app, fail, out, store_at
from shortfilm.cli.layout import Column, print_table
from shortfilm.errors import ShortfilmError

if TYPE_CHECKING:
    from shortfilm.domain.social_accounts import SocialAccount

account_app = typer.Typer(
    help="The accounts films are posted to: platform, handle, preset and publish target.",
    no_args_is_help=True,
)
app.add_typer(account_app, name="account")

NameArg = Annotated[str, typer.Argument(help="The account's name, e.g. tt-main.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _json(account: SocialAccount) -> dict[str, Any]:
    from shortfilm.domain.platforms import PLATFORMS

    rules = PLATFORMS[account.platform]
    return {
        "name": account.name,
        "platform": account.platform,
        "handle": account.handle,
        "locale": account.locale,
        "preset": account.preset,
        "target": account.target.as_json(),
        "created_by": account.created_by,
        "created_at": account.created_at.isoformat(),
        "rules": {
            "max_duration_s": rules.max_duration_s,
            "caption_max": rules.caption_max,
            "hashtags_max": rules.hashtags_max,
            "title_max": rules.title_max,
            "counting": rules.counting,
            "presets": list(rules.presets),
            "sources": list(rules.sources),
        },
    }


@account_app.command("add")
def account_add(
    name: NameArg,
    platform: Annotated[
        str,
        typer.Option(
            help="tiktok, youtube-shorts, instagram-reels, x, linkedin or facebook.",
        ),
    ],
    handle: Annotated[str, typer.Option(help="The account's handle, e.g. @wasteland.films.")],
    locale: Annotated[str, typer.Option(help="Its audience's language, e.g. en, en-US.")] = "en",
    preset: Annotated[
        str | None, typer.Option(help="The channel preset it takes (default: the platform's).")
    ] = None,
    target: Annotated[str, typer.Option(help="Where posts go: folder, webhook or postiz.")] = (
        "folder"
    ),
    url: Annotated[str | None, typer.Option(help="The webhook's or Postiz server's URL.")] = None,
    integration: Annotated[
        str | None, typer.Option(help="Postiz: the id of the connected channel.")
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option(
            "--secret-env",
            help="Webhook: the environment variable holding the signing secret "
            "(default SHORTFILM_WEBHOOK_SECRET; the secret itself is never stored).",
        ),
    ] = None,
    home: HomeOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Add an account to the home; every production can post to it."""
    from shortfilm.campaign.accounts import add_account
    from shortfilm.review.decisions import local_owner

    try:
        with store_at(home) as store:
            added = add_account(
                store,
                local_owner(),
                name,
                platform=platform,
                handle=handle,
                locale=locale,
                preset=preset,
                target=target,
                url=url,
                integration=integration,
                secret_env=secret_env,
            )
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(_json(added), indent=2) + "\n")
        return
    out.print(
        f"account {escape(added.label)} added: {added.preset} videos, "
        f"sent to {escape(added.target.describe())}",
        highlight=False,
    )


@account_app.command("list")
def account_list(home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The home's accounts."""
    from shortfilm.campaign.accounts import accounts

    try:
        with store_at(home) as store:
            found = accounts(store)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([_json(a) for a in found], indent=2) + "\n")
        return
    if not found:
        out.print(
            "no accounts yet; add one, e.g. "
            "`shortfilm account add tt-main --platform tiktok --handle @you`"
        )
        return
    rows = [[a.name, a.platform, a.handle, a.locale, a.preset, a.target.kind.value] for a in found]
    print_table(
        (
            Column("name"),
            Column("platform"),
            Column("handle"),
            Column("locale"),
            Column("preset"),
            Column("target"),
        ),
        rows,
    )


@account_app.command("show")
def account_show(name: NameArg, home: HomeOpt = Path("."), as_json: JsonOpt = False) -> None:
    """One account, with the rules its platform sets for a post and where they come from."""
    from shortfilm.campaign.accounts import account

    try:
        with store_at(home) as store:
            found = account(store, name)
    except ShortfilmError as exc:
        fail(exc)
    shown = _json(found)
    if as_json:
        sys.stdout.write(json.dumps(shown, indent=2) + "\n")
        return
    rules = shown["rules"]

    def limit(value: object, unit: str) -> str:
        return "no limit" if value is None else f"{value:,} {unit}"

    lines = [
        f"{found.label}",
        f"  locale {found.locale}, {found.preset} videos, sent to {found.target.describe()}",
        f"  added by {found.created_by} on {found.created_at:%Y-%m-%d %H:%M} UTC",
        "  rules:",
        f"    video      at most {rules['max_duration_s']:g} s",
        f"    post text  {limit(rules['caption_max'], 'characters')}"
        + (" (weighted)" if rules["counting"] == "weighted" else ""),
        f"    hashtags   {limit(rules['hashtags_max'], '')}".rstrip(),
        "    title      "
        + ("no title field" if rules["title_max"] is None else f"{rules['title_max']} characters"),
        f"    frames     {', '.join(rules['presets'])}",
        "  sources:",
        *(f"    {s}" for s in rules["sources"]),
    ]
    for line in lines:
        out.print(escape(line), highlight=False, soft_wrap=True)


@account_app.command("remove")
def account_remove(name: NameArg, home: HomeOpt = Path(".")) -> None:
    """Remove an account: nothing more is posted to it (what was posted keeps its record)."""
    from shortfilm.campaign.accounts import remove_account
    from shortfilm.review.decisions import local_owner

    try:
        with store_at(home) as store:
            remove_account(store, local_owner(), name)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"account {escape(name)} removed", highlight=False)
