"""Carry one job out and record it: running under this worker, its progress, then done or failed.

Whatever runs the job (a Celery worker, a thread of the web app) calls :func:`execute`, so a
job's row says the same things whoever ran it. An error a person can act on (a gate not passed,
a bad argument, a provider's refusal) fails the job with its message and is not raised again: a
broker would only redeliver it to fail the same way. Anything else (a lost database, a killed
process) leaves the job running for the broker to redeliver.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from shortfilm.domain.jobs import Job
from shortfilm.errors import ShortfilmError
from shortfilm.jobs.work import perform
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store

PROGRESS_EVERY_S = 0.5
"""How often a job's progress is written at most (a render reports every frame batch)."""


def worker_name() -> str:
    """``host:pid`` (and the thread, when a process runs several jobs at once)."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    thread = threading.current_thread()
    return name if thread is threading.main_thread() else f"{name}:{thread.name}"


class _Reporter:
    """The :class:`~shortfilm.domain.progress.Progress` of one job: the latest stage, written to
    its row at most every :data:`PROGRESS_EVERY_S`."""

    def __init__(self, store: Store, job_id: str) -> None:
        self.store, self.job_id = store, job_id
        self.last = 0.0

    def __call__(self, stage: str, done: float, total: float, /) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and done < total:
            return
        self.last = now
        with self.store.session() as tx:
            stored.note_progress(
                tx,
                self.job_id,
                {"stage": stage.strip(), "done": float(done), "total": float(total)},
            )


def execute(store: Store, job_id: str, worker: str | None = None) -> Job:
    """Run the job ``job_id`` to its end; returns it as recorded (done or failed)."""
    with store.session() as tx:
        job = stored.start_job(tx, job_id, worker or worker_name())
    if job.state.finished:
        return job
    try:
        result: dict[str, Any] = perform(store, job, _Reporter(store, job_id))
    except ShortfilmError as exc:
        with store.session() as tx:
            return stored.finish_job(tx, job_id, error=str(exc))
    with store.session() as tx:
        return stored.finish_job(tx, job_id, result=result)
