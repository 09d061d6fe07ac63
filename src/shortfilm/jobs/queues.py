"""Record a job, then hand it to whoever carries it out: Celery workers when
``SHORTFILM_BROKER_URL`` names a broker, else a thread of this process.

The row is committed before the job is handed on, so a worker never looks for a job that is not
there yet, and a person sees it queued at once. Celery carries only the job's id.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from shortfilm.domain.jobs import Job, JobKind
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store

ENV_BROKER = "SHORTFILM_BROKER_URL"
IN_PROCESS_AT_ONCE = 2
"""Jobs a process runs at once on its own threads (a render takes a core)."""


class JobQueue(Protocol):
    def submit(self, store: Store, job: Job) -> None:
        """Have ``job`` (already recorded) carried out, now or by a worker."""
        ...


class InProcessQueue:
    """The one-machine default: the job runs on a thread of this process (the web app's, or a
    command's). A job left running when the process ends shows as such in ``status``."""

    def __init__(self, at_once: int = IN_PROCESS_AT_ONCE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="job")
        self.futures: dict[str, Future[Job]] = {}

    def submit(self, store: Store, job: Job) -> None:
        from shortfilm.jobs.runner import execute

        self.futures[job.id] = self._pool.submit(execute, store, job.id)

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """The finished job (for commands and tests that started it here)."""
        return self.futures[job_id].result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class CeleryQueue:
    """Jobs sent to the broker's queue for their kind (``provider`` or ``cpu``)."""

    def submit(self, store: Store, job: Job) -> None:
        from shortfilm.jobs.celery_app import RUN_JOB, app, queue_name

        app.send_task(RUN_JOB, args=[job.id], queue=queue_name(job.queue))


_in_process: InProcessQueue | None = None


def configured_queue() -> JobQueue:
    """Celery when a broker is configured, else this process's own threads."""
    global _in_process
    if os.environ.get(ENV_BROKER, "").strip():
        return CeleryQueue()
    if _in_process is None:
        _in_process = InProcessQueue()
    return _in_process


def enqueue(
    store: Store,
    kind: JobKind,
    slug: str,
    args: dict[str, Any],
    *,
    requested_by: str | None,
    queue: JobQueue | None = None,
) -> Job:
    """Record a job of ``kind`` on production ``slug`` and hand it on; returns it, queued."""
    with store.session() as tx:
        job = stored.new_job(tx, kind, slug, args, requested_by)
    (queue or configured_queue()).submit(store, job)
    return job
