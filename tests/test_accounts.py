"""Accounts: argon2 hashes, sessions stored hashed and expiring, and the ``user`` commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.people import Role
from shortfilm.errors import InputError
from shortfilm.store.repo import Store
from shortfilm.store.tables import UserRow, WebSessionRow
from shortfilm.workflow.accounts import (
    add_user,
    authenticate,
    close_session,
    list_users,
    open_session,
    session_actor,
)


def test_passwords_are_argon2_hashes_and_checked(tmp_path: Path, db_url: str) -> None:
    store = Store(tmp_path / "home", db_url)
    actor = add_user(store, "mara", "editor", "correct horse")
    assert actor.role is Role.EDITOR and actor.user_id is not None
    with store.session() as s:
        stored = s.scalars(select(UserRow.password_hash)).one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert authenticate(store, "mara", "correct horse") == actor
    assert authenticate(store, "mara", "wrong horse!") is None
    assert authenticate(store, "nobody", "correct horse") is None
    store.close()


@pytest.mark.parametrize(
    ("name", "role", "password", "why"),
    [
        ("mara", "editor", "another one", "exists already"),
        ("lee", "director", "long enough", "unknown role"),
        ("lee", "owner", "short", "at least 8"),
        ("  ", "owner", "long enough", "1-200 characters"),
    ],
)
def test_add_user_refuses(tmp_path: Path, name: str, role: str, password: str, why: str) -> None:
    store = Store(tmp_path / "home")
    add_user(store, "mara", Role.EDITOR, "correct horse")
    with pytest.raises(InputError, match=why):
        add_user(store, name, role, password)
    store.close()


def test_sessions_are_stored_hashed_expire_and_close(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    actor = add_user(store, "ines", "owner", "correct horse")
    token, csrf = open_session(store, actor)
    with store.session() as s:
        row = s.scalars(select(WebSessionRow)).one()
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_sha256, row.csrf_token)
    assert session_actor(store, token) == (actor, csrf)
    assert session_actor(store, token + "x") is None
    assert session_actor(store, "") is None
    close_session(store, token)
    assert session_actor(store, token) is None
    expired, _ = open_session(store, actor, ttl_s=-1)
    assert session_actor(store, expired) is None
    store.close()


def test_user_commands_read_the_password_from_stdin(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["user", "add", "mara", "--role", "ai-operator", "--home", str(home)],
        input="s3cret pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    bad = runner.invoke(
        app, ["user", "add", "lee", "--role", "boss", "--home", str(home)], input="s3cret pass\n"
    )
    assert bad.exit_code == 2 and "unknown role" in bad.output
    listed = runner.invoke(app, ["user", "list", "--home", str(home)])
    assert listed.exit_code == 0 and "mara" in listed.output and "ai-operator" in listed.output
    store = Store(home)
    assert [a.name for a in list_users(store)] == ["mara"]
    assert authenticate(store, "mara", "s3cret pass") is not None
    store.close()
