"""The web app against hostile requests: no number, body or slow client gets a 500 or holds the
server, and no user text can pull the reader's CSRF token into a page.

In-process tests run over a private copy of the small production (:mod:`web_home`) on SQLite
and PostgreSQL; the slow-client and proxy tests run a real ``shortfilm serve`` on 127.0.0.1 and
talk to it over raw sockets, as such a client would.
"""

from __future__ import annotations

import io
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import database_for
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from served import serving
from starlette.routing import BaseRoute
from web_home import PASSWORD, SLUG

from shortfilm.domain.people import Role
from shortfilm.domain.rubric import CRITERION_KEYS
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow
from shortfilm.team.accounts import add_user
from shortfilm.web.app import create_app
from shortfilm.web.multipart import reads_upload
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

HUGE = "99999999999999999999"
"""Past 64 bits: SQLite cannot bind it, PostgreSQL's INTEGER cannot hold it."""


class Web:
    """A test client logged in as ``name``, with that session's CSRF token."""

    def __init__(self, app: FastAPI, name: str = "ines") -> None:
        self.client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        login = self.client.post("/login", data={"name": name, "password": PASSWORD})
        assert login.status_code == 303, login.text
        self.csrf = self.client.get("/api/me").json()["csrf_token"]

    def api(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.post(
            f"/api/productions/{SLUG}{path}", json=body, headers={"X-CSRF-Token": self.csrf}
        )

    def form(self, path: str, fields: dict[str, str]) -> httpx.Response:
        return self.client.post(f"/p/{SLUG}{path}", data={"csrf_token": self.csrf, **fields})


@pytest.fixture
def store(web_store: Store) -> Store:
    """A private copy of the prepared production, once on SQLite and once on PostgreSQL."""
    return web_store


@pytest.fixture
def app(store: Store) -> FastAPI:
    return create_app(store, Settings(max_upload_bytes=2_000_000))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 96), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _routes(app: FastAPI) -> Iterator[APIRoute]:
    def flat(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
        for route in routes:
            included = getattr(route, "original_router", None)
            yield from flat(included.routes) if included is not None else [route]

    yield from (r for r in flat(app.routes) if isinstance(r, APIRoute))


def _int_params(route: APIRoute) -> set[str]:
    """The path parameters the route (or a dependency of it) takes as whole numbers."""
    found, pending = set(), [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        found |= {p.alias for p in dependant.path_params if p.field_info.annotation is int}
    return found


def _leftovers(store: Store) -> list[Path]:
    folder = store.home / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


# -- numbers past what the database holds ----------------------------------------------------------


def test_a_huge_number_in_any_int_path_parameter_is_a_4xx(app: FastAPI, store: Store) -> None:
    """A probe found ``/p/slug/clips/99999999999999999999`` answered 500 (``OverflowError``)."""
    web = Web(app)
    checked = []
    for route in _routes(app):
        numbers = _int_params(route)
        if not numbers:
            continue
        path = route.path.replace("{slug}", SLUG)
        for name in numbers:
            path = path.replace(f"{{{name}}}", HUGE)
        for method in sorted(route.methods):
            if method == "GET":
                response = web.client.get(path)
            elif reads_upload(route):
                response = web.client.post(
                    path,
                    data={"csrf_token": web.csrf, "role": "board", "label": "x"},
                    files={"file": ("take.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(64))},
                )
            elif path.startswith("/api/"):
                response = web.client.post(
                    path, json={"take": 1}, headers={"X-CSRF-Token": web.csrf}
                )
            else:
                response = web.form(path.removeprefix(f"/p/{SLUG}"), {"take": "1"})
            assert 400 <= response.status_code < 500, (method, path, response.text)
            checked.append((method, route.path))
    assert len(checked) >= 5, checked
    assert _leftovers(store) == []


def test_a_huge_number_in_a_body_is_a_4xx(app: FastAPI, store: Store) -> None:
    """Ids, revisions, take numbers and scores past 64 bits, through the API and the forms."""
    web = Web(app)
    take = ids_of_first_take(store)
    big = int(HUGE)
    answers = {
        "api comment": web.api("/comments", {"kind": "take", "subject_id": big, "body": "x"}),
        "api review": web.api(
            "/reviews", {"kind": "take", "subject_id": big, "decision": "approve"}
        ),
        "api revision": web.api(
            "/reviews",
            {"kind": "take", "subject_id": take, "decision": "approve", "expected_revision": big},
        ),
        "api score": web.api(
            "/reviews",
            {
                "kind": "take",
                "subject_id": take,
                "decision": "approve",
                "scores": [{"criterion": CRITERION_KEYS[0], "value": big}],
            },
        ),
        "api take": web.api("/clips/1/selection", {"take": big}),
        "api override": web.api(
            "/overrides", {"gate": "clip", "reason": "phone", "subject_id": big}
        ),
        "form comment": web.form("/comments", {"kind": "take", "subject_id": HUGE, "body": "x"}),
        "form review": web.form(
            "/reviews", {"kind": "take", "subject_id": HUGE, "decision": "approve"}
        ),
        "form revision": web.form(
            "/reviews",
            {"kind": "take", "subject_id": str(take), "decision": "approve", "revision": HUGE},
        ),
        "form take": web.form("/clips/1/select", {"take": HUGE}),
        "form override": web.form(
            "/overrides", {"gate": "clip", "reason": "phone", "subject_id": HUGE}
        ),
    }
    codes = {what: r.status_code for what, r in answers.items()}
    assert all(400 <= code < 500 for code in codes.values()), codes


# -- bodies ------------------------------------------------------------------------------------


def test_a_multipart_body_on_a_form_route_is_refused_unread(app: FastAPI, store: Store) -> None:
    """A probe's multipart post to a page form answered 500 (``Stream consumed``): only the
    routes that take an upload read one; the others say 415 and write nothing."""
    web = Web(app)
    posted = []
    for route in _routes(app):
        if "POST" not in route.methods or reads_upload(route) or route.path.startswith("/api/"):
            continue
        path = route.path.replace("{slug}", SLUG).replace("{position}", "1")
        response = web.client.post(
            path,
            data={"csrf_token": web.csrf, "kind": "take", "subject_id": "1", "body": "hi"},
            files={"file": ("big.bin", b"x" * 200_000)},
        )
        assert response.status_code == 415, (path, response.text)
        posted.append(path)
    assert {f"/p/{SLUG}/comments", f"/p/{SLUG}/reviews", "/login", "/logout"} <= set(posted)
    assert _leftovers(store) == []
    assert web.client.get("/api/me").status_code == 200  # the logout form was not taken


def test_a_body_that_is_not_text_is_a_4xx_on_every_api_route(app: FastAPI) -> None:
    """FastAPI's own 422 echoed the body back and failed (500) on bytes that are not UTF-8."""
    web = Web(app)
    posted = 0
    for route in _routes(app):
        if "POST" not in route.methods or reads_upload(route) or not route.path.startswith("/api"):
            continue
        path = route.path.replace("{slug}", SLUG).replace("{position}", "1")
        for content_type in ("application/x-www-form-urlencoded", "application/json"):
            response = web.client.post(
                path,
                content=b"%%=&\xff\xfe{",
                headers={"X-CSRF-Token": web.csrf, "content-type": content_type},
            )
            assert 400 <= response.status_code < 500, (path, content_type, response.text)
            posted += 1
    assert posted >= 10


def test_bodies_that_are_not_uploads_are_capped_before_they_are_parsed(
    app: FastAPI, store: Store
) -> None:
    """JSON and form bodies stop at ``max_form_bytes`` (1 MiB): by their Content-Length before
    the route runs, or as they arrive; an upload route still takes its larger multipart body."""
    web = Web(app)
    limit = Settings().max_form_bytes
    take = ids_of_first_take(store)
    json_body = {"kind": "take", "subject_id": take, "body": "x" * (limit + 1)}
    assert web.api("/comments", json_body).status_code == 413
    claimed = web.client.post(
        f"/api/productions/{SLUG}/comments",
        content=b"{}",
        headers={
            "X-CSRF-Token": web.csrf,
            "content-type": "application/json",
            "content-length": str(10**12),
        },
    )
    assert claimed.status_code == 413
    chunks = iter([f"csrf_token={web.csrf}&kind=take&body=".encode(), b"x" * limit, b"x"])
    streamed = web.client.post(
        f"/p/{SLUG}/comments",
        content=chunks,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.post("/healthz", content=b"x" * (limit + 1)).status_code in (405, 413)
    # under the cap, the same routes work
    ok = web.api("/comments", {"kind": "take", "subject_id": take, "body": "fine"})
    assert ok.status_code == 201


def ids_of_first_take(store: Store) -> int:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = s.query(ClipRow).filter_by(production_id=prod.id, position=1).one()
        return int(repo.takes(s, clip.id)[0].id)


# -- page cache placeholders ---------------------------------------------------------------------


def test_a_comment_naming_the_page_placeholders_is_shown_as_typed(
    app: FastAPI, store: Store
) -> None:
    """Cached pages had fixed placeholders for the reader's CSRF token and name: a comment
    containing them showed every reader their own token."""
    writer = Web(app, "mara")
    text = "see __shortfilm_csrf_token__ and __shortfilm_viewer_name__ here"
    take = ids_of_first_take(store)
    assert writer.api("/comments", {"kind": "take", "subject_id": take, "body": text}).is_success
    reader = Web(app, "ari")
    page = reader.client.get(f"/p/{SLUG}/clips/1").text
    assert text in page
    hidden = page.count('name="csrf_token"')
    assert hidden >= 1 and page.count(reader.csrf) == hidden  # only in the forms' fields


# -- a real server, slow and lying clients -------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A home with one user and no production: enough for login and the limits; on each
    database (the served process is handed it through ``SHORTFILM_DATABASE_URL``)."""
    path = tmp_path_factory.mktemp("serve") / "home"
    with database_for(request.param, path) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("SHORTFILM_DATABASE_URL", url)
        store = Store(path, url)
        add_user(store, "ines", Role.OWNER, PASSWORD)
        store.close()
        yield path


@pytest.fixture(scope="module")
def guarded(home: Path) -> Iterator[tuple[str, int]]:
    """A server with one-second limits, so the tests wait seconds, not minutes."""
    options = ("--header-timeout", "1", "--body-timeout", "1", "--max-header-kb", "8")
    with serving(home, home.parent / "guarded.log", *options) as address:
        yield address


GIVE_UP_S = 30.0
"""How long :func:`_talk` waits for the server to close: a hang guard, not a timing. The guarded
server's limits are 1 s; without them these connections stay open (uvicorn starts no timer while
headers arrive, and none for a body), so each test fails here instead."""


def _talk(sock: socket.socket, data: bytes, *, every_s: float) -> bytes:
    """Send ``data`` a byte every ``every_s`` (all at once for 0) while listening, until the
    server closes the connection: what it answered. Fails if it has not closed within
    :data:`GIVE_UP_S`."""
    sock.setblocking(False)
    received = b""
    deadline = time.monotonic() + GIVE_UP_S
    pending = [data[i : i + 1] for i in range(len(data))] if every_s else [data]
    while time.monotonic() < deadline:
        if pending:
            try:
                sock.sendall(pending.pop(0))
            except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                pending = []
        readable, _, _ = select.select([sock], [], [], every_s or 0.05)
        if readable:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk
    raise AssertionError(f"the server did not close within {GIVE_UP_S} s: {received[:200]!r}")


def test_a_body_trickled_a_byte_at_a_time_is_answered_408(guarded: tuple[str, int]) -> None:
    with socket.create_connection(guarded) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
        )
        answer = _talk(sock, b"name=ines&password=" * 3, every_s=0.1)
    assert answer.startswith(b"HTTP/1.1 408"), answer


def test_headers_trickled_a_byte_at_a_time_are_answered_408(guarded: tuple[str, int]) -> None:
    with socket.create_connection(guarded) as sock:
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40
        answer = _talk(sock, request, every_s=0.1)
    assert answer.startswith(b"HTTP/1.1 408"), answer


def test_a_silent_connection_and_an_unread_trickled_body_are_closed(
    guarded: tuple[str, int],
) -> None:
    with socket.create_connection(guarded) as sock:
        assert _talk(sock, b"", every_s=0) == b""
    with socket.create_connection(guarded) as sock:  # a route that reads no body
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")
        answer = _talk(sock, b"x" * 60, every_s=0.1)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok"), answer


def test_headers_past_the_cap_are_answered_431(guarded: tuple[str, int]) -> None:
    with socket.create_connection(guarded) as sock:
        big = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
        assert _talk(sock, big, every_s=0).startswith(b"HTTP/1.1 431")
    with socket.create_connection(guarded) as sock:
        many = b"".join(b"X-H%d: %s\r\n" % (n, b"b" * 50) for n in range(400))
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n"
        assert _talk(sock, request, every_s=0).startswith(b"HTTP/1.1 431")


def _wrong_logins(base: str, addresses: list[str]) -> list[int]:
    """A wrong password for a new name from each forwarded address: the answers' statuses."""
    codes = []
    with httpx.Client(base_url=base) as client:
        for n, address in enumerate(addresses):
            response = client.post(
                "/login",
                data={"name": f"guess-{address}-{n}", "password": "wrong"},
                headers={"X-Forwarded-For": address},
            )
            codes.append(response.status_code)
    return codes


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_named(home: Path) -> None:
    """A probe rotated ``X-Forwarded-For`` from 127.0.0.1, which uvicorn believes by default:
    every guess looked like a new address. Only a proxy named with --trusted-proxy is believed."""
    addresses = [f"198.51.100.{n}" for n in range(12)]
    with serving(home, home.parent / "plain.log") as (host, port):
        codes = _wrong_logins(f"http://{host}:{port}", addresses)
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]  # one address: 127.0.0.1
    log = home.parent / "proxied.log"
    with serving(home, log, "--trusted-proxy", "127.0.0.1") as (host, port):
        codes = _wrong_logins(f"http://{host}:{port}", addresses)
    assert codes == [401] * 12  # twelve clients behind the proxy, one failure each
