"""One contract, every video provider: the offline animatic, and each hosted adapter against its
fake server over real HTTP on 127.0.0.1.

What the workflow relies on, whichever provider makes a take: ``submit`` answers at once with an
id, ``status`` moves to a finished state, ``fetch`` delivers a real H.264 video and its last frame
as a PNG into the folder asked, the estimate never undercuts the bill, and a restarted process
re-attaches to the job instead of paying again. The hosted ones, where money moves, also: a
create whose answer was lost is reconciled to the one job the server made (never sent again), a
download broken midway is resumed with ``Range`` (a paid result is never downloaded in full
twice), and the key appears in no log, error, repr, file or metadata.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from provider_requests import make_request, reference_set

from shortfilm.errors import ProviderError
from shortfilm.media.probe import probe
from shortfilm.providers.animatic import AnimaticProvider
from shortfilm.providers.base import Reference, TakeStatus, VideoProvider
from shortfilm.providers.http import RetryPolicy
from shortfilm.providers.replicate import ReplicateProvider
from shortfilm.providers.seedance import SeedanceProvider
from shortfilm.testing.clock import ManualClock
from shortfilm.testing.fake_modelark import FakeModelArk
from shortfilm.testing.fake_replicate import FakeReplicate

KEYS = {
    "seedance": "ark-3c5e1f0a-7d2b-4c8e-9f61-contract-secret-never-logged",
    "replicate": "r8_Zt5QvN3kLm7pXw2Yb9cRd4Ef6Gh8Jk1Ln0-contract-token-never-logged",
}
HOSTED = tuple(KEYS)
FAST_RETRY = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.04)
CLIENT_TIMEOUT_S = 1.0
"""Generous for 127.0.0.1 on a loaded machine; the lost answers here are ``reset`` faults,
which cost no waiting."""


# --- the providers ------------------------------------------------------------------------------


@dataclass
class Hosted:
    """A hosted adapter and the fake server it talks to, on virtual time."""

    name: str
    fake: FakeModelArk | FakeReplicate
    clock: ManualClock
    workdir: Path
    made: list[SeedanceProvider | ReplicateProvider] = field(default_factory=list)
    """Providers to close when the test ends (each owns an HTTP client)."""

    @property
    def key(self) -> str:
        return KEYS[self.name]

    def provider(self, **changes: Any) -> VideoProvider:
        """A provider on this workdir; a second one is a restarted process (nothing claimed)."""
        provider: SeedanceProvider | ReplicateProvider
        options: dict[str, Any] = {
            "base_url": self.fake.base_url,
            "retry": FAST_RETRY,
            "timeout_s": CLIENT_TIMEOUT_S,
            "create_timeout_s": CLIENT_TIMEOUT_S,
            "reconcile_grace_s": 0.0,
            "environ": {},
            "clock": self.clock,
            "sleep": lambda _s: None,
        }
        if self.name == "seedance":
            options["api_key"] = self.key
            options.update(changes)
            provider = SeedanceProvider(self.workdir, **options)
        else:
            options["api_token"] = self.key
            options.update(changes)
            provider = ReplicateProvider(self.workdir, **options)
        self.made.append(provider)
        return provider

    def jobs_made(self) -> list[str]:
        """Every job the server created (and, for real, billed)."""
        if isinstance(self.fake, FakeModelArk):
            return self.fake.task_ids(include_deleted=True)
        return self.fake.prediction_ids()

    def video_downloads(self, job_id: str) -> tuple[int, int]:
        """``(from the first byte, resumed with Range)`` requests for the job's video."""
        key = f"/tos/{job_id}/video.mp4" if isinstance(self.fake, FakeModelArk) else job_id
        return self.fake.downloads[key], self.fake.resumed_downloads[key]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Result videos encoded once per session, shared by every fake server."""
    return tmp_path_factory.mktemp("contract-media")


def serve(name: str, media_dir: Path, workdir: Path) -> Iterator[Hosted]:
    """The fake server of hosted provider ``name``, on a clock that moves only when told."""
    clock = ManualClock()
    fake: FakeModelArk | FakeReplicate
    if name == "seedance":
        fake = FakeModelArk(
            api_keys={KEYS[name]},
            clock=clock,
            queue_s=1.0,
            latency=4.0,
            media_dir=media_dir,
            timeout_sleep_s=CLIENT_TIMEOUT_S + 0.5,
        )
    else:
        fake = FakeReplicate(
            api_tokens={KEYS[name]},
            clock=clock,
            starting_s=1.0,
            processing_s=4.0,
            media_dir=media_dir,
            timeout_sleep_s=CLIENT_TIMEOUT_S + 0.5,
            retry_after_s=0,
        )
    with fake:
        served = Hosted(name, fake, clock, workdir)
        yield served
        for provider in served.made:
            provider.close()


@pytest.fixture(params=HOSTED)
def hosted(request: pytest.FixtureRequest, media_dir: Path, tmp_path: Path) -> Iterator[Hosted]:
    yield from serve(request.param, media_dir, tmp_path / "work")


@pytest.fixture(params=("animatic", *HOSTED))
def provider_factory(
    request: pytest.FixtureRequest, media_dir: Path, tmp_path: Path
) -> Iterator[tuple[Callable[[], VideoProvider], ManualClock | None]]:
    """Makes the provider (calling it again is a restarted process on the same workdir), and
    the clock that moves its jobs (``None``: they are done when submitted)."""
    if request.param == "animatic":
        yield (lambda: AnimaticProvider(tmp_path / "animatic")), None
        return
    for served in serve(request.param, media_dir, tmp_path / "work"):
        yield served.provider, served.clock


# --- requests -----------------------------------------------------------------------------------


@pytest.fixture
def refs(tmp_path: Path) -> tuple[Reference, ...]:
    return reference_set(tmp_path / "refs")


def finish(provider: VideoProvider, job_id: str, clock: ManualClock | None) -> TakeStatus:
    """Poll as the workflow does, moving virtual time a second between polls."""
    for _ in range(60):
        job = provider.status(job_id)
        if job.status.finished:
            return job.status
        if clock is not None:
            clock.advance(1.0)
    raise AssertionError(f"{job_id} did not finish in 60 polls")


# --- every provider -----------------------------------------------------------------------------


def test_every_provider_submits_reports_and_delivers_the_same_way(
    provider_factory: tuple[Callable[[], VideoProvider], ManualClock | None],
    refs: tuple[Reference, ...],
    tmp_path: Path,
) -> None:
    make, clock = provider_factory
    any_provider = make()
    assert isinstance(any_provider, VideoProvider)
    assert any_provider.prompt_form in ("plain", "reference-mode")
    lo, hi = any_provider.limits.durations_s
    assert lo <= 4.0 <= hi and any_provider.limits.max_references >= len(refs)
    request = make_request(refs, form=any_provider.prompt_form, duration=4.0)

    job_id = any_provider.submit(request)
    assert isinstance(job_id, str) and job_id
    assert finish(any_provider, job_id, clock) is TakeStatus.SUCCEEDED
    job = any_provider.status(job_id)
    assert job.job_id == job_id and job.error is None
    delivery = any_provider.fetch(job_id, tmp_path / "delivered")

    assert delivery.video.parent == tmp_path / "delivered"
    info = probe(delivery.video)
    assert info.video_codec == "h264"
    assert info.duration_s == pytest.approx(request.duration_s, abs=0.2)
    with Image.open(delivery.last_frame) as last:
        assert last.format == "PNG"
        assert last.size == (info.width, info.height)
    json.dumps(delivery.metadata)  # storable as the take's metadata
    assert any_provider.estimate_cost(request) >= job.cost  # budgets are never undercut
    assert make().recover(request) == job_id  # a restart re-attaches, never re-pays


# --- every hosted provider ----------------------------------------------------------------------


def test_submit_answers_at_once_and_status_follows_the_job_to_its_end(
    hosted: Hosted, refs: tuple[Reference, ...]
) -> None:
    provider = hosted.provider()
    job_id = provider.submit(make_request(refs, duration=4.0))
    first = provider.status(job_id)
    assert (first.status, first.error) == (TakeStatus.QUEUED, None)  # submit did not wait
    hosted.clock.advance(2.0)
    assert provider.status(job_id).status is TakeStatus.RUNNING
    hosted.clock.advance(4.0)
    done = provider.status(job_id)
    assert done.status is TakeStatus.SUCCEEDED and done.cost > 0
    assert hosted.jobs_made() == [job_id]


@pytest.mark.parametrize("fault", ["reset-created", "500-created", "malformed"])
def test_a_create_whose_answer_was_lost_is_reconciled_to_the_one_job_made(
    hosted: Hosted, refs: tuple[Reference, ...], fault: str
) -> None:
    hosted.fake.inject("create", fault)
    job_id = hosted.provider().submit(make_request(refs, duration=4.0))
    assert hosted.jobs_made() == [job_id]
    assert hosted.fake.create_calls == 1, "found on the server, not sent again"
    assert hosted.fake.calls["list"] >= 1


def test_a_create_lost_with_its_process_is_recovered_by_the_next(
    hosted: Hosted, refs: tuple[Reference, ...]
) -> None:
    request = make_request(refs, duration=4.0)
    crashing = hosted.provider(retry=RetryPolicy(attempts=1, base_s=0.01, cap_s=0.01))
    hosted.fake.inject("create", "reset-created")
    hosted.fake.inject("list", "500")  # and the check for it fails too: the process gives up
    with pytest.raises(ProviderError) as caught:
        crashing.submit(request)
    assert caught.value.retryable is True
    restarted = hosted.provider()
    found = restarted.recover(request)
    assert found is not None and hosted.jobs_made() == [found]
    assert restarted.recover(request) is None  # handed out once
    assert hosted.fake.create_calls == 1


def test_a_download_broken_off_resumes_where_it_stopped(
    hosted: Hosted, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    provider = hosted.provider()
    job_id = provider.submit(make_request(refs, duration=4.0))
    finish(provider, job_id, hosted.clock)
    hosted.fake.inject("download", "malformed")  # the first transfer stops halfway
    delivery = provider.fetch(job_id, tmp_path / "out")
    assert probe(delivery.video).duration_s == pytest.approx(4.0, abs=0.2)
    assert hosted.video_downloads(job_id) == (1, 1), "the rest was asked for, not the whole"
    assert not list((tmp_path / "out").glob(".*partial"))
    again = provider.fetch(job_id, tmp_path / "out")
    assert again.video == delivery.video and hosted.video_downloads(job_id) == (1, 1)


def test_the_key_appears_in_no_log_error_repr_file_or_metadata(
    hosted: Hosted,
    refs: tuple[Reference, ...],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = hosted.provider()
    hosted.fake.inject("create", "500", "reset-created")
    job_id = provider.submit(make_request(refs, duration=4.0))
    finish(provider, job_id, hosted.clock)
    delivery = provider.fetch(job_id, tmp_path / "out")
    said: list[str] = [repr(provider), str(vars(provider)), json.dumps(delivery.metadata)]
    hosted.fake.inject("get", *["503"] * FAST_RETRY.attempts)
    wrong_key = hosted.provider(**{"api_key" if hosted.name == "seedance" else "api_token": "x"})
    for failing in (
        lambda: provider.status(job_id),
        lambda: wrong_key.submit(make_request(refs, seed=8, duration=4.0)),
        lambda: provider.fetch(job_id[:-3] + "zzz", tmp_path / "out"),
    ):
        with pytest.raises(ProviderError) as caught:
            failing()
        said += [str(caught.value), repr(caught.value)]

    assert caplog.records  # the retries and the reconciliation were logged
    assert hosted.key not in caplog.text
    assert not [s for s in said if hosted.key in s]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert hosted.key.encode() not in path.read_bytes(), path
