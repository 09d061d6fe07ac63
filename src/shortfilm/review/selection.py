"""Selecting a take for its clip: a person's pick, which ``run`` keeps."""

from __future__ import annotations

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.review import SubjectKind
from shortfilm.errors import InputError
from shortfilm.review.revisions import expected, swap
from shortfilm.store import repo, reviews
from shortfilm.store.repo import Store


def select_take(
    store: Store,
    slug: str,
    position: int,
    take_number: int,
    actor: Actor,
    *,
    expected_revision: int | None = None,
) -> None:
    """Make take ``take_number`` the selection of clip ``position``: ``actor``'s pick, which
    ``run`` keeps. Selecting is not approving: the clip checkpoint still needs the take's
    approval."""
    require(actor, Action.SELECT_TAKE)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        take_id = reviews.take_id(tx, prod_id, slug, position, take_number)
        subject = reviews.load_subject(tx, prod_id, slug, SubjectKind.TAKE, take_id)
        if subject.status != "succeeded":
            raise InputError(
                f"{subject.name} is {subject.status}: only a take that succeeded plays"
            )
        seen = expected(tx, prod_id, subject, expected_revision)
    with store.session() as tx:
        revision = swap(tx, prod_id, subject, seen)
        assert subject.clip_id is not None
        reviews.select_take(tx, subject.clip_id, subject.id, actor.name)
        repo.event(
            tx,
            prod_id,
            "take.selected",
            subject.name,
            by=actor.name,
            role=actor.role.value,
            revision=revision,
        )
