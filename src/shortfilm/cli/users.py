"""The team web app's side of the command: the ``user`` group (add, list) and ``serve``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shortfilm.cli.common import (
    HomeOpt,
    app,
    err,
    fail,
    is_home,
    out,
    store_at,
)
from shortfilm.errors import InputError, ShortfilmError

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
    from shortfilm.workflow.accounts import add_user, parse_role

    try:
        parse_role(role)  # before asking for a password
        password = _read_password()
        with store_at(home) as store:
            actor = add_user(store, name, role, password)
    except ShortfilmError as exc:
        fail(exc)
    out.print(f"user {escape(actor.name)} added as {actor.role.value}", highlight=False)


@user_app.command("list")
def user_list(home: HomeOpt = Path(".")) -> None:
    """The users and their roles."""
    from shortfilm.workflow.accounts import list_users

    try:
        with store_at(home) as store:
            users = list_users(store)
    except ShortfilmError as exc:
        fail(exc)
    table = Table("name", "role")
    for actor in users:
        table.add_row(escape(actor.name), actor.role.value)
    out.print(table)


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
    home: HomeOpt = Path("."),
) -> None:
    """The team web app: review boards, takes and the edit in a browser (login required)."""
    import uvicorn

    from shortfilm.web.settings import ENV_HOME, ENV_MAX_UPLOAD

    if not is_home(home):
        fail(InputError(f"{home}: not a production home (run `shortfilm init` first)"))
    # the app is built in each worker process from these (uvicorn's factory needs an import path)
    os.environ[ENV_HOME] = str(home.resolve())
    os.environ[ENV_MAX_UPLOAD] = str(int(max_upload_mb * 1024 * 1024))
    err.print(f"serving {home.resolve()} at http://{host}:{port}/", highlight=False)
    uvicorn.run(
        "shortfilm.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
