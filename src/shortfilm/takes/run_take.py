"""One take at the provider: submit (or re-attach), wait, download once, store what comes back.

Durable at every step: the take's row is written before the provider is asked and its job id
right after, a transient failure leaves it running for the next run to re-attach to, and a
download lands in a per-take folder with a manifest, so nothing paid for is lost or paid twice.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shortfilm.domain.take import Take, TakeClip, TakeState
from shortfilm.errors import ProviderError
from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    TakeStatus,
    VideoProvider,
)
from shortfilm.store import naming, repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.pacing import Pacing, wait
from shortfilm.takes.qc_judge import review_take

TAKE_STEPS = 4
"""Stages a take reports as progress: created at the provider, finished there, downloaded,
stored. A take re-attached after a restart starts at whichever stage it had reached."""

MANIFEST = "delivery.json"


def take_subject(clip: TakeClip, take: Take) -> str:
    return naming.take_subject(clip.position, take.number)


def run_take(
    store: Store,
    slug: str,
    take_id: int,
    request: GenerationRequest,
    provider: VideoProvider,
    pacing: Pacing,
    step: Callable[[int], None],
) -> None:
    """Submit (or re-attach), wait, download once, and store what comes back.

    ``step(n)`` reports the take's progress through :data:`TAKE_STEPS` stages: created at the
    provider, finished there, downloaded, stored.

    Durable at every step: a take without a job id is first matched against the provider's own
    records (``recover``), so a crash between create and recording its id never pays twice; a
    transient failure while polling or downloading leaves the take running for the next run to
    re-attach to, since the result may already be paid for; a download lands in a per-take folder
    with a manifest, so a crash before it is stored does not download it again.
    """
    with store.session() as s:
        take = stored.take(s, take_id)
        assert take is not None
        job_id = take.job_id
        resumed = take.status != TakeState.QUEUED or take.params.get("attempted", False)
        stored.update_take(s, take_id, params=take.params | {"attempted": True})
    # Providers that can build the request body ahead (encode images, check limits) do it
    # before taking a slot, so a slot is spent only on the provider's own work.
    prepare = getattr(provider, "prepare", None)
    submit_prepared = getattr(provider, "submit_prepared", None)
    prepared = prepare(request) if job_id is None and prepare and submit_prepared else None
    # The provider-side slot is held from create to finish only: downloading and storing the
    # result happen outside it, so the next take is already running at the provider meanwhile.
    with pacing.slot():
        if job_id is None:
            job_id = provider.recover(request) if resumed else None
            if job_id is None:
                try:
                    pacing.submits.acquire()
                    if prepared is not None and submit_prepared is not None:
                        job_id = str(submit_prepared(prepared))
                    else:
                        job_id = provider.submit(request)
                except ProviderError as exc:
                    if exc.retryable:  # the create may have landed: the next run recovers it
                        _interrupted(store, take_id, str(exc))
                    else:
                        _finish(store, take_id, TakeState.FAILED, error=str(exc))
                    return
            prepared = None  # the body (megabytes of images) is not needed while waiting
            with store.session() as s:
                stored.update_take(s, take_id, job_id=job_id, status=TakeState.RUNNING)
        step(1)
        outcome: ProviderJob | ProviderError
        try:
            outcome = wait(provider, job_id, pacing)
        except ProviderError as exc:
            outcome = exc
    fetch_dir = store.home / "work" / "fetch" / str(take_id)
    try:
        if isinstance(outcome, ProviderError):
            raise outcome
        job = outcome
        if job.status is not TakeStatus.SUCCEEDED:
            _finish(store, take_id, TakeState(str(job.status)), error=job.error, cost=job.cost)
            return
        step(2)
        delivery = _download_once(provider, job_id, fetch_dir)
        step(3)
    except ProviderError as exc:
        if exc.retryable:
            _interrupted(store, take_id, str(exc))
        else:
            _finish(store, take_id, TakeState.FAILED, error=str(exc))
        return
    with store.session() as s:
        take = stored.take(s, take_id)
        assert take is not None
        clip = stored.clip(s, take.clip_id)
        board = stored.board(s, take.board_id)
        prompt = stored.prompt(s, take.prompt_id)
        stem = naming.take_stem(slug, clip.position, take.number, board.version, prompt.version)
        take = stored.update_take(
            s,
            take_id,
            video_sha256=store.put_artifact(s, delivery.video, f"{stem}.mp4"),
            last_frame_sha256=store.put_artifact(s, delivery.last_frame, f"{stem}__last.png"),
            meta=dict(delivery.metadata),
            status=TakeState.SUCCEEDED,
            cost=job.cost,
            error=None,
            finished_at=datetime.now(UTC),
        )
        repo.event(s, clip.production_id, "take.succeeded", take_subject(clip, take))
    shutil.rmtree(fetch_dir, ignore_errors=True)
    # QC and keyframe candidates, outside the provider slot; a QC failure is kept in its report
    if pacing.review and pacing.qc_elsewhere is not None:
        pacing.qc_elsewhere(take_id)
    elif pacing.review:
        review_take(store, take_id, not_judged=not_judged(provider))
    step(TAKE_STEPS)


def _download_once(provider: VideoProvider, job_id: str, folder: Path) -> Delivery:
    """The provider's files for ``job_id`` in ``folder``, fetched only if not already there."""
    manifest = folder / MANIFEST
    if manifest.exists():
        data = json.loads(manifest.read_text())
        delivery = Delivery(Path(data["video"]), Path(data["last_frame"]), data["metadata"])
        if delivery.video.exists() and delivery.last_frame.exists():
            return delivery
    delivery = provider.fetch(job_id, folder)
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(
        json.dumps(
            {
                "video": str(delivery.video),
                "last_frame": str(delivery.last_frame),
                "metadata": delivery.metadata,
            },
            default=str,
        )
    )
    os.replace(tmp, manifest)
    return delivery


def _interrupted(store: Store, take_id: int, why: str) -> None:
    """Leave the take running (the next run re-attaches) and say why it was left."""
    with store.session() as s:
        take = stored.update_take(s, take_id, error=f"interrupted, will re-attach: {why}")
        clip = stored.clip(s, take.clip_id)
        repo.event(s, clip.production_id, "take.interrupted", take_subject(clip, take), why=why)


def _finish(
    store: Store, take_id: int, status: TakeState, *, error: str | None, cost: float = 0.0
) -> None:
    with store.session() as s:
        take = stored.update_take(
            s, take_id, status=status, error=error, cost=cost, finished_at=datetime.now(UTC)
        )
        clip = stored.clip(s, take.clip_id)
        repo.event(s, clip.production_id, f"take.{status}", take_subject(clip, take), error=error)


def not_judged(provider: VideoProvider) -> dict[str, str]:
    """QC checks the provider's takes are not judged on, and why (``qc_not_judged``, optional:
    the offline animatic makes no sound and holds still pictures)."""
    found: Any = getattr(provider, "qc_not_judged", None)
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
