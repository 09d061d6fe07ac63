"""Jobs: the long steps a person starts and a worker (or this process) carries out.

A job is recorded before anything runs, so a person sees it queued at once, and whichever
runner picks it up (a Celery worker, or a thread of the process that asked) writes its state
into the same row: queued → running → done or failed, with its progress and the worker driving
it. A job redelivered after its worker died runs again from the top: every step under it is
already idempotent (request hashes, take claims, named locks), so it continues from where the
take or render stands instead of paying or rendering twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in {JobState.DONE, JobState.FAILED}


class Queue(StrEnum):
    """Queues sized by what their work waits on."""

    PROVIDER = "provider"
    """Takes: mostly waiting on a hosted model over the network (many at once per worker)."""
    CPU = "cpu"
    """Renders and QC: decoding and encoding (one per core)."""


class JobKind(StrEnum):
    RENDER = "render"
    """A draft, or the publishable renders, of the production's current edit."""
    RUN = "run"
    """Every stage of a production, as ``shortfilm run`` does it."""
    TAKES = "takes"
    """More takes of one clip, one per seed, beside its others (``take new``)."""
    BOARD_IMAGE = "board-image"
    """The board image of the latest board version, from the brief and the references."""
    PUBLISH = "publish"
    """The approved final renders sent where they go (today the outbox folder)."""
    QC = "qc"
    """One stored take's QC report and keyframe candidates (decoding: the cpu queue), handed on
    by a takes job so that decoding never holds up the takes still at the provider."""
    VARIANT_RENDER = "variant-render"
    """The film of a campaign variant's newest version (``variant render``): a delta of the
    approved final, encoded on the cpu queue."""

    @property
    def queue(self) -> Queue:
        cpu = (JobKind.RENDER, JobKind.QC, JobKind.VARIANT_RENDER)
        return Queue.CPU if self in cpu else Queue.PROVIDER


@dataclass(frozen=True)
class Job:
    id: str
    kind: JobKind
    state: JobState
    slug: str | None
    args: dict[str, Any]
    requested_by: str | None
    created_at: datetime
    queue: Queue
    worker: str | None = None
    attempts: int = 0
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    seen_at: datetime | None = None
    """When the worker running it last said it was still at it (its heartbeat)."""

    def view(self) -> dict[str, Any]:
        """The job as the web app and ``status --json`` show it."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state.value,
            "queue": self.queue.value,
            "production": self.slug,
            "args": self.args,
            "requested_by": self.requested_by,
            "worker": self.worker,
            "attempts": self.attempts,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
