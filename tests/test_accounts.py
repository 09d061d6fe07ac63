"""Accounts: argon2 hashes, sessions stored hashed and expiring, and the ``user`` commands."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import real_password_hasher
from sqlalchemy import select
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.people import Role
from shortfilm.errors import InputError
from shortfilm.store.repo import Store
from shortfilm.store.tables import UserRow, WebSessionRow
from shortfilm.team import accounts
from shortfilm.team.accounts import (
    add_user,
    authenticate,
    close_session,
    list_accounts,
    list_users,
    open_session,
    session_actor,
)


def test_passwords_are_argon2_hashes_and_checked(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the hasher a real install uses (the other tests hash cheaply: see conftest)
    real = real_password_hasher()
    monkeypatch.setattr(accounts, "_hasher", real)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", real.hash("not a password of anyone"))
    store = Store(tmp_path / "home", db_url)
    actor = add_user(store, "mara", "editor", "correct horse")
    assert actor.role is Role.EDITOR and actor.user_id is not None
    with store.session() as s:
        stored = s.scalars(select(UserRow.password_hash)).one()
    # argon2-cffi's defaults (RFC 9106's second choice): 64 MiB, 3 passes, 4 lanes
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and "correct horse" not in stored
    assert authenticate(store, "mara", "correct horse") == actor
    assert authenticate(store, "mara", "wrong horse!") is None
    assert authenticate(store, "nobody", "correct horse") is None
    store.close()


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
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


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
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


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
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


# -- deactivation and password changes ----------------------------------------------------------


def run_cli(args: list[str], home: Path, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)], input=stdin)
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def team(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Store]]:
    """A home (on each database) with mara and lee; the CLI opens the same database."""
    from shortfilm.store.db import ENV_URL

    monkeypatch.setenv(ENV_URL, db_url)
    home = tmp_path / "home"
    store = Store(home, db_url)
    add_user(store, "mara", "editor", "correct horse")
    add_user(store, "lee", "writer", "battery staple")
    yield home, store
    store.close()


def test_deactivating_a_user_ends_their_sessions_and_refuses_their_logins(
    team: tuple[Path, Store],
) -> None:
    home, store = team
    mara = authenticate(store, "mara", "correct horse")
    lee = authenticate(store, "lee", "battery staple")
    assert mara is not None and lee is not None
    laptop, _ = open_session(store, mara)
    phone, _ = open_session(store, mara)
    lees, _ = open_session(store, lee)

    code, output = run_cli(["user", "deactivate", "mara"], home)
    assert code == 0, output
    assert "user mara deactivated; 2 web sessions closed" in output
    assert session_actor(store, laptop) is None and session_actor(store, phone) is None
    with store.session() as s:
        left = list(s.scalars(select(WebSessionRow.user_id)))
    assert left == [lee.user_id], "her sessions are gone from the store, not only refused"
    assert session_actor(store, lees) is not None, "other people stay logged in"
    assert authenticate(store, "mara", "correct horse") is None
    assert [a.name for a in list_users(store)] == ["lee"]

    code, listed = run_cli(["user", "list"], home)
    assert code == 0
    assert re.search(r"lee\W+writer\W+active", listed), listed
    assert re.search(r"mara\W+editor\W+deactivated \d{4}-\d\d-\d\d \d\d:\d\d UTC", listed), listed

    code, output = run_cli(["user", "deactivate", "mara"], home)
    assert code == 0 and "mara was already deactivated; 0 web sessions closed" in output
    code, output = run_cli(["user", "activate", "mara"], home)
    assert code == 0 and "user mara can log in again" in output
    assert authenticate(store, "mara", "correct horse") == mara
    assert session_actor(store, laptop) is None, "activating opens no old session again"
    code, output = run_cli(["user", "deactivate", "nobody"], home)
    assert code == 2 and "no user 'nobody'" in output


def test_a_new_password_from_stdin_ends_the_old_passwords_sessions(
    team: tuple[Path, Store],
) -> None:
    home, store = team
    mara = authenticate(store, "mara", "correct horse")
    assert mara is not None
    token, _ = open_session(store, mara)

    code, output = run_cli(["user", "passwd", "mara"], home, stdin="short\n")
    assert code == 2 and "at least 8 characters" in output
    assert session_actor(store, token) is not None, "a refused change changes nothing"
    code, output = run_cli(["user", "passwd", "mara"], home, stdin="tr0ub4dor &3\n")
    assert code == 0, output
    assert "password of mara changed; 1 web session closed" in output
    assert "tr0ub4dor" not in output
    assert session_actor(store, token) is None
    assert authenticate(store, "mara", "correct horse") is None
    assert authenticate(store, "mara", "tr0ub4dor &3") == mara
    with store.session() as s:
        stored = s.scalars(select(UserRow.password_hash).where(UserRow.name == "mara")).one()
    assert stored.startswith("$argon2id$") and "tr0ub4dor" not in stored
    code, output = run_cli(["user", "passwd", "nobody"], home, stdin="long enough\n")
    assert code == 2 and "no user 'nobody'" in output


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_a_deactivated_user_gets_the_answer_a_wrong_password_gets(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shortfilm.team.accounts import deactivate_user
    from shortfilm.web.app import create_app
    from shortfilm.web.settings import Settings

    store = Store(tmp_path / "home")
    add_user(store, "mara", "editor", "correct horse")
    client = TestClient(create_app(store, Settings()), follow_redirects=False)
    ok = client.post("/login", data={"name": "mara", "password": "correct horse"})
    assert ok.status_code == 303
    assert client.get("/api/me").status_code == 200
    deactivate_user(store, "mara")
    assert client.get("/api/me").status_code == 401, "her open session ends at once"

    def answer(password: str) -> tuple[int, str]:
        response = TestClient(create_app(store, Settings()), follow_redirects=False).post(
            "/login", data={"name": "mara", "password": password}
        )
        assert "set-cookie" not in response.headers
        return response.status_code, response.text.replace(password, "")

    assert answer("correct horse") == answer("wrong horse!")
    assert answer("correct horse")[0] == 401
    assert "wrong name or password" in answer("correct horse")[1]
    store.close()


def test_migration_0007_dates_accounts_already_locked_out(tmp_path: Path, db_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    from shortfilm.store.db import MIGRATIONS

    store = Store(tmp_path / "home", db_url)
    add_user(store, "mara", "editor", "correct horse")
    add_user(store, "lee", "writer", "battery staple")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def to(revision: str, down: bool = False) -> None:
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)

    to("0006", down=True)
    with store.engine.begin() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("users")}
        assert "deactivated_at" not in columns
        conn.execute(text("UPDATE users SET active = :no WHERE name = 'lee'"), {"no": False})
    to("head")
    accounts = {a.actor.name: a for a in list_accounts(store)}
    assert accounts["mara"].active and accounts["mara"].deactivated_at is None
    assert not accounts["lee"].active and accounts["lee"].deactivated_at is not None
    store.close()
