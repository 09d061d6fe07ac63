"""Decisions on one exact version: approve, request changes, reject -- and what each changes.

Every write of the review stage (here, :mod:`~shortfilm.review.selection`,
:mod:`~shortfilm.review.overrides`, :mod:`~shortfilm.review.comments`) is the one write path for
its action, whoever calls it (the command line, the web app): the rules of
:mod:`shortfilm.domain.review` are checked first (role, what a decision must carry, the second
pair of eyes), then the write happens in one short transaction that starts with the
compare-and-swap of :mod:`~shortfilm.review.revisions` and also appends an event (the activity
log). Errors are :class:`~shortfilm.errors.PermissionDenied`,
:class:`~shortfilm.errors.ConflictError`, :class:`~shortfilm.errors.GateError` or
:class:`~shortfilm.errors.InputError`; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shortfilm.domain.people import Actor, Role
from shortfilm.domain.permissions import require
from shortfilm.domain.review import (
    CHECKPOINT_OF,
    IN_ADVANCE,
    OVERRIDE,
    Decision,
    ReviewRecord,
    Subject,
    SubjectKind,
    action_for,
    check_decision,
    check_second_pair_of_eyes,
)
from shortfilm.domain.rubric import Score, rubric_json
from shortfilm.errors import GateError
from shortfilm.review.revisions import expected, swap
from shortfilm.review.subjects import parse_enum
from shortfilm.store import repo, reviews
from shortfilm.store.repo import Store
from shortfilm.team.people import AUTO, current_person


def local_owner() -> Actor:
    """The person at the command line of their own store: an owner, recorded under their name."""
    return Actor(current_person(), Role.OWNER)


def decide(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    subject_id: int,
    actor: Actor,
    decision: Decision | str,
    *,
    scores: Sequence[Score] = (),
    note: str = "",
    changes: str = "",
    expected_revision: int | None = None,
) -> ReviewRecord:
    """Record ``actor``'s ``decision`` on one exact version (a board version, a take, an edit
    version, a render) and return it.

    Approving a board version marks it ``approved``; approving a take also selects it for its
    clip as ``actor``'s pick (``run`` keeps a person's pick); rejecting a take marks it
    ``rejected`` and unselects it, so the next run makes a new take.
    """
    return record_decision(
        store,
        slug,
        parse_enum(SubjectKind, kind, "kind"),
        subject_id,
        actor,
        parse_enum(Decision, decision, "decision"),
        scores,
        note,
        changes,
        expected_revision,
        in_advance=False,
    )


_BOARD_STATUS = {
    Decision.APPROVE.value: "approved",
    Decision.REQUEST_CHANGES.value: "changes-requested",
    Decision.REJECT.value: "rejected",
    OVERRIDE: "overridden",
}
"""A board version's ``status`` after each decision (or override) on it."""


def record_decision(
    store: Store,
    slug: str,
    kind: SubjectKind,
    subject_id: int,
    actor: Actor,
    decision: Decision,
    scores: Sequence[Score],
    note: str,
    changes: str,
    expected_revision: int | None,
    *,
    in_advance: bool,
) -> ReviewRecord:
    """:func:`decide` with its values parsed; ``in_advance`` for the approvals of ``run --yes``
    (:func:`shortfilm.review.gates.approve_pending`)."""
    require(actor, action_for(kind, decision))
    check_decision(kind, decision, scores=scores, note=note, changes=changes, in_advance=in_advance)
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        subject = reviews.load_subject(tx, prod_id, slug, kind, subject_id)
        check_second_pair_of_eyes(
            reviews.second_pair_of_eyes(tx, prod_id), kind, decision, actor, subject.created_by,
            subject.name,
        )  # fmt: skip
        if decision is Decision.APPROVE:
            _check_approvable(subject)
        seen = expected(tx, prod_id, subject, expected_revision)
    with store.session() as tx:
        revision = swap(tx, prod_id, subject, seen)
        rubric: dict[str, Any] = dict(rubric_json(scores))
        if in_advance:
            rubric[IN_ADVANCE] = True
        record = reviews.add_review(
            tx, prod_id, CHECKPOINT_OF[kind], subject, decision.value, actor, note=note.strip(),
            changes=changes.strip(), rubric=rubric,
        )  # fmt: skip
        apply(tx, prod_id, subject, decision.value, actor, in_advance, note.strip())
        repo.event(
            tx,
            prod_id,
            f"review.{decision.value}",
            subject.name,
            subject_kind=kind.value,
            subject_id=subject.id,
            by=actor.name,
            role=actor.role.value,
            revision=revision,
            in_advance=in_advance,
        )
        return record


def _check_approvable(subject: Subject) -> None:
    if subject.kind is SubjectKind.TAKE and subject.status != "succeeded":
        raise GateError(
            f"{subject.name} is {subject.status}: only a take that succeeded can be approved"
        )
    if subject.kind is SubjectKind.RENDER and subject.status == "failed":
        raise GateError(
            f"{subject.name} failed its checks: render it again (or the owner overrides the "
            "final checkpoint, with a reason)"
        )


def apply(
    tx: repo.Tx,
    prod_id: int,
    subject: Subject,
    decision: str,
    actor: Actor,
    in_advance: bool,
    note: str = "",
) -> None:
    """What a decision changes besides the review row: a board's status, a clip's selection."""
    if subject.kind is SubjectKind.BOARD:
        reviews.set_board_status(tx, subject.id, _BOARD_STATUS[decision])
        return
    if subject.kind is not SubjectKind.TAKE:
        return
    assert subject.clip_id is not None
    if decision == Decision.APPROVE.value and not in_advance:
        selected, selected_by = reviews.selection(tx, subject.clip_id)
        if selected != subject.id or selected_by in (None, AUTO):
            reviews.select_take(tx, subject.clip_id, subject.id, actor.name)
            repo.event(tx, prod_id, "take.selected", subject.name, by=actor.name, approved=True)
    elif decision == Decision.REJECT.value:
        reviews.reject_take(tx, subject.clip_id, subject.id, note)
