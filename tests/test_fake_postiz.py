"""The fake Postiz server speaks the public API as Postiz's controller does: raw-key auth, the
multipart upload, posts (now, schedule, draft) listed by their publish window, delete, analytics,
the hourly request limit with Retry-After, and answers lost after the post was made.

Publishing is tested against this server, so it is held to the protocol here, by plain HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shortfilm.testing.fake_postiz import FakePostiz, Integration

KEY = "postiz-test-key-0123"
TIKTOK = Integration("cm-tt-1", "Wasteland TikTok", "tiktok")
REELS = Integration("cm-ig-1", "Wasteland Reels", "instagram-standalone")


def call(
    fake: FakePostiz,
    method: str,
    route: str,
    body: Any = None,
    *,
    key: str | None = KEY,
    raw: bytes | None = None,
    ctype: str = "application/json",
) -> tuple[int, Any, dict[str, str]]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(fake.base_url + route, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", ctype)
    if key is not None:
        request.add_header("Authorization", key)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), dict(exc.headers)


def upload(fake: FakePostiz, name: str, data: bytes) -> dict[str, Any]:
    boundary = uuid.uuid4().hex
    raw = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, saved, _ = call(
        fake, "POST", "/upload", raw=raw, ctype=f"multipart/form-data; boundary={boundary}"
    )
    assert status == 201, saved
    return saved  # type: ignore[no-any-return]


def post_body(kind: str, when: datetime, integration: str, content: str, image: Any) -> Any:
    return {
        "type": kind,
        "date": when.isoformat(),
        "shortLink": False,
        "tags": [],
        "posts": [
            {
                "integration": {"id": integration},
                "value": [{"content": content, "image": image}],
                "settings": {},
            }
        ],
    }


@pytest.fixture
def fake() -> Iterator[FakePostiz]:
    with FakePostiz(api_keys=[KEY], integrations=[TIKTOK, REELS], timeout_sleep_s=0.2) as server:
        yield server


def window(fake: FakePostiz, start: datetime, end: datetime) -> list[dict[str, Any]]:
    def iso(when: datetime) -> str:
        return when.isoformat().replace("+00:00", "Z")

    status, found, _ = call(fake, "GET", f"/posts?startDate={iso(start)}&endDate={iso(end)}")
    assert status == 200, found
    return found["posts"]  # type: ignore[no-any-return]


def test_the_key_goes_raw_in_authorization(fake: FakePostiz) -> None:
    assert call(fake, "GET", "/integrations", key=None)[:2] == (401, {"msg": "No API Key found"})
    assert call(fake, "GET", "/integrations", key="Bearer " + KEY)[:2] == (
        401,
        {"msg": "Invalid API key"},
    )
    status, listed, _ = call(fake, "GET", "/integrations")
    assert status == 200
    assert [(i["id"], i["identifier"]) for i in listed] == [
        ("cm-tt-1", "tiktok"),
        ("cm-ig-1", "instagram-standalone"),
    ]


def test_upload_then_post_now_schedule_and_draft_listed_by_their_window(fake: FakePostiz) -> None:
    saved = upload(fake, "film.mp4", b"\x00\x00\x00\x18ftypmp42 video bytes")
    assert fake.upload_bytes(saved["id"]) == b"\x00\x00\x00\x18ftypmp42 video bytes"
    media = [{"id": saved["id"], "path": saved["path"]}]
    now = datetime.now(UTC)
    status, made, _ = call(
        fake, "POST", "/posts", post_body("now", now, TIKTOK.id, "Now #film", media)
    )
    assert status == 201 and len(made) == 1 and made[0]["integration"] == TIKTOK.id
    later = now + timedelta(hours=3)
    status, scheduled, _ = call(
        fake, "POST", "/posts", post_body("schedule", later, REELS.id, "Later", media)
    )
    assert status == 201
    status, draft, _ = call(
        fake, "POST", "/posts", post_body("draft", later, REELS.id, "Draft", media)
    )
    assert status == 201
    listed = {p["id"]: p for p in window(fake, now - timedelta(minutes=5), now + timedelta(days=1))}
    assert listed[made[0]["postId"]]["state"] == "PUBLISHED"
    assert listed[made[0]["postId"]]["releaseURL"].startswith("https://tiktok.example/")
    assert listed[scheduled[0]["postId"]]["state"] == "QUEUE"
    assert listed[draft[0]["postId"]]["state"] == "DRAFT"
    assert (
        listed[scheduled[0]["postId"]]["integration"]["providerIdentifier"]
        == "instagram-standalone"
    )
    assert json.loads(listed[made[0]["postId"]]["image"]) == media
    # outside the window: not listed
    assert window(fake, now + timedelta(hours=4), now + timedelta(hours=5)) == []
    # delete takes the post away; a second delete finds nothing
    assert call(fake, "DELETE", f"/posts/{draft[0]['postId']}")[0] == 200
    assert call(fake, "DELETE", f"/posts/{draft[0]['postId']}")[0] == 404
    assert draft[0]["postId"] not in {p["id"] for p in window(fake, now, now + timedelta(days=1))}
    # metrics of a published post
    fake.set_metrics(
        made[0]["postId"],
        [
            {
                "label": "Views",
                "data": [{"total": "1200", "date": "2026-12-07"}],
                "percentageChange": 0,
            }
        ],
    )
    status, metrics, _ = call(fake, "GET", f"/analytics/post/{made[0]['postId']}?date=7")
    assert status == 200 and metrics[0]["label"] == "Views"
    assert call(fake, "GET", f"/analytics/post/{scheduled[0]['postId']}?date=7")[1] == []


def test_bad_posts_are_refused_as_postiz_refuses_them(fake: FakePostiz) -> None:
    now = datetime.now(UTC)
    status, said, _ = call(fake, "POST", "/posts", post_body("now", now, "nope", "x", []))
    assert status == 400 and said["message"] == "Integration with id nope not found"
    status, said, _ = call(
        fake, "POST", "/posts", post_body("schedule", now - timedelta(hours=2), TIKTOK.id, "x", [])
    )
    assert status == 400 and "is in the past" in said["message"]
    status, said, _ = call(
        fake,
        "POST",
        "/posts",
        post_body("now", now, TIKTOK.id, "x", [{"id": "never", "path": "/x"}]),
    )
    assert status == 400 and "upload API route" in said["message"]
    assert call(fake, "POST", "/upload", raw=b"x", ctype="text/plain")[:2] == (
        400,
        {"msg": "No file provided"},
    )
    assert call(fake, "GET", "/posts?startDate=yesterday")[0] == 400
    assert fake.live_posts() == []


def test_the_hourly_limit_answers_429_with_when_the_next_slot_is() -> None:
    with FakePostiz(api_keys=[KEY], integrations=[TIKTOK], limit=3, window_s=60) as fake:
        for _ in range(3):
            assert call(fake, "GET", "/integrations")[0] == 200
        status, said, headers = call(fake, "GET", "/integrations")
        assert status == 429 and "Too Many Requests" in said["message"]
        assert 1 <= int(headers["Retry-After"]) <= 60
        assert fake.refused_429 == 1


def test_a_lost_answer_after_the_post_was_made_leaves_the_post_there(fake: FakePostiz) -> None:
    now = datetime.now(UTC)
    fake.inject("create", "500-created", "reset-created")
    status, _, _ = call(fake, "POST", "/posts", post_body("now", now, TIKTOK.id, "one", []))
    assert status == 500
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(fake, "POST", "/posts", post_body("now", now, TIKTOK.id, "two", []))
    assert sorted(p.content for p in fake.live_posts()) == ["one", "two"]
    assert sorted(
        p["content"] for p in window(fake, now - timedelta(minutes=1), now + timedelta(minutes=1))
    ) == ["one", "two"]
