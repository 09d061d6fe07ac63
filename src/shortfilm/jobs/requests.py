"""A person asks for work: the role rule and the checkpoint are checked here, before anything
is queued, so a refusal is said at once (403, 409) instead of as a failed job later."""

from __future__ import annotations

from shortfilm.domain.jobs import Job, JobKind
from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.jobs.queues import JobQueue, enqueue
from shortfilm.review import gates
from shortfilm.store.repo import Store


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
