"""A fake Postiz public API on 127.0.0.1, for tests and benchmarks of publishing.

It speaks the routes of Postiz's public API controller (``apps/backend/src/public-api/routes/v1/
public.integrations.controller.ts`` in gitroomhq/postiz-app) under ``/public/v1`` (a self-hosted
server serves them under ``/api/public/v1``; ``prefix`` picks), with the shapes its services
return:

- auth: the API key raw in ``Authorization`` (no "Bearer"); none -> 401 ``{"msg": "No API Key
  found"}``, a wrong one -> 401 ``{"msg": "Invalid API key"}``;
- ``GET /integrations`` -> ``[{id, name, identifier, picture, disabled, profile, customer}]``;
- ``POST /upload`` (multipart, field ``file``) -> the saved media ``{id, name, path,
  organizationId, ...}``; no file -> 400 ``{"msg": "No file provided"}``;
- ``POST /posts`` with ``{type: draft|schedule|now, date, shortLink, tags, posts: [{integration:
  {id}, value: [{content, image: [{id, path}]}], settings}]}`` -> ``[{postId, integration}]``, one
  per post; an unknown integration -> 400 ``Integration with id X not found``; a ``schedule``
  more than a minute in the past -> 400 (it would publish at once);
- ``GET /posts?startDate=&endDate=`` (ISO, both required) -> ``{posts: [...]}``, the posts not
  deleted whose publish date is in the window, each ``{id, content, publishDate, releaseURL,
  releaseId, state, group, creationMethod, settings, tags, integration: {id, providerIdentifier,
  name, picture}}``;
- ``DELETE /posts/:id`` deletes the post's group -> ``{id}``;
- ``GET /analytics/post/:postId?date=N`` -> ``[{label, data: [{total, date}], percentageChange}]``
  (what :meth:`FakePostiz.set_metrics` gave it; ``[]`` before).

A ``now`` post is published at once; a ``schedule`` one when its date has passed (read on every
request), with a ``releaseURL`` of the platform; while ``workers_paused`` nothing queued goes
out (Postiz's workers send a ``now`` post after the create has answered, so a client first sees
it queued). The cloud allows about 30 requests an hour: every
request past ``limit`` in ``window_s`` gets 429 with ``Retry-After`` (seconds until a slot frees).
Faults (``inject``): ``429``, ``500``, ``timeout``, ``reset`` before the work, and for ``create``
and ``upload`` the ``-created`` kinds, which do the work and then lose the answer.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from shortfilm.testing.fake_postiz_http import Handler, PostizError
from shortfilm.testing.server import FakeServerBase, TrackingServer

log = logging.getLogger("shortfilm.testing.fake_postiz")


@dataclass
class Integration:
    id: str
    name: str
    identifier: str
    """The provider: ``tiktok``, ``youtube``, ``instagram-standalone``, ``x`` ..."""
    disabled: bool = False


@dataclass
class FakePost:
    id: str
    group: str
    integration: Integration
    content: str
    images: list[dict[str, Any]]
    publish_date: datetime
    state: str
    settings: dict[str, Any]
    tags: list[dict[str, Any]]
    created_at: datetime
    deleted: bool = False
    release_url: str | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "content": self.content,
            "publishDate": _iso(self.publish_date),
            "releaseURL": self.release_url,
            "releaseId": self.id if self.release_url else None,
            "state": self.state,
            "intervalInDays": None,
            "group": self.group,
            "creationMethod": "API",
            "settings": json.dumps(self.settings),
            "image": json.dumps(self.images),
            "tags": [{"tag": {"name": t.get("label") or t.get("value")}} for t in self.tags],
            "integration": {
                "id": self.integration.id,
                "providerIdentifier": self.integration.identifier,
                "name": self.integration.name,
                "picture": None,
            },
        }


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_date(text: str, what: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise PostizError(
            400, {"statusCode": 400, "message": [f"{what} must be a valid ISO 8601 date string"]}
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class FakePostiz(FakeServerBase):
    """The fake server and its state; ``with FakePostiz(...) as fake:`` serves it."""

    name = "FakePostiz"
    ops: ClassVar[tuple[str, ...]] = (
        "integrations",
        "upload",
        "create",
        "list",
        "delete",
        "analytics",
    )
    faults: ClassVar[tuple[str, ...]] = (
        "429",
        "500",
        "timeout",
        "reset",
        "500-created",
        "timeout-created",
        "reset-created",
    )
    created_ops: ClassVar[tuple[str, ...]] = ("create", "upload")

    def __init__(
        self,
        *,
        api_keys: Iterable[str],
        integrations: Iterable[Integration] = (),
        prefix: str = "/public/v1",
        limit: int | None = None,
        window_s: float = 3600.0,
        timeout_sleep_s: float = 5.0,
        seed: int = 0,
    ) -> None:
        self.api_keys = frozenset(api_keys)
        if not self.api_keys:
            raise ValueError("FakePostiz needs at least one API key")
        self.integrations = {i.id: i for i in integrations}
        self.prefix = prefix.rstrip("/")
        self.limit, self.window_s = limit, window_s
        self.timeout_sleep_s = timeout_sleep_s
        self.workers_paused = False
        super().__init__(media_dir=None, media_prefix="shortfilm-fake-postiz-", seed=seed)
        self.posts: dict[str, FakePost] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, int] = {op: 0 for op in self.ops}
        self.refused_429 = 0
        self._recent: deque[float] = deque()
        self._clock_lock = threading.Lock()

    def _new_server(self, address: tuple[str, int]) -> TrackingServer[Any]:
        return TrackingServer(address, Handler, logger=log, label="fake Postiz")

    @property
    def base_url(self) -> str:
        """What a Postiz target is configured with: the origin and the prefix."""
        return self.origin + self.prefix

    # What tests read and set -----------------------------------------------------------------

    def live_posts(self) -> list[FakePost]:
        with self._lock:
            self._publish_due()
            return [p for p in self.posts.values() if not p.deleted]

    def set_metrics(self, post_id: str, metrics: list[dict[str, Any]]) -> None:
        with self._lock:
            self.posts[post_id].metrics = metrics

    def upload_bytes(self, upload_id: str) -> bytes:
        return (self.media_dir / upload_id).read_bytes()

    # The service -----------------------------------------------------------------------------

    def check_auth(self, header: str | None) -> None:
        if not header:
            raise PostizError(401, {"msg": "No API Key found"})
        if header not in self.api_keys:
            raise PostizError(401, {"msg": "Invalid API key"})

    def take_slot(self) -> None:
        """Count a request against the hourly limit; 429 with ``Retry-After`` past it."""
        if self.limit is None:
            return
        now = time.monotonic()
        with self._clock_lock:
            while self._recent and now - self._recent[0] >= self.window_s:
                self._recent.popleft()
            if len(self._recent) >= self.limit:
                wait = self.window_s - (now - self._recent[0])
                self.refused_429 += 1
                raise PostizError(
                    429,
                    {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"},
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            self._recent.append(now)

    def _publish_due(self) -> None:
        if self.workers_paused:
            return
        now = datetime.now(UTC)
        for post in self.posts.values():
            if post.state == "QUEUE" and post.publish_date <= now and not post.deleted:
                post.state = "PUBLISHED"
                post.release_url = f"https://{post.integration.identifier}.example/p/{post.id}"

    def upload(self, filename: str, data: bytes) -> dict[str, Any]:
        media_id = uuid.uuid4().hex[:24]
        (self.media_dir / media_id).write_bytes(data)
        saved = {
            "id": media_id,
            "name": filename,
            "path": f"{self.origin}/uploads/{media_id}/{Path(filename).name}",
            "organizationId": "org-fake",
            "thumbnail": None,
            "alt": None,
        }
        with self._lock:
            self.uploads[media_id] = saved
        return saved

    def create(self, body: Any) -> list[dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise PostizError(400, {"statusCode": 400, "message": "posts must be an array"})
        kind = body.get("type")
        if kind not in ("draft", "schedule", "now"):
            raise PostizError(
                400, {"statusCode": 400, "message": ["type must be one of draft, schedule, now"]}
            )
        when = _parse_date(str(body.get("date", "")), "date")
        now = datetime.now(UTC)
        if kind == "schedule" and when < now - timedelta(minutes=1):
            raise PostizError(
                400,
                {
                    "statusCode": 400,
                    "message": f"Publish date {when:%Y-%m-%d %H:%M} UTC is in the past - saving "
                    "would publish immediately. Pick a future date, or use type 'now' to "
                    "intentionally publish right now.",
                },
            )
        made: list[dict[str, str]] = []
        with self._lock:
            for entry in body["posts"]:
                integration_id = str((entry.get("integration") or {}).get("id", ""))
                integration = self.integrations.get(integration_id)
                if integration is None or integration.disabled:
                    raise PostizError(
                        400,
                        {
                            "statusCode": 400,
                            "message": f"Integration with id {integration_id} not found",
                        },
                    )
                values = entry.get("value") or []
                if not values or not all(isinstance(v, dict) for v in values):
                    raise PostizError(
                        400, {"statusCode": 400, "message": "value must be a non-empty array"}
                    )
                for image in (img for v in values for img in (v.get("image") or [])):
                    if image.get("id") not in self.uploads:
                        raise PostizError(
                            400,
                            {
                                "statusCode": 400,
                                "message": "All media must be uploaded through our upload "
                                "API route",
                            },
                        )
            for entry in body["posts"]:
                integration = self.integrations[str(entry["integration"]["id"])]
                group = uuid.uuid4().hex
                first: FakePost | None = None
                for value in entry["value"]:
                    post = FakePost(
                        id=uuid.uuid4().hex[:24],
                        group=group,
                        integration=integration,
                        content=str(value.get("content", "")),
                        images=list(value.get("image") or []),
                        publish_date=now if kind == "now" else when,
                        state="DRAFT" if kind == "draft" else "QUEUE",
                        settings={
                            **(entry.get("settings") or {}),
                            "__type": integration.identifier,
                        },
                        tags=list(body.get("tags") or []),
                        created_at=now,
                    )
                    self.posts[post.id] = post
                    first = first or post
                assert first is not None
                made.append({"postId": first.id, "integration": integration.id})
            self._publish_due()
        return made

    def list_posts(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        start = _parse_date((query.get("startDate") or [""])[0], "startDate")
        end = _parse_date((query.get("endDate") or [""])[0], "endDate")
        with self._lock:
            self._publish_due()
            found = [
                p.as_json()
                for p in sorted(self.posts.values(), key=lambda p: p.publish_date)
                if not p.deleted and start <= p.publish_date <= end
            ]
        return {"posts": found}

    def delete(self, post_id: str) -> dict[str, Any]:
        with self._lock:
            post = self.posts.get(post_id)
            if post is None or post.deleted:
                raise PostizError(404, {"statusCode": 404, "message": "Post not found"})
            for other in self.posts.values():
                if other.group == post.group:
                    other.deleted = True
        return {"id": post_id}

    def analytics(self, post_id: str) -> Any:
        with self._lock:
            self._publish_due()
            post = self.posts.get(post_id)
            if post is None or post.deleted or post.release_url is None:
                return []
            return post.metrics
