"""The jobs table as the jobs package reads and writes it: :class:`~shortfilm.domain.jobs.Job`
in and out, the SQL kept here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from shortfilm.domain.jobs import Job, JobKind, JobState, Queue
from shortfilm.errors import NotFound
from shortfilm.store.productions import production_id
from shortfilm.store.repo import Tx, event
from shortfilm.store.table_base import as_utc
from shortfilm.store.tables import JobRow, ProductionRow, utcnow


def job_of(row: JobRow, slug: str | None) -> Job:
    created = as_utc(row.created_at)
    assert created is not None
    return Job(
        id=row.id,
        kind=JobKind(row.kind),
        state=JobState(row.state),
        slug=slug,
        args=dict(row.args or {}),
        requested_by=row.requested_by,
        created_at=created,
        queue=Queue(row.queue),
        worker=row.worker,
        attempts=row.attempts,
        progress=dict(row.progress or {}),
        result=dict(row.result or {}),
        error=row.error,
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
        seen_at=as_utc(row.seen_at),
    )


def _slug(tx: Tx, row: JobRow) -> str | None:
    if row.production_id is None:
        return None
    return tx.scalar(select(ProductionRow.slug).where(ProductionRow.id == row.production_id))


def new_job(
    tx: Tx, kind: JobKind, slug: str | None, args: dict[str, Any], requested_by: str | None
) -> Job:
    """Record a queued job (before any runner may see it); returns it."""
    row = JobRow(
        id=uuid.uuid4().hex,
        production_id=production_id(tx, slug) if slug else None,
        kind=kind.value,
        queue=kind.queue.value,
        state=JobState.QUEUED.value,
        args=args,
        progress={},
        result={},
        requested_by=requested_by,
        attempts=0,
        created_at=utcnow(),
    )
    tx.add(row)
    tx.flush()
    event(tx, row.production_id, "job.queued", f"job/{row.id}", job_kind=kind.value, args=args)
    return job_of(row, slug)


def get_job(tx: Tx, job_id: str) -> Job:
    row = tx.get(JobRow, job_id)
    if row is None:
        raise NotFound(f"no job {job_id}")
    return job_of(row, _slug(tx, row))


def start_job(
    tx: Tx, job_id: str, worker: str, *, live: Callable[[Job], bool] = lambda job: False
) -> tuple[Job, bool]:
    """Mark the job running under ``worker`` (again, when it was redelivered): ``(job, True)``.
    ``(job, False)`` when there is nothing for ``worker`` to do: the job ended, or another
    worker runs it and ``live(job)`` says that worker is still at it. Decided under the row's
    lock, so two deliveries at once never both start it."""
    row = tx.get(JobRow, job_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no job {job_id}")
    current = job_of(row, _slug(tx, row))
    if current.state.finished:
        return current, False  # delivered again after it ended: nothing to do
    if current.state is JobState.RUNNING and row.worker != worker and live(current):
        return current, False
    now = utcnow()
    row.state = JobState.RUNNING.value
    row.worker = worker
    row.attempts += 1
    row.started_at = now
    row.seen_at = now
    row.error = None
    tx.flush()
    return job_of(row, current.slug), True


def heartbeat(tx: Tx, job_id: str, worker: str) -> bool:
    """Say ``worker`` is still running the job; ``False`` when it no longer holds it (the job
    ended, or was taken over after this worker's heartbeat stopped)."""
    done = tx.execute(
        update(JobRow)
        .where(
            JobRow.id == job_id,
            JobRow.worker == worker,
            JobRow.state == JobState.RUNNING.value,
        )
        .values(seen_at=utcnow())
    )
    return bool(getattr(done, "rowcount", 0))


def note_progress(tx: Tx, job_id: str, progress: dict[str, Any]) -> None:
    tx.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state == JobState.RUNNING.value)
        .values(progress=progress)
    )


def finish_job(
    tx: Tx, job_id: str, *, result: dict[str, Any] | None = None, error: str | None = None
) -> Job:
    row = tx.get(JobRow, job_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no job {job_id}")
    row.state = (JobState.FAILED if error is not None else JobState.DONE).value
    row.result = result or {}
    row.error = error
    row.finished_at = utcnow()
    tx.flush()
    kind = "job.failed" if error is not None else "job.done"
    event(tx, row.production_id, kind, f"job/{row.id}", job_kind=row.kind, error=error)
    return job_of(row, _slug(tx, row))


def jobs(
    tx: Tx, *, slug: str | None = None, active_only: bool = False, limit: int = 50
) -> list[Job]:
    """The newest jobs first (of one production, or of all), with their productions' slugs
    read in the same query."""
    stmt = (
        select(JobRow, ProductionRow.slug)
        .outerjoin(ProductionRow, ProductionRow.id == JobRow.production_id)
        .order_by(JobRow.created_at.desc())
        .limit(limit)
    )
    if slug is not None:
        stmt = stmt.where(ProductionRow.slug == slug)
    if active_only:
        stmt = stmt.where(JobRow.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
    return [job_of(row, production) for row, production in tx.execute(stmt)]
