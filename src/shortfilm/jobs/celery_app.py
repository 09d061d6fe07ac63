"""The Celery app: ``celery -A shortfilm.jobs.celery_app worker`` (or ``shortfilm worker``).

One task, :data:`RUN_JOB`, carries a job's id; the job itself (kind, arguments, state) lives in
the store, so Flower shows the task and the web app and ``status`` show the job. Tasks are
acknowledged late and rejected when their worker is lost, so a job whose worker died is
delivered again, and runs again from where its takes and renders stand (every step under it is
idempotent). ``SHORTFILM_JOB_VISIBILITY_S`` is how long Redis waits for an unacknowledged job
before handing it to another worker (default an hour). A job handed on while its first worker
is still at it is not run twice: the second delivery waits on the job's heartbeat
(:mod:`shortfilm.jobs.runner`), so a short timeout only costs a waiting thread.

A worker opens the store of ``SHORTFILM_HOME`` (its work folder; the database is
``SHORTFILM_DATABASE_URL`` and the artifacts ``SHORTFILM_ARTIFACTS_URL``, shared by the team).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from celery import Celery

from shortfilm.domain.jobs import JobKind, Queue
from shortfilm.jobs.runner import execute, worker_name
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store

RUN_JOB = "shortfilm.run_job"
ENV_HOME = "SHORTFILM_HOME"
ENV_PREFIX = "SHORTFILM_QUEUE_PREFIX"
"""Prefixed to the queue names, so several teams (or test runs) can share one broker."""


def queue_name(queue: Queue | str) -> str:
    return os.environ.get(ENV_PREFIX, "") + str(queue)


_VISIBILITY_S = max(1, int(os.environ.get("SHORTFILM_JOB_VISIBILITY_S", "3600")))
app = Celery("shortfilm")
app.conf.update(
    broker_url=os.environ.get("SHORTFILM_BROKER_URL") or "memory://",
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": _VISIBILITY_S,
        # look for jobs whose worker died every so often (Redis' default: every ~100 s)
        "unacked_restore_interval": max(1, min(10, _VISIBILITY_S // 2)),
        "unacked_restore_throttle": 1,
    },
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_ignore_result=True,  # the job's row holds its result
    task_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,  # a busy worker does not hold jobs another could start
    task_default_queue=queue_name(Queue.PROVIDER),
)

_store: Store | None = None
_store_lock = threading.Lock()


def worker_store() -> Store:
    """This worker process's store (opened once, shared by its threads)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = Store(Path(os.environ.get(ENV_HOME, ".")))
        return _store


def hand_on(kind: JobKind, slug: str, args: dict[str, Any], requested_by: str | None) -> None:
    """Record a follow-up job and send it to its queue (a takes job's QC, to the cpu queue)."""
    store = worker_store()
    with store.session() as tx:
        job = stored.new_job(tx, kind, slug, args, requested_by)
    app.send_task(RUN_JOB, args=[job.id], queue=queue_name(job.queue))


@app.task(name=RUN_JOB, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def run_job(job_id: str) -> str:
    """Carry the job ``job_id`` out in this worker; its final state."""
    job = execute(worker_store(), job_id, worker_name(), hand_on)
    return job.state.value
