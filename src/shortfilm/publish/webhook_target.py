"""The ``webhook`` target: a signed POST of the post's manifest and a link to its film.

The body is JSON (``event: shortfilm.publication``, the mark, the account, the post text, when
it goes out, the film's URL, size and SHA-256, the manifest); it is signed with HMAC-SHA256 over
the timestamp and the exact body bytes (:mod:`shortfilm.campaign.webhook_signing`), with the
secret read from the environment variable the account names, and carries the publication's mark
as ``Idempotency-Key``. A receiver cannot be asked what it holds, so :meth:`WebhookTarget.find`
knows nothing; the key is what makes sending again safe: a receiver that saw it answers without
acting twice. A 2xx is taken; 401, 403 and other 4xx refuse for good (a wrong secret is not
mended by retrying); 5xx, 429 and a lost answer are retried by the publishing loop.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shortfilm.campaign.webhook_signing import HEADER, signature_header
from shortfilm.domain.publishing import PublicationState
from shortfilm.publish.targets import Outgoing, Paced, Refused, Sent, Unanswered

EVENT = "shortfilm.publication"
MAX_ANSWER_BYTES = 64 * 1024
"""A receiver's answer is read up to this much: a JSON ``{id, url}`` is all it needs to say."""


class WebhookTarget:
    """See the module docstring."""

    def __init__(self, url: str, secret_env: str, client: httpx.Client) -> None:
        self.url, self.secret_env, self.client = url, secret_env, client

    def find(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent | None:
        return None

    def upload(self, out: Outgoing) -> Mapping[str, Any] | None:
        return None

    def body(self, out: Outgoing) -> bytes:
        payload = {
            "event": EVENT,
            "mark": out.mark,
            "slug": out.slug,
            "variant": out.variant,
            "variant_version": out.variant_version,
            "account": {
                "name": out.account.name,
                "platform": out.account.platform,
                "handle": out.account.handle,
                "locale": out.account.locale,
            },
            "text": out.text,
            "title": out.title,
            "at": out.at.isoformat() if out.at is not None else None,
            "video": {
                "url": out.video_url,
                "sha256": out.video_sha256,
                "bytes": out.video.stat().st_size,
                "duration_s": out.duration_s,
            },
            "manifest": dict(out.manifest),
        }
        return json.dumps(payload, sort_keys=True).encode("utf-8")

    def create(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent:
        secret = os.environ.get(self.secret_env, "")
        who = f"webhook {self.url} of account {out.account.name}"
        if not secret:
            raise Refused(f"{who}: ${self.secret_env} is not set, so nothing can be signed")
        body = self.body(out)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": out.mark,
            HEADER: signature_header([secret], body, int(time.time())),
            "User-Agent": "shortfilm",
        }
        try:
            with self.client.stream("POST", self.url, content=body, headers=headers) as answer:
                data = _read_capped(answer)
        except httpx.HTTPError as exc:
            raise Unanswered(f"{who}: no answer ({type(exc).__name__})") from None
        status = answer.status_code
        if status == 429:
            wait = answer.headers.get("Retry-After", "")
            seconds = int(wait) if wait.isdigit() else 60
            raise Paced(
                f"{who}: 429, busy", datetime.now(UTC) + timedelta(seconds=min(seconds, 86400))
            )
        if status >= 500:
            raise Unanswered(f"{who}: {status} from the receiver")
        if status >= 400:
            said = data[:300].decode("utf-8", "replace").strip()
            raise Refused(f"{who}: {status} from the receiver" + (f": {said}" if said else ""))
        try:
            answered = json.loads(data) if data else {}
        except ValueError:
            answered = {}
        if not isinstance(answered, dict):
            answered = {}
        remote = answered.get("id")
        url = answered.get("url")
        due = out.at is not None and out.at > datetime.now(UTC)
        return Sent(
            str(remote) if isinstance(remote, str | int) and str(remote) else out.mark,
            PublicationState.SCHEDULED if due else PublicationState.PUBLISHED,
            url if isinstance(url, str) else None,
        )


def _read_capped(answer: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)[:MAX_ANSWER_BYTES]
