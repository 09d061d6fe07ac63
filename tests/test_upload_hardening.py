"""Uploads a hostile or mistaken user sends: refused quickly and cleanly, and never by decoding.

Through both routes (the JSON API and the pages' forms), on SQLite and PostgreSQL: media whose
headers state more than the server's limits is 413, from its headers (crafted files claim
sizes whose decode costs gigabytes: :mod:`crafted_media`; bench/refusals.py times the
refusal); a role the role table does not give
the upload is 403; a bad file is named by the name it was sent with, never by the server's
temporary path; and an uploaded take is answered before its QC, which follows in the
background.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from crafted_media import long_video, mp4_claiming, png_claiming
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from web_home import PASSWORD, SLUG, make_video, upload_traces

from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow, TakeRow
from shortfilm.takes.external import import_take
from shortfilm.takes.qc_show import stored_qc
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media


@pytest.fixture
def store(web_store: Store) -> Store:
    """A private copy of the prepared production, once on SQLite and once on PostgreSQL."""
    return web_store


@pytest.fixture
def app(store: Store) -> Iterator[FastAPI]:
    made = create_app(store, Settings(max_upload_bytes=5_000_000))  # default media limits
    yield made
    queue = getattr(made.state, "qc_queue", None)
    if queue is not None:  # finish uploaded takes' QC before the store is closed
        queue.close()


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crafted-uploads")
    return {
        "huge.mp4": mp4_claiming(folder / "huge.mp4", 16000, 16000),
        "square.mp4": mp4_claiming(folder / "square.mp4", 4096, 4096),
        "long.mp4": long_video(folder / "long.mp4", 130),
        "bomb.png": png_claiming(folder / "bomb.png", 13000, 13000),
    }


class User:
    """A logged-in client that sends files through the API or through a page's form."""

    def __init__(self, app: FastAPI, name: str) -> None:
        self.client = TestClient(app, follow_redirects=False)
        login = self.client.post("/login", data={"name": name, "password": PASSWORD})
        assert login.status_code == 303, login.text
        self.csrf = self.client.get("/api/me").json()["csrf_token"]

    def send(
        self, route: str, where: str, name: str, data: bytes, fields: dict[str, str]
    ) -> tuple[int, str]:
        """POST ``data`` as ``name`` to ``where`` (``/board/references``, ``/clips/1/takes``)
        through ``route`` (``api`` or ``form``): the status and the body as text."""
        if route == "api":
            response = self.client.post(
                f"/api/productions/{SLUG}{where}",
                files={"file": (name, data, "application/octet-stream")},
                data=fields,
                headers={"X-CSRF-Token": self.csrf},
            )
        else:
            response = self.client.post(
                f"/p/{SLUG}{where}",
                files={"file": (name, data, "application/octet-stream")},
                data={"csrf_token": self.csrf, **fields},
                headers={"Accept": "text/html"},
            )
        return response.status_code, response.text


REFERENCE = ("/board/references", {"role": "board", "label": "dusk"})
TAKE = ("/clips/1/takes", {"note": "from elsewhere"})


def _no_server_path(text: str, store: Store) -> None:
    for path in (str(store.home), ".upload-", tempfile.gettempdir() + "/"):
        assert path not in text, f"{path!r} in {text!r}"


@pytest.mark.parametrize("route", ["api", "form"])
def test_media_over_the_limits_is_refused_from_its_header_with_413(
    app: FastAPI, store: Store, crafted: dict[str, Path], route: str
) -> None:
    vic, ari = User(app, "vic"), User(app, "ari")
    before = upload_traces(store)
    cases = [
        (vic, REFERENCE, "bomb.png", "the image is 13000x13000 (169.0 M pixels), more than"),
        (ari, TAKE, "huge.mp4", "the video is 16000x16000, larger than the 4096x4096"),
        (ari, TAKE, "square.mp4", "the video is 4096x4096 (16.8 M pixels a frame), more than"),
        (ari, TAKE, "long.mp4", "the video runs 130.0 s, longer than the 120 s"),
    ]
    for who, (where, fields), name, says in cases:
        status, text = who.send(route, where, name, crafted[name].read_bytes(), fields)
        assert status == 413, (name, status, text)
        assert f"{name}: {says}" in text, text
        _no_server_path(text, store)
    assert upload_traces(store) == before


@pytest.mark.parametrize("route", ["api", "form"])
def test_roles_the_table_does_not_give_an_upload_are_refused_with_403(
    app: FastAPI, store: Store, tmp_path: Path, route: str
) -> None:
    """An editor adding a reference would make a draft board and block generation for all;
    a writer or a growth operator has no take to bring."""
    image = tmp_path / "dusk.png"
    Image.new("RGB", (64, 48), (200, 90, 20)).save(image)
    video = make_video(tmp_path / "phone.mp4", seconds=2.0, hue=30)
    before = upload_traces(store)
    for name, (where, fields), path, action in (
        ("mara", REFERENCE, image, "add a reference image to the board"),
        ("wren", REFERENCE, image, "add a reference image to the board"),
        ("wren", TAKE, video, "import a take"),
        ("gus", TAKE, video, "import a take"),
    ):
        status, text = User(app, name).send(route, where, path.name, path.read_bytes(), fields)
        assert status == 403, (name, where, status, text)
        assert f"may not {action}" in text, text
    assert upload_traces(store) == before


@pytest.mark.parametrize("route", ["api", "form"])
def test_a_bad_file_is_named_as_it_was_sent_never_by_a_server_path(
    app: FastAPI, store: Store, tmp_path: Path, route: str
) -> None:
    vic, ari = User(app, "vic"), User(app, "ari")
    whole = make_video(tmp_path / "whole.mp4", seconds=2.0).read_bytes()
    buffer = io.BytesIO()
    Image.effect_noise((96, 96), 60).convert("RGB").save(buffer, "PNG")
    noise = buffer.getvalue()
    before = upload_traces(store)
    for who, (where, fields), name, data, status_wanted in (
        (vic, REFERENCE, "notes.png", b"not an image, only words", 415),
        (vic, REFERENCE, "cut.png", noise[: len(noise) // 2], 415),
        (ari, TAKE, "my take.mp4", b"\0\0\0\x20ftypisom" + b"\0" * 200, 400),
        (ari, TAKE, "half.mp4", whole[: len(whole) // 2], 400),
    ):
        status, text = who.send(route, where, name, data, fields)
        assert status == status_wanted, (name, status, text)
        assert name in text, text
        _no_server_path(text, store)
    assert upload_traces(store) == before


def _take_qc(store: Store, take_id: int) -> str | None:
    with store.session() as s:
        row = repo.take_analysis(s, take_id)
        return row.status if row is not None else None


def test_an_uploaded_take_is_answered_before_its_qc_which_follows_in_the_background(
    app: FastAPI, store: Store, tmp_path: Path
) -> None:
    ari = User(app, "ari")
    video = make_video(tmp_path / "stock.mp4", seconds=20.0, hue=90)
    status, text = ari.send("api", TAKE[0], "stock.mp4", video.read_bytes(), TAKE[1])
    assert status == 201, text
    added = ari.client.get(f"/api/productions/{SLUG}/clips/1").json()
    answer = json.loads(text)
    assert answer["qc"] == "queued" and not answer["already"]
    take_id = answer["take_id"]
    # answered once stored: the QC (a decode of all 20 s) has not finished yet
    assert _take_qc(store, take_id) is None
    mine = next(t for t in added["takes"] if t["id"] == take_id)
    assert mine["qc_status"] is None and mine["created_by"] == "ari"
    page = ari.client.get(f"/p/{SLUG}/clips/1").text
    assert "pending" in page
    assert app.state.qc_queue.wait(timeout=120)
    assert _take_qc(store, take_id) in ("pass", "warn", "fail")
    after = ari.client.get(f"/api/productions/{SLUG}/clips/1").json()
    assert next(t for t in after["takes"] if t["id"] == take_id)["qc_status"] is not None

    # the form: a redirect to the clip, QC queued the same way; the same bytes again add nothing
    status, text = ari.send("form", TAKE[0], "stock.mp4", video.read_bytes(), TAKE[1])
    assert status == 303, text
    other = make_video(tmp_path / "other.mp4", seconds=3.0, hue=10)
    status, text = ari.send("form", TAKE[0], "other.mp4", other.read_bytes(), TAKE[1])
    assert status == 303, text
    assert app.state.qc_queue.wait(timeout=120)
    with store.session() as s:
        clip = s.scalars(select(ClipRow).where(ClipRow.position == 1)).one()
        takes = repo.takes(s, clip.id)
        assert [t.notes for t in takes].count("from elsewhere") == 2  # stock.mp4 once, other.mp4
        assert all(repo.take_analysis(s, t.id) is not None for t in takes)


def test_a_take_whose_qc_never_ran_gets_it_when_first_needed(store: Store, tmp_path: Path) -> None:
    """The server stopped with the QC still queued: the take has no report, and ``qc show``
    (as ``run`` and ``keyframe pick``) analyses it then."""
    video = make_video(tmp_path / "late.mp4", seconds=3.0, hue=45)
    made = import_take(store, SLUG, 2, video, review=False, selected_by="ari")
    assert _take_qc(store, made.take_id) is None
    shown = stored_qc(store, SLUG, 2, made.take)
    assert shown.report.status in ("pass", "warn", "fail")
    assert _take_qc(store, made.take_id) == shown.report.status


def test_a_qc_that_cannot_run_names_the_take_not_the_servers_path(
    app: FastAPI, store: Store, tmp_path: Path
) -> None:
    """QC's error is kept as the report and shown on the clip page: a damaged stored video is
    named as the take, not by its place under the server's store."""
    from shortfilm.takes.qc_judge import review_take

    video = make_video(tmp_path / "damaged.mp4", seconds=2.0, hue=70)
    made = import_take(store, SLUG, 4, video, selected_by="ari")
    with store.session() as s:
        take = s.get(TakeRow, made.take_id)
        assert take is not None and take.video_sha256 is not None
        stored = store.artifact_path(take.video_sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"\0\0\0\x20ftypisom" + b"\0" * 64)  # the disk lost it
    report = review_take(store, made.take_id, again=True)
    assert report.error is not None and f"take-{made.take:03d}" in report.error, report.error
    _no_server_path(report.error, store)
    page = User(app, "ari").client.get(f"/p/{SLUG}/clips/4").text
    assert "could not" in page.lower() or report.error.split(":")[0] in page
    _no_server_path(page, store)


def test_serve_hands_its_upload_limits_to_every_worker_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_env: str
) -> None:
    from typer.testing import CliRunner

    from shortfilm.cli import app as cli
    from shortfilm.media.limits import MediaLimits
    from shortfilm.web.settings import (
        ENV_MEDIA_LIMITS,
        ENV_QC_WORKERS,
        UPLOAD_LIMITS,
        settings_from_env,
    )

    monkeypatch.delenv(ENV_MEDIA_LIMITS, raising=False)
    monkeypatch.delenv(ENV_QC_WORKERS, raising=False)
    assert settings_from_env().media_limits == UPLOAD_LIMITS
    chosen = MediaLimits(max_width=1920, max_height=1920, max_duration_s=30.5, max_frames=900)
    monkeypatch.setenv(ENV_MEDIA_LIMITS, chosen.to_text())
    monkeypatch.setenv(ENV_QC_WORKERS, "3")
    settings = settings_from_env()
    assert (settings.media_limits, settings.qc_workers) == (chosen, 3)
    # a wrong option is refused before the server starts
    home = tmp_path / "home"
    Store(home).close()
    for option, value, says in (
        ("--max-video-size", "big", "is not WIDTHxHEIGHT"),
        ("--max-video-seconds", "0", "--max-video-seconds: must be more than 0"),
        ("--qc-workers", "0", "--qc-workers: at least 1"),
    ):
        result = CliRunner().invoke(cli, ["serve", "--home", str(home), option, value])
        assert result.exit_code == 2 and says in result.output, result.output
