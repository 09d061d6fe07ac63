"""A person asks for work: the role rule and the checkpoint are checked here, before anything
is queued, so a refusal is said at once (403, 409) instead of as a failed job later."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shortfilm.domain.jobs import Job, JobKind
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import InputError, ShortfilmError
from shortfilm.jobs.queues import JobQueue, enqueue
from shortfilm.providers.base import VideoProvider
from shortfilm.review import gates
from shortfilm.store.repo import Store

_log = logging.getLogger(__name__)


def request_render(
    store: Store, slug: str, actor: Actor, *, draft: bool, queue: JobQueue | None = None
) -> Job:
    """Queue a draft render, or the publishable renders (which need every clip's selected take
    approved, as ``shortfilm render`` does), of ``slug``'s current edit."""
    require(actor, Action.RENDER)
    if not draft:
        gates.require_clips_approved(store, slug)
    args = {"draft": draft}
    return enqueue(store, JobKind.RENDER, slug, args, requested_by=actor.name, queue=queue)


@dataclass(frozen=True)
class TakesRequest:
    job: Job
    seeds: list[int]
    provider: str
    prompt_version: int | None
    """The clip's new prompt version when the request revised its plan (``None`` otherwise)."""


def default_provider(store: Store, slug: str, position: int) -> str:
    """The provider of the clip's newest generated take (more of the same model), else the
    offline ``animatic``. A take made elsewhere (imported: provider ``external``) names no
    provider that could make another."""
    from shortfilm.providers import registry
    from shortfilm.store import takes as stored
    from shortfilm.takes.more import clip_id

    with store.session() as s:
        takes = stored.clip_takes(s, clip_id(s, slug, position))
    known = set(registry.names())
    made = [t for t in takes if t.provider in known]
    return made[-1].provider if made else "animatic"


def request_takes(
    store: Store,
    slug: str,
    actor: Actor,
    position: int,
    count: int,
    *,
    provider: str | None = None,
    plan_text: str | None = None,
    plan_was: str | None = None,
    queue: JobQueue | None = None,
    strategy: TakeStrategy = TakeStrategy.BEST_OF,
) -> TakesRequest:
    """Queue ``count`` more takes of clip ``position`` (new seeds, the selection kept). With
    ``plan_text`` the clip's plan is revised first (checked and linted; a refusal queues
    nothing) and the takes are made from the new prompt version; ``plan_was`` is the digest of
    the plan the person started from (a plan changed since is a conflict, not overwritten).
    ``strategy``: ``until-pass`` stops at the first take whose QC passes. Takes past the budget
    are refused before anything is written (when the provider can be made here; the job checks
    again before it asks)."""
    from shortfilm.production.clip_revision import revise_clip
    from shortfilm.providers import registry
    from shortfilm.takes.more import check_budget, next_seeds

    require(actor, Action.GENERATE)
    gates.require_board_approved(store, slug)
    name = provider or default_provider(store, slug, position)
    if name not in registry.names():
        raise InputError(f"unknown provider {name!r}; known: {', '.join(registry.names())}")
    seeds = next_seeds(store, slug, position, count, reserved=queued_seeds(store, slug, position))
    made = provider_here(store, name)
    if made is not None:
        check_budget(store, slug, position, made, seeds)
    version = None
    if plan_text is not None:
        version = revise_clip(
            store,
            slug,
            position,
            plan_text,
            durations_s=durations_for(store, name),
            based_on=plan_was,
        ).prompt_version
    args: dict[str, object] = {"clip": position, "count": count, "seeds": seeds, "provider": name}
    if strategy is not TakeStrategy.BEST_OF:
        args["strategy"] = str(strategy)
    job = enqueue(store, JobKind.TAKES, slug, args, requested_by=actor.name, queue=queue)
    return TakesRequest(job, seeds, name, version)


def provider_here(store: Store, name: str) -> VideoProvider | None:
    """Provider ``name`` made here; ``None`` when only the workers can make it (a hosted
    model's key lives with them)."""
    from shortfilm.providers import registry

    try:
        return registry.get(name, store.home / "work" / name)
    except ShortfilmError as exc:
        _log.info("provider %s not available here (%s)", name, exc)
        return None


def durations_for(store: Store, provider: str) -> tuple[float, float] | None:
    """The clip lengths ``provider`` takes, for lint; ``None`` (lint's general range) when it
    cannot be made here (a hosted model's key lives with the workers): the job lints again."""
    made = provider_here(store, provider)
    return made.limits.durations_s if made is not None else None


def queued_seeds(store: Store, slug: str, position: int) -> set[int]:
    """The seeds of takes of the clip asked for and not made yet (a second request made before
    the first one's takes exist must not ask for the same ones)."""
    from shortfilm.store import jobs as stored_jobs

    with store.session() as tx:
        active = stored_jobs.jobs(tx, slug=slug, active_only=True, limit=200)
    return {
        int(seed)
        for job in active
        if job.kind is JobKind.TAKES and job.args.get("clip") == position
        for seed in job.args.get("seeds", [])
    }


def request_board_image(
    store: Store,
    slug: str,
    actor: Actor,
    *,
    provider: str = "board-sheet",
    seed: int = 0,
    queue: JobQueue | None = None,
) -> Job:
    """Queue the board image of ``slug``'s latest board version (the board's people: the owner
    and the visual operator)."""
    from shortfilm.providers.image_registry import image_provider_names

    require(actor, Action.ADD_REFERENCE)
    if provider not in image_provider_names():
        known = ", ".join(image_provider_names())
        raise InputError(f"unknown image provider {provider!r}; known: {known}")
    args = {"provider": provider, "seed": seed}
    return enqueue(store, JobKind.BOARD_IMAGE, slug, args, requested_by=actor.name, queue=queue)


def request_publish(
    store: Store,
    slug: str,
    actor: Actor,
    *,
    preset: str | None = None,
    queue: JobQueue | None = None,
) -> Job:
    """Queue the publishing of ``slug``'s approved final renders (the owner, the growth
    operator); the approvals are checked again when it runs."""
    require(actor, Action.PUBLISH)
    args = {"actor": actor.name, "role": actor.role.value, "preset": preset}
    return enqueue(store, JobKind.PUBLISH, slug, args, requested_by=actor.name, queue=queue)


def request_variant_render(
    store: Store, slug: str, actor: Actor, name: str, *, queue: JobQueue | None = None
) -> Job:
    """Queue the film of variant ``name``'s newest version (the growth operator, the owner);
    every refusal the render would make (no approved final, the account's platform rules) is
    made here first."""
    from shortfilm.campaign.variant_renders import check_variant_render

    check_variant_render(store, slug, name, actor)
    args = {"variant": name, "actor": actor.name, "role": actor.role.value}
    return enqueue(store, JobKind.VARIANT_RENDER, slug, args, requested_by=actor.name,
                   queue=queue)  # fmt: skip
