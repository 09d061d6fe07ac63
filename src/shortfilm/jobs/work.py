"""What each kind of job does, given a store and its arguments: the same calls the commands make.

A job's arguments are data (JSON in the jobs table, a broker message's body): names and numbers,
never a path on the machine that asked, since the worker may be another machine. ``run --detach``
therefore imports the spec where the command runs, and the job carries on from the stored
production (:func:`shortfilm.production.pipeline.carry_on`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shortfilm.domain.jobs import Job, JobKind
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.progress import Progress
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.edit.results import EditResult, RenderOutcome
from shortfilm.errors import InputError, ProviderError
from shortfilm.store.repo import Store

HandOn = Callable[[JobKind, str, dict[str, Any], str | None], None]
"""Queues a follow-up job (kind, production, arguments, requested by) for the workers: given by
a Celery worker, so a takes job hands each take's QC to the cpu queue; absent in one process,
where the QC runs as each take lands."""


def perform(
    store: Store, job: Job, progress: Progress, hand_on: HandOn | None = None
) -> dict[str, Any]:
    """Carry ``job`` out; its result as data. Raises what the step raises (the job fails)."""
    if job.slug is None:
        raise InputError(f"job {job.id}: names no production")
    if job.kind is JobKind.RENDER:
        return _render(store, job.slug, job.args, progress)
    if job.kind is JobKind.RUN:
        return _run(store, job.slug, job.args, progress)
    if job.kind is JobKind.TAKES:
        return _takes(store, job, progress, hand_on)
    if job.kind is JobKind.QC:
        return _qc(store, job.args)
    if job.kind is JobKind.BOARD_IMAGE:
        return _board_image(store, job.slug, job.args)
    if job.kind is JobKind.PUBLISH:
        return _publish(store, job.slug, job.args)
    if job.kind is JobKind.VARIANT_RENDER:
        return _variant_render(store, job.slug, job.args)
    raise InputError(f"job {job.id}: no work for {job.kind.value} jobs")


def _render(store: Store, slug: str, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from shortfilm.edit.assemble import assemble_edit, draft_edit

    presets = tuple(str(p) for p in args.get("presets", ()))
    make = draft_edit if args.get("draft") else assemble_edit
    return _edit_view(make(store, slug, progress=progress, preset_names=presets))


def _run(store: Store, slug: str, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from shortfilm.production.pipeline import carry_on
    from shortfilm.providers import registry

    name = str(args.get("provider", "animatic"))
    provider = registry.get(name, store.home / "work" / name)
    approver = args.get("approve_as")
    approve_as = Actor(str(approver), Role.OWNER) if approver else None
    generated, edit, report, waiting = carry_on(
        store,
        slug,
        provider,
        seed=int(args.get("seed", 0)),
        force=bool(args.get("force", False)),
        progress=progress,
        approve_as=approve_as,
        takes=int(args.get("takes", 1)),
        strategy=TakeStrategy.parse(str(args.get("strategy", TakeStrategy.BEST_OF))),
    )
    return _edit_view(edit) | {
        "takes": [
            {"clip": o.position, "take": o.take_number, "status": str(o.status), "reused": o.reused}
            for o in generated.outcomes
        ],
        "report": str(report),
        "waiting": [step.key for step in waiting],
    }


def _takes(store: Store, job: Job, progress: Progress, hand_on: HandOn | None) -> dict[str, Any]:
    from shortfilm.domain.take_strategy import TakeStrategy
    from shortfilm.providers import registry
    from shortfilm.takes.more import more_takes
    from shortfilm.takes.run_take import not_judged

    assert job.slug is not None
    slug, args = job.slug, job.args
    name = str(args.get("provider", "animatic"))
    provider = registry.get(name, store.home / "work" / name)
    skipped = not_judged(provider)

    def qc_job(take_id: int) -> None:
        assert hand_on is not None
        hand_on(JobKind.QC, slug, {"take": take_id, "not_judged": skipped}, job.requested_by)

    outcomes = more_takes(
        store,
        slug,
        int(args["clip"]),
        provider,
        [int(seed) for seed in args["seeds"]],
        force=bool(args.get("force", False)),
        progress=progress,
        # with workers, decoding goes to the cpu queue; alone, it runs here as each take lands
        qc_elsewhere=qc_job if hand_on is not None else None,
        strategy=TakeStrategy.parse(str(args.get("strategy", TakeStrategy.BEST_OF))),
    )
    failed = [o for o in outcomes if o.status != "succeeded"]
    if failed and len(failed) == len(outcomes):
        # nothing to compare: the job failed, with the first reason (each take keeps its own)
        raise ProviderError(f"no take succeeded: {failed[0].status}: {failed[0].error}")
    return {
        "clip": int(args["clip"]),
        "not_asked": len(args["seeds"]) - len(outcomes),
        "takes": [
            {"take": o.take_number, "status": str(o.status), "reused": o.reused, "error": o.error}
            for o in outcomes
        ],
    }


def _board_image(store: Store, slug: str, args: dict[str, Any]) -> dict[str, Any]:
    from shortfilm.board.image import generate_board_image
    from shortfilm.providers.image_registry import get_image_provider

    name = str(args.get("provider", "board-sheet"))
    images = get_image_provider(name, store.home / "work" / name)
    try:
        made = generate_board_image(store, slug, images, seed=int(args.get("seed", 0)))
    finally:
        close = getattr(images, "close", None)
        if close is not None:
            close()
    return {
        "board_version": made.version,
        "reused": made.reused,
        "path": str(made.path),
        "provider": made.provider,
        "model": made.model,
        "cost": made.cost,
        "cost_unit": made.cost_unit,
    }


def _publish(store: Store, slug: str, args: dict[str, Any]) -> dict[str, Any]:
    from shortfilm.publish.final import publish

    # the person who asked, with the role they asked as: publish checks it again
    actor = Actor(str(args["actor"]), Role(str(args["role"])))
    preset = args.get("preset")
    files = publish(store, slug, actor, preset=str(preset) if preset else None)
    return {"files": [str(path) for path in files]}


def _variant_render(store: Store, slug: str, args: dict[str, Any]) -> dict[str, Any]:
    from shortfilm.campaign.variant_renders import render_variant

    actor = Actor(str(args["actor"]), Role(str(args["role"])))  # checked again as it runs
    made = render_variant(store, slug, str(args["variant"]), actor)
    return {
        "variant": made.variant,
        "version": made.variant_version,
        "preset": made.preset,
        "status": made.status,
        "reasons": list(made.reasons),
        "sha256": made.sha256,
        "encoded_frames": made.encoded_frames,
        "copied_frames": made.copied_frames,
        "reused": made.reused,
    }


def _qc(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    from shortfilm.takes.qc_judge import review_take

    skipped = {str(k): str(v) for k, v in dict(args.get("not_judged", {})).items()}
    report = review_take(store, int(args["take"]), not_judged=skipped)
    return {"take": int(args["take"]), "status": str(report.status)}


def _edit_view(edit: EditResult) -> dict[str, Any]:
    return {"edit_version": edit.edit_version, "renders": [_render_view(r) for r in edit.renders]}


def _render_view(r: RenderOutcome) -> dict[str, Any]:
    return {
        "preset": r.preset,
        "path": str(Path(r.path)),
        "duration_s": r.duration_s,
        "width": r.width,
        "height": r.height,
        "integrated_lufs": r.integrated_lufs,
        "true_peak_dbtp": r.true_peak_dbtp,
        "status": r.status,
        "reused": r.reused,
        "draft": r.draft,
    }
