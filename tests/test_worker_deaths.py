"""Workers die; the work does not. Real Celery workers on Redis, PostgreSQL and moto's S3, a fake
hosted model that counts what it is paid for, and ``kill -9``:

- the worker carrying a run out is killed while takes are being generated (paid tasks in
  flight at the model): another worker is handed the job, takes the dead worker's takes over and
  re-attaches to the tasks already paid for;
- that worker is killed in turn while it renders the film: a third one renders it again.

The job ends done on the third delivery; the model created exactly one task per clip; every
object in the bucket has exactly one version (nothing written twice under a key) and its bytes
hash to its key (no half object under a final key); the film is the one the same spec makes in
one process on one machine (SQLite, a local folder): the same length and loudness, the same
keyframes chosen.

And a cpu worker killed in the middle of a take's QC: the QC job is delivered to another cpu
worker, which stores the report (the take's one report).
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from s3_server import S3Server
from test_jobs import KEY, SMALL_CLI, _wait_for, broker, s3, worker_env

from shortfilm.media.loudness import measure
from shortfilm.media.probe import probe
from shortfilm.store.repo import Store
from shortfilm.testing.fake_modelark import FakeModelArk

pytestmark = pytest.mark.media
__all__ = ["broker", "s3", "worker_env"]  # fixtures, used here


@pytest.fixture
def fake() -> Iterator[FakeModelArk]:
    """Tasks that take 1.5 s at the model: long enough to be killed in the middle of."""
    with FakeModelArk(api_keys=[KEY], latency=lambda: 1.5) as server:
        yield server


class Workers:
    """``shortfilm worker`` processes (small_cli: renders at a quarter size), by pid."""

    def __init__(self, env: dict[str, str], root: Path) -> None:
        self.env, self.root = env, root
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, name: str, queues: str = "provider,cpu") -> None:
        log = (self.root / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, str(SMALL_CLI), "worker", "--home", str(self.root / name)]
            + ["--queues", queues, "--pool", "threads", "--concurrency", "2"],
            env=self.env | {"SHORTFILM_CACHE_DIR": str(self.root / f"{name}-cache")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs[proc.pid] = proc

    def kill(self, pid: int) -> None:
        proc = self.procs.pop(pid)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _job(home: Path, env: dict[str, str], job_id: str) -> dict[str, Any]:
    listed = subprocess.run(
        [sys.executable, "-m", "shortfilm", "jobs", "--home", str(home), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    found: dict[str, Any] = {j["id"]: j for j in json.loads(listed.stdout)}[job_id]
    return found


def _until(what: str, check: Any, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = check()
        if seen:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"never saw {what}")


def _pid(job: dict[str, Any]) -> int:
    return int(job["worker"].split(":")[1])


def _chosen_keyframes(store: Store) -> list[tuple[int, int]]:
    """(clip, time in ms) of each clip's chosen keyframe."""
    from shortfilm.store import repo

    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, "wasteland-villa")
            assert prod is not None
            found = []
            for clip in repo.clips(s, prod.id):
                assert clip.selected_take_id is not None
                keyframe = repo.chosen_keyframe(s, clip.selected_take_id)
                if keyframe is not None:
                    found.append((clip.position, keyframe.time_ms))
            return found
    finally:
        store.close()


def test_a_job_outlives_the_workers_killed_under_it(
    worker_env: dict[str, str], fake: FakeModelArk, s3: S3Server, tmp_path: Path, example_spec: Path
) -> None:
    text = example_spec.read_text()
    example_spec.write_text(text.replace("channels: [tiktok, youtube]", "channels: [tiktok]"))
    bucket = worker_env["SHORTFILM_ARTIFACTS_URL"].removeprefix("s3://").split("/")[0]
    client: Any = s3.client()
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    env = worker_env | {"SHORTFILM_JOB_VISIBILITY_S": "3", "SHORTFILM_JOB_LEASE_S": "8"}
    workers = Workers(env, tmp_path)
    workers.start("a")
    workers.start("b")
    home = tmp_path / "laptop"
    laptop = env | {"SHORTFILM_CACHE_DIR": str(tmp_path / "laptop-cache")}
    try:
        queued = subprocess.run(
            [sys.executable, "-m", "shortfilm", "run", str(example_spec), "--home", str(home)]
            + ["--provider", "seedance", "--yes", "--detach", "--json"],
            env=laptop,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert queued.returncode == 0, queued.stderr[-3000:]
        job_id = json.loads(queued.stdout)["job"]["id"]

        # 1. killed while a paid task is in flight at the model
        first = _until(
            "the run at the model",
            lambda: (
                (job := _job(home, laptop, job_id))["state"] == "running"
                and fake.stats()["create_calls"] >= 1
                and job
            ),
        )
        workers.kill(_pid(first))
        in_flight = fake.stats()["create_calls"]
        workers.start("c")

        # 2. the next worker goes on, and is killed while it renders
        second = _until(
            "the run handed on and rendering",
            lambda: (
                (job := _job(home, laptop, job_id))["worker"] != first["worker"]
                and str(job["progress"].get("stage", "")).startswith("render")
                and job
            ),
            timeout=300,
        )
        assert second["attempts"] == 2, second
        workers.kill(_pid(second))

        ended = _wait_for(home, laptop, job_id, timeout=300)
    finally:
        workers.stop()
        logs = {p.name: p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log")}

    assert ended["state"] == "done", (ended["error"], logs)
    assert ended["attempts"] == 3, ended
    assert ended["worker"] not in (first["worker"], second["worker"])
    stats = fake.stats()
    assert in_flight >= 1 and stats["tasks_created"] == 4, stats  # one paid task per clip
    assert [t["status"] for t in ended["result"]["takes"]] == ["succeeded"] * 4
    (render,) = ended["result"]["renders"]
    assert render["status"] == "passed"
    assert abs(probe(Path(render["path"])).duration_s - render["duration_s"]) < 0.1

    # the same spec, made in one process with the local store, against the same model
    alone = tmp_path / "alone"
    solo_env = {k: v for k, v in laptop.items() if not k.startswith(("SHORTFILM_", "AWS_"))}
    solo_env |= {k: v for k, v in env.items() if k.startswith(("SHORTFILM_SEEDANCE", "ARK_"))}
    made = subprocess.run(
        [sys.executable, str(SMALL_CLI), "run", str(example_spec), "--home", str(alone)]
        + ["--provider", "seedance", "--yes", "--json"],
        env=solo_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    (solo,) = json.loads(made.stdout)["renders"]
    assert abs(solo["duration_s"] - render["duration_s"]) < 1e-3, (solo, render)
    heard, heard_solo = measure(Path(render["path"])), measure(Path(solo["path"]))
    assert abs(heard.integrated_lufs - heard_solo.integrated_lufs) < 0.1, (heard, heard_solo)
    team = _chosen_keyframes(Store(home, worker_env["SHORTFILM_DATABASE_URL"]))
    assert team == _chosen_keyframes(Store(alone)) and len(team) == 4, team

    versions = client.list_object_versions(Bucket=bucket)
    keys = [v["Key"] for v in versions.get("Versions", [])]
    assert keys and len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for key in keys:
        if "/objects/" not in key:
            continue
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == key.rsplit("/", 1)[-1], key


def test_a_qc_job_outlives_the_cpu_worker_killed_under_it(
    worker_env: dict[str, str],
    fake: FakeModelArk,
    tmp_path: Path,
    example_spec: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shortfilm.domain.jobs import JobKind
    from shortfilm.domain.people import Actor, Role
    from shortfilm.jobs.requests import request_takes
    from shortfilm.production.importing import import_spec
    from shortfilm.review.decisions import local_owner
    from shortfilm.review.gates import approve_pending
    from shortfilm.store import jobs as stored_jobs
    from shortfilm.store import repo

    env = worker_env | {"SHORTFILM_JOB_VISIBILITY_S": "3", "SHORTFILM_JOB_LEASE_S": "8"}
    for key, value in (env | {"SHORTFILM_CACHE_DIR": str(tmp_path / "here")}).items():
        monkeypatch.setenv(key, value)
    workers = Workers(env, tmp_path)
    workers.start("takes", "provider")
    workers.start("cpu-a", "cpu")
    store = Store(tmp_path / "here")
    try:
        import_spec(store, example_spec)
        approve_pending(store, "wasteland-villa", local_owner(), "board")
        request_takes(
            store, "wasteland-villa", Actor("ari", Role.AI_OPERATOR), 1, 2, provider="seedance"
        )

        def qc_running() -> Any:
            with store.session() as tx:
                found = stored_jobs.jobs(tx, slug="wasteland-villa")
            return next(
                (j for j in found if j.kind is JobKind.QC and j.state.value == "running"), None
            )

        victim = _until("a QC job running", qc_running, timeout=120)
        workers.kill(int(str(victim.worker).split(":")[1]))
        workers.start("cpu-b", "cpu")

        def all_done() -> Any:
            with store.session() as tx:
                found = stored_jobs.jobs(tx, slug="wasteland-villa")
            return len(found) == 3 and all(j.state.finished for j in found) and found

        ended = _until("every job done", all_done, timeout=180)
        again = next(j for j in ended if j.id == victim.id)
        assert [j.state.value for j in ended] == ["done"] * 3, [j.error for j in ended]
        assert again.attempts == 2 and again.worker != victim.worker, again
        with store.session() as s:
            prod = repo.production_by_slug(s, "wasteland-villa")
            assert prod is not None
            clip = next(c for c in repo.clips(s, prod.id) if c.position == 1)
            takes = repo.takes(s, clip.id)
            assert len(takes) == 2
            assert all(repo.take_analysis(s, t.id) is not None for t in takes)
        assert fake.stats()["tasks_created"] == 2
    finally:
        workers.stop()
        store.close()
