"""Jobs: recorded before they run, carried out on a thread of this process (no broker) or by a
real Celery worker on Redis, their state, progress and worker written to the same row."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import service_missing
from s3_server import S3Server, s3_server
from sqlalchemy import select, update
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.jobs import JobKind, JobState
from shortfilm.jobs.queues import InProcessQueue, enqueue
from shortfilm.media.probe import probe
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store
from shortfilm.store.tables import EventRow, JobRow
from shortfilm.testing.fake_modelark import FakeModelArk

SLUG = "wasteland-villa"
SMALL_CLI = Path(__file__).with_name("small_cli.py")
REDIS = ("127.0.0.1", 6379)
KEY = "ark-test-jobs-0123456789"

pytestmark = pytest.mark.media  # renders real films (at a quarter size)


def _job_events(store: Store, job_id: str) -> list[str]:
    with store.session() as s:
        stmt = select(EventRow.kind).where(EventRow.subject == f"job/{job_id}")
        return list(s.scalars(stmt.order_by(EventRow.id)))


def _small_presets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every channel at 270x480: what these tests check is the job, not the film's pixels."""
    from dataclasses import replace

    from shortfilm.media.presets import CHANNELS

    for channel, preset in list(CHANNELS.items()):
        small = replace(preset, width=preset.width // 4, height=preset.height // 4)
        monkeypatch.setitem(CHANNELS, channel, small)


def test_a_job_a_checkpoint_refuses_fails_with_the_reason_and_is_not_retried(
    web_store: Store,
) -> None:
    queue = InProcessQueue()
    try:
        job = enqueue(web_store, JobKind.RENDER, SLUG, {}, requested_by="mara", queue=queue)
        done = queue.wait(job.id, timeout=120)
        # delivered again (a broker's redelivery after the end): nothing runs twice
        from shortfilm.jobs.runner import execute

        again = execute(web_store, job.id, "another:1")
    finally:
        queue.close()
    assert done.state is JobState.FAILED and done.result == {}
    assert done.error and "not every clip has an approved take" in done.error
    assert again == done and again.attempts == 1
    assert _job_events(web_store, job.id) == ["job.queued", "job.failed"]
    with web_store.session() as tx:
        assert [j.id for j in stored.jobs(tx, slug=SLUG, active_only=True)] == []


def test_run_detach_without_a_broker_says_so_and_imports_nothing(
    tmp_path: Path, example_spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHORTFILM_BROKER_URL", raising=False)
    monkeypatch.delenv("SHORTFILM_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    done = CliRunner().invoke(app, ["run", str(example_spec), "--home", str(home), "--detach"])
    assert done.exit_code == 2 and "set SHORTFILM_BROKER_URL" in done.output
    assert not home.exists()


# -- Celery on Redis ----------------------------------------------------------------------------


@pytest.fixture
def broker() -> str:
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as exc:
        service_missing(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}: {exc}")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def fake() -> Iterator[FakeModelArk]:
    """The hosted model the workers pay (its account's key is in their environment)."""
    with FakeModelArk(api_keys=[KEY], latency=lambda: 0.2) as server:
        yield server


@pytest.fixture
def worker_env(
    broker: str, pg_url: str, s3: S3Server, fake: FakeModelArk, tmp_path: Path
) -> dict[str, str]:
    """A team's settings: Redis, PostgreSQL, artifacts on S3, the provider's key, and queues of
    this test's own (one broker is shared by every test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHORTFILM_", "AWS_"))}
    team = {
        "SHORTFILM_BROKER_URL": broker,
        "SHORTFILM_DATABASE_URL": pg_url,
        "SHORTFILM_ARTIFACTS_URL": f"s3://{s3.new_bucket()}/team",
        "SHORTFILM_QUEUE_PREFIX": f"t{uuid.uuid4().hex[:10]}-",
        "SHORTFILM_SEEDANCE_BASE_URL": fake.base_url,
        "SHORTFILM_SEEDANCE_POLL_S": "0.1",
        "ARK_API_KEY": KEY,
    }
    return env | s3.env | team


@pytest.fixture
def worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``shortfilm worker`` (through tests/small_cli.py: renders at a quarter size) on both
    queues, in a work folder of its own."""
    log = (tmp_path / "worker.log").open("wb")
    args = [sys.executable, str(SMALL_CLI), "worker", "--home", str(tmp_path / "worker-home")]
    proc = subprocess.Popen(
        [*args, "--pool", "threads", "--concurrency", "2"],
        env=worker_env | {"SHORTFILM_CACHE_DIR": str(tmp_path / "worker-cache")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_for(home: Path, env: dict[str, str], job_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [sys.executable, "-m", "shortfilm", "jobs", "--home", str(home), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        seen = {j["id"]: j for j in json.loads(listed.stdout)}[job_id]
        if seen["state"] in {"done", "failed"}:
            return seen
        time.sleep(1.0)
    raise AssertionError(f"job {job_id} did not end in {timeout} s: {seen}")


def test_run_detach_is_carried_out_by_a_celery_worker_on_redis(
    worker: subprocess.Popen[bytes],
    worker_env: dict[str, str],
    fake: FakeModelArk,
    tmp_path: Path,
    example_spec: Path,
) -> None:
    text = example_spec.read_text()
    example_spec.write_text(text.replace("channels: [tiktok, youtube]", "channels: [tiktok]"))
    home = tmp_path / "laptop"  # where the person runs the command: not the worker's folder
    env = worker_env | {"SHORTFILM_CACHE_DIR": str(tmp_path / "laptop-cache")}
    queued = subprocess.run(
        [sys.executable, "-m", "shortfilm", "run", str(example_spec), "--home", str(home)]
        + ["--provider", "seedance", "--yes", "--detach", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queued.returncode == 0, queued.stderr[-3000:]
    job = json.loads(queued.stdout)["job"]
    assert job["state"] == "queued" and job["kind"] == "run" and job["queue"] == "provider"
    ended = _wait_for(home, env, job["id"], timeout=300)
    stats = fake.stats()
    assert ended["state"] == "done", ended["error"]
    assert ended["worker"] and f":{os.getpid()}" not in ended["worker"]
    assert ended["attempts"] == 1
    (render,) = ended["result"]["renders"]
    assert render["status"] == "passed" and render["preset"] == "vertical"
    assert Path(render["path"]).is_relative_to(tmp_path / "worker-cache")
    assert not (home / "objects").exists() and not (tmp_path / "worker-home" / "objects").exists()
    assert abs(probe(Path(render["path"])).duration_s - render["duration_s"]) < 0.1
    assert [t["status"] for t in ended["result"]["takes"]] == ["succeeded"] * 4
    assert stats["tasks_created"] == 4, "one paid take per clip"


def test_the_compose_file_starts_real_commands_with_real_options() -> None:
    """deploy/compose.yaml cannot be run here (no Docker): each service's shortfilm command is
    at least parsed by the command itself, so a renamed option fails here first."""
    import typer.main
    import yaml

    compose = yaml.safe_load((Path(__file__).parents[1] / "deploy" / "compose.yaml").read_text())
    command = typer.main.get_command(app)
    started = {}
    for name, service in compose["services"].items():
        argv = service.get("command", [])
        if argv[:1] != ["shortfilm"]:
            continue
        sub = command.commands[argv[1]]  # type: ignore[attr-defined]
        ctx = sub.make_context(argv[1], list(argv[2:]))
        started[name] = (argv[1], ctx.params)
        env = service["environment"]
        assert env["SHORTFILM_BROKER_URL"].startswith("redis://")
        assert env["SHORTFILM_DATABASE_URL"].startswith("postgresql://")
    assert started["takes-worker"] == ("worker", started["takes-worker"][1])
    assert started["takes-worker"][1]["queues"] == "provider"
    assert started["render-worker"][1]["queues"] == "cpu"
    assert started["web"][0] == "serve"


# -- from the web app ---------------------------------------------------------------------------


# On PostgreSQL only, for the suite's time: what it writes to the store (job rows) is written on
# SQLite by the other tests of this file, and draft renders on SQLite by test_render_cli.
@pytest.mark.parametrize("web_database", ["postgres"], indirect=True)
def test_the_edit_page_queues_renders_by_role_and_follows_them(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient
    from web_home import PASSWORD, USERS

    from shortfilm.web.app import create_app
    from shortfilm.web.settings import Settings

    _small_presets(monkeypatch)
    queue = InProcessQueue()
    web = create_app(web_store, Settings(), job_queue=queue)
    try:
        clients = {}
        for name in USERS:
            client = TestClient(web, follow_redirects=False)
            assert client.post("/login", data={"name": name, "password": PASSWORD}).is_redirect
            clients[name] = (client, client.get("/api/me").json()["csrf_token"])

        def ask(name: str, draft: bool) -> Any:
            client, csrf = clients[name]
            return client.post(
                f"/api/productions/{SLUG}/renders",
                json={"draft": draft},
                headers={"X-CSRF-Token": csrf},
            )

        queued = {}
        for name, role in USERS.items():
            if name == "ines":
                continue  # the owner asks through the page's form, below
            answer = ask(name, draft=True)
            if name == "mara":  # the editor renders
                assert answer.status_code == 202, answer.text
                queued[name] = answer.json()
                assert queued[name]["state"] == "queued" and queued[name]["requested_by"] == name
            else:
                assert answer.status_code == 403 and role.value in answer.json()["detail"]
        # the form path: 303 back to the edit page, saying what was queued
        client, csrf = clients["ines"]
        form = client.post(f"/p/{SLUG}/renders", data={"csrf_token": csrf, "draft": "1"})
        assert form.status_code == 303 and form.headers["location"] == f"/p/{SLUG}/edit"
        assert "Queued a draft render" in client.get(form.headers["location"]).text
        # the finals wait for approved takes: refused at once, nothing queued
        refused = ask("mara", draft=False)
        assert refused.status_code == 409 and "approved take" in refused.json()["detail"]
        client, csrf = clients["wren"]
        listed = client.get(f"/api/productions/{SLUG}/jobs").json()
        assert {j["requested_by"] for j in listed} == {"ines", "mara"}
        ended = [queue.wait(job["id"], timeout=300) for job in listed]
        for done in ended:  # each row says how its job went, and where
            assert done.state is JobState.DONE and done.attempts == 1, done.error
            assert done.worker and done.worker.split(":")[-1].startswith("job_")
            assert done.started_at and done.finished_at and done.finished_at >= done.started_at
            assert done.progress["done"] == done.progress["total"] > 0
            renders = done.result["renders"]
            assert renders and all(r["draft"] and r["status"] == "passed" for r in renders)
            for render in renders:
                assert abs(probe(Path(render["path"])).duration_s - render["duration_s"]) < 0.1
            assert _job_events(web_store, done.id) == ["job.queued", "job.done"]
        listed = client.get(f"/api/productions/{SLUG}/jobs").json()
        assert all(j["state"] == "done" and j["progress"]["total"] > 0 for j in listed)
        one = client.get(f"/api/jobs/{listed[0]['id']}").json()
        assert one == listed[0]
        assert client.get(f"/api/jobs/{'0' * 32}").status_code == 404
        # the page offers the buttons to those who may press them, and says who may otherwise
        editor_page = clients["mara"][0].get(f"/p/{SLUG}/edit").text
        assert 'action="/p/wasteland-villa/renders"' in editor_page and "data-jobs=" in editor_page
        writer_page = client.get(f"/p/{SLUG}/edit").text
        assert "/renders" not in writer_page.replace("/api/productions", "")
        assert "may render the edit" in writer_page
    finally:
        queue.close()
        web.state.qc_queue.close()


class _Nobody:
    """A queue no worker reads yet: the job stays queued."""

    def submit(self, store: Store, job: Any) -> None:
        pass


def test_status_shows_the_jobs_waiting_in_each_queue(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.jobs.runner import worker_name

    render = enqueue(
        web_store, JobKind.RENDER, SLUG, {"draft": True}, requested_by="mara", queue=_Nobody()
    )
    run = enqueue(
        web_store, JobKind.RUN, SLUG, {"provider": "animatic"}, requested_by="ines", queue=_Nobody()
    )
    with web_store.session() as tx:
        stored.start_job(tx, run.id, "render-box:4242")
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", web_store.url)
    said = CliRunner().invoke(app, ["status", "--home", str(web_store.home)])
    assert said.exit_code == 0, said.output
    text = said.output
    assert text.index("jobs in the cpu queue") < text.index("jobs in the provider queue")
    cpu = text[text.index("jobs in the cpu queue") : text.index("jobs in the provider queue")]
    assert render.id[:11] in cpu and "queued" in cpu
    provider = text[text.index("jobs in the provider queue") :]
    assert "running" in provider and "render-box:4242" in provider
    assert worker_name()  # names this process as host:pid
    # the command lists them, newest first, with who asked and the worker driving each
    listed = CliRunner().invoke(app, ["jobs", "--home", str(web_store.home), "--json"])
    assert listed.exit_code == 0, listed.output
    views = json.loads(listed.output)
    assert [v["id"] for v in views] == [run.id, render.id]
    assert views[0]["worker"] == "render-box:4242" and views[0]["state"] == "running"
    assert views[1]["requested_by"] == "mara" and views[1]["production"] == SLUG
    # the JSON of status is the productions' as before; the jobs are `jobs --json`'s
    as_json = CliRunner().invoke(app, ["status", "--home", str(web_store.home), "--json"])
    assert "jobs" not in json.loads(as_json.output)[0]


def test_more_takes_by_a_worker_hand_their_qc_to_the_cpu_queue(
    worker: subprocess.Popen[bytes],
    worker_env: dict[str, str],
    fake: FakeModelArk,
    tmp_path: Path,
    example_spec: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two more takes asked of a worker on the team's store: the takes job makes them, and each
    take's QC is a job of its own on the cpu queue, done by a worker too, its report stored."""
    from shortfilm.domain.people import Actor, Role
    from shortfilm.jobs.requests import request_takes
    from shortfilm.production.importing import import_spec
    from shortfilm.review.decisions import local_owner
    from shortfilm.review.gates import approve_pending
    from shortfilm.store import repo

    for key, value in (worker_env | {"SHORTFILM_CACHE_DIR": str(tmp_path / "here")}).items():
        monkeypatch.setenv(key, value)
    store = Store(tmp_path / "here")
    try:
        import_spec(store, example_spec)
        approve_pending(store, SLUG, local_owner(), "board")
        asked = request_takes(
            store, SLUG, Actor("ari", Role.AI_OPERATOR), 1, 2, provider="seedance"
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with store.session() as tx:
                listed = stored.jobs(tx, slug=SLUG)
            if len(listed) == 3 and all(j.state.finished for j in listed):
                break
            time.sleep(0.5)
        kinds = sorted((j.kind.value, j.queue.value, j.state.value) for j in listed)
        assert kinds == [("qc", "cpu", "done")] * 2 + [("takes", "provider", "done")], [
            (j.kind.value, j.error) for j in listed
        ]
        takes_job = next(j for j in listed if j.id == asked.job.id)
        made = [t["take"] for t in takes_job.result["takes"]]
        qc_of = sorted(j.args["take"] for j in listed if j.kind is JobKind.QC)
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clip = next(c for c in repo.clips(s, prod.id) if c.position == 1)
            takes = {t.number: t for t in repo.takes(s, clip.id)}
            assert sorted(takes) == sorted(made) == [1, 2]
            assert qc_of == sorted(t.id for t in takes.values())
            assert all(repo.take_analysis(s, t.id) is not None for t in takes.values())
        assert fake.stats()["tasks_created"] == 2
    finally:
        store.close()


def test_the_board_image_and_publishing_are_jobs_too(web_store: Store) -> None:
    """The board image (the board's people) and publishing (the owner, the growth operator)
    queued like the other long steps: refused at once for the wrong role, and carried out with
    the person's role checked again when they run (publishing: only approved finals)."""
    from shortfilm import review
    from shortfilm.domain.people import Actor, Role
    from shortfilm.errors import PermissionDenied
    from shortfilm.jobs.requests import request_board_image, request_publish

    queue = InProcessQueue()
    try:
        with pytest.raises(PermissionDenied):
            request_board_image(web_store, SLUG, Actor("ari", Role.AI_OPERATOR), queue=queue)
        visual = Actor("vic", Role.VISUAL_OPERATOR)
        board = request_board_image(web_store, SLUG, visual, queue=queue)
        made = queue.wait(board.id, timeout=120)
        assert made.state is JobState.DONE, made.error
        assert made.result["board_version"] == 2 and Path(made.result["path"]).is_file()

        with pytest.raises(PermissionDenied):
            request_publish(web_store, SLUG, Actor("mara", Role.EDITOR), queue=queue)
        early = request_publish(web_store, SLUG, Actor("gus", Role.GROWTH_OPERATOR), queue=queue)
        refused = queue.wait(early.id, timeout=120)
        assert refused.state is JobState.FAILED and refused.error, refused
        assert not (web_store.home / "publish" / SLUG).exists()
        owner = review.local_owner()
        review.approve_pending(web_store, SLUG, owner, "clip")
        review.approve_pending(web_store, SLUG, owner, "final")
        again = request_publish(web_store, SLUG, Actor("gus", Role.GROWTH_OPERATOR), queue=queue)
        shipped = queue.wait(again.id, timeout=120)
        assert shipped.state is JobState.DONE, shipped.error
        files = [Path(f) for f in shipped.result["files"]]
        assert files and all(f.is_file() for f in files)
        assert any(f.name == "manifest.json" for f in files)
    finally:
        queue.close()


def test_a_server_that_starts_again_ends_the_jobs_its_threads_left_running(
    web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A web server running jobs on its own threads (no broker) stops in the middle of one: the
    next server to start marks it failed with the reason, instead of showing it running
    forever. A job whose worker is alive, and one merely queued, are left as they are."""
    from shortfilm.web.app import create_app
    from shortfilm.web.settings import Settings

    monkeypatch.setenv("SHORTFILM_JOB_LEASE_S", "30")
    kinds = {"gone": "vm:999999999", "alive": f"{socket.gethostname()}:{os.getpid()}"}
    jobs = {}
    for name, worker_id in kinds.items():
        job = enqueue(
            web_store, JobKind.RENDER, SLUG, {"draft": True}, requested_by="mara", queue=_Nobody()
        )
        with web_store.session() as tx:
            stored.start_job(tx, job.id, worker_id)
        jobs[name] = job.id
    jobs["queued"] = enqueue(
        web_store, JobKind.RENDER, SLUG, {"draft": True}, requested_by="mara", queue=_Nobody()
    ).id
    stale = datetime.now(UTC) - timedelta(seconds=120)
    with web_store.session() as tx:  # its heartbeat stopped two minutes ago
        tx.execute(update(JobRow).where(JobRow.id == jobs["gone"]).values(seen_at=stale))
    queue = InProcessQueue()
    web = create_app(web_store, Settings(), job_queue=queue)
    try:
        with web_store.session() as tx:
            states = {name: stored.get_job(tx, jid) for name, jid in jobs.items()}
        assert states["gone"].state is JobState.FAILED
        assert "stopped before it ended" in str(states["gone"].error)
        assert states["alive"].state is JobState.RUNNING
        assert states["queued"].state is JobState.QUEUED
    finally:
        queue.close()
        web.state.qc_queue.close()
