"""The gates: no take is generated from a board nobody checked, no edit is rendered for
publishing with a clip nobody checked.

A gate refuses with a :class:`~shortfilm.errors.GateError` that names what waits for review and
the command that approves it (the final gate is publishing's own: :mod:`shortfilm.publish`).
``shortfilm run --yes`` records the local owner's approvals ahead of each gate
(:func:`approve_pending`): only for what nobody has reviewed yet -- a person's request for changes
or rejection is never approved away by a run.
"""

from __future__ import annotations

from shortfilm.domain.checklist import ClipSnapshot, clips_waiting
from shortfilm.domain.people import Actor
from shortfilm.domain.review import (
    GATE_SUBJECT,
    Checkpoint,
    Decision,
    ReviewRecord,
    Standing,
    SubjectKind,
)
from shortfilm.errors import ConflictError, GateError
from shortfilm.review.decisions import record_decision
from shortfilm.review.subjects import parse_enum
from shortfilm.store import naming, publications, reviews
from shortfilm.store.read_model.checkpoints import production_row, production_snapshot
from shortfilm.store.read_model.standings import Standings
from shortfilm.store.repo import Store


def require_board_approved(store: Store, slug: str) -> None:
    """:class:`GateError` unless the latest board version of ``slug`` is approved or overridden:
    no take is generated from a board nobody checked. (No board at all is the caller's error.)"""
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        board = reviews.version(tx, prod_id, SubjectKind.BOARD)
        if board is None:
            return
        board_id, version = board
        standing = Standings(tx, prod_id).of(SubjectKind.BOARD, board_id)
    if standing.passes:
        return
    if standing is Standing.UNREVIEWED:
        raise GateError(
            f"{slug}: board v{version} is not approved yet, so nothing was generated; review it: "
            f"`shortfilm review board {slug} --approve` (or --request-changes TEXT), or as the "
            f"owner `shortfilm override {slug} board --reason TEXT`"
        )
    raise GateError(
        f"{slug}: board v{version} is {standing}, so nothing was generated; change the board "
        "(edit the spec and `shortfilm import SPEC`, or `shortfilm board add-reference "
        f"{slug} IMAGE --role ROLE --label TEXT`) and review the new version"
    )


def require_clips_approved(store: Store, slug: str) -> None:
    """:class:`GateError` unless every clip's selected take is approved or overridden: no edit
    is rendered for publishing with a clip nobody checked."""
    with store.session() as tx:
        waiting = clips_waiting(production_snapshot(tx, production_row(tx, slug)).clips)
    if waiting:
        raise GateError(
            f"{slug}: not every clip has an approved take, so nothing was rendered: "
            + "; ".join(_clip_waits(slug, c) for c in waiting)
            + f" (or as the owner `shortfilm override {slug} clip --reason TEXT`)"
        )


def _clip_waits(slug: str, clip: ClipSnapshot) -> str:
    if clip.selected_take is None:
        return f"{clip.name} has no selected take"
    take = naming.take_subject(clip.position, clip.selected_take)
    if clip.take_standing is Standing.UNREVIEWED:
        return (
            f"{take} waits for review "
            f"(`shortfilm review take {slug} {clip.name} {clip.selected_take} --approve`)"
        )
    return (
        f"{take} is {clip.take_standing}: select another of its takes "
        f"(`shortfilm take select {slug} {clip.name} TAKE`; `shortfilm status` lists them), or "
        "change the clip in the spec and generate a new one (`shortfilm run SPEC`)"
    )


def approve_pending(
    store: Store, slug: str, actor: Actor, checkpoint: Checkpoint | str
) -> list[ReviewRecord]:
    """Approve, in advance and as ``actor``, what waits unreviewed at ``checkpoint``: the latest
    board version; every selected take; every render of the latest edit that passed its checks.

    For ``shortfilm run --yes``: the approvals are recorded as given ahead (``in_advance``, no
    rubric). Anything a person already decided on keeps that decision, and the rules still hold
    (the second pair of eyes refuses an approval of one's own board or take).
    """
    checkpoint = parse_enum(Checkpoint, checkpoint, "checkpoint")
    kind = GATE_SUBJECT[checkpoint]
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        ids: list[int] = []
        if checkpoint is Checkpoint.BOARD:
            board = reviews.version(tx, prod_id, SubjectKind.BOARD)
            ids = [board[0]] if board is not None else []
        elif checkpoint is Checkpoint.CLIP:
            ids = reviews.planned_selected_takes(tx, prod_id)
        else:
            edit = reviews.version(tx, prod_id, SubjectKind.EDIT)
            renders = publications.renders(tx, edit[0]) if edit is not None else []
            ids = [r.stored_id for r in renders if r.status != "failed"]
        # Each is approved at the revision read here, *before* the reviews: a decision made
        # meanwhile (a person's, or a second run approving the same things) either shows in the
        # reviews or moves the revision on, so it stands and is not approved over again.
        revisions = {i: reviews.load_subject(tx, prod_id, slug, kind, i).revision for i in ids}
        standings = Standings(tx, prod_id)
        seen = {i: r for i, r in revisions.items() if standings.of(kind, i) is Standing.UNREVIEWED}
    note = "approved in advance by the local owner (shortfilm run --yes)"
    records: list[ReviewRecord] = []
    for i, revision in seen.items():
        try:
            records.append(
                record_decision(
                    store,
                    slug,
                    kind,
                    i,
                    actor,
                    Decision.APPROVE,
                    (),
                    note,
                    "",
                    revision,
                    in_advance=True,
                )  # fmt: skip
            )
        except ConflictError:
            continue
    return records
