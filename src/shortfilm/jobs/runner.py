"""Carry one job out and record it: running under this worker, its progress, then done or failed.

Whatever runs the job (a Celery worker, a thread of the web app) calls :func:`execute`, so a
job's row says the same things whoever ran it. An error a person can act on (a gate not passed,
a bad argument, a provider's refusal) fails the job with its message and is not raised again: a
broker would only redeliver it to fail the same way. Anything else (a lost database, a killed
process) leaves the job running for the broker to redeliver.

A broker may deliver a job again while its first worker is still at it (Redis hands on any job
unacknowledged for its visibility timeout), so a running job carries a heartbeat: its worker
writes the time into the row every :func:`lease_s` / 6 seconds. A delivery that finds the job
running under a worker whose heartbeat is fresh (and, on this host, whose process is alive)
waits for that worker instead of running the job a second time; one whose heartbeat stopped
takes the job over, and every step under it goes on from where the dead worker left it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shortfilm.domain.jobs import Job, JobState
from shortfilm.errors import ShortfilmError
from shortfilm.jobs.work import HandOn, perform
from shortfilm.store import jobs as stored
from shortfilm.store.repo import Store

_log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
"""How often a job's progress is written at most (a render reports every frame batch)."""

ENV_LEASE = "SHORTFILM_JOB_LEASE_S"
WAIT_S = 1.0
"""How often a delivery waiting on another worker's run looks at the job again."""


def lease_s() -> float:
    """A running job whose heartbeat is older than this belongs to a worker that is gone
    (``SHORTFILM_JOB_LEASE_S``, default 60)."""
    return max(1.0, float(os.environ.get(ENV_LEASE, "60")))


def still_running(job: Job) -> bool:
    """Whether the worker ``job`` names is still at it: a fresh heartbeat, and (when it is a
    process of this host) a process that still exists."""
    if job.seen_at is None or datetime.now(UTC) - job.seen_at > timedelta(seconds=lease_s()):
        return False
    parts = (job.worker or "").split(":")
    if len(parts) >= 2 and parts[0] == socket.gethostname() and parts[1].isdigit():
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            return False  # killed: no need to wait out its lease
        except PermissionError:
            pass  # someone else's process: alive
    return True


class _Heartbeat:
    """Writes the job's heartbeat on a thread of its own while the job runs."""

    def __init__(self, store: Store, job_id: str, worker: str) -> None:
        self.store, self.job_id, self.worker = store, job_id, worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def _beat(self) -> None:
        every = lease_s() / 6
        while not self.stop.wait(every):
            try:
                with self.store.session() as tx:
                    stored.heartbeat(tx, self.job_id, self.worker)
            except Exception:  # a missed beat is retried; the job itself reports real errors
                _log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


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


def execute(
    store: Store, job_id: str, worker: str | None = None, hand_on: HandOn | None = None
) -> Job:
    """Run the job ``job_id`` to its end; returns it as recorded (done or failed). A job another
    live worker is running is waited for, not run twice."""
    me = worker or worker_name()
    while True:
        with store.session() as tx:
            job, mine = stored.start_job(tx, job_id, me, live=still_running)
        if mine:
            break
        if job.state.finished:
            return job
        time.sleep(WAIT_S)
    with _Heartbeat(store, job_id, me):
        try:
            result: dict[str, Any] = perform(store, job, _Reporter(store, job_id), hand_on)
        except ShortfilmError as exc:
            with store.session() as tx:
                return stored.finish_job(tx, job_id, error=str(exc))
        with store.session() as tx:
            return stored.finish_job(tx, job_id, result=result)


def fail_abandoned(store: Store) -> list[Job]:
    """Mark failed the running jobs whose worker stopped (its heartbeat is stale, or its process
    on this host is gone), for a process that runs jobs on its own threads: no broker will
    deliver them again, and a job shown running forever tells a person nothing. Returns them."""
    with store.session() as tx:
        active = stored.jobs(tx, active_only=True, limit=500)
    ended: list[Job] = []
    for job in active:
        if job.state is JobState.RUNNING and not still_running(job):
            why = f"its worker ({job.worker}) stopped before it ended; ask for it again"
            with store.session() as tx:
                ended.append(stored.finish_job(tx, job.id, error=why))
    return ended
