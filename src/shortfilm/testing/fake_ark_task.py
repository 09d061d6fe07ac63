"""One task of the fake Ark API: its timeline and the JSON a ``GET`` answers with.

A task's status is never stored: it is computed from the clock on every read (queued, then
running, then succeeded or failed; ``expired`` past ``execution_expires_after``; ``cancelled``
when a queued task was deleted), so a :class:`~.clock.ManualClock` makes progression instant
and exact. What a task echoes follows the real API: never the prompt or the images.
"""

from __future__ import annotations

import math
import random
import string
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from shortfilm.testing.fake_ark_api import bad
from shortfilm.testing.fake_seedance_tasks import STATUSES
from shortfilm.testing.seedance_output import FPS, output_size


@dataclass
class FakeTask:
    id: str
    seq: int
    model: str
    body: dict[str, Any]
    created: float
    queue_s: float
    run_s: float
    duration: int
    resolution: str
    ratio: str
    seed: int
    generate_audio: bool
    return_last_frame: bool
    expires_after: int
    service_tier: str
    safety_identifier: str | None
    failure: tuple[str, str] | None
    cancelled_at: float | None = None
    deleted: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return output_size(self.resolution, self.ratio)

    def state(self, now: float) -> tuple[str, float]:
        """``(status, since)`` at ``now``."""
        if self.cancelled_at is not None:
            return "cancelled", self.cancelled_at
        start = self.created + self.queue_s
        done = start + self.run_s
        deadline = self.created + self.expires_after
        if now >= deadline and done > deadline:
            return "expired", deadline
        if now < start:
            return "queued", self.created
        if now < done:
            return "running", start
        return ("failed" if self.failure else "succeeded"), done


def new_task_id(now: float, rng: random.Random, taken: Container[str]) -> str:
    """``cgt-<yyyymmddhhmmss>-<5 lowercase letters or digits>``, not in ``taken``."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    alphabet = string.ascii_lowercase + string.digits
    while True:
        task_id = f"cgt-{stamp}-{''.join(rng.choices(alphabet, k=5))}"
        if task_id not in taken:
            return task_id


def task_json(
    task: FakeTask, now: float, result_url: Callable[[FakeTask, str], str]
) -> dict[str, Any]:
    """What ``GET .../tasks/{id}`` answers at ``now``; ``usage`` by the observed formula
    ``W*H/1024 * (24 * seconds + 1)`` on the output size."""
    status, since = task.state(now)
    data: dict[str, Any] = {
        "id": task.id,
        "model": task.model,
        "status": status,
        "created_at": int(task.created),
        "updated_at": int(since),
        "service_tier": task.service_tier,
        "execution_expires_after": task.expires_after,
        "generate_audio": task.generate_audio,
        "draft": False,
        "priority": 0,
    }
    if task.safety_identifier is not None:
        data["safety_identifier"] = task.safety_identifier
    if status == "succeeded":
        w, h = task.size
        tokens = math.floor(w * h * (FPS * task.duration + 1) / 1024)
        content = {"video_url": result_url(task, "video.mp4")}
        if task.return_last_frame:
            content["last_frame_url"] = result_url(task, "last_frame.png")
        data.update(
            content=content,
            usage={"completion_tokens": tokens, "total_tokens": tokens},
            seed=task.seed,
            resolution=task.resolution,
            ratio=task.ratio,
            duration=task.duration,
            framespersecond=FPS,
        )
    elif status == "failed" and task.failure:
        code, message = task.failure
        data["error"] = {"code": code, "message": message}
    elif status == "expired":
        # ⚠ the expired payload was never captured.
        data["error"] = {"code": "TaskExpired", "message": "the task timed out in the queue"}
    return data


@dataclass(frozen=True)
class TaskQuery:
    """``GET .../tasks``' query: a page and the filters (``None`` or empty: any)."""

    page_num: int
    page_size: int
    status: str | None
    model: str | None
    service_tier: str | None
    task_ids: frozenset[str]

    @classmethod
    def parse(cls, query: Mapping[str, list[str]]) -> TaskQuery:
        """Read the query string; 400 ``InvalidParameter`` for a bad number or status."""

        def one_int(name: str, default: int, lo: int, hi: int) -> int:
            raw = (query.get(name) or [str(default)])[-1]
            try:
                value = int(raw)
            except ValueError:
                raise bad(f"`{name}` must be an integer", name) from None
            if not lo <= value <= hi:
                raise bad(f"`{name}` must be within [{lo}, {hi}]", name)
            return value

        page_num = one_int("page_num", 1, 1, 10_000)
        page_size = one_int("page_size", 10, 1, 500)  # ⚠ the real maximum is undocumented

        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        status = last("filter.status")
        if status is not None and status not in STATUSES:
            raise bad(f"filter.status {status!r} is not a task status", "filter.status")
        return cls(
            page_num,
            page_size,
            status,
            last("filter.model"),
            last("filter.service_tier"),
            frozenset(query.get("filter.task_ids") or []),
        )

    def listed(self, task: FakeTask) -> bool:
        """Whether ``task`` passes the filters that do not depend on the clock."""
        if task.deleted or (self.task_ids and task.id not in self.task_ids):
            return False
        if self.model and task.model != self.model:
            return False
        return not (self.service_tier and task.service_tier != self.service_tier)

    def page(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"total", "items"}``: this query's page of ``rows`` (newest first)."""
        start = (self.page_num - 1) * self.page_size
        return {"total": len(rows), "items": rows[start : start + self.page_size]}


__all__ = ["FakeTask", "TaskQuery", "new_task_id", "task_json"]
