"""Login throttling: failed logins for one name, or from one address, make the next ones wait.

The counter logic runs on a fake clock; the HTTP tests run the real login route over a store
with one user (no production needed), and show that a name that exists and one that does not
are answered alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from shortfilm.domain.people import Role
from shortfilm.store.repo import Store
from shortfilm.web.app import create_app
from shortfilm.web.throttle import LoginThrottle
from shortfilm.workflow.accounts import add_user

PASSWORD = "the right one"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(
    clock: Clock, *, forget_after_s: float = 3600, max_entries: int = 100
) -> LoginThrottle:
    return LoginThrottle(clock=clock, forget_after_s=forget_after_s, max_entries=max_entries)


def test_the_fifth_failure_closes_logins_for_a_window_that_doubles() -> None:
    clock = Clock()
    t = throttle(clock)
    for _ in range(4):
        t.failed("ines", "10.0.0.1")
        assert t.retry_after("ines", "10.0.0.1") is None
    t.failed("ines", "10.0.0.1")
    assert t.retry_after("ines", "10.0.0.1") == 30
    assert t.retry_after("Ines ", "10.0.0.9") == 30  # the name, as typed, case-folded
    assert t.retry_after("mara", "10.0.0.1") == 30  # the address
    assert t.retry_after("mara", "10.0.0.9") is None
    clock.now += 29.5
    assert t.retry_after("ines", "10.0.0.2") == 1  # whole seconds, rounded up
    clock.now += 0.5
    assert t.retry_after("ines", "10.0.0.2") is None
    waits = []
    for _ in range(6):
        t.failed("ines", "10.0.0.2")
        waits.append(t.retry_after("ines", "10.0.0.3"))
        clock.now += 1000
    assert waits == [60, 120, 240, 480, 900, 900]


def test_a_success_clears_the_name_but_not_the_address() -> None:
    clock = Clock()
    t = throttle(clock)
    for _ in range(4):
        t.failed("ines", "10.0.0.1")
    t.succeeded("ines")
    t.failed("ines", "10.0.0.1")  # the address's fifth, the name's first
    assert t.retry_after("ines", "10.0.0.2") is None
    assert t.retry_after("ines", "10.0.0.1") == 30


def test_old_failures_are_forgotten_and_memory_stays_bounded() -> None:
    clock = Clock()
    t = throttle(clock, forget_after_s=600, max_entries=4)
    for _ in range(4):
        t.failed("ines", "10.0.0.1")
    clock.now += 600
    t.failed("ines", "10.0.0.1")  # a first failure again, not the fifth
    assert t.retry_after("ines", "10.0.0.1") is None
    for n in range(10):
        t.failed(f"made-up-{n}", f"10.0.1.{n}")
    assert len(t._counts) == 4


# -- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    store = Store(tmp_path / "home")
    add_user(store, "ines", Role.OWNER, PASSWORD)
    yield create_app(store)
    store.close()


def login(client: TestClient, name: str, password: str) -> Response:
    return client.post("/login", data={"name": name, "password": password, "next": "/"})


def test_five_failures_make_the_next_login_wait_even_with_the_right_password(
    app: FastAPI,
) -> None:
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        assert login(client, "ines", "wrong").status_code == 401
    refused = login(client, "ines", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert "too many failed logins" in refused.text
    assert "set-cookie" not in refused.headers
    assert client.get("/api/me").status_code == 401


def test_a_name_that_does_not_exist_is_answered_like_one_that_does(tmp_path: Path) -> None:
    answers = []
    for name in ("ines", "nobody-here"):
        store = Store(tmp_path / name)
        add_user(store, "ines", Role.OWNER, PASSWORD)
        client = TestClient(create_app(store), follow_redirects=False)
        seen = [login(client, name, "wrong") for _ in range(6)]
        answers.append([(r.status_code, r.headers.get("retry-after")) for r in seen])
        store.close()
    assert answers[0] == answers[1]
    assert answers[0][-1] == (429, "30") and answers[0][0] == (401, None)


def test_a_login_after_the_window_works_again(app: FastAPI) -> None:
    clock = Clock()
    app.state.login_throttle = throttle(clock)
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        login(client, "ines", "wrong")
    assert login(client, "ines", PASSWORD).status_code == 429
    clock.now += 31
    ok = login(client, "ines", PASSWORD)
    assert ok.status_code == 303
    assert client.get("/api/me").json()["name"] == "ines"
