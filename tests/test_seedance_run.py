"""`shortfilm run --provider seedance` against the fake ModelArk, the way a paid run can go wrong.

The fake runs in this test process (so it outlives the shortfilm processes we kill); 30% of its
calls fail with 429, 500 or a timeout; `shortfilm run` is killed with SIGKILL twice mid-run and
started again. At the end every take succeeded exactly once on the server, no result that
reached the disk was downloaded again (a transfer cut by a kill resumes), the costs add up,
the requests carry what the shot plan says, and the API key is nowhere on disk or in any output.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from shortfilm.spec import load_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.testing.fake_modelark import FakeModelArk

SMALL_CLI = Path(__file__).with_name("small_cli.py")
"""The command with small exports: these tests are about payments and claims, not pixels."""

pytestmark = pytest.mark.media

KEY = "ark-test-9f8e7d6c5b4a-DO-NOT-LEAK"


def _env(base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SHORTFILM_SEEDANCE_BASE_URL": base_url,
            "ARK_API_KEY": KEY,
            "SHORTFILM_SEEDANCE_POLL_S": "0.1",
            "SHORTFILM_SEEDANCE_TIMEOUT_S": "0.6",
            "SHORTFILM_SEEDANCE_RETRY_BASE_S": "0.05",
            "SHORTFILM_SEEDANCE_RECONCILE_GRACE_S": "0.2",
        }
    )
    return env


def _start_run(spec: Path, home: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, str(SMALL_CLI), "run", str(spec), "--provider", "seedance",
             "--home", str(home), "--json", "--yes"],
            env=env, stdout=sink, stderr=sink,
        )  # fmt: skip


def _until_at_work(
    fake: FakeModelArk, proc: subprocess.Popen[bytes], *, creates: int, calls: int
) -> None:
    """Wait until the server has seen ``creates`` task creations and ``calls`` requests in all
    (polled every 50 ms), or the run ended; a generous cap only so a hang fails."""
    deadline = time.monotonic() + 120
    while proc.poll() is None:
        stats = fake.stats()
        if stats["create_calls"] >= creates and sum(stats["calls"].values()) >= calls:
            return
        assert time.monotonic() < deadline, "the run never got to work on the server"
        time.sleep(0.05)


def test_killed_twice_under_faults_pays_once_downloads_once(
    tmp_path: Path, example_spec: Path, db_env: str
) -> None:
    # one channel is enough for this test: the render is not what is under test
    text = example_spec.read_text()
    example_spec.write_text(text.replace("channels: [tiktok, youtube]", "channels: [tiktok]"))
    production = load_spec(example_spec)
    home = tmp_path / "home"
    log = tmp_path / "run.log"
    jitter = random.Random(3)
    with FakeModelArk(
        api_keys=[KEY], latency=lambda: 1.0 + jitter.uniform(-0.3, 0.3), timeout_sleep_s=1.5
    ) as fake:
        fake.set_fault_rate(0.3, kinds=("429", "500", "timeout"), seed=7)
        env = _env(fake.base_url)
        for creates, calls, then in ((1, 1, 0.5), (0, 3, 1.0)):
            # killed once the run is at work on the server (what it has done there, not a
            # wall-clock guess: a loaded machine takes seconds just to start Python), then a
            # little later, so paid tasks are in flight
            seen = sum(fake.stats()["calls"].values())
            proc = _start_run(example_spec, home, env, log)
            _until_at_work(fake, proc, creates=creates, calls=seen + calls)
            time.sleep(then)
            assert proc.poll() is None, "the run must still be going when it is killed"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        created_before_final = fake.stats()["create_calls"]
        final = _start_run(example_spec, home, env, log)
        assert final.wait(timeout=600) == 0, log.read_text()[-3000:]
        stats = fake.stats()
        task_ids = fake.task_ids()
        bodies = {tid: fake.task_body(tid) for tid in task_ids}
        usage = {tid: fake.task_json(tid).get("usage", {}) for tid in task_ids}

    # every take succeeded exactly once on the server
    assert stats["tasks_created"] == len(production.clips) == len(task_ids)
    assert stats["faults"], "faults were served"
    assert created_before_final >= 1, "the killed runs had paid tasks in flight"
    # Every result was downloaded, and none that reached this disk was downloaded again (a
    # broken transfer resumes with Range and is not counted as a download). The one repeat no
    # client can avoid: a kill after the server began sending but before the first byte was
    # written here; there are two kills, so at most two such repeats.
    downloads = stats["downloads"]
    assert len(downloads) == 2 * len(production.clips), downloads
    assert sum(n - 1 for n in downloads.values()) <= 2, downloads
    store = Store(home)
    with store.session() as s:
        prod = repo.production_by_slug(s, production.slug)
        assert prod is not None
        takes = [t for c in repo.clips(s, prod.id) for t in repo.takes(s, c.id)]
        assert [t.status for t in takes] == ["succeeded"] * len(production.clips)
        assert sorted(t.job_id for t in takes if t.job_id) == sorted(task_ids)
        assert sum(t.cost for t in takes) == sum(u["total_tokens"] for u in usage.values())
        by_job = {t.job_id: t for t in takes}
        refs = {c.id: c.position for c in repo.clips(s, prod.id)}
        positions = {t.job_id: refs[t.clip_id] for t in takes}
    store.close()

    # the requests carry the references, their positional labels, durations and sound rule
    for tid, body in bodies.items():
        plan = production.clips[positions[tid] - 1]
        text_items = [c for c in body["content"] if c["type"] == "text"]
        images = [c for c in body["content"] if c["type"] == "image_url"]
        prompt = text_items[0]["text"]
        assert all(c["role"] == "reference_image" for c in images)
        expected = 5 + (1 if plan.continues_previous else 0)
        assert len(images) == expected
        for i in range(1, expected + 1):
            assert f"[Image {i}] is" in prompt
        assert ("[Image 1] is the last moment" in prompt) == plan.continues_previous
        assert f"Sound rule: {plan.sound_rule}" in prompt
        assert body["duration"] == round(plan.duration_s + 0.01)
        head, data = images[-1]["image_url"]["url"].split(",", 1)
        assert head.startswith("data:image/")
        Image.open(io.BytesIO(base64.b64decode(data))).verify()
        assert by_job[tid].params["prompt_text"] == prompt

    # the key is in no file of the production home and in no output
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in log.read_text()
    result = json.loads(log.read_text().strip().splitlines()[-1])
    assert result["renders"][0]["preset"] == "vertical"
