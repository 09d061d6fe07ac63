"""The web app over HTTP: login on every route, CSRF, role checks, checkpoints, uploads, conflicts.

Each test gets its own copy of a small production (4 clips x 2 imported takes, board approved,
Edit v1 with a passed render per preset) and users of every role (:mod:`web_home`), once on
SQLite and once on PostgreSQL (a team's server). The rules themselves are the workflow's; these
tests prove the web app enforces them, route by route.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, update
from starlette.routing import BaseRoute, Mount
from web_home import PASSWORD, SLUG, USERS, make_video, upload_traces

from shortfilm import review
from shortfilm.domain.rubric import CRITERION_KEYS
from shortfilm.errors import GateError
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    EditRow,
    EventRow,
    ProductionRow,
    RenderRow,
    ReviewRow,
    TakeRow,
    WebSessionRow,
)
from shortfilm.web import uploads
from shortfilm.web.app import create_app
from shortfilm.web.multipart import reads_upload
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

PUBLIC = {"/login", "/healthz", "/static"}
"""The only paths answered without a login: the login page, the liveness probe, and the app's
own CSS and script."""


class Web:
    """A test client over one store, logged in as one user, with that session's CSRF token."""

    def __init__(self, app: FastAPI, name: str | None = None, *, https: bool = False) -> None:
        base = "https://testserver" if https else "http://testserver"
        self.client = TestClient(app, base_url=base, follow_redirects=False)
        self.csrf = ""
        if name is not None:
            login = self.client.post(
                "/login", data={"name": name, "password": PASSWORD, "next": "/"}
            )
            assert login.status_code == 303, login.text
            self.csrf = self.client.get("/api/me").json()["csrf_token"]

    def api(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/productions/{SLUG}{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        )

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/productions/{SLUG}{path}")


@pytest.fixture
def store(web_store: Store) -> Store:
    """A private copy of the prepared production, once on SQLite and once on PostgreSQL."""
    return web_store


@pytest.fixture
def app(store: Store) -> Iterator[FastAPI]:
    made = create_app(store, Settings(max_upload_bytes=2_000_000))
    yield made
    made.state.qc_queue.close()  # uploaded takes' QC, before the store is closed


def users(app: FastAPI) -> dict[str, Web]:
    return {name: Web(app, name) for name in USERS}


def ids(store: Store) -> dict[str, Any]:
    """The ids the requests name: board, clips' takes, edit, renders."""
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        assert board is not None and edit is not None
        clips = repo.clips(s, prod.id)
        takes = {c.position: [t.id for t in repo.takes(s, c.id)] for c in clips}
        return {
            "production": prod.id,
            "board": board.id,
            "edit": edit.id,
            "takes": takes,
            "selected": {c.position: c.selected_take_id for c in clips},
            "renders": {r.preset: r.id for r in repo.renders(s, edit.id)},
        }


def full_rubric() -> list[dict[str, Any]]:
    return [{"criterion": key, "value": 4, "note": "fine"} for key in CRITERION_KEYS]


def step(web: Web, key: str) -> dict[str, Any]:
    steps = web.get("").json()["checklist"]
    found: dict[str, Any] = next(s for s in steps if s["key"] == key)
    return found


def events(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(EventRow)) or 0)


# -- login ---------------------------------------------------------------------------------------


def _concrete(path: str, sha: str) -> str:
    values = {"slug": SLUG, "position": "1", "sha": sha}
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values.get(m.group(1), "1"), path)


def _flat(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Routes with included routers opened (FastAPI keeps an included router as one entry)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flat(included.routes)
        else:
            yield route


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers, mounts included."""
    out: list[tuple[str, str]] = []
    for route in _flat(app.routes):
        if isinstance(route, APIRoute):
            out += [(m, route.path) for m in sorted(route.methods)]
        elif isinstance(route, Mount):
            out.append(("GET", route.path))
        else:
            path = getattr(route, "path", "")
            out += [(m, path) for m in sorted(getattr(route, "methods", None) or {"GET"})]
    return out


def test_every_route_but_the_public_ones_needs_a_login(app: FastAPI, store: Store) -> None:
    sha = ids(store)
    with store.session() as s:
        video = s.scalar(select(TakeRow.video_sha256).where(TakeRow.id == sha["takes"][1][0]))
    routes = _routes(app)
    assert {path for _, path in routes} >= {"/", "/p/{slug}/review", "/media/{sha}", "/api/me"}
    anonymous = Web(app)
    checked = 0
    for method, template in routes:
        if template in PUBLIC:
            continue
        path = _concrete(template, str(video))
        response = anonymous.client.request(method, path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
        checked += 1
    assert checked >= 25
    assert {path for _, path in routes if path in PUBLIC} == PUBLIC
    # an unknown path is behind the login too: nothing tells what exists
    assert anonymous.client.get("/api/nothing-here").status_code == 401
    healthz = anonymous.client.get("/healthz")
    assert healthz.text == "ok" and healthz.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in healthz.headers["content-security-policy"]
    assert anonymous.client.get("/login").status_code == 200
    assert anonymous.client.get("/static/app.css").status_code == 200


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(app: FastAPI, store: Store) -> None:
    client = TestClient(app, follow_redirects=False)
    wrong = client.post("/login", data={"name": "ines", "password": "not it at all"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert "wrong name or password" in wrong.text
    ok = client.post(
        "/login", data={"name": "ines", "password": PASSWORD, "next": "//evil.example"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # never an open redirect
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    token = client.cookies["shortfilm_session"]
    with store.session() as s:
        stored = list(s.scalars(select(WebSessionRow.token_sha256)))
    assert token not in stored and len(stored) == 1
    web = Web(app)
    web.client.cookies.set("shortfilm_session", token)
    csrf = web.client.get("/api/me").json()["csrf_token"]
    assert web.client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert web.client.get("/api/me").status_code == 401

    secure = Web(app, https=True)
    login = secure.client.post("/login", data={"name": "ines", "password": PASSWORD})
    assert "secure" in login.headers["set-cookie"].lower()

    cross_site = TestClient(app, follow_redirects=False).post(
        "/login",
        data={"name": "ines", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )
    assert cross_site.status_code == 403 and "set-cookie" not in cross_site.headers


# -- CSRF ----------------------------------------------------------------------------------------


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    app: FastAPI, store: Store
) -> None:
    owner = Web(app, "ines")
    before = events(store)
    unsafe = [(m, p) for m, p in _routes(app) if m not in ("GET", "HEAD") and p != "/login"]
    assert len(unsafe) >= 15
    uploads = {getattr(r, "path", "") for r in _flat(app.routes) if reads_upload(r)}
    assert len(uploads) == 4
    for method, template in unsafe:
        path = _concrete(template, "0" * 64)
        for headers, form in (
            ({}, None),
            ({"X-CSRF-Token": "not-the-token"}, None),
            ({}, {"csrf_token": "not-the-token", "kind": "take"}),
        ):
            response = owner.client.request(
                method, path, headers=headers, data=form, json=None if form else {}
            )
            assert response.status_code == 403, (method, path, headers, form, response.text)
        multipart = owner.client.request(
            method,
            path,
            data={"csrf_token": "not-the-token"},
            files={"file": ("ref.png", _png(), "image/png")},
        )
        # a route without an upload refuses a multipart body unread (415)
        expected = 403 if template in uploads else 415
        assert multipart.status_code == expected, (method, path)
    assert events(store) == before
    assert owner.client.get("/api/me").status_code == 200  # still logged in
    # another session's token is not this session's
    other = Web(app, "mara")
    stolen = owner.client.post(
        f"/api/productions/{SLUG}/comments",
        json={"kind": "take", "subject_id": ids(store)["takes"][1][0], "body": "hi"},
        headers={"X-CSRF-Token": other.csrf},
    )
    assert stolen.status_code == 403


# -- roles ---------------------------------------------------------------------------------------

EVERYONE = set(USERS)
ALLOWED = {
    "board": {"ines", "wren", "vic"},
    "take": {"ines", "ari", "mara"},
    "select": {"ines", "ari", "mara"},
    "edit": {"ines", "mara"},
    "approve-final": {"ines"},
    "object-final": {"ines", "mara", "gus"},
    "comment": EVERYONE,
    "override": {"ines"},
    "publish": {"ines", "gus"},
}
"""Who may do what, as the issue's roles split the work ("only an owner approves the final")."""


def _act(web: Web, action: str, n: dict[str, Any]) -> Any:
    take = n["takes"][1][1]
    render = n["renders"][min(n["renders"])]
    if action == "board":
        return web.api(
            "/reviews", {"kind": "board", "subject_id": n["board"], "decision": "approve"}
        )
    if action == "take":
        return web.api("/reviews", {"kind": "take", "subject_id": take, "decision": "approve"})
    if action == "select":
        return web.api("/clips/1/selection", {"take": 2})
    if action == "edit":
        body = {"kind": "edit", "subject_id": n["edit"], "decision": "approve"}
        return web.api("/reviews", body)
    if action == "approve-final":
        body = {
            "kind": "render",
            "subject_id": render,
            "decision": "approve",
            "scores": full_rubric(),
        }
        return web.api("/reviews", body)
    if action == "object-final":
        body = {
            "kind": "render",
            "subject_id": render,
            "decision": "request-changes",
            "changes": "louder hook",
        }
        return web.api("/reviews", body)
    if action == "comment":
        return web.api("/comments", {"kind": "take", "subject_id": take, "body": "nice", "at_s": 1})
    if action == "override":
        return web.api("/overrides", {"gate": "final", "reason": "client signed off by phone"})
    assert action == "publish"
    return web.api("/publish", {})


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_role_checks_through_the_api(app: FastAPI, store: Store, action: str) -> None:
    n = ids(store)
    if action == "publish":  # the gate is open, so only the role decides
        review.override(store, SLUG, "final", review.local_owner(), "signed off")
    people = users(app)
    for name, web in people.items():
        before = events(store)
        response = _act(web, action, n)
        if name in ALLOWED[action]:
            assert response.status_code in (200, 201, 204), (name, action, response.text)
            assert events(store) > before
        else:
            assert response.status_code == 403, (name, action, response.text)
            assert USERS[name].value in response.json()["detail"]
            assert events(store) == before, (name, action)


def test_a_reviewer_cannot_approve_their_own_take_when_a_second_pair_is_required(
    app: FastAPI, store: Store, tmp_path: Path
) -> None:
    with store.session() as s:
        prod = s.scalars(select(ProductionRow)).one()
        prod.spec = {**prod.spec, "review": {"second_pair_of_eyes": True}}
    ari, mara = Web(app, "ari"), Web(app, "mara")
    video = make_video(tmp_path / "mine.mp4", seconds=12.5, hue=90)
    added = ari.client.post(
        f"/api/productions/{SLUG}/clips/2/takes",
        files={"file": ("mine.mp4", video.read_bytes(), "video/mp4")},
        data={"note": "cut from the phone"},
        headers={"X-CSRF-Token": ari.csrf},
    )
    assert added.status_code == 201, added.text
    take_id = added.json()["take_id"]
    own = ari.api("/reviews", {"kind": "take", "subject_id": take_id, "decision": "approve"})
    assert own.status_code == 403 and "second pair of eyes" in own.json()["detail"]
    objection = ari.api(
        "/reviews",
        {"kind": "take", "subject_id": take_id, "decision": "request-changes", "changes": "trim"},
    )
    assert objection.status_code == 201
    other = mara.api("/reviews", {"kind": "take", "subject_id": take_id, "decision": "approve"})
    assert other.status_code == 201, other.text


# -- checkpoints ---------------------------------------------------------------------------------


def test_board_checkpoint_a_new_version_starts_unreviewed_and_blocks_generation(
    app: FastAPI, store: Store
) -> None:
    vic = Web(app, "vic")
    assert step(vic, "clip-generation")["state"] != "blocked"
    with store.session() as s:
        v1 = s.scalars(select(BoardRow)).one()
        s.add(
            BoardRow(
                production_id=v1.production_id,
                version=2,
                blocks=v1.blocks,
                references=v1.references,
                content_hash="v2",
            )
        )
    assert step(vic, "asset-board")["state"] == "waiting-review"
    assert step(vic, "clip-generation")["state"] == "blocked"
    with pytest.raises(GateError, match="board v2 is not approved"):
        review.require_board_approved(store, SLUG)
    v2 = ids(store)["board"]
    changes = vic.api(
        "/reviews", {"kind": "board", "subject_id": v2, "decision": "request-changes"}
    )
    assert changes.status_code == 400 and "changes" in changes.json()["detail"]
    approved = vic.api("/reviews", {"kind": "board", "subject_id": v2, "decision": "approve"})
    assert approved.status_code == 201, approved.text
    assert approved.json()["checkpoint"] == "board"
    assert step(vic, "asset-board")["state"] == "done"
    review.require_board_approved(store, SLUG)


def test_clip_checkpoint_needs_every_selected_take_approved(app: FastAPI, store: Store) -> None:
    mara = Web(app, "mara")
    n = ids(store)
    assert step(mara, "clip-generation")["state"] == "waiting-review"
    assert step(mara, "edit")["state"] == "blocked"
    with pytest.raises(GateError, match="not every clip has an approved take"):
        review.require_clips_approved(store, SLUG)
    reject = mara.api(
        "/reviews", {"kind": "take", "subject_id": n["selected"][1], "decision": "reject"}
    )
    assert reject.status_code == 400 and "note" in reject.json()["detail"]
    for position, take_id in n["selected"].items():
        response = mara.api(
            "/reviews", {"kind": "take", "subject_id": take_id, "decision": "approve"}
        )
        assert response.status_code == 201, (position, response.text)
    assert step(mara, "clip-generation")["state"] == "done"
    assert step(mara, "edit")["state"] != "blocked"
    review.require_clips_approved(store, SLUG)
    # a rejected take cannot then be approved: it is not a usable take
    gone = mara.api(
        "/reviews",
        {"kind": "take", "subject_id": n["takes"][1][1], "decision": "reject", "note": "soft"},
    )
    assert gone.status_code == 201
    again = mara.api(
        "/reviews", {"kind": "take", "subject_id": n["takes"][1][1], "decision": "approve"}
    )
    assert again.status_code == 409


def test_clip_checkpoint_override_is_the_owners_with_a_reason(app: FastAPI, store: Store) -> None:
    ines, mara = Web(app, "ines"), Web(app, "mara")
    assert mara.api("/overrides", {"gate": "clip", "reason": "deadline"}).status_code == 403
    assert ines.api("/overrides", {"gate": "clip", "reason": "  "}).status_code == 400
    done = ines.api("/overrides", {"gate": "clip", "reason": "deadline: the client saw them"})
    assert done.status_code == 204, done.text
    review.require_clips_approved(store, SLUG)
    with store.session() as s:
        overrides = list(s.scalars(select(ReviewRow).where(ReviewRow.decision == "override")))
    assert len(overrides) == 4 and {r.reviewer for r in overrides} == {"ines"}
    assert all(r.notes == "deadline: the client saw them" for r in overrides)
    log = ines.get("").json()["activity"]
    assert any(e["kind"] == "review.override" for e in log)


def test_final_checkpoint_publishes_only_an_approved_final_scored_on_the_rubric(
    app: FastAPI, store: Store
) -> None:
    ines, gus = Web(app, "ines"), Web(app, "gus")
    n = ids(store)
    early = gus.api("/publish", {})
    assert early.status_code == 409 and "not approved" in early.json()["detail"]
    for render in n["renders"].values():
        partial = ines.api(
            "/reviews",
            {
                "kind": "render",
                "subject_id": render,
                "decision": "approve",
                "scores": full_rubric()[:3],
            },
        )
        assert partial.status_code == 400 and "rubric" in partial.json()["detail"]
        out_of_range = [{**s, "value": 6} for s in full_rubric()]
        bad = ines.api(
            "/reviews",
            {"kind": "render", "subject_id": render, "decision": "approve", "scores": out_of_range},
        )
        assert bad.status_code == 400
        ok = ines.api(
            "/reviews",
            {
                "kind": "render",
                "subject_id": render,
                "decision": "approve",
                "scores": full_rubric(),
            },
        )
        assert ok.status_code == 201, ok.text
        assert len(ok.json()["scores"]) == len(CRITERION_KEYS)
    published = gus.api("/publish", {})
    assert published.status_code == 200, published.text
    files = published.json()
    assert "publish/wasteland-villa/manifest.json" in files
    assert all((store.home / p).is_file() for p in files)
    assert step(gus, "publish")["state"] == "blocked"  # the clips were never approved
    assert (
        ines.api("/overrides", {"gate": "clip", "reason": "the client saw them"}).status_code == 204
    )
    assert step(gus, "publish")["state"] == "done"


def test_a_failed_render_cannot_be_approved(app: FastAPI, store: Store) -> None:
    render = min(ids(store)["renders"].values())
    with store.session() as s:
        s.execute(update(RenderRow).where(RenderRow.id == render).values(status="failed"))
    response = Web(app, "ines").api(
        "/reviews",
        {"kind": "render", "subject_id": render, "decision": "approve", "scores": full_rubric()},
    )
    assert response.status_code == 409 and "failed its checks" in response.json()["detail"]


# -- concurrent reviewers ------------------------------------------------------------------------


def test_the_second_of_two_decisions_on_the_same_revision_is_told_it_changed(
    app: FastAPI, store: Store
) -> None:
    mara, ari = Web(app, "mara"), Web(app, "ari")
    n = ids(store)
    seen = mara.get("/clips/1").json()["revision"]
    assert ari.get("/clips/1").json()["revision"] == seen
    first = mara.api("/clips/1/selection", {"take": 2, "expected_revision": seen})
    assert first.status_code == 204
    second = ari.api(
        "/reviews",
        {
            "kind": "take",
            "subject_id": n["takes"][1][0],
            "decision": "approve",
            "expected_revision": seen,
        },
    )
    assert second.status_code == 409
    assert "this item changed since you opened it" in second.json()["detail"]
    with store.session() as s:
        clip = s.scalars(select(ClipRow).where(ClipRow.position == 1)).one()
        assert clip.selected_take_id == n["takes"][1][1]  # mara's pick stands
    # a form post with the stale revision is refused the same way, as a page
    form = ari.client.post(
        f"/p/{SLUG}/clips/1/select",
        data={"csrf_token": ari.csrf, "take": "1", "revision": str(seen)},
        headers={"Accept": "text/html"},
    )
    assert form.status_code == 409 and "changed since you opened it" in form.text


def test_simultaneous_decisions_never_lose_an_update(app: FastAPI, store: Store) -> None:
    n = ids(store)
    board_rev = 0
    with store.session() as s:
        board_rev = int(s.scalar(select(BoardRow.revision)) or 0)
    reviewers = [Web(app, "vic"), Web(app, "wren"), Web(app, "ines")]
    barrier = threading.Barrier(len(reviewers))
    codes: list[int] = []

    def decide(web: Web) -> None:
        barrier.wait()
        body = {
            "kind": "board",
            "subject_id": n["board"],
            "decision": "request-changes",
            "changes": f"from {web.csrf[:4]}",
            "expected_revision": board_rev,
        }
        codes.append(web.api("/reviews", body).status_code)

    threads = [threading.Thread(target=decide, args=(w,)) for w in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409, 409]
    with store.session() as s:
        decided = s.scalar(
            select(func.count())
            .select_from(ReviewRow)
            .where(ReviewRow.decision == "request-changes")
        )
    assert decided == 1


# -- uploads -------------------------------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 96), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _leftovers(store: Store) -> list[Path]:
    folder = store.home / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_uploads_are_checked_by_content_size_and_name(
    app: FastAPI, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vic, ari = Web(app, "vic"), Web(app, "ari")
    received: list[Path] = []
    real_import = uploads.import_take

    def import_take(store: Store, slug: str, position: int, path: Path, **kw: Any) -> Any:
        received.append(path)
        return real_import(store, slug, position, path, **kw)

    monkeypatch.setattr(uploads, "import_take", import_take)

    def upload(path: str, name: str, data: bytes) -> Any:
        who = ari if "/takes" in path else vic  # the roles that may add each
        return who.client.post(
            f"/api/productions/{SLUG}{path}",
            files={"file": (name, data, "application/octet-stream")},
            headers={"X-CSRF-Token": who.csrf},
        )

    jpeg = io.BytesIO()
    Image.new("RGB", (32, 32)).save(jpeg, "JPEG")
    refused = {
        "text as png": upload("/board/references", "ref.png", b"not an image at all"),
        "jpeg named png": upload("/board/references", "ref.png", jpeg.getvalue()),
        "gif name": upload("/board/references", "ref.gif", _png()),
        "text as mp4": upload("/clips/1/takes", "take.mp4", b"hello, I am text" * 10),
        "png as mp4": upload("/clips/1/takes", "take.mp4", _png()),
        "truncated mp4": upload("/clips/1/takes", "take.mp4", b"\0\0\0\x20ftypisom" + b"\0" * 200),
    }
    for why, response in refused.items():
        assert response.status_code in (400, 415), (why, response.status_code, response.text)
    assert refused["text as png"].status_code == 415
    assert refused["text as mp4"].status_code == 415

    for name in ("../evil.png", "a/b.png", "a\\b.png", "..", "/etc/evil.png"):
        response = upload("/board/references", name, _png())
        assert response.status_code == 400, (name, response.text)
        assert "without a path" in response.json()["detail"]
    too_big = upload("/board/references", "big.png", b"\x89PNG" + b"\0" * 2_100_000)
    assert too_big.status_code == 413
    assert not list(store.home.parent.rglob("evil*"))
    assert _leftovers(store) == []

    ok = vic.client.post(
        f"/api/productions/{SLUG}/board/references",
        files={"file": ("hero face.png", _png(), "image/png")},
        data={"role": "board", "label": "hero face"},
        headers={"X-CSRF-Token": vic.csrf},
    )
    assert ok.status_code == 201, ok.text
    sha = ok.json()["sha256"]
    assert store.artifact_path(sha).is_file()
    assert sha in vic.client.get(f"/p/{SLUG}/board").text
    video = make_video(tmp_path / "external.mp4", seconds=12.5, hue=150)
    mara = Web(app, "mara")
    take = mara.client.post(
        f"/p/{SLUG}/clips/3/takes",
        data={"csrf_token": mara.csrf, "note": "from the phone"},
        files={"file": ("external.mp4", video.read_bytes(), "video/mp4")},
    )
    assert take.status_code == 303, take.text
    clip = mara.get("/clips/3").json()
    assert [t["number"] for t in clip["takes"]] == [1, 2, 3]
    assert clip["takes"][2]["provider"] == "external" and clip["takes"][2]["created_by"] == "mara"
    # uploads were written under the store's home only (the truncated video, refused by the
    # import's decode check, and this one), and removed once the request was answered
    assert len(received) == 2 and {p.parent for p in received} == {store.home / "uploads"}
    assert _leftovers(store) == []


def test_an_uploaded_reference_is_a_new_board_version_reviewed_before_generation(
    app: FastAPI, store: Store
) -> None:
    vic, ines = Web(app, "vic"), Web(app, "ines")
    image = _png()
    page_form = vic.client.post(
        f"/p/{SLUG}/board/references",
        data={"csrf_token": vic.csrf, "role": "character", "label": "The Keeper"},
        files={"file": ("keeper.png", image, "image/png")},
    )
    assert page_form.status_code == 303 and page_form.headers["location"] == f"/p/{SLUG}/board"
    board = vic.get("/board").json()
    v2, v1 = board["versions"]
    assert (v2["version"], v2["status"], v2["created_by"]) == (2, "draft", "vic")
    assert len(v2["references"]) == len(v1["references"]) + 1
    keeper = next(r for r in v2["references"] if r["label"] == "The Keeper")
    assert keeper["role"] == "character" and store.artifact_path(keeper["sha256"]).is_file()
    page = vic.client.get(f"/p/{SLUG}/board").text
    assert 'id="board-v2"' in page and 'id="board-v1"' in page and keeper["sha256"] in page
    assert "made by vic" in page

    # checkpoint 1: nothing is generated from v2 until someone approves it
    assert step(vic, "clip-generation")["state"] == "blocked"
    with pytest.raises(GateError, match="board v2 is not approved"):
        review.require_board_approved(store, SLUG)
    approved = ines.api(
        "/reviews", {"kind": "board", "subject_id": v2["id"], "decision": "approve"}
    )
    assert approved.status_code == 201, approved.text
    review.require_board_approved(store, SLUG)

    # the API twin answers what it made
    api = vic.client.post(
        f"/api/productions/{SLUG}/board/references",
        files={"file": ("dusk.png", _png(), "image/png")},
        data={"role": "palette", "label": "Dusk"},
        headers={"X-CSRF-Token": vic.csrf},
    )
    assert api.status_code == 201, api.text
    assert api.json() == {
        "sha256": api.json()["sha256"],
        "board_version": 3,
        "role": "board",
        "label": "dusk",
        "spec_path": "refs/dusk.png",
    }
    assert _leftovers(store) == []


def test_a_refused_reference_upload_writes_nothing(app: FastAPI, store: Store) -> None:
    vic = Web(app, "vic")

    def upload(role: str, label: str, colour: int = 0) -> Any:
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), (colour, 30, 30)).save(buffer, "PNG")
        return vic.client.post(
            f"/api/productions/{SLUG}/board/references",
            files={"file": ("ref.png", buffer.getvalue(), "image/png")},
            data={"role": role, "label": label},
            headers={"X-CSRF-Token": vic.csrf},
        )

    before = upload_traces(store)
    for role, label, field in (
        ("sky", "x", "role: 'sky' is not a board role"),
        ("", "x", "role: '' is not a board role"),
        ("character", "Nobody", "label: no character named 'Nobody'"),
        ("environment", "", "label: give"),
    ):
        refused = upload(role, label)
        assert refused.status_code == 400, (role, label, refused.text)
        assert refused.json()["detail"].startswith(field)
    assert upload_traces(store) == before
    # the example board has 5 references and a continuing clip: 3 more fit, the 4th does not
    for n in range(3):
        assert upload("board", f"mood {n}", 60 * n + 10).status_code == 201
    full = upload_traces(store)
    too_many = upload("board", "one too many", 250)
    assert too_many.status_code == 400 and "at most 9 per clip" in too_many.json()["detail"]
    assert upload_traces(store) == full
    assert _leftovers(store) == []


def test_the_api_describes_everything_the_pages_do(app: FastAPI) -> None:
    schema = Web(app, "wren").client.get("/api/openapi.json").json()
    writes = {p for p, ops in schema["paths"].items() if "post" in ops}
    assert writes == {
        "/api/productions/{slug}/reviews",
        "/api/productions/{slug}/clips/{position}/selection",
        "/api/productions/{slug}/comments",
        "/api/productions/{slug}/overrides",
        "/api/productions/{slug}/publish",
        "/api/productions/{slug}/board/references",
        "/api/productions/{slug}/clips/{position}/takes",
        "/api/productions/{slug}/clips/{position}/more-takes",
        "/api/productions/{slug}/renders",
        "/api/productions/{slug}/variants",
        "/api/productions/{slug}/variants/{name}/render",
        "/api/productions/{slug}/variants/{name}/publish",
    }
    page_writes = [p for m, p in _routes(app) if m == "POST" and p.startswith("/p/")]
    assert len(page_writes) == len(writes)
    reads = {p for p, ops in schema["paths"].items() if "get" in ops}
    assert {"/api/productions/{slug}/review", "/api/productions/{slug}/clips/{position}"} <= reads


# -- pages and media -----------------------------------------------------------------------------


def test_media_is_served_by_sha_with_ranges(app: FastAPI, store: Store) -> None:
    web = Web(app, "wren")
    take = web.get("/clips/1").json()["takes"][0]
    sha = take["video_sha256"]
    whole = web.client.get(f"/media/{sha}")
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = web.client.get(f"/media/{sha}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    for bad in ("0" * 64, "..%2Fshortfilm.db", sha.upper(), sha[:-1]):
        assert web.client.get(f"/media/{bad}").status_code == 404, bad


def test_pages_show_the_new_state_after_a_form_decision(app: FastAPI, store: Store) -> None:
    mara = Web(app, "mara")
    n = ids(store)
    before = mara.client.get(f"/p/{SLUG}/review").text
    assert before.count("unreviewed") >= 8
    clip = mara.client.get(f"/p/{SLUG}/clips/1")
    assert clip.status_code == 200 and 'name="csrf_token" value="' + mara.csrf in clip.text
    form = {
        "csrf_token": mara.csrf,
        "kind": "take",
        "subject_id": str(n["takes"][1][1]),
        "decision": "approve",
        "revision": "0",
        "score-story-clarity": "5",
        "note-story-clarity": "reads at once",
        "back": f"/p/{SLUG}/clips/1",
    }
    posted = mara.client.post(f"/p/{SLUG}/reviews", data=form)
    assert posted.status_code == 303 and posted.headers["location"] == f"/p/{SLUG}/clips/1"
    after = mara.client.get(f"/p/{SLUG}/review").text
    assert after.count("approved") > before.count("approved")
    assert "reads at once" in mara.client.get(f"/p/{SLUG}/clips/1").text
    comment = {
        "csrf_token": mara.csrf,
        "kind": "take",
        "subject_id": str(n["takes"][1][1]),
        "body": "the cut lands late",
        "at_s": "4.0",
        "back": "https://evil.example/",
    }
    posted = mara.client.post(f"/p/{SLUG}/comments", data=comment)
    assert posted.status_code == 303 and posted.headers["location"] == f"/p/{SLUG}"
    page = mara.client.get(f"/p/{SLUG}/clips/1").text
    assert 'data-at="4.0"' in page and "the cut lands late" in page
    # another user sees their own token in the same cached page
    other = Web(app, "ari")
    assert other.csrf in other.client.get(f"/p/{SLUG}/clips/1").text
    assert mara.csrf not in other.client.get(f"/p/{SLUG}/clips/1").text
    pages = {
        "/": "Wasteland Villa",
        f"/p/{SLUG}": 'data-step="publish"',
        f"/p/{SLUG}/board": 'id="board-v1"',
        f"/p/{SLUG}/edit": 'name="score-reuse-potential"',
    }
    for path, marker in pages.items():
        page = mara.client.get(path)
        assert page.status_code == 200 and marker in page.text, path
    edit = mara.client.get(f"/p/{SLUG}/edit").text
    assert edit.count("<video") == len(n["renders"]) and "/media/" in edit
    assert mara.client.get(f"/p/{SLUG}/clips/9").status_code == 404
    assert mara.client.get("/p/no-such-film").status_code == 404


def test_more_takes_are_asked_by_role_with_a_revised_plan_linted_first(store: Store) -> None:
    """The clip page's "more takes" through the API, on each database, with a queue no worker
    reads (what is queued is the point here; the takes themselves: test_more_takes and the
    browser test). A plan lint refuses is 409 with its findings, nothing saved or queued; the
    roles that may not generate get 403; a good revision is the next prompt version and the
    takes asked for get new seeds."""
    from shortfilm.production.clip_revision import clip_plan_text, plan_digest

    class Later:
        def submit(self, store: Store, job: object) -> None:
            pass

    app = create_app(store, Settings(), job_queue=Later())
    try:
        plan = clip_plan_text(store, SLUG, 2)
        was = plan_digest(plan)
        editor = Web(app, "mara").api("/clips/2/more-takes", {"count": 2})
        assert editor.status_code == 403
        ari = Web(app, "ari")
        long = plan.replace("duration_s: 12.5", "duration_s: 45")
        refused = ari.api("/clips/2/more-takes", {"count": 2, "plan": long, "plan_was": was})
        assert refused.status_code == 409, refused.text
        assert [f["code"] for f in refused.json()["findings"]] == ["C201"]
        assert ari.client.get(f"/api/productions/{SLUG}/jobs").json() == []
        line = next(x for x in plan.splitlines() if "action:" in x)
        revised = plan.replace(line, line.split("action:")[0] + "action: She lands hard.")
        asked = ari.api("/clips/2/more-takes", {"count": 2, "plan": revised, "plan_was": was})
        assert asked.status_code == 202, asked.text
        body = asked.json()
        assert body["prompt_version"] == 2 and body["job"]["state"] == "queued"
        assert body["job"]["args"]["seeds"] == [1, 2] and body["provider"] == "animatic"
        assert body["plan_was"] == plan_digest(clip_plan_text(store, SLUG, 2))
        # the page it came from is stale now: its revision is refused, not applied
        again = ari.api("/clips/2/more-takes", {"count": 1, "plan": plan, "plan_was": was})
        assert again.status_code == 409 and "changed since you opened it" in again.text
        listed = ari.client.get(f"/api/productions/{SLUG}/jobs?kind=takes&clip=2").json()
        assert [j["args"]["seeds"] for j in listed] == [[1, 2]]
        assert ari.client.get(f"/api/productions/{SLUG}/jobs?kind=takes&clip=3").json() == []
    finally:
        app.state.qc_queue.close()
