"""The Seedance adapter against the fake ModelArk server, over real HTTP on 127.0.0.1.

What a paying user relies on: the request carries the references in prompt order with the
right roles, bad clips are refused before anything is sent, transient failures are retried but
a create is never paid twice, results are downloaded once and are real media, and the API key
appears nowhere.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from shortfilm.domain import ClipPlan
from shortfilm.domain.sound import audio_wanted
from shortfilm.errors import InputError, ProviderError
from shortfilm.examples import example_dir
from shortfilm.media.probe import probe
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.render import NamedReference, render_reference_mode
from shortfilm.providers import registry
from shortfilm.providers.base import GenerationRequest, Reference, TakeStatus, VideoProvider
from shortfilm.providers.http import RetryPolicy
from shortfilm.providers.reference_images import encode_file
from shortfilm.providers.seedance import (
    MARKER_MAX_S,
    MARKER_MIN_S,
    ArkAPIError,
    SeedanceProvider,
    estimate_tokens,
)
from shortfilm.spec import load_spec
from shortfilm.testing import FakeModelArk, FakeModelSpec, ManualClock
from shortfilm.testing.fake_seedance_tasks import DEFAULT_MODELS

KEY = "ark-3c5e1f0a-7d2b-4c8e-9f61-test-secret-never-logged"
MODEL = "dreamina-seedance-2-0-260128"
SPEC = example_dir() / "production.yaml"
PRODUCTION = load_spec(SPEC)
REFS = SPEC.parent / "refs"
FAST_RETRY = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.04)
CLIENT_TIMEOUT_S = 1.0


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Result videos encoded once for the whole session, shared by every fake server."""
    return tmp_path_factory.mktemp("fake-ark-media")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock, media_dir: Path) -> Iterator[FakeModelArk]:
    with FakeModelArk(
        api_keys={KEY},
        clock=clock,
        queue_s=1.0,
        latency=4.0,
        media_dir=media_dir,
        timeout_sleep_s=CLIENT_TIMEOUT_S + 0.5,
    ) as server:
        yield server


class Sleeps:
    """Records the waits the adapter asks for, and waits them (they are milliseconds)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def make_provider(
    fake: FakeModelArk,
    tmp_path: Path,
    client: httpx.Client,
    clock: ManualClock,
    sleeps: Sleeps | None = None,
    **overrides: Any,
) -> SeedanceProvider:
    options: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": MODEL,
        "api_key": KEY,
        "client": client,
        "retry": FAST_RETRY,
        "reconcile_grace_s": 0.0,
        "timeout_s": CLIENT_TIMEOUT_S,
        "create_timeout_s": CLIENT_TIMEOUT_S,
        "clock": clock,
        "sleep": sleeps or Sleeps(),
        "environ": {},
    }
    options.update(overrides)
    return SeedanceProvider(tmp_path / "work", **options)


@pytest.fixture
def provider(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock, sleeps: Sleeps
) -> SeedanceProvider:
    return make_provider(fake, tmp_path, client, clock, sleeps)


def clip(name: str = "the-run", **changes: Any) -> ClipPlan:
    base = next(c for c in PRODUCTION.clips if c.name == name)
    if not changes:
        return base
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    fields.update(changes)
    return ClipPlan(**fields)


BOARD_REFS = (
    Reference(REFS / "palette.png", "keyframe", "clip-02 keyframe at 11000 ms"),
    Reference(REFS / "heroine.png", "character", "Kestrel"),
    Reference(REFS / "robot_patrol.png", "character", "Patrol unit"),
    Reference(REFS / "villa_exterior.png", "environment", "Villa exterior"),
)


def request(
    plan: ClipPlan | None = None,
    references: tuple[Reference, ...] = BOARD_REFS,
    **changes: Any,
) -> GenerationRequest:
    plan = plan or clip()
    prompt = render_reference_mode(
        VideoPrompt.from_clip(PRODUCTION.board, plan),
        [NamedReference(r.role, r.label) for r in references],
    )
    fields: dict[str, Any] = {
        "clip": plan,
        "prompt_text": prompt,
        "references": references,
        "duration_s": plan.duration_s,
        "seed": 42,
    }
    fields.update(changes)
    return GenerationRequest(**fields)


def image_file(path: Path, size: tuple[int, int], *, noise: bool = False) -> Path:
    if noise:
        rng = np.random.default_rng(7)
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).save(path)
    else:
        Image.new("RGB", size, (180, 60, 30)).save(path)
    return path


def decode_data_url(url: str) -> tuple[str, bytes]:
    match = re.fullmatch(r"data:(image/[a-z]+);base64,(.+)", url, flags=re.DOTALL)
    assert match, url[:60]
    return match.group(1), base64.b64decode(match.group(2))


# --- the request --------------------------------------------------------------------------------


def test_request_carries_references_in_prompt_order_with_labels_and_fields(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    req = request()
    task_id = provider.submit(req)

    body = fake.task_body(task_id)
    assert body["model"] == MODEL
    text, *images = body["content"]
    assert text == {"type": "text", "text": req.prompt_text}
    # The prompt names each image by its send position, and the images follow in that order.
    for position, ref in enumerate(BOARD_REFS, 1):
        assert f"[Image {position}]" in text["text"]
        line = next(ln for ln in text["text"].splitlines() if ln.startswith(f"[Image {position}]"))
        assert ref.label in line
    assert [i["type"] for i in images] == ["image_url"] * 4
    assert [i["role"] for i in images] == ["reference_image"] * 4
    for item, ref in zip(images, BOARD_REFS, strict=True):
        mime, data = decode_data_url(item["image_url"]["url"])
        assert mime == "image/png"
        assert data == ref.path.read_bytes()  # within limits: the file's own bytes
    assert "Sound rule: Breath, footfalls" in text["text"]
    assert body["duration"] == 13  # 12.5 s rounds half up; the edit trims
    assert (body["resolution"], body["ratio"]) == ("720p", "16:9")
    assert body["seed"] == 42
    assert body["return_last_frame"] is True
    assert body["watermark"] is False
    assert body["generate_audio"] is True  # "No music, no voice" still wants diegetic sound
    assert MARKER_MIN_S <= body["execution_expires_after"] <= MARKER_MAX_S
    assert fake.create_calls == fake.tasks_created == 1


@pytest.mark.parametrize(
    ("rule", "wanted"),
    [
        ("Wind, distant surf and servo whine only. No music, no voice.", True),
        ("Footfalls, blade spin-up whine and one metal impact. No music, no score.", True),
        ("No sound effects; music only.", True),
        ("", True),
        ("Silent.", False),
        ("silent clip", False),
        ("No audio.", False),
        ("No sound at all: the score is laid in the edit.", False),
        ("Completely silent; titles carry the beat.", False),
        ("Mute", False),
    ],
)
def test_generate_audio_follows_the_sound_rule(rule: str, wanted: bool) -> None:
    assert audio_wanted(rule) is wanted


def test_a_silent_clip_is_sent_without_audio(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    task_id = provider.submit(request(clip(sound_rule="Silent: no audio at all.")))
    assert fake.task_body(task_id)["generate_audio"] is False


def test_the_body_is_sent_byte_for_byte_as_json_would_write_it(
    provider: SeedanceProvider, tmp_path: Path
) -> None:
    """The payload is spliced around the data URLs for speed: it must still be exactly the JSON
    of the body, quotes, newlines and non-ASCII in the prompt included."""
    req = request(prompt_text='She says "run" —\n[Image 2] ünïcode \\ @x:0@ "@')
    prepared = provider.prepare(req)
    assert prepared.payload == json.dumps(prepared.body, ensure_ascii=False).encode("utf-8")


def test_the_fingerprint_follows_every_image_byte_and_the_text(
    provider: SeedanceProvider, tmp_path: Path
) -> None:
    """Images enter the fingerprint by digest: one changed pixel must still change it."""
    a = image_file(tmp_path / "a.png", (640, 640))
    b = tmp_path / "b.png"
    with Image.open(a) as img:
        changed = img.copy()
    changed.putpixel((10, 10), (181, 60, 30))
    changed.save(b)
    base = provider.prepare(request(references=(Reference(a, "character", "Kestrel"),)))
    same = provider.prepare(request(references=(Reference(a, "character", "Kestrel"),)))
    other_image = provider.prepare(request(references=(Reference(b, "character", "Kestrel"),)))
    other_text = provider.prepare(
        request(references=(Reference(a, "character", "Kestrel"),), prompt_text="x")
    )
    assert base.fingerprint == same.fingerprint
    assert len({base.fingerprint, other_image.fingerprint, other_text.fingerprint}) == 3


def test_first_and_last_frames_go_with_their_roles(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    refs = (
        Reference(REFS / "heroine.png", "first_frame", "start"),
        Reference(REFS / "villa_exterior.png", "last_frame", "end"),
    )
    task_id = provider.submit(request(references=refs))
    roles = [item.get("role") for item in fake.task_body(task_id)["content"][1:]]
    assert roles == ["first_frame", "last_frame"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_s": 3.2}, "makes 4-15 s"),
        ({"duration_s": 15.6}, "makes 4-15 s"),
        ({"references": BOARD_REFS * 3}, "at most 9"),
        (
            {"references": (*BOARD_REFS[:1], Reference(REFS / "heroine.png", "first_frame", "s"))},
            "cannot be mixed",
        ),
        ({"references": (Reference(REFS / "heroine.png", "last_frame", "e"),)}, "first_frame"),
        ({"width": 1000, "height": 300}, "matches none of the ratios"),
        ({"seed": 2**33}, "seed"),
    ],
)
def test_limits_are_refused_before_anything_is_sent(
    provider: SeedanceProvider, fake: FakeModelArk, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        provider.submit(request(**changes))
    assert fake.create_calls == 0


def test_a_resolution_the_model_lacks_is_refused_before_sending(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    fast = make_provider(fake, tmp_path, client, clock, model="dreamina-seedance-2-0-fast-260128")
    with pytest.raises(InputError, match="1080p"):
        fast.submit(request(width=1920, height=1080))
    assert fake.create_calls == 0


def test_images_over_the_limits_are_rescaled_keeping_their_aspect(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    big = image_file(tmp_path / "big.png", (2400, 1600), noise=True)
    tiny = image_file(tmp_path / "tiny.png", (200, 150))
    prov = make_provider(fake, tmp_path, client, clock, max_image_bytes=300_000)
    refs = (Reference(big, "character", "Big"), Reference(tiny, "environment", "Tiny"))
    task_id = prov.submit(request(references=refs))

    sent = [decode_data_url(i["image_url"]["url"]) for i in fake.task_body(task_id)["content"][1:]]
    (_, big_bytes), (_, tiny_bytes) = sent
    assert len(big_bytes) <= 300_000
    with Image.open(io.BytesIO(big_bytes)) as img:
        assert img.width < 2400 and abs(img.width / img.height - 1.5) < 0.01
    with Image.open(io.BytesIO(tiny_bytes)) as img:
        assert min(img.size) > 300 and abs(img.width / img.height - 200 / 150) < 0.01


def test_an_image_exif_turns_sideways_is_sent_upright(tmp_path: Path) -> None:
    # a phone photo: stored landscape, EXIF orientation 6 says "rotate 90 degrees to view"
    photo = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, exif=exif.tobytes())
    encoded = encode_file(photo)
    assert encoded.resized and (encoded.width, encoded.height) == (600, 800)
    with Image.open(io.BytesIO(decode_data_url(encoded.data_url)[1])) as img:
        assert img.size == (600, 800) and img.getexif().get(0x0112, 1) == 1


def test_a_damaged_png_is_refused_naming_the_file(tmp_path: Path) -> None:
    good = image_file(tmp_path / "good.png", (640, 480), noise=True)
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside the pixel data: its CRC no longer holds
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"bad\.png: not a readable image"):
        encode_file(bad)
    assert encode_file(good).data_url.endswith(base64.b64encode(good.read_bytes()).decode())


def test_a_missing_key_is_a_clear_input_error_at_first_use(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    keyless = make_provider(fake, tmp_path, client, clock, api_key=None)
    assert "missing" in repr(keyless)
    with pytest.raises(InputError, match="ARK_API_KEY"):
        keyless.submit(request())
    assert fake.create_calls == 0


def test_registry_builds_seedance_from_the_environment(
    fake: FakeModelArk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTFILM_SEEDANCE_BASE_URL", fake.base_url)
    monkeypatch.setenv("SHORTFILM_SEEDANCE_MODEL", "doubao-seedance-2-0-260128")
    monkeypatch.setenv("ARK_API_KEY", KEY)
    built = registry.get("seedance", tmp_path)
    assert isinstance(built, SeedanceProvider) and isinstance(built, VideoProvider)
    try:
        assert (built.base_url, built.model) == (fake.base_url, "doubao-seedance-2-0-260128")
        assert (built.name, built.prompt_form, built.cost_unit) == (
            "seedance",
            "reference-mode",
            "tokens",
        )
        assert built.limits.durations_s == (4.0, 15.0) and built.limits.max_references == 9
        assert (1280, 720) in built.limits.resolutions
        assert built.list_tasks().total == 0  # the key from the environment is accepted
    finally:
        built.close()


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="in clear"):
        SeedanceProvider(tmp_path, base_url="http://ark.example.com/api/v3", api_key=KEY)


# --- status -------------------------------------------------------------------------------------


def test_status_moves_from_queued_to_running_to_succeeded_with_tokens(
    provider: SeedanceProvider, clock: ManualClock
) -> None:
    task_id = provider.submit(request(clip(duration_s=5.0)))
    assert provider.status(task_id).status is TakeStatus.QUEUED
    clock.advance(2)
    assert provider.status(task_id).status is TakeStatus.RUNNING
    clock.advance(4)
    job = provider.status(task_id)
    assert job.status is TakeStatus.SUCCEEDED and job.error is None
    assert job.cost == estimate_tokens(1280, 720, 5) == 108_900
    assert provider.estimate_cost(request(clip(duration_s=5.0))) == job.cost


def test_the_estimate_never_undercuts_the_bill(provider: SeedanceProvider) -> None:
    assert provider.estimate_cost(request()) == estimate_tokens(1280, 720, 13)  # 12.5 s -> 13
    assert provider.estimate_cost(request(duration_s=2.0)) == estimate_tokens(1280, 720, 4)


def test_a_failed_task_keeps_the_providers_message(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock
) -> None:
    fake.fail_next_tasks(code="OutputVideoSensitiveContentDetected", message="sensitive output")
    task_id = provider.submit(request())
    clock.advance(10)
    job = provider.status(task_id)
    assert job.status is TakeStatus.FAILED
    assert job.error == "OutputVideoSensitiveContentDetected: sensitive output"
    assert job.cost == 0.0


def test_an_expired_task_is_failed_with_the_reason(
    fake: FakeModelArk, provider: SeedanceProvider, clock: ManualClock
) -> None:
    fake.queue_s = 10 * 86_400.0  # stuck in the queue past its execution deadline
    task_id = provider.submit(request())
    clock.advance(MARKER_MAX_S + 1)
    job = provider.status(task_id)
    assert job.status is TakeStatus.FAILED and job.error and "expired" in job.error.lower()


def test_an_unknown_task_is_failed_not_raised(provider: SeedanceProvider) -> None:
    job = provider.status("cgt-20260101000000-zzzzz")
    assert job.status is TakeStatus.FAILED and job.error and "ResourceNotFound" in job.error


# --- fetch --------------------------------------------------------------------------------------


def test_fetch_downloads_video_and_last_frame_once_as_real_media(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock, tmp_path: Path
) -> None:
    task_id = provider.submit(request(clip(duration_s=5.0)))
    clock.advance(10)
    delivery = provider.fetch(task_id, tmp_path / "takes")

    info = probe(delivery.video)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.duration_s == pytest.approx(5.0, abs=0.1)
    with Image.open(delivery.last_frame) as img:
        assert img.format == "PNG"
    meta = delivery.metadata
    assert meta["task_id"] == task_id and meta["model"] == MODEL
    assert meta["tokens"] == 108_900 and meta["usage"] == {
        "completion_tokens": 108_900,
        "total_tokens": 108_900,
    }
    assert (meta["seed"], meta["resolution"], meta["ratio"], meta["duration"]) == (
        42,
        "720p",
        "16:9",
        5,
    )
    assert meta["last_frame_source"] == "provider"
    assert "X-Tos-Signature" not in json.dumps(meta)  # presigned URLs are not kept

    again = provider.fetch(task_id, tmp_path / "takes")
    assert again == delivery
    assert sorted(fake.downloads.values()) == [1, 1]  # each URL fetched exactly once


def test_a_last_frame_url_that_fails_is_replaced_by_the_videos_last_frame(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock, tmp_path: Path
) -> None:
    task_id = provider.submit(request(clip(duration_s=4.0, sound_rule="silent")))
    clock.advance(10)
    fake.inject("download", "ok", "404")
    delivery = provider.fetch(task_id, tmp_path / "takes")
    assert delivery.metadata["last_frame_source"] == "extracted"
    assert probe(delivery.video).audio_codec is None  # generate_audio was off
    with Image.open(delivery.last_frame) as img:
        assert img.format == "PNG" and img.size == (320, 180)


def test_an_expired_result_url_is_a_clear_error_not_retried(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock, tmp_path: Path
) -> None:
    task_id = provider.submit(request(clip(duration_s=5.0)))
    clock.advance(10 + fake.result_ttl_s)
    with pytest.raises(ProviderError, match="expired") as caught:
        provider.fetch(task_id, tmp_path / "takes")
    assert caught.value.retryable is False
    assert fake.calls["download"] == 1
    assert not list((tmp_path / "takes").glob("*.mp4"))


def test_a_download_cut_short_is_retried(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock, tmp_path: Path
) -> None:
    task_id = provider.submit(request(clip(duration_s=5.0)))
    clock.advance(10)
    fake.inject("download", "malformed", "503")
    delivery = provider.fetch(task_id, tmp_path / "takes")
    assert probe(delivery.video).duration_s == pytest.approx(5.0, abs=0.1)
    assert fake.calls["download"] == 4  # cut, 503, video, last frame


# --- retries and never paying twice --------------------------------------------------------------


def test_429_and_500_on_create_are_retried_with_growing_backoff(
    provider: SeedanceProvider, fake: FakeModelArk, sleeps: Sleeps
) -> None:
    fake.inject("create", "429", "500", "503")
    task_id = provider.submit(request())
    assert fake.create_calls == 4 and fake.tasks_created == 1
    assert fake.task_ids() == [task_id]
    assert len(sleeps.calls) == 3
    # equal jitter: retry n waits within [half, all] of min(cap, base * 2**n)
    for n, wait in enumerate(sleeps.calls):
        ceiling = min(FAST_RETRY.cap_s, FAST_RETRY.base_s * 2**n)
        assert ceiling / 2 <= wait <= ceiling


def test_reads_are_retried_through_5xx_garbage_and_timeouts(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock
) -> None:
    task_id = provider.submit(request())
    clock.advance(10)
    fake.inject("get", "502", "malformed", "timeout")
    assert provider.status(task_id).status is TakeStatus.SUCCEEDED
    assert fake.calls["get"] == 4


def test_persistent_5xx_gives_up_with_a_retryable_error(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    fake.inject("get", *["500"] * FAST_RETRY.attempts)
    with pytest.raises(ProviderError, match="gave up after 5 attempts") as caught:
        provider.status("cgt-20260101000000-aaaaa")
    assert caught.value.retryable is True


def test_400_is_not_retried_and_keeps_the_servers_code(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    fake.models[MODEL] = FakeModelSpec((4, 10), ("480p", "720p"), True)  # a stricter server
    prov = make_provider(fake, tmp_path, client, clock)
    with pytest.raises(ArkAPIError) as caught:
        prov.submit(request())  # 13 s: within the adapter's 4-15, beyond this server's 10
    err = caught.value
    assert (err.status_code, err.code, err.param, err.retryable) == (
        400,
        "InvalidParameter",
        "duration",
        False,
    )
    assert "not supported" in str(err)
    assert fake.create_calls == 1


def test_401_is_not_retried_and_names_the_key_variable_not_the_key(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    wrong = KEY.replace("secret", "wrong!")
    prov = make_provider(fake, tmp_path, client, clock, api_key=wrong)
    with pytest.raises(ArkAPIError) as caught:
        prov.submit(request())
    assert caught.value.status_code == 401 and caught.value.code == "AuthenticationError"
    assert "ARK_API_KEY" in str(caught.value) and wrong not in str(caught.value)
    assert fake.create_calls == 1


def test_404_for_an_unknown_model_is_not_retried(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    prov = make_provider(fake, tmp_path, client, clock, model="dreamina-seedance-2-0-999999")
    with pytest.raises(ArkAPIError) as caught:
        prov.submit(request())
    assert (caught.value.status_code, caught.value.code) == (
        404,
        "InvalidEndpointOrModel.NotFound",
    )
    assert fake.create_calls == 1


@pytest.mark.parametrize("fault", ["timeout-created", "reset-created", "500-created", "malformed"])
def test_a_create_whose_outcome_is_unknown_is_reconciled_not_paid_twice(
    provider: SeedanceProvider, fake: FakeModelArk, fault: str
) -> None:
    fake.inject("create", fault)
    task_id = provider.submit(request())
    assert fake.tasks_created == 1, "the server made exactly one task"
    assert fake.task_ids() == [task_id]
    assert fake.create_calls == 1, "the create was not sent again"
    assert fake.calls["list"] >= 1
    served = httpx.get(fake.origin + "/_fake/stats").json()  # what another process would see
    assert (served["create_calls"], served["tasks_created"]) == (1, 1)


def test_a_create_whose_outcome_stays_unknown_says_how_to_recover(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    fake.inject("create", *["reset"] * FAST_RETRY.attempts)
    with pytest.raises(ProviderError, match="find_submitted") as caught:
        provider.submit(request())
    assert caught.value.retryable is True
    assert fake.tasks_created == 0 and fake.calls["list"] == FAST_RETRY.attempts


def test_a_create_that_never_arrived_is_sent_again(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    fake.inject("create", "timeout", "reset")
    task_id = provider.submit(request())
    assert fake.create_calls == 3 and fake.tasks_created == 1
    assert fake.task_ids() == [task_id]


def test_reconciliation_never_takes_a_task_already_handed_out(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    first = provider.submit(request())  # the same request twice: two takes, two tasks
    fake.inject("create", "timeout-created")
    second = provider.submit(request())
    assert first != second
    assert sorted(fake.task_ids()) == sorted([first, second])
    assert fake.tasks_created == 2


def test_identical_requests_in_parallel_each_get_their_own_task(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    fake.inject("create", "reset-created", "ok", "500-created", "malformed", "ok", "ok")
    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(lambda _: provider.submit(request()), range(6)))
    assert len(set(ids)) == 6
    assert sorted(fake.task_ids()) == sorted(ids) and fake.tasks_created == 6


def test_a_restarted_process_finds_the_task_it_already_made(
    fake: FakeModelArk, tmp_path: Path, client: httpx.Client, clock: ManualClock
) -> None:
    sent_at = clock()
    made = make_provider(fake, tmp_path, client, clock).submit(request())
    clock.advance(30)
    restarted = make_provider(fake, tmp_path, client, clock)
    assert restarted.find_submitted(request(), since=sent_at) == made
    assert restarted.find_submitted(request(), since=sent_at, exclude=[made]) is None
    other = request(seed=7)
    assert restarted.find_submitted(other, since=sent_at) is None


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler catches it."""


class DiesAfterSending(httpx.HTTPTransport):
    """Delivers a create to the server, then "kills" the process before the reply is read."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST":
            response.close()
            raise Killed()
        return response


def test_recover_finds_a_task_whose_create_was_sent_just_before_a_crash(
    fake: FakeModelArk, tmp_path: Path, clock: ManualClock
) -> None:
    with httpx.Client(transport=DiesAfterSending()) as dying, pytest.raises(Killed):
        make_provider(fake, tmp_path, dying, clock).submit(request())
    assert fake.tasks_created == 1
    clock.advance(60)
    with httpx.Client() as fresh:
        restarted = make_provider(fake, tmp_path, fresh, clock)
        assert restarted.recover(request()) == fake.task_ids()[0]
    assert fake.create_calls == 1


def test_recover_returns_the_recorded_task_and_nothing_for_an_unsent_request(
    provider: SeedanceProvider,
    fake: FakeModelArk,
    tmp_path: Path,
    client: httpx.Client,
    clock: ManualClock,
) -> None:
    made = provider.submit(request())
    assert provider.recover(request()) is None  # already handed to its take in this process
    restarted = make_provider(fake, tmp_path, client, clock)
    assert restarted.recover(request()) == made
    calls = dict(fake.calls)
    assert restarted.recover(request(seed=99)) is None
    assert dict(fake.calls) == calls  # never sent from this workdir: not even a lookup
    journal = json.loads(next((tmp_path / "work" / "seedance-submits").glob("*.json")).read_text())
    assert journal["task_id"] == made and KEY not in json.dumps(journal)


def test_random_faults_still_make_exactly_one_task_per_submit(
    provider: SeedanceProvider, fake: FakeModelArk
) -> None:
    fake.set_fault_rate(0.3, kinds=("429", "500", "reset"), ops=("create", "list"), seed=3)
    ids = [provider.submit(request(seed=seed)) for seed in range(8)]
    assert len(set(ids)) == 8
    assert sorted(fake.task_ids()) == sorted(ids)
    assert fake.tasks_created == 8


# --- list, cancel, delete -----------------------------------------------------------------------


def test_list_filters_by_status_and_ids_and_pages(
    provider: SeedanceProvider, clock: ManualClock
) -> None:
    done = provider.submit(request(seed=1))
    clock.advance(10)
    waiting = [provider.submit(request(seed=s)) for s in (2, 3)]
    assert provider.list_tasks().total == 3
    assert [t.id for t in provider.list_tasks(status="succeeded").items] == [done]
    assert {t.id for t in provider.list_tasks(status="queued").items} == set(waiting)
    assert [t.id for t in provider.list_tasks(task_ids=[waiting[0]]).items] == [waiting[0]]
    page = provider.list_tasks(page_num=2, page_size=2, model=MODEL)
    assert page.total == 3 and [t.id for t in page.items] == [done]  # newest first


def test_cancel_a_queued_task_and_delete_a_finished_one(
    provider: SeedanceProvider, clock: ManualClock
) -> None:
    queued = provider.submit(request(seed=1))
    provider.cancel(queued)
    assert provider.status(queued).status is TakeStatus.CANCELLED
    with pytest.raises(ArkAPIError):
        provider.cancel(queued)  # a cancelled task cannot be cancelled again

    running = provider.submit(request(seed=2))
    clock.advance(2)
    with pytest.raises(ArkAPIError) as caught:
        provider.cancel(running)
    assert caught.value.retryable is False

    clock.advance(10)
    provider.cancel(running)  # now succeeded: deleted
    assert provider.status(running).status is TakeStatus.FAILED
    with pytest.raises(ArkAPIError) as gone:
        provider.cancel(running)
    assert gone.value.status_code == 404


# --- the key ------------------------------------------------------------------------------------


def test_the_api_key_appears_in_no_log_message_error_repr_or_file(
    fake: FakeModelArk,
    tmp_path: Path,
    client: httpx.Client,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    prov = make_provider(fake, tmp_path, client, clock)
    errors: list[str] = [repr(prov), str(vars(prov))]
    fake.inject("create", "500", "timeout-created")
    task_id = prov.submit(request())
    clock.advance(10)
    prov.fetch(task_id, tmp_path / "takes")
    for bad in (
        lambda: prov.submit(request(duration_s=30.0)),
        lambda: make_provider(fake, tmp_path, client, clock, api_key=KEY + "x").submit(request()),
        lambda: prov.fetch("cgt-20260101000000-zzzzz", tmp_path / "takes"),
    ):
        with pytest.raises(Exception) as caught:
            bad()
        errors += [str(caught.value), repr(caught.value)]
    assert KEY not in caplog.text
    assert not any(KEY in e for e in errors)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_a_server_message_echoing_the_key_is_redacted(tmp_path: Path) -> None:
    """Defence in depth (httpx MockTransport: the fake never echoes keys)."""

    def handler(req: httpx.Request) -> httpx.Response:
        error = {"code": "AuthenticationError", "message": f"bad key {KEY}", "type": "x"}
        return httpx.Response(401, json={"error": error})

    with httpx.Client(transport=httpx.MockTransport(handler)) as mock:
        prov = SeedanceProvider(
            tmp_path, base_url="https://ark.invalid/api/v3", api_key=KEY, client=mock
        )
        with pytest.raises(ArkAPIError) as caught:
            prov.list_tasks()
    assert KEY not in str(caught.value) and "<redacted>" in str(caught.value)


def test_the_fake_knows_every_default_model_the_adapter_knows() -> None:
    from shortfilm.providers.seedance import MODELS

    assert set(DEFAULT_MODELS) <= set(MODELS)


@pytest.mark.parametrize("kept", ["half", "all"])
def test_a_download_broken_off_is_resumed_not_repeated(
    provider: SeedanceProvider, fake: FakeModelArk, clock: ManualClock, tmp_path: Path, kept: str
) -> None:
    task_id = provider.submit(request(clip(duration_s=5.0)))
    clock.advance(10)
    first = provider.fetch(task_id, tmp_path / "one")
    whole = first.video.read_bytes()
    downloads = dict(fake.downloads)
    # a process killed mid-transfer leaves the bytes it had received in the partial file
    folder = tmp_path / "two"
    folder.mkdir()
    partial = folder / f".{task_id}.mp4.partial"
    partial.write_bytes(whole[: len(whole) // 2] if kept == "half" else whole)
    again = provider.fetch(task_id, folder)
    assert again.video.read_bytes() == whole
    video_path = next(p for p in fake.downloads if p.endswith(".mp4"))
    assert fake.downloads[video_path] == downloads[video_path], "not downloaded in full again"
    assert fake.resumed_downloads[video_path] == 1
    assert not partial.exists()
