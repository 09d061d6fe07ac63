"""A webhook receiver on 127.0.0.1, as a team's own endpoint would be written: for tests.

It checks every delivery's ``Shortfilm-Signature`` against its secrets
(:func:`shortfilm.campaign.webhook_signing.verify`; a bad or missing one is 401) and applies a
delivery once per ``Idempotency-Key``: a retried delivery is answered with what the first one got
and is not applied again. Faults (``inject("deliver", ...)``): ``500`` before applying, and
``500-created`` / ``reset-created`` after applying, which lose the answer of a delivery that was
applied -- the case the key exists for.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from shortfilm.campaign.webhook_signing import HEADER, SignatureError, verify
from shortfilm.testing.server import FakeHandler, FakeServerBase, TrackingServer

log = logging.getLogger("shortfilm.testing.webhook_receiver")
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    key: str
    body: dict[str, Any]
    at: float


class _Handler(FakeHandler):
    def dispatch(self, method: str) -> None:
        fake: WebhookReceiver = self.server.fake
        length = self.headers.get("Content-Length") or "0"
        if method != "POST" or not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self.send_bytes(405 if method != "POST" else 413, b'{"error": "refused"}')
            return
        _, _, raw = self.read_request()
        with fake._lock:
            fake.received += 1
        try:
            verify(self.headers.get(HEADER), raw, fake.secrets, time.time())
        except SignatureError as exc:
            with fake._lock:
                fake.refused += 1
            self.send_bytes(401, json.dumps({"error": str(exc)}).encode())
            return
        key = self.headers.get("Idempotency-Key") or ""
        if not key:
            self.send_bytes(400, b'{"error": "no Idempotency-Key"}')
            return
        fault = fake._next_fault("deliver")
        if fault == "500":
            self.send_bytes(500, b'{"error": "busy"}')
            return
        with fake._lock:
            first = key not in fake.applied
            if first:
                fake.applied[key] = Delivery(key, json.loads(raw), time.time())
            answer = {"id": f"wh-{list(fake.applied).index(key) + 1}", "duplicate": not first}
        if fault in ("500-created", "reset-created"):
            if fault == "500-created":
                self.send_bytes(500, b'{"error": "lost"}')
            self.close_connection = True
            return
        self.send_bytes(200, json.dumps(answer).encode())


class WebhookReceiver(FakeServerBase):
    """See the module docstring; ``applied`` holds each key's first delivery."""

    name = "WebhookReceiver"
    ops: ClassVar[tuple[str, ...]] = ("deliver",)
    faults: ClassVar[tuple[str, ...]] = ("500", "500-created", "reset-created")
    created_ops: ClassVar[tuple[str, ...]] = ("deliver",)

    def __init__(self, secrets: list[str], *, seed: int = 0) -> None:
        self.secrets = list(secrets)
        super().__init__(media_dir=None, media_prefix="shortfilm-webhook-", seed=seed)
        self.applied: dict[str, Delivery] = {}
        self.received = 0
        self.refused = 0

    def _new_server(self, address: tuple[str, int]) -> TrackingServer[Any]:
        return TrackingServer(address, _Handler, logger=log, label="webhook receiver")

    @property
    def url(self) -> str:
        return self.origin + "/hooks/shortfilm"
