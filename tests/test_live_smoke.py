"""One real, paid take per hosted provider: the real API, checked in one command.

Every other test runs the adapters against fakes that follow the documented protocol; only the
real service can say whether the documents (and our reading of them) still hold. Each test here
makes the cheapest take its provider allows (4 s, 480p, one reference image) through the same
protocol the workflow drives, and checks what a paying user relies on: the take finishes, the
video is real H.264 of the asked length, its last frame matches it, the estimate did not
undercut the bill, a restarted process re-attaches instead of paying again, and the key is in
no log or file.

They run only when asked, because they cost money and reach the internet:

    export ARK_API_KEY=...  SHORTFILM_LIVE_SMOKE=seedance
    .venv/bin/python -m pytest tests/test_live_smoke.py

(``REPLICATE_API_TOKEN`` and ``SHORTFILM_LIVE_SMOKE=replicate`` for Replicate;
``SHORTFILM_LIVE_SMOKE=seedance,replicate`` runs both.) The provider's own variables pick the
host and model as everywhere else (``SHORTFILM_SEEDANCE_BASE_URL``, ``..._MODEL``). Without
the key or the opt-in, each test is skipped and says which is missing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path

import pytest
from PIL import Image
from provider_requests import build_request

from shortfilm.domain import ClipPlan, Shot
from shortfilm.examples import example_dir
from shortfilm.media.probe import probe
from shortfilm.providers import registry
from shortfilm.providers.base import GenerationRequest, Reference, TakeStatus, VideoProvider

OPT_IN = "SHORTFILM_LIVE_SMOKE"
KEYS = {"seedance": "ARK_API_KEY", "replicate": "REPLICATE_API_TOKEN"}
DEADLINE_S = 20 * 60.0
"""How long a take may take before the test gives up polling (typical: 1.5-4 minutes)."""

pytestmark = pytest.mark.live


def opted_in(name: str) -> str | None:
    """``None`` when the live test of ``name`` may run, else why not."""
    wanted = {w.strip() for w in os.environ.get(OPT_IN, "").split(",") if w.strip()}
    missing = [v for v in (KEYS[name],) if not os.environ.get(v, "").strip()]
    if name not in wanted and "all" not in wanted:
        missing.append(f"{OPT_IN}={name}")
    if not missing:
        return None
    return f"live {name} take (paid: one 4 s 480p take) not asked for: set " + " and ".join(missing)


def cheapest_request(form: str) -> GenerationRequest:
    """A 4 s take at 480p 16:9 with one environment reference, as the workflow builds it."""
    clip = ClipPlan(
        name="live-smoke",
        job="establish",
        tone_world="sun-bleached wasteland, late afternoon",
        character_environment="an empty villa gate on a dusty road",
        shots=(
            Shot("wide", "slow push-in", "the villa gate", "dust drifts across the road", 2.0),
            Shot("medium", "static", "the gate", "the gate creaks half open"),
        ),
        sound_rule="Wind only; no music, no voice",
        duration_s=4.0,
    )
    refs = (Reference(example_dir() / "refs" / "villa_exterior.png", "environment", "the villa"),)
    return build_request(
        clip,
        refs,
        spans=[(0.0, 2.0), (2.0, 4.0)],
        form=form,
        size=(864, 496),
        seed=7,
        style="grainy 35mm, warm dusk light",
        consistency=("same gate, same road",),
        negative=("no text", "no people"),
    )


def take_one(name: str, provider: VideoProvider, tmp_path: Path) -> str:
    """Submit, poll, fetch and check one take, as the workflow drives a provider; its id."""
    request = cheapest_request(provider.prompt_form)
    estimate = provider.estimate_cost(request)
    job_id = provider.submit(request)
    deadline = time.monotonic() + DEADLINE_S
    job = provider.status(job_id)
    while not job.status.finished and time.monotonic() < deadline:
        time.sleep(float(getattr(provider, "poll_interval_s", 10.0)))
        job = provider.status(job_id)
    assert job.status is TakeStatus.SUCCEEDED, f"{name} take {job_id}: {job.status} {job.error}"
    delivery = provider.fetch(job_id, tmp_path / "takes")

    info = probe(delivery.video)
    assert info.video_codec == "h264"
    assert info.duration_s == pytest.approx(4.0, abs=0.5)
    with Image.open(delivery.last_frame) as last:
        assert last.format == "PNG" and last.size == (info.width, info.height)
    json.dumps(delivery.metadata)
    assert estimate >= job.cost, (
        f"{name}: estimated {estimate} {provider.cost_unit}, billed {job.cost}: budgets would be "
        "undercut"
    )
    return job_id


@pytest.mark.parametrize("name", sorted(KEYS))
def test_one_real_take_is_made_delivered_and_billed_as_estimated(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reason = opted_in(name)
    if reason is not None:
        pytest.skip(reason)
    caplog.set_level(logging.DEBUG)
    with contextlib.ExitStack() as open_clients:
        made = registry.get(name, tmp_path / "work")
        open_clients.callback(getattr(made, "close", lambda: None))
        job_id = take_one(name, made, tmp_path)
        restarted = registry.get(name, tmp_path / "work")  # a new process: nothing claimed
        open_clients.callback(getattr(restarted, "close", lambda: None))
        request = cheapest_request(restarted.prompt_form)
        assert restarted.recover(request) == job_id, "a restart finds the take, pays nothing"

    key = os.environ[KEYS[name]].strip()
    assert key not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
