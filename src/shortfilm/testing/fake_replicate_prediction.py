"""One prediction of the fake Replicate API: its timeline and the JSON it is shown as.

A prediction's status is never stored: it is computed from the clock on every read (starting,
then processing, then succeeded or failed; ``canceled`` or ``aborted`` when cancelled or past
its ``Cancel-After`` deadline). Times are ISO 8601 with microseconds, as Replicate writes them;
list cursors are opaque base64 of a direction and a sequence number.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shortfilm.testing.fake_replicate_api import API_PREFIX, TERMINAL, Problem


@dataclass
class FakePrediction:
    id: str
    seq: int
    model: str
    version: str
    input: dict[str, Any]
    created: float
    starting_s: float
    processing_s: float
    duration: int
    resolution: str
    aspect_ratio: str
    audio: bool
    failure: str | None
    deadline: float | None
    canceled_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def started(self) -> float:
        return self.created + self.starting_s

    @property
    def done(self) -> float:
        return self.started + self.processing_s

    def state(self, now: float) -> tuple[str, float]:
        """``(status, since)`` at ``now``."""
        stops: list[tuple[float, str]] = []
        if self.canceled_at is not None and self.canceled_at < self.done:
            stops.append((self.canceled_at, "canceled"))
        if self.deadline is not None and self.deadline < self.done:
            stops.append((self.deadline, "aborted" if self.deadline < self.started else "canceled"))
        if stops:
            at, status = min(stops)
            if now >= at:
                return status, at
        if now < self.started:
            return "starting", self.created
        if now < self.done:
            return "processing", self.started
        return ("failed" if self.failure else "succeeded"), self.done


def prediction_json(
    p: FakePrediction,
    now: float,
    origin: str,
    *,
    data_ttl_s: float,
    output_list: bool,
    output_url: str,
    echoed_input: dict[str, Any],
    logs: bool = True,
) -> dict[str, Any]:
    """The prediction object as Replicate shows it at ``now``: inputs, output and logs removed
    ``data_ttl_s`` after completion; ``output`` a list of one URL when ``output_list``."""
    status, since = p.state(now)
    get_url = f"{origin}{API_PREFIX}/predictions/{p.id}"
    stopped_early = status in ("canceled", "aborted") and since < p.started
    started = now >= p.started and not stopped_early
    terminal = status in TERMINAL
    removed = terminal and now >= since + data_ttl_s
    metrics: dict[str, Any] = {}
    if terminal and started:
        metrics["predict_time"] = round(max(0.0, since - p.started), 6)
        metrics["total_time"] = round(since - p.created, 6)
    output: Any = None
    if status == "succeeded" and not removed:
        output = [output_url] if output_list else output_url
    lines = [f"Using seed: {p.input.get('seed', 'random')}"]
    if started:
        lines.append(f"Generating {p.duration}s {p.resolution} {p.aspect_ratio} video")
    if status == "succeeded":
        lines.append("Video generated")
    data: dict[str, Any] = {
        "id": p.id,
        "model": p.model,
        "version": p.version,
        "input": {} if removed else echoed_input,
        "logs": "" if removed else "\n".join(lines) + "\n",
        "output": output,
        "data_removed": removed,
        "error": p.failure if status == "failed" else None,
        "status": status,
        "source": "api",
        "created_at": iso(p.created),
        "urls": {
            "get": get_url,
            "cancel": f"{get_url}/cancel",
            "stream": f"{origin}/stream/{p.id}",
            "web": f"{origin}/p/{p.id}",
        },
    }
    if started:
        data["started_at"] = iso(p.started)
    if terminal:
        data["completed_at"] = iso(since)
        data["metrics"] = metrics
    if not logs:
        del data["logs"]
    return data


def iso(unix_s: float) -> str:
    """Unix seconds as Replicate writes times: ISO 8601, UTC, microseconds, ``Z``."""
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> float | None:
    """An ISO 8601 time (a query filter) as unix seconds; ``None`` when absent or unreadable."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def encode_cursor(direction: str, seq: int) -> str:
    """An opaque list cursor: ``before`` or ``after`` the prediction numbered ``seq``."""
    return base64.urlsafe_b64encode(f"{direction}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    """What :func:`encode_cursor` made; 400 ``Invalid cursor`` for anything else."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, seq = raw.split(":", 1)
        if direction not in ("before", "after"):
            raise ValueError(direction)
        return direction, int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(400, "Invalid cursor", "The cursor is not valid.") from None


__all__ = [
    "FakePrediction",
    "decode_cursor",
    "encode_cursor",
    "iso",
    "parse_iso",
    "prediction_json",
]
