"""The fake ModelArk server driven by the official SDK: proof that it speaks the real protocol.

If the fake and the adapter shared a misunderstanding, the adapter's tests would still pass;
the SDK (``volcengine-python-sdk[ark]``, Ark runtime client) is ByteDance's own reading of the
API, so a round trip through it checks the fake against the vendor, not against us.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from shortfilm.media.probe import probe
from shortfilm.testing import FakeModelArk, ManualClock

ark = pytest.importorskip(
    "volcenginesdkarkruntime",
    reason="the official SDK is not installed: pip install 'volcengine-ark-runtime>=5.0.54' "
    "(it is in the test extras)",
)
# The SDK exports its error classes only from this private module.
errors = pytest.importorskip("volcenginesdkarkruntime._exceptions")

KEY = "ark-0b7e4d2c-sdk-contract-test-key"
MODEL = "dreamina-seedance-2-0-260128"
TASK_ID = re.compile(r"^cgt-\d{14}-[a-z0-9]{5}$")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeModelArk]:
    media = tmp_path_factory.getbasetemp() / "fake-ark-media"
    with FakeModelArk(
        api_keys={KEY}, clock=clock, queue_s=1.0, latency=3.0, media_dir=media
    ) as server:
        yield server


@pytest.fixture
def client(fake: FakeModelArk) -> Iterator[Any]:
    sdk = ark.Ark(base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=10)
    try:
        yield sdk
    finally:
        sdk.close()


def png_data_url(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def reference_content() -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": "[Image 1] is the heroine. [Image 2] is the villa."},
        {
            "type": "image_url",
            "image_url": {"url": png_data_url((640, 360), (200, 40, 40))},
            "role": "reference_image",
        },
        {
            "type": "image_url",
            "image_url": {"url": png_data_url((640, 360), (40, 40, 200))},
            "role": "reference_image",
        },
    ]


def test_create_get_list_delete_round_trip_through_the_sdk(
    client: Any, fake: FakeModelArk, clock: ManualClock, tmp_path: Path
) -> None:
    created = client.content_generation.tasks.create(
        model=MODEL,
        content=reference_content(),
        duration=5,
        resolution="720p",
        ratio="16:9",
        seed=11,
        generate_audio=True,
        return_last_frame=True,
        watermark=False,
        execution_expires_after=100_000,
    )
    assert TASK_ID.match(created.id)
    assert fake.tasks_created == 1
    sent = fake.task_body(created.id)
    assert [item.get("role") for item in sent["content"][1:]] == ["reference_image"] * 2

    queued = client.content_generation.tasks.get(task_id=created.id)
    assert (queued.status, queued.model) == ("queued", MODEL)
    assert queued.execution_expires_after == 100_000 and queued.generate_audio is True
    assert queued.content is None and queued.usage is None

    clock.advance(2)
    assert client.content_generation.tasks.get(task_id=created.id).status == "running"

    clock.advance(5)
    done = client.content_generation.tasks.get(task_id=created.id)
    assert done.status == "succeeded"
    assert (done.seed, done.duration, done.ratio, done.resolution) == (11, 5, "16:9", "720p")
    assert done.framespersecond == 24
    assert done.usage.completion_tokens == done.usage.total_tokens == 108_900
    assert done.created_at <= done.updated_at

    # The result URLs are plain presigned downloads: no SDK, no key.
    video = tmp_path / "result.mp4"
    with httpx.Client() as http:
        video.write_bytes(http.get(done.content.video_url).raise_for_status().content)
        frame = http.get(done.content.last_frame_url).raise_for_status().content
    info = probe(video)
    assert info.video_codec == "h264" and info.duration_s == pytest.approx(5.0, abs=0.1)
    assert frame.startswith(b"\x89PNG")

    listing = client.content_generation.tasks.list(
        page_num=1, page_size=10, status="succeeded", model=MODEL, task_ids=[created.id]
    )
    assert listing.total == 1 and [t.id for t in listing.items] == [created.id]
    assert listing.items[0].usage.total_tokens == 108_900
    assert client.content_generation.tasks.list(status="queued").total == 0

    client.content_generation.tasks.delete(created.id)
    with pytest.raises(errors.ArkNotFoundError) as gone:
        client.content_generation.tasks.get(task_id=created.id)
    assert gone.value.status_code == 404 and gone.value.code == "ResourceNotFound"


def test_cancel_a_queued_task_through_the_sdk(client: Any, clock: ManualClock) -> None:
    created = client.content_generation.tasks.create(model=MODEL, content=reference_content())
    client.content_generation.tasks.delete(created.id)
    assert client.content_generation.tasks.get(task_id=created.id).status == "cancelled"
    clock.advance(60)
    assert client.content_generation.tasks.get(task_id=created.id).status == "cancelled"


def test_the_sdk_reads_the_fakes_error_envelopes(client: Any, fake: FakeModelArk) -> None:
    with pytest.raises(errors.ArkNotFoundError) as unknown_model:
        client.content_generation.tasks.create(
            model="seedance-9-9-nope", content=reference_content()
        )
    assert unknown_model.value.code == "InvalidEndpointOrModel.NotFound"

    mixed = [
        *reference_content(),
        {
            "type": "image_url",
            "image_url": {"url": png_data_url((640, 360), (0, 0, 0))},
            "role": "first_frame",
        },
    ]
    with pytest.raises(errors.ArkBadRequestError) as bad_mode:
        client.content_generation.tasks.create(model=MODEL, content=mixed)
    assert bad_mode.value.status_code == 400 and bad_mode.value.code == "InvalidParameter"
    assert "first/last frame content cannot be mixed with reference media content" in str(
        bad_mode.value
    )

    with pytest.raises(errors.ArkBadRequestError) as r2v_on_15:
        client.content_generation.tasks.create(
            model="seedance-1-5-pro-251215", content=reference_content()
        )
    assert r2v_on_15.value.param == "task_type"

    stranger = ark.Ark(base_url=fake.base_url, api_key="ark-not-this-one", max_retries=0)
    try:
        with pytest.raises(errors.ArkAuthenticationError) as denied:
            stranger.content_generation.tasks.list()
        assert denied.value.status_code == 401 and denied.value.code == "AuthenticationError"
    finally:
        stranger.close()
    assert fake.tasks_created == 0
