"""The ``postiz`` target: Postiz's public API (self-hosted, or its cloud).

Three calls make a post (read from Postiz's public API controller and its post DTOs):
``POST {url}/upload`` (multipart ``file``) answers the saved media ``{id, path}``; ``POST
{url}/posts`` with ``{type: now|schedule, date, shortLink, tags, posts: [{integration: {id},
value: [{content, image: [{id, path}]}], settings}]}`` answers ``[{postId, integration}]``;
``GET {url}/posts?startDate=&endDate=`` lists the posts in a window. The API key goes raw in
``Authorization`` (no "Bearer") and is read from ``POSTIZ_API_KEY`` at the moment of sending:
it is never stored or printed.

Reconciling: the upload's answer is stored on the publication before the post is created, so
a create whose answer was lost is found again by listing the window around its date and taking
the post of this integration that carries this upload -- no post is made twice. Postiz's cloud
allows about 30 requests an hour; a 429 is :class:`~shortfilm.publish.targets.Paced` with the
time ``Retry-After`` names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shortfilm.domain.publishing import PublicationState
from shortfilm.domain.social_accounts import POSTIZ_KEY_ENV
from shortfilm.publish.targets import Outgoing, Paced, Refused, Sent, Unanswered

MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""Postiz's answers are small JSON; a list of a day's posts stays well under this."""
WINDOW = timedelta(hours=2)
"""How far around a post's date a reconciling attempt looks for it."""
PROVIDER = {
    "tiktok": "tiktok",
    "youtube-shorts": "youtube",
    "instagram-reels": "instagram-standalone",
    "x": "x",
    "linkedin": "linkedin",
    "facebook": "facebook",
}
"""Postiz's provider identifier for each platform, the ``__type`` of a post's settings."""


class PostizTarget:
    """See the module docstring."""

    def __init__(self, url: str, integration: str, client: httpx.Client) -> None:
        self.url, self.integration, self.client = url.rstrip("/"), integration, client

    # the protocol ------------------------------------------------------------------------------

    def find(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent | None:
        if not upload or not upload.get("id"):
            return None  # no media reached Postiz, so no post can carry it
        date = _date(str(upload.get("date") or ""))
        start, end = (date or datetime.now(UTC)) - WINDOW, (date or datetime.now(UTC)) + WINDOW
        answer = self._call(
            self._who(out.account.name),
            "GET",
            "/posts",
            params={"startDate": _iso(start), "endDate": _iso(end)},
        )
        posts = answer.get("posts") if isinstance(answer, dict) else None
        for post in posts if isinstance(posts, list) else []:
            if not isinstance(post, dict):
                continue
            integration = post.get("integration") or {}
            if str(integration.get("id")) != self.integration:
                continue
            if str(upload["id"]) in {str(i.get("id")) for i in _images(post.get("image"))}:
                return _sent(post)
        return None

    def upload(self, out: Outgoing) -> Mapping[str, Any] | None:
        with out.video.open("rb") as fh:
            files = {"file": (f"{out.mark}.mp4", fh, "video/mp4")}
            answer = self._call(self._who(out.account.name), "POST", "/upload", files=files)
        if not isinstance(answer, dict) or not answer.get("id") or not answer.get("path"):
            raise Unanswered(
                f"{self._who(out.account.name)}: the upload's answer names no media id and path"
            )
        when = out.at if out.at is not None else datetime.now(UTC)
        return {"id": str(answer["id"]), "path": str(answer["path"]), "date": _iso(when)}

    def create(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent:
        assert upload is not None, "a Postiz post carries its uploaded film"
        date = _date(str(upload.get("date") or "")) or datetime.now(UTC)
        scheduled = out.at is not None and out.at > datetime.now(UTC) + timedelta(minutes=1)
        settings: dict[str, Any] = {"__type": PROVIDER.get(out.account.platform, "")}
        if out.title:
            settings["title"] = out.title
        body = {
            "type": "schedule" if scheduled else "now",
            "date": _iso(date),
            "shortLink": False,
            "tags": [],
            "posts": [
                {
                    "integration": {"id": self.integration},
                    "value": [
                        {
                            "content": out.text,
                            "image": [{"id": upload["id"], "path": upload["path"]}],
                        }
                    ],
                    "settings": settings,
                }
            ],
        }
        answer = self._call(self._who(out.account.name), "POST", "/posts", json=body)
        made = answer[0] if isinstance(answer, list) and answer else None
        if not isinstance(made, dict) or not made.get("postId"):
            raise Unanswered(f"{self._who(out.account.name)}: the create's answer names no post id")
        return Sent(
            str(made["postId"]),
            PublicationState.SCHEDULED,
            None,
        )

    def analytics(self, post_id: str, account: str) -> list[dict[str, Any]]:
        """``GET /analytics/post/:postId``: ``[{label, data: [{total, date}], ...}]`` (empty
        before the platform reports anything)."""
        answer = self._call(self._who(account), "GET", f"/analytics/post/{post_id}")
        return [a for a in answer if isinstance(a, dict)] if isinstance(answer, list) else []

    # the line ----------------------------------------------------------------------------------

    def _who(self, account: str) -> str:
        return f"Postiz {self.url}, integration {self.integration} of account {account}"

    def _call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        key = os.environ.get(POSTIZ_KEY_ENV, "")
        if not key:
            raise Refused(f"{who}: ${POSTIZ_KEY_ENV} is not set (the key is read from it)")
        headers = {"Authorization": key, "Accept": "application/json"}
        try:
            with self.client.stream(method, self.url + path, headers=headers, **kwargs) as answer:
                data = _read_capped(answer)
        except httpx.HTTPError as exc:
            raise Unanswered(f"{who}: {method} {path}: no answer ({type(exc).__name__})") from None
        status = answer.status_code
        said = _message(data)
        if status == 429:
            wait = answer.headers.get("Retry-After", "")
            seconds = int(wait) if wait.isdigit() else 3600
            at = datetime.now(UTC) + timedelta(seconds=min(seconds, 86400))
            raise Paced(f"{who}: Postiz allows about 30 requests an hour ({said})", at)
        if status >= 500:
            raise Unanswered(f"{who}: {method} {path}: {status} from Postiz ({said})")
        if status in (401, 403):
            raise Refused(f"{who}: Postiz refused the key in ${POSTIZ_KEY_ENV}: {status} {said}")
        if status >= 400:
            raise Refused(f"{who}: {method} {path}: {status} from Postiz: {said}")
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise Unanswered(f"{who}: {method} {path}: the answer is not JSON") from None


def _read_capped(answer: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise Unanswered(f"an answer of Postiz is over {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _message(data: bytes) -> str:
    try:
        said = json.loads(data)
    except ValueError:
        return data[:200].decode("utf-8", "replace").strip()
    if isinstance(said, dict):
        text = said.get("message", said.get("msg", ""))
        return "; ".join(map(str, text)) if isinstance(text, list) else str(text)
    return str(said)[:200]


def _images(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _sent(post: Mapping[str, Any]) -> Sent:
    url = post.get("releaseURL")
    out = post.get("state") == "PUBLISHED" or bool(url)
    return Sent(
        str(post.get("id")),
        PublicationState.PUBLISHED if out else PublicationState.SCHEDULED,
        url if isinstance(url, str) else None,
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
