"""The owner's override: a checkpoint passes for exact versions on their word, with a reason."""

from __future__ import annotations

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.review import (
    GATE_SUBJECT,
    OVERRIDE,
    Checkpoint,
    Subject,
    SubjectKind,
    check_text,
)
from shortfilm.errors import InputError
from shortfilm.review.decisions import apply
from shortfilm.review.revisions import swap
from shortfilm.review.subjects import parse_enum
from shortfilm.store import publications, repo, reviews
from shortfilm.store.read_model.checkpoints import production_row, production_snapshot
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Store, Tx


def override(
    store: Store,
    slug: str,
    gate: Checkpoint | str,
    actor: Actor,
    reason: str,
    *,
    subject_id: int | None = None,
) -> None:
    """Let ``gate`` pass for exact versions, on the owner's word: recorded as an ``override``
    review carrying ``reason``.

    ``subject_id`` names the board version, take or render; without it, everything that stops
    the gate now is overridden (the latest board version, every selected take not approved, every
    render of the latest edit not approved). A later version is not covered.
    """
    gate = parse_enum(Checkpoint, gate, "gate")
    require(actor, Action.OVERRIDE)
    reason = check_text("reason", reason, required=True)
    kind = GATE_SUBJECT[gate]
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        if subject_id is not None:
            subjects = [reviews.load_subject(tx, prod_id, slug, kind, subject_id)]
        else:
            subjects = _blocking(tx, prod_id, slug, gate)
    with store.session() as tx:
        for subject in subjects:
            revision = swap(tx, prod_id, subject, subject.revision)
            reviews.add_review(tx, prod_id, gate, subject, OVERRIDE, actor, note=reason, rubric={})
            if kind is SubjectKind.BOARD:
                apply(tx, prod_id, subject, OVERRIDE, actor, False)
            repo.event(
                tx,
                prod_id,
                "review.override",
                subject.name,
                gate=gate.value,
                subject_kind=kind.value,
                subject_id=subject.id,
                by=actor.name,
                role=actor.role.value,
                reason=reason,
                revision=revision,
            )


def _blocking(tx: Tx, prod_id: int, slug: str, gate: Checkpoint) -> list[Subject]:
    """What stops ``gate`` now; :class:`InputError` when nothing does, or when what is missing
    is not a version an override could pass (a clip with no take)."""
    standings = Standings(tx, prod_id)
    out: list[Subject] = []
    if gate is Checkpoint.BOARD:
        board = reviews.version(tx, prod_id, SubjectKind.BOARD)
        if board is not None and not standings.of(SubjectKind.BOARD, board[0]).passes:
            out.append(reviews.load_subject(tx, prod_id, slug, SubjectKind.BOARD, board[0]))
    elif gate is Checkpoint.CLIP:
        for clip in production_snapshot(tx, production_row(tx, slug)).clips:
            if clip.selected_take is None:
                raise InputError(
                    f"{slug} {clip.name} has no selected take: an override passes a take, "
                    "it cannot stand in for a missing one"
                )
        for take_id in reviews.planned_selected_takes(tx, prod_id):
            if not standings.of(SubjectKind.TAKE, take_id).passes:
                out.append(reviews.load_subject(tx, prod_id, slug, SubjectKind.TAKE, take_id))
    else:
        edit = reviews.version(tx, prod_id, SubjectKind.EDIT)
        for render in publications.renders(tx, edit[0]) if edit is not None else []:
            if not standings.of(SubjectKind.RENDER, render.stored_id).passes:
                out.append(
                    reviews.load_subject(tx, prod_id, slug, SubjectKind.RENDER, render.stored_id)
                )
    if not out:
        raise InputError(f"{slug}: nothing waits at the {gate} checkpoint to override")
    return out
