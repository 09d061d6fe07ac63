"""The Replicate adapter against the fake Replicate server, over real HTTP on 127.0.0.1.

What a paying user relies on: the prediction carries the prompt and the references in prompt
order, bad clips are refused before anything is sent, submit never waits for the model,
transient failures are retried but a create is never paid twice, outputs are downloaded once
and are real media, and the API token appears nowhere. What every video provider shares is in
``test_provider_contract.py``.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from provider_requests import make_request, reference_set

from shortfilm.errors import InputError, ProviderError
from shortfilm.media.probe import probe
from shortfilm.providers.base import GenerationRequest, Reference, TakeStatus, VideoProvider
from shortfilm.providers.http import RetryPolicy
from shortfilm.providers.replicate import (
    ReplicateAPIError,
    ReplicateProvider,
    input_digest,
    input_matches,
    output_url,
    retry_after_hint,
)
from shortfilm.testing.fake_replicate import FakeReplicate
from shortfilm.testing.fake_replicate_api import FakeModel

TOKEN = "r8_Zt5QvN3kLm7pXw2Yb9cRd4Ef6Gh8Jk1Ln0-test-token-never-logged"
MODEL = "bytedance/seedance-2.0"
FAST_RETRY = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.04)
CREATE_TIMEOUT_S = 1.0
"""Client timeout on creates in these tests (generous: a loaded machine must not time out by
accident); the fake holds a ``timeout`` fault longer. Tests that only need a lost answer use
``reset`` faults, which cost no waiting."""


class Clock:
    """Virtual time for the fake: unix seconds that move only on ``advance``."""

    def __init__(self) -> None:
        self._now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by every fake server: each output video is encoded once per session."""
    return tmp_path_factory.mktemp("replicate-media")


@pytest.fixture
def serve(media_dir: Path) -> Iterator[Callable[..., FakeReplicate]]:
    """Start fake servers with test-friendly defaults; all are stopped afterwards."""
    started: list[FakeReplicate] = []

    def start(**kwargs: Any) -> FakeReplicate:
        options: dict[str, Any] = {
            "api_tokens": {TOKEN},
            "starting_s": 0.05,
            "processing_s": 0.15,
            "media_dir": media_dir,
            "timeout_sleep_s": 2.0,
            "retry_after_s": 0,
        }
        options.update(kwargs)
        fake = FakeReplicate(**options).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def fake(serve: Callable[..., FakeReplicate]) -> FakeReplicate:
    return serve()


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff waits the provider asked for (recorded, not slept: tests stay fast)."""
    return []


@pytest.fixture
def make_provider(
    tmp_path: Path, sleeps: list[float]
) -> Iterator[Callable[..., ReplicateProvider]]:
    made: list[ReplicateProvider] = []

    def make(fake: FakeReplicate, **kwargs: Any) -> ReplicateProvider:
        options: dict[str, Any] = {
            "base_url": fake.base_url,
            "api_token": TOKEN,
            "retry": FAST_RETRY,
            "timeout_s": 2.0,
            "create_timeout_s": CREATE_TIMEOUT_S,
            "reconcile_grace_s": 0.0,
            "environ": {},
            "sleep": sleeps.append,
        }
        options.update(kwargs)
        provider = ReplicateProvider(tmp_path / "work", **options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def provider(
    fake: FakeReplicate, make_provider: Callable[..., ReplicateProvider]
) -> ReplicateProvider:
    return make_provider(fake)


# --- requests -----------------------------------------------------------------------------------


@pytest.fixture
def refs(tmp_path: Path) -> tuple[Reference, ...]:
    return reference_set(tmp_path / "refs")


def decode_data_url(url: str) -> np.ndarray:
    assert url.startswith("data:image/")
    data = base64.b64decode(url.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def wait_finished(provider: VideoProvider, job_id: str, timeout_s: float = 15.0) -> TakeStatus:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = provider.status(job_id)
        if job.status.finished:
            return job.status
        time.sleep(0.05)
    raise AssertionError(f"{job_id} did not finish in {timeout_s} s")


def create_headers(fake: FakeReplicate) -> dict[str, str]:
    return {k.lower(): v for k, v in fake.requests[-1]["headers"].items()}


# --- the request --------------------------------------------------------------------------------


def test_the_prediction_carries_prompt_references_in_order_and_fields(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    request = make_request(refs)
    job_id = provider.submit(request)

    assert fake.prediction_ids() == [job_id]
    sent = fake.requests[-1]
    assert sent["path"] == f"/v1/models/{MODEL}/predictions"
    assert set(sent["body"]) == {"input"}
    inp = fake.prediction_input(job_id)
    # the rendered prompt, with the labels spelled as Replicate's schema does ([Image1])
    assert request.prompt_text.startswith("[Image 1] is Kestrel")
    assert inp["prompt"] == request.prompt_text.replace("[Image ", "[Image")
    assert inp["prompt"].startswith("[Image1] is Kestrel")
    assert "[Image3] is the last moment of the previous clip (clip 01 end)" in inp["prompt"]
    assert "Continue the action directly from [Image3]." in inp["prompt"]
    assert "Shot 1 (0.0-2.0s): low-angle wide, slow push-in." in inp["prompt"]
    assert len(inp["reference_images"]) == 3
    for url, ref in zip(inp["reference_images"], refs, strict=True):
        with Image.open(ref.path) as img:
            assert np.array_equal(decode_data_url(url), np.asarray(img.convert("RGB")))
    assert inp["duration"] == 5 and isinstance(inp["duration"], int)
    assert inp["aspect_ratio"] == "16:9"
    assert inp["resolution"] == "480p"
    assert inp["seed"] == 7
    assert inp["generate_audio"] is True  # "no music" still wants the wind and surf
    assert "image" not in inp and "last_frame_image" not in inp


def test_submit_never_asks_replicate_to_wait(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    clock = Clock()  # the prediction never finishes unless the test moves time
    fake = serve(clock=clock, starting_s=5.0, processing_s=30.0)
    provider = make_provider(fake)
    job_id = provider.submit(make_request(refs))
    # submit made one request, the create, and returned without waiting on it: no poll, no wait
    assert fake.create_calls == 1 and fake.calls["get"] == 0
    assert "prefer" not in create_headers(fake)
    assert "cancel-after" not in create_headers(fake)
    assert provider.status(job_id).status is TakeStatus.QUEUED


@pytest.mark.parametrize(
    ("size", "resolution", "ratio"),
    [
        ((320, 180), "480p", "16:9"),
        ((1280, 720), "720p", "16:9"),
        ((1920, 1080), "1080p", "16:9"),
        ((720, 1280), "720p", "9:16"),
        ((960, 960), "720p", "1:1"),
    ],
)
def test_resolution_and_aspect_come_from_the_frame_size(
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    size: tuple[int, int],
    resolution: str,
    ratio: str,
) -> None:
    prepared = provider.prepare(make_request(refs, size=size))
    assert (prepared.resolution, prepared.aspect_ratio) == (resolution, ratio)


def test_a_silent_clip_is_sent_without_audio(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    job_id = provider.submit(make_request(refs, sound_rule="Silent."))
    assert fake.prediction_input(job_id)["generate_audio"] is False


def test_first_and_last_frames_go_as_image_and_last_frame_image(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    frames = (
        Reference(refs[0].path, "first_frame", "start"),
        Reference(refs[1].path, "last_frame", "end"),
    )
    job_id = provider.submit(make_request(frames))
    inp = fake.prediction_input(job_id)
    assert "reference_images" not in inp
    with Image.open(refs[0].path) as first, Image.open(refs[1].path) as last:
        assert np.array_equal(decode_data_url(inp["image"]), np.asarray(first.convert("RGB")))
        assert np.array_equal(
            decode_data_url(inp["last_frame_image"]), np.asarray(last.convert("RGB"))
        )


def test_a_large_image_is_downscaled_under_the_data_url_budget(
    fake: FakeReplicate,
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    tmp_path: Path,
) -> None:
    noise = np.random.default_rng(1).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    big = tmp_path / "board.png"
    Image.fromarray(noise).save(big)
    assert big.stat().st_size > 2_000_000
    job_id = provider.submit(make_request((Reference(big, "board", "style board"), *refs[:1])))
    url = fake.prediction_input(job_id)["reference_images"][0]
    data = base64.b64decode(url.split(",", 1)[1])
    assert len(data) <= provider.max_image_bytes
    with Image.open(io.BytesIO(data)) as img:
        assert abs(img.width / img.height - 4 / 3) < 0.01
        assert img.width < 1600


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"duration": 20.0}, "outside the 4-15 s"),
        ({"duration": 3.0}, "outside the 4-15 s"),
        ({"size": (1000, 100)}, "matches none of the aspect ratios"),
        ({"seed": 2**33}, "seed"),
        ({"refs": 10}, "at most 9"),
        ({"mixed": True}, "cannot be combined"),
        ({"last_only": True}, "needs a first_frame"),
        ({"prompt": "   "}, "prompt is empty"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_sent(
    fake: FakeReplicate,
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    change: dict[str, Any],
    words: str,
) -> None:
    request = make_request(
        refs,
        duration=change.get("duration", 5.0),
        size=change.get("size", (320, 180)),
        seed=change.get("seed", 7),
    )
    if "refs" in change:
        request = GenerationRequest(request.clip, request.prompt_text, refs * 4, 5.0, 320, 180)
    if "mixed" in change:
        mixed = (*refs[:1], Reference(refs[1].path, "first_frame", "start"))
        request = GenerationRequest(request.clip, request.prompt_text, mixed, 5.0, 320, 180)
    if "last_only" in change:
        last = (Reference(refs[1].path, "last_frame", "end"),)
        request = GenerationRequest(request.clip, request.prompt_text, last, 5.0, 320, 180)
    if "prompt" in change:
        request = GenerationRequest(request.clip, change["prompt"], refs, 5.0, 320, 180)
    with pytest.raises(InputError, match=words) as caught:
        provider.submit(request)
    assert str(caught.value).startswith("clip c02: ")
    assert fake.create_calls == 0


def test_an_unreadable_reference_is_named(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(InputError, match="broken.png"):
        provider.submit(make_request((*refs[:1], Reference(broken, "character", "Rook"))))
    assert fake.create_calls == 0


# --- status -------------------------------------------------------------------------------------


def test_status_moves_from_starting_to_processing_to_succeeded_with_predict_time(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    clock = Clock()
    fake = serve(clock=clock, starting_s=2.0, processing_s=40.0)
    provider = make_provider(fake)
    job_id = provider.submit(make_request(refs))
    first = provider.status(job_id)
    assert (first.status, first.cost, first.error) == (TakeStatus.QUEUED, 0.0, None)
    clock.advance(3.0)
    assert provider.status(job_id).status is TakeStatus.RUNNING
    clock.advance(40.0)
    done = provider.status(job_id)
    assert done.status is TakeStatus.SUCCEEDED
    assert done.cost == pytest.approx(40.0)  # seconds of predict_time


def test_a_failed_prediction_keeps_replicates_error(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    fake.fail_next(error="The input or output was flagged as sensitive. (E005)")
    job_id = provider.submit(make_request(refs))
    assert wait_finished(provider, job_id) is TakeStatus.FAILED
    job = provider.status(job_id)
    assert job.error == "The input or output was flagged as sensitive. (E005)"
    with pytest.raises(ProviderError, match="E005") as caught:
        provider.fetch(job_id, tmp_path / "out")
    assert caught.value.retryable is False


def test_an_unknown_prediction_is_failed_not_raised(provider: ReplicateProvider) -> None:
    job = provider.status("nosuchprediction0000000000")
    assert job.status is TakeStatus.FAILED
    assert job.error is not None and "404" in job.error


def test_a_prediction_id_cannot_reach_another_path(provider: ReplicateProvider) -> None:
    with pytest.raises(InputError, match="not a Replicate prediction id"):
        provider.status("../models")


# --- fetch --------------------------------------------------------------------------------------


def test_fetch_downloads_once_and_gives_real_media_and_a_last_frame(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    job_id = provider.submit(make_request(refs))
    assert wait_finished(provider, job_id) is TakeStatus.SUCCEEDED
    delivery = provider.fetch(job_id, tmp_path / "out")

    info = probe(delivery.video)
    assert info.video_codec == "h264"
    assert info.duration_s == pytest.approx(5.0, abs=0.2)
    assert info.has_audio  # generate_audio was on
    with Image.open(delivery.last_frame) as last:
        assert last.format == "PNG"
        assert last.size == (info.width, info.height)
    meta = delivery.metadata
    assert meta["prediction_id"] == job_id
    assert meta["model"] == MODEL
    assert isinstance(meta["version"], str) and len(meta["version"]) == 64
    assert meta["predict_time_s"] == pytest.approx(0.15, abs=0.01)
    assert meta["input"]["prompt"].startswith("[Image1]")  # type: ignore[index]
    assert meta["output_s"] == 5
    assert meta["input_files"] == {"reference_images": 3}
    assert "data:" not in json.dumps(meta)  # the images themselves are not kept

    again = provider.fetch(job_id, tmp_path / "out")
    assert again.video == delivery.video
    assert fake.downloads[job_id] == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{job_id}.mp4", f"{job_id}.last.png", f"{job_id}.json"]
    )


def test_an_output_given_as_a_list_is_fetched_too(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
    tmp_path: Path,
) -> None:
    fake = serve(models={MODEL: FakeModel(("480p", "720p", "1080p"), output_list=True)})
    provider = make_provider(fake)
    job_id = provider.submit(make_request(refs, sound_rule="silent"))
    wait_finished(provider, job_id)
    assert isinstance(fake.prediction_json(job_id)["output"], list)
    delivery = provider.fetch(job_id, tmp_path / "out")
    assert probe(delivery.video).duration_s == pytest.approx(5.0, abs=0.2)
    assert not probe(delivery.video).has_audio


def test_an_expired_output_is_a_clear_error_not_retried(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    job_id = provider.submit(make_request(refs))
    wait_finished(provider, job_id)
    fake.inject("download", "404")
    with pytest.raises(ProviderError, match="expired") as caught:
        provider.fetch(job_id, tmp_path / "out")
    assert caught.value.retryable is False
    assert fake.calls["download"] == 1
    assert not any((tmp_path / "out").iterdir())


def test_a_download_cut_short_or_refused_for_a_while_is_retried(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...], tmp_path: Path
) -> None:
    job_id = provider.submit(make_request(refs))
    wait_finished(provider, job_id)
    fake.inject("download", "malformed", "503")
    delivery = provider.fetch(job_id, tmp_path / "out")
    assert probe(delivery.video).duration_s == pytest.approx(5.0, abs=0.2)
    assert fake.calls["download"] == 3


def test_fetching_a_running_prediction_is_a_retryable_error(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
    tmp_path: Path,
) -> None:
    fake = serve(clock=Clock(), processing_s=60.0)
    provider = make_provider(fake)
    job_id = provider.submit(make_request(refs))
    with pytest.raises(ProviderError, match="nothing to fetch") as caught:
        provider.fetch(job_id, tmp_path / "out")
    assert caught.value.retryable is True


# --- retries ------------------------------------------------------------------------------------


def test_429_and_500_on_create_are_retried_with_growing_backoff(
    fake: FakeReplicate,
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    sleeps: list[float],
) -> None:
    fake.inject("create", "429", "500", "503")
    job_id = provider.submit(make_request(refs))
    assert fake.create_calls == 4
    assert fake.predictions_created == 1 and fake.prediction_ids() == [job_id]
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]  # 0.005-0.01, then 0.02-0.04


def test_a_429_waits_as_long_as_replicate_asks(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
    sleeps: list[float],
) -> None:
    fake = serve(retry_after_s=7)
    provider = make_provider(fake, retry=RetryPolicy(attempts=3, base_s=0.01, cap_s=60.0))
    fake.inject("create", "429")
    provider.submit(make_request(refs))
    assert sleeps == [pytest.approx(7.0)]


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Retry-After": "12"}, {"detail": "Request was throttled."}, 12.0),
        ({}, {"detail": "x", "retry_after": 4}, 4.0),
        ({}, {"detail": "Request was throttled. Your rate limit resets in ~30s."}, 30.0),
        ({}, {"detail": "Request was throttled. Expected available in 1 second."}, 1.0),
        ({}, {"detail": "Request was throttled."}, None),
    ],
)
def test_the_429_hint_is_read_from_header_field_or_detail(
    headers: dict[str, str], body: dict[str, Any], expected: float | None
) -> None:
    response = httpx.Response(429, headers=headers, json=body)
    assert retry_after_hint(response) == expected


def test_reads_are_retried_through_5xx_garbage_and_timeouts(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    job_id = provider.submit(make_request(refs))
    fake.inject("get", "502", "malformed", "reset")
    assert provider.status(job_id).job_id == job_id
    assert fake.calls["get"] == 4


def test_persistent_5xx_gives_up_with_a_retryable_error(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    job_id = provider.submit(make_request(refs))
    fake.inject("get", *["500"] * FAST_RETRY.attempts)
    with pytest.raises(ProviderError, match="gave up after 5 attempts") as caught:
        provider.status(job_id)
    assert caught.value.retryable is True


def test_422_is_not_retried_and_keeps_replicates_detail(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    fake = serve(models={MODEL: FakeModel(("720p",))})  # a model without 480p
    provider = make_provider(fake)
    with pytest.raises(ReplicateAPIError) as caught:
        provider.submit(make_request(refs))
    err = caught.value
    assert (err.status_code, err.retryable, err.title) == (422, False, "Input validation failed")
    assert "input.resolution" in str(err) and "720p" in str(err)
    assert err.invalid_fields[0]["field"] == "input.resolution"
    assert fake.create_calls == 1 and fake.predictions_created == 0


def test_401_is_not_retried_and_names_the_variable_not_the_token(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    wrong = "r8_wrongwrongwrongwrongwrongwrongwrong00"
    provider = make_provider(fake, api_token=wrong)
    with pytest.raises(ReplicateAPIError) as caught:
        provider.submit(make_request(refs))
    assert caught.value.status_code == 401
    assert "REPLICATE_API_TOKEN" in str(caught.value)
    assert "You did not pass a valid authentication token" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(provider)
    assert fake.create_calls == 1


def test_404_for_an_unknown_model_is_not_retried(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    provider = make_provider(fake, model="someone/not-a-video-model")
    with pytest.raises(ReplicateAPIError, match="404") as caught:
        provider.submit(make_request(refs))
    assert caught.value.retryable is False
    assert fake.create_calls == 1


def test_a_missing_token_is_a_clear_input_error_at_first_use(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    provider = make_provider(fake, api_token=None, environ={})
    assert "token=missing" in repr(provider)
    with pytest.raises(InputError, match="REPLICATE_API_TOKEN"):
        provider.submit(make_request(refs))
    assert fake.create_calls == 0


def test_configuration_comes_from_the_environment(tmp_path: Path) -> None:
    env = {
        "REPLICATE_API_TOKEN": TOKEN,
        "SHORTFILM_REPLICATE_MODEL": "bytedance/seedance-2.0-fast",
        "SHORTFILM_REPLICATE_BASE_URL": "https://replicate.example/v1/",
    }
    with ReplicateProvider(tmp_path, environ=env) as provider:
        assert provider.model == "bytedance/seedance-2.0-fast"
        assert provider.base_url == "https://replicate.example/v1"
        assert "token=set" in repr(provider) and TOKEN not in repr(provider)
        assert provider.limits.max_references == 9
        assert provider.limits.durations_s == (4.0, 15.0)
        assert (1920, 1080) not in provider.limits.resolutions  # the fast model stops at 720p
    with ReplicateProvider(tmp_path, environ={}) as default:
        assert (default.model, default.base_url) == (MODEL, "https://api.replicate.com/v1")
    with pytest.raises(InputError, match="plain http"):
        ReplicateProvider(tmp_path, base_url="http://api.replicate.com/v1", environ={})


# --- never paid twice ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "sends"),
    [
        ("timeout-created", 1),
        ("reset-created", 1),
        ("500-created", 1),
        ("malformed", 1),
        ("timeout", 2),
        ("reset", 2),
    ],
)
def test_an_ambiguous_create_is_reconciled_to_exactly_one_prediction(
    fake: FakeReplicate,
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    fault: str,
    sends: int,
) -> None:
    fake.inject("create", fault)
    job_id = provider.submit(make_request(refs))
    assert fake.prediction_ids() == [job_id]
    assert fake.predictions_created == 1
    assert fake.create_calls == sends  # created ones are found, not sent again
    assert fake.calls["list"] >= 1


@pytest.mark.parametrize("echo", ["rewritten", "dropped"])
def test_reconciliation_works_when_replicate_does_not_echo_the_data_urls(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
    echo: str,
) -> None:
    fake = serve(echo_files=echo)
    provider = make_provider(fake)
    fake.inject("create", "reset-created")
    job_id = provider.submit(make_request(refs))
    assert fake.prediction_ids() == [job_id] and fake.create_calls == 1


def test_a_restarted_process_finds_its_prediction_across_pages_and_only_once(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    fake = serve(page_size=2)
    since = time.time()
    request = make_request(refs)
    first = make_provider(fake)
    job_id = first.submit(request)
    for seed in range(1, 6):  # newer predictions push it to the third page
        first.submit(make_request(refs, seed=seed))
    restarted = make_provider(fake)  # a new process: nothing claimed yet
    assert restarted.find_submitted(request, since=since) == job_id
    assert restarted.find_submitted(request, since=since) is None  # already handed out
    assert restarted.find_submitted(make_request(refs, seed=99), since=since) is None
    assert fake.calls["list"] >= 3


def test_recover_returns_the_prediction_a_previous_process_made(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    request = make_request(refs)
    job_id = make_provider(fake).submit(request)
    restarted = make_provider(fake)
    assert restarted.recover(request) == job_id  # from the journal, checked on the server
    assert restarted.recover(request) is None  # already handed out
    assert restarted.recover(make_request(refs, seed=99)) is None  # never sent from here
    assert fake.calls["list"] == 0


def test_recover_finds_a_create_whose_answer_died_with_the_process(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
    tmp_path: Path,
) -> None:
    request = make_request(refs)
    crashing = make_provider(fake, retry=RetryPolicy(attempts=1, base_s=0.01, cap_s=0.01))
    fake.inject("create", "reset-created")
    fake.inject("list", "500")  # and the check for it fails too: the process gives up
    with pytest.raises(ProviderError, match="recover") as caught:
        crashing.submit(request)
    assert caught.value.retryable is True
    journal = json.loads(next((tmp_path / "work" / "replicate-submissions").iterdir()).read_text())
    assert journal["prediction_id"] is None and TOKEN not in json.dumps(journal)
    assert request.prompt_text not in json.dumps(journal)
    restarted = make_provider(fake)
    found = restarted.recover(request)
    assert found is not None and fake.prediction_ids() == [found]
    assert fake.create_calls == 1


def test_a_similar_prediction_is_never_taken_for_ours(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    other = make_provider(fake).submit(make_request(refs, seed=8))  # same prompt, other seed
    provider = make_provider(fake)
    fake.inject("create", "reset")  # lost before it was acted on: must be sent again
    job_id = provider.submit(make_request(refs, seed=7))
    assert job_id != other
    assert fake.predictions_created == 2


def test_identical_requests_each_get_their_own_prediction(
    fake: FakeReplicate, provider: ReplicateProvider, refs: tuple[Reference, ...]
) -> None:
    request = make_request(refs)
    first = provider.submit(request)
    fake.inject("create", "reset")  # the second create is lost
    second = provider.submit(request)
    assert first != second
    assert fake.predictions_created == 2


def test_random_faults_still_make_exactly_one_prediction_per_submit(
    fake: FakeReplicate,
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    provider = make_provider(fake, retry=RetryPolicy(attempts=12, base_s=0.01, cap_s=0.02))
    fake.set_fault_rate(
        0.3, kinds=("429", "500", "reset", "malformed"), ops=("create", "list"), seed=5
    )
    ids = [provider.submit(make_request(refs, seed=seed)) for seed in range(8)]
    assert len(set(ids)) == 8
    assert sorted(fake.prediction_ids()) == sorted(ids)
    assert fake.faults_served  # the faults did happen


def test_input_matching_compares_what_was_sent() -> None:
    sent = {"prompt": "p", "reference_images": ["data:image/png;base64,AA=="], "seed": 1}
    digest = input_digest(sent)
    assert input_matches(sent, digest, {**sent, "resolution": "720p"})  # defaults added
    assert input_matches(sent, digest, {**sent, "reference_images": ["https://x/y.png"]})
    assert not input_matches(sent, digest, {**sent, "seed": 2})
    assert not input_matches(sent, digest, {**sent, "reference_images": []})
    assert not input_matches(sent, digest, {})  # removed after an hour: cannot tell
    assert output_url(["https://a/1.mp4", "https://a/2.mp4"]) == "https://a/1.mp4"
    assert output_url(None) is None


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_stops_a_running_prediction_and_leaves_a_finished_one(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    clock = Clock()
    fake = serve(clock=clock, starting_s=1.0, processing_s=60.0)
    provider = make_provider(fake)
    running = provider.submit(make_request(refs))
    finished = provider.submit(make_request(refs, seed=8))
    clock.advance(2.0)
    job = provider.cancel(running)
    assert job.status is TakeStatus.CANCELLED
    assert fake.prediction_json(running)["status"] == "canceled"
    assert job.cost == pytest.approx(1.0)  # billed for the second it ran
    clock.advance(70.0)
    assert provider.cancel(finished).status is TakeStatus.SUCCEEDED
    assert provider.status(running).status is TakeStatus.CANCELLED


def test_a_deadline_goes_as_cancel_after_and_an_unstarted_prediction_is_aborted(
    serve: Callable[..., FakeReplicate],
    make_provider: Callable[..., ReplicateProvider],
    refs: tuple[Reference, ...],
) -> None:
    clock = Clock()
    fake = serve(clock=clock, starting_s=120.0, processing_s=60.0)
    provider = make_provider(fake, cancel_after="1m")
    job_id = provider.submit(make_request(refs))
    assert create_headers(fake)["cancel-after"] == "1m"
    clock.advance(61.0)
    job = provider.status(job_id)
    assert job.status is TakeStatus.CANCELLED
    assert job.error is not None and "aborted" in job.error and job.cost == 0.0
    with pytest.raises(InputError, match="cancel_after"):
        make_provider(fake, cancel_after="soon")


# --- the token ----------------------------------------------------------------------------------


def test_the_token_appears_in_no_log_message_error_repr_or_file(
    fake: FakeReplicate,
    provider: ReplicateProvider,
    refs: tuple[Reference, ...],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    fake.inject("create", "429", "timeout-created")
    fake.inject("get", "500")
    job_id = provider.submit(make_request(refs))
    wait_finished(provider, job_id)
    delivery = provider.fetch(job_id, tmp_path / "out")
    fake.fail_next()
    failed = provider.submit(make_request(refs, seed=9))
    wait_finished(provider, failed)
    errors.append(provider.status(failed).error or "")
    fake.inject("get", *["503"] * FAST_RETRY.attempts)
    with pytest.raises(ProviderError) as gave_up:
        provider.status(job_id)
    errors.append(str(gave_up.value))
    with pytest.raises(ProviderError) as not_found:
        provider.fetch("nosuchprediction0000000000", tmp_path / "out")
    errors.append(str(not_found.value))

    assert caplog.records  # retries and the reconciliation were logged
    assert TOKEN not in caplog.text
    assert all(TOKEN not in e for e in errors)
    assert TOKEN not in repr(provider) and TOKEN not in str(vars(provider))
    assert TOKEN not in json.dumps(delivery.metadata)
    for path in (tmp_path / "out").iterdir():
        assert TOKEN.encode() not in path.read_bytes()


def test_the_token_goes_only_to_replicate_hosts(provider: ReplicateProvider) -> None:
    origin = provider.base_url.removesuffix("/v1")
    assert provider._may_see_token(f"{origin}/delivery/x/output.mp4")
    assert provider._may_see_token("https://replicate.delivery/xezq/abc/output.mp4")
    assert provider._may_see_token("https://pbxt.replicate.delivery/abc/output.mp4")
    assert not provider._may_see_token("http://replicate.delivery/abc/output.mp4")
    assert not provider._may_see_token("https://evilreplicate.delivery/output.mp4")
    assert not provider._may_see_token("https://cdn.example.com/output.mp4")


# --- the fake itself ----------------------------------------------------------------------------


def test_the_fake_answers_in_replicates_documented_shapes(
    serve: Callable[..., FakeReplicate],
) -> None:
    fake = serve(page_size=1, processing_s=0.05)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    create = f"{fake.base_url}/models/{MODEL}/predictions"
    with httpx.Client(timeout=5.0) as http:
        denied = http.post(create, json={"input": {"prompt": "x"}})
        assert denied.status_code == 401
        assert denied.json() == {
            "title": "Unauthenticated",
            "detail": "You did not pass a valid authentication token",
            "status": 401,
        }
        unknown = http.post(f"{fake.base_url}/models/a/b/predictions", json={}, headers=auth)
        assert unknown.status_code == 404
        bad = http.post(create, json={"input": {"duration": 16, "resolution": "4k"}}, headers=auth)
        assert bad.status_code == 422 and bad.json()["title"] == "Input validation failed"
        fields = {f["field"]: f["type"] for f in bad.json()["invalid_fields"]}
        assert fields == {
            "input": "required",
            "input.duration": "number_lte",
            "input.resolution": "enum",
        }
        assert bad.json()["detail"].startswith("- input: prompt is required\n")
        waited = http.post(
            create, json={"input": {"prompt": "a gull"}}, headers={**auth, "Prefer": "wait=5"}
        )
        body = waited.json()
        assert waited.status_code == 201 and body["status"] == "succeeded"
        assert body["output"].startswith(fake.origin) and body["metrics"]["predict_time"] > 0
        assert set(body["urls"]) >= {"get", "cancel"}
        http.post(create, json={"input": {"prompt": "a crow"}}, headers=auth)
        page = http.get(f"{fake.base_url}/predictions", headers=auth).json()
        assert [r["input"]["prompt"] for r in page["results"]] == ["a crow"]  # newest first
        assert page["previous"] is None and page["next"]
        older = http.get(page["next"], headers=auth).json()
        assert [r["input"]["prompt"] for r in older["results"]] == ["a gull"]
        assert older["next"] is None and older["previous"]
