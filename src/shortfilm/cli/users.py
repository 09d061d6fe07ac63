"""The team web app's side of the command: the ``user`` group (add, list, deactivate, activate,
passwd) and ``serve``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shortfilm.cli.common import (
    HomeOpt,
    app,
    err,
    fail,
    is_home,
    out,
    store_at,
)
from shortfilm.cli.layout import Column, print_table
from shortfilm.errors import InputError, ShortfilmError
from shortfilm.media.limits import MediaLimits
from shortfilm.web.settings import DEFAULT_QC_WORKERS, UPLOAD_LIMITS, Settings

user_app = typer.Typer(
    help="People who log in to the web app, one role each.", no_args_is_help=True
)
app.add_typer(user_app, name="user")


def _read_password() -> str:
    """The password from stdin: typed without echo at a terminal (twice), else the first line."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            fail(InputError("the two passwords differ"))
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The name the person logs in with.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="writer, visual-operator, ai-operator, editor, growth-operator or owner.",
        ),
    ],
    home: HomeOpt = Path("."),
) -> None:
    """Add a user; the password is read from stdin (never an argument: it would be in history)."""
    from shortfilm.team.accounts import add_user, parse_role

    try:
        parse_role(role)  # before asking for a password
        password = _read_password()
        with store_at(home) as store:
            actor = add_user(store, name, role, password)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"user {escape(actor.name)} added as {actor.role.value}", highlight=False)


@user_app.command("list")
def user_list(
    home: HomeOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The users, their roles, and who is deactivated (since when)."""
    from shortfilm.team.accounts import list_accounts

    try:
        with store_at(home) as store:
            accounts = list_accounts(store)
    except ShortfilmError as exc:
        fail(exc)
    if as_json:
        listed = [
            {
                "name": a.actor.name,
                "role": a.actor.role.value,
                "deactivated_at": (
                    None if a.deactivated_at is None else a.deactivated_at.isoformat()
                ),
            }
            for a in accounts
        ]
        sys.stdout.write(json.dumps(listed, indent=2) + "\n")
        return
    rows = []
    for account in accounts:
        since = account.deactivated_at
        status = "active" if since is None else f"deactivated {since:%Y-%m-%d %H:%M} UTC"
        rows.append([account.actor.name, account.actor.role.value, status])
    print_table((Column("name"), Column("role"), Column("status")), rows)


NameArg = Annotated[str, typer.Argument(help="The name the person logs in with.")]


def _sessions(n: int) -> str:
    return f"{n} web session{'' if n == 1 else 's'} closed"


@user_app.command("deactivate")
def user_deactivate(name: NameArg, home: HomeOpt = Path(".")) -> None:
    """Lock a user out: their web sessions end now and they can no longer log in.

    What they wrote keeps their name; 'user activate' lets them back in.
    """
    from shortfilm.team.accounts import deactivate_user

    try:
        with store_at(home) as store:
            change = deactivate_user(store, name)
    except ShortfilmError as exc:
        fail(exc)
    what = "deactivated" if change.changed else "was already deactivated"
    out.print(
        f"user {escape(change.account.actor.name)} {what}; {_sessions(change.sessions_closed)}",
        highlight=False,
    )


@user_app.command("activate")
def user_activate(name: NameArg, home: HomeOpt = Path(".")) -> None:
    """Let a deactivated user log in again, with the password they had."""
    from shortfilm.team.accounts import activate_user

    try:
        with store_at(home) as store:
            change = activate_user(store, name)
    except ShortfilmError as exc:
        fail(exc)
    what = "can log in again" if change.changed else "was already active"
    out.print(f"user {escape(change.account.actor.name)} {what}", highlight=False)


@user_app.command("passwd")
def user_passwd(name: NameArg, home: HomeOpt = Path(".")) -> None:
    """Set a user's password, read from stdin like 'user add'; their web sessions end.

    At a terminal it is typed twice and never echoed. The old password's logins stop working.
    """
    from shortfilm.team.accounts import change_password, get_account

    try:
        with store_at(home) as store:
            get_account(store, name)  # before asking for a password
            change = change_password(store, name, _read_password())
    except ShortfilmError as exc:
        fail(exc)
    out.print(
        f"password of {escape(change.account.actor.name)} changed; "
        f"{_sessions(change.sessions_closed)}",
        highlight=False,
    )


def _trusted_proxies(values: list[str]) -> list[str]:
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/24``); anything else is refused."""
    import ipaddress

    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            fail(InputError(f"--trusted-proxy {value!r}: an IP address or network, like 10.0.0.5"))
    return values


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback unless you mean to share it.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    max_upload_mb: Annotated[
        float, typer.Option(help="Largest upload accepted (reference image, external take).")
    ] = 200.0,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ADDR",
            help="A reverse proxy (address or network) whose X-Forwarded-For / -Proto are "
            "believed; repeat for several. Without it those headers are ignored.",
        ),
    ] = None,
    max_form_kb: Annotated[
        float, typer.Option(min=1, help="Largest request body that is not an upload (413 past it).")
    ] = Settings.max_form_bytes / 1024,
    body_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a request body may take to arrive (408 after).")
    ] = Settings.body_timeout_s,
    header_timeout: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds a request's headers may take to arrive (408 after)."),
    ] = Settings.header_timeout_s,
    max_header_kb: Annotated[
        float, typer.Option(min=1, help="Largest request line plus headers (431 past it).")
    ] = Settings.max_header_bytes / 1024,
    keep_alive: Annotated[
        int, typer.Option(min=1, help="Seconds an idle keep-alive connection stays open.")
    ] = Settings.keep_alive_s,
    max_video_size: Annotated[
        str, typer.Option(help="Largest uploaded take's picture, WIDTHxHEIGHT (either way up).")
    ] = f"{UPLOAD_LIMITS.max_width}x{UPLOAD_LIMITS.max_height}",
    max_video_megapixels: Annotated[
        float, typer.Option(help="Largest uploaded take's frame, in millions of pixels.")
    ] = UPLOAD_LIMITS.max_frame_pixels / 1e6,
    max_video_seconds: Annotated[
        float, typer.Option(help="Longest uploaded take, in seconds.")
    ] = UPLOAD_LIMITS.max_duration_s,
    max_video_frames: Annotated[
        int, typer.Option(help="Most frames in an uploaded take.")
    ] = UPLOAD_LIMITS.max_frames,
    max_image_megapixels: Annotated[
        float, typer.Option(help="Largest uploaded reference image, in millions of pixels.")
    ] = UPLOAD_LIMITS.max_image_pixels / 1e6,
    qc_workers: Annotated[
        int, typer.Option(help="Uploaded takes' QCs running at once in each server process.")
    ] = DEFAULT_QC_WORKERS,
    home: HomeOpt = Path("."),
) -> None:
    """The team web app: review boards, takes and the edit in a browser (login required).

    Uploads are held to the limits given here from their headers, before anything is decoded
    (413 over them); an uploaded take's QC runs in the background, ``--qc-workers`` at once.
    """
    import uvicorn

    from shortfilm.web.settings import (
        ENV_HOME,
        ENV_MAX_UPLOAD,
        ENV_MEDIA_LIMITS,
        ENV_QC_WORKERS,
        limits_to_env,
    )

    if not is_home(home):
        fail(InputError(f"{home}: not a production home (run `shortfilm init` first)"))
    proxies = _trusted_proxies(trusted_proxy or [])
    try:
        media_limits = _upload_limits(
            max_video_size,
            max_video_megapixels,
            max_video_seconds,
            max_video_frames,
            max_image_megapixels,
        )
        if qc_workers < 1:
            raise InputError(f"--qc-workers: at least 1, not {qc_workers}")
    except InputError as exc:
        fail(exc)
    limits = Settings(
        max_form_bytes=int(max_form_kb * 1024),
        body_timeout_s=body_timeout,
        header_timeout_s=header_timeout,
        max_header_bytes=int(max_header_kb * 1024),
        keep_alive_s=keep_alive,
    )
    # the app is built in each worker process from these (uvicorn's factory needs an import path)
    os.environ[ENV_HOME] = str(home.resolve())
    os.environ[ENV_MAX_UPLOAD] = str(int(max_upload_mb * 1024 * 1024))
    os.environ.update(limits_to_env(limits))
    os.environ[ENV_MEDIA_LIMITS] = media_limits.to_text()
    os.environ[ENV_QC_WORKERS] = str(qc_workers)
    err.print(f"serving {home.resolve()} at http://{host}:{port}/", highlight=False)
    uvicorn.run(
        "shortfilm.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        http="shortfilm.web.server:GuardedHttpProtocol",
        timeout_keep_alive=keep_alive,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def _upload_limits(
    size: str, video_mp: float, seconds: float, frames: int, image_mp: float
) -> MediaLimits:
    """The ``serve`` options as limits; :class:`InputError` naming the option that is wrong."""
    width, sep, height = size.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise InputError(f"--max-video-size: {size!r} is not WIDTHxHEIGHT, e.g. 4096x4096")
    side = max(int(width), int(height))  # either way up: a portrait take is as big
    for option, value in (
        ("--max-video-size", min(int(width), int(height))),
        ("--max-video-megapixels", video_mp),
        ("--max-video-seconds", seconds),
        ("--max-video-frames", frames),
        ("--max-image-megapixels", image_mp),
    ):
        if not value > 0:
            raise InputError(f"{option}: must be more than 0")
    return MediaLimits(
        max_width=side,
        max_height=side,
        max_frame_pixels=int(video_mp * 1e6),
        max_frames=frames,
        max_duration_s=seconds,
        max_image_pixels=int(image_mp * 1e6),
    )
