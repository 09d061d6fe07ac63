"""Review checkpoints as rules: who may decide what, what a decision must carry, what a gate needs.

The source workflow's three checkpoints -- "review the asset board before generation, review each
clip before editing, review the final version before publishing" -- are rules here, checked by the
workflow before it spends or ships, whoever asks (the command line or the web app):

- **board** (before generation): the production's latest board version is approved, or the owner
  overrode the gate for that version;
- **clip** (before an edit is rendered for publishing): every clip's selected take is approved, or
  overridden;
- **final** (before publishing): the render to publish is approved by the owner, or overridden.

A review attaches to one exact version -- a board version, a take, an edit version, a render -- so a
new version starts unreviewed: a new board version is a draft again, a re-generated take is a new
take, a new edit version has new renders. A subject's standing is its **latest** decision: an
approval stands until someone requests changes on that same version.

Who may take each decision is the role table of :mod:`shortfilm.domain.permissions`; the
rubric a final is scored on is :mod:`shortfilm.domain.rubric`.

Pure: dataclasses and functions over small snapshots the workflow reads from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action
from shortfilm.domain.rubric import CRITERION_KEYS, MAX_TEXT, Score
from shortfilm.errors import InputError, PermissionDenied


class SubjectKind(StrEnum):
    """What a review or a comment attaches to: one exact version of one thing."""

    BOARD = "board"
    """An ``asset_boards`` row: one board version."""
    TAKE = "take"
    """A ``takes`` row: one generation attempt of one clip."""
    EDIT = "edit"
    """An ``edits`` row: one edit version (the timeline)."""
    RENDER = "render"
    """A ``renders`` row: one edit version exported with one channel preset."""
    VARIANT = "variant"
    """A ``variants`` row: one version of a variant of the approved edit, for one account."""


class Checkpoint(StrEnum):
    """The three gates of the source workflow, in production order."""

    BOARD = "board"
    """Before generation: the asset board."""
    CLIP = "clip"
    """Before the edit is rendered for publishing: each clip's selected take."""
    FINAL = "final"
    """Before publishing: the final render."""


CHECKPOINT_OF: Mapping[SubjectKind, Checkpoint] = {
    SubjectKind.BOARD: Checkpoint.BOARD,
    SubjectKind.TAKE: Checkpoint.CLIP,
    SubjectKind.EDIT: Checkpoint.FINAL,
    SubjectKind.RENDER: Checkpoint.FINAL,
    SubjectKind.VARIANT: Checkpoint.FINAL,
}
"""The checkpoint a review of each kind of subject belongs to (stored in ``reviews.checkpoint``)."""

GATE_SUBJECT: Mapping[Checkpoint, SubjectKind] = {
    Checkpoint.BOARD: SubjectKind.BOARD,
    Checkpoint.CLIP: SubjectKind.TAKE,
    Checkpoint.FINAL: SubjectKind.RENDER,
}
"""What each gate looks at, and so what an override of it attaches to."""


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request-changes"
    """Carries ``changes``: what to change. The subject waits for a new version."""
    REJECT = "reject"
    """Carries a note: why. The subject is kept (failed attempts teach) but not used."""


OVERRIDE = "override"
"""The ``reviews.decision`` of an owner's override: the gate passes for that exact version."""


class Standing(StrEnum):
    """Where one subject's review stands: its latest decision."""

    UNREVIEWED = "unreviewed"
    APPROVED = "approved"
    OVERRIDDEN = "overridden"
    CHANGES_REQUESTED = "changes-requested"
    REJECTED = "rejected"

    @property
    def passes(self) -> bool:
        """Whether a gate lets this subject through."""
        return self in (Standing.APPROVED, Standing.OVERRIDDEN)


_STANDING_OF = {
    Decision.APPROVE.value: Standing.APPROVED,
    Decision.REQUEST_CHANGES.value: Standing.CHANGES_REQUESTED,
    Decision.REJECT.value: Standing.REJECTED,
    OVERRIDE: Standing.OVERRIDDEN,
}


def standing(decisions: Sequence[str]) -> Standing:
    """The standing of a subject from its decisions in the order they were made (latest wins)."""
    for decision in reversed(decisions):
        if decision in _STANDING_OF:
            return _STANDING_OF[decision]
    return Standing.UNREVIEWED


# -- what a decision must carry -------------------------------------------------------------------


def action_for(kind: SubjectKind, decision: Decision) -> Action:
    """The action a decision on a subject of ``kind`` is, for the role table."""
    if kind is SubjectKind.BOARD:
        return Action.DECIDE_BOARD
    if kind is SubjectKind.TAKE:
        return Action.DECIDE_TAKE
    if kind is SubjectKind.EDIT:
        return Action.DECIDE_EDIT
    return Action.APPROVE_FINAL if decision is Decision.APPROVE else Action.OBJECT_FINAL


def check_text(field: str, text: str, *, required: bool) -> str:
    """``text`` stripped; :class:`InputError` naming ``field`` when required and blank, or too
    long."""
    stripped = text.strip()
    if required and not stripped:
        raise InputError(f"{field}: must not be empty")
    if len(stripped) > MAX_TEXT:
        raise InputError(f"{field}: over {MAX_TEXT} characters")
    return stripped


def check_decision(
    kind: SubjectKind,
    decision: Decision,
    *,
    scores: Sequence[Score],
    note: str,
    changes: str,
    in_advance: bool = False,
) -> None:
    """:class:`InputError` naming the field when a decision lacks what it must carry.

    Request-changes says what to change (``changes``); reject says why (``note``); approving a
    final render scores every rubric criterion -- except an approval given ``in_advance`` by the
    local owner (``shortfilm run --yes``), which records that nobody scored it. A criterion is
    scored at most once.
    """
    check_text("note", note, required=decision is Decision.REJECT)
    check_text("changes", changes, required=decision is Decision.REQUEST_CHANGES)
    seen: set[str] = set()
    for score in scores:
        if score.criterion in seen:
            raise InputError(f"score {score.criterion}: scored twice")
        seen.add(score.criterion)
    if decision is not Decision.APPROVE or in_advance:
        return
    needed, what = {
        SubjectKind.RENDER: (CRITERION_KEYS, "the final needs every rubric criterion"),
        SubjectKind.VARIANT: (
            VARIANT_CRITERIA,
            "a variant needs account-match and caption-fit (does it fit its account, do its "
            "texts read)",
        ),
    }.get(kind, ((), ""))
    missing = [key for key in needed if key not in seen]
    if missing:
        raise InputError(f"score: approving {what} scored 1-5; missing {', '.join(missing)}")


VARIANT_CRITERIA = ("account-match", "caption-fit")
"""The rubric criteria a variant's approval scores: the rest were scored on the approved final
it is a variant of; what a variant changes is its account, its opening and its texts."""


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two recorded names are one person (case and surrounding space ignored)."""
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def check_second_pair_of_eyes(
    required: bool,
    kind: SubjectKind,
    decision: Decision,
    actor: Actor,
    created_by: str | None,
    name: str,
) -> None:
    """:class:`PermissionDenied` when the production requires a second pair of eyes and
    ``actor`` approves a board version or a take (called ``name``) they made themselves.

    Objections (request-changes, reject) on one's own work are always allowed; a subject whose
    maker was not recorded (made before makers were) cannot be checked and is allowed.
    """
    if not required or decision is not Decision.APPROVE:
        return
    if kind in (SubjectKind.BOARD, SubjectKind.TAKE) and same_person(actor.name, created_by):
        raise PermissionDenied(
            f"{actor.name} made {name} and the production requires a second pair of eyes: "
            "someone else approves it (or the owner overrides the checkpoint, with a reason)"
        )


# -- what was recorded ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRecord:
    """One stored review: a decision (or override) on one exact version, as the store returns
    it."""

    id: int
    kind: SubjectKind
    subject_id: int
    checkpoint: Checkpoint
    decision: str
    """A :class:`Decision` value, or :data:`OVERRIDE`."""
    reviewer: str
    role: str
    note: str
    changes: str
    scores: tuple[Score, ...]
    in_advance: bool
    """Approved ahead by the local owner (``run --yes``), not by someone who looked at it."""
    created_at: datetime
    subject: str = ""
    """How the subject is named in messages: ``board v2``, ``clip-02/take-003`` ..."""


@dataclass(frozen=True)
class CommentRecord:
    id: int
    kind: SubjectKind
    subject_id: int
    at_s: float | None
    """Where in the take or render the comment points (seconds), or ``None``."""
    author: str
    role: str
    body: str
    created_at: datetime
    subject: str = ""


IN_ADVANCE = "in_advance"
"""The key ``reviews.rubric`` carries (true) on an approval given ahead by ``run --yes``."""


@dataclass(frozen=True)
class Subject:
    """One exact version a review or a comment attaches to, as the review rules read it."""

    kind: SubjectKind
    id: int
    name: str
    """How messages and events name it: ``board v2``, ``clip-02/take-003``, ``edit v2`` ..."""
    scope: str
    """The name of what carries the revision (a take's clip: ``clip-02``)."""
    revision_id: int
    """The id of what carries the revision: the board, edit or render itself; a take's clip."""
    revision: int
    created_by: str | None
    status: str
    duration_s: float | None
    clip_id: int | None = None


@dataclass(frozen=True)
class LastChange:
    """The latest review or selection event under a subject's scope: what a conflict names."""

    kind: str
    """The event kind: ``review.approve``, ``take.selected`` ..."""
    subject: str
    by: str | None
