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

The role table (:data:`ROLE_TABLE`), as the source workflow's production checklist splits the work:

================================  ============================================================
action                            roles
================================  ============================================================
decide on a board version         owner, writer, visual-operator (the board is the visual team's
                                  work, checked against the writer's story)
decide on a take, select a take   owner, ai-operator, editor (the editor is who has to cut it)
add a reference image to a board  owner, visual-operator (the board is their work; a new
                                  version blocks generation until it is reviewed)
import a take made elsewhere      owner, ai-operator, editor (making takes is the ai-operator's
                                  job; an editor may bring footage the cut needs)
decide on an edit version         owner, editor
approve a final render            owner ("Publish ... Owner approves")
request changes / reject a render owner, editor, growth-operator (whoever ships it may object)
comment                           every role
override a gate                   owner, with a reason
publish                           owner, growth-operator (with an approved final render)
================================  ============================================================

"Owner" is the :class:`~shortfilm.domain.people.Role` of the person acting, not the ``owner``
text of the spec (a name for people, not an account). The local owner at the command line acts as
an owner.

Pure: dataclasses and functions over small snapshots the workflow reads from the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shortfilm.domain.people import Actor, Role
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


# -- the rubric -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    question: str
    """What a reviewer answers when scoring it."""


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "visual-continuity",
        "Visual continuity",
        "Do the character, setting, palette and camera feel stay the same from clip to clip?",
    ),
    Criterion(
        "story-clarity",
        "Story clarity",
        "Does a first-time viewer get the conflict and what happens, without the script?",
    ),
    Criterion(
        "caption-fit",
        "Caption fit",
        "Do the captions and on-screen text read in time, stay in the safe area and match the "
        "picture?",
    ),
    Criterion(
        "sound-quality",
        "Sound quality",
        "Are impacts, ambience and music clean, in sync and at the channel's loudness?",
    ),
    Criterion(
        "export-format",
        "Export format",
        "Are the size, aspect, length and sidecars what the channel accepts?",
    ),
    Criterion(
        "account-match",
        "Account match",
        "Does the opening, tone and caption fit the account and the campaign role it goes to?",
    ),
    Criterion(
        "reuse-potential",
        "Reuse potential",
        "Can the board, prompts and keyframes carry the next film in this world?",
    ),
)
"""The review rubric of the source workflow, in its order."""

CRITERION_KEYS = tuple(c.key for c in CRITERIA)
SCORE_MIN = 1
SCORE_MAX = 5
MAX_TEXT = 10_000
"""The longest note, change request, reason or comment accepted (characters)."""


@dataclass(frozen=True)
class Score:
    """One rubric criterion scored ``SCORE_MIN``..``SCORE_MAX`` (5 best), with an optional note."""

    criterion: str
    value: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.criterion not in CRITERION_KEYS:
            raise InputError(
                f"score: {self.criterion!r} is not a rubric criterion; use one of "
                + ", ".join(CRITERION_KEYS)
            )
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise InputError(f"score {self.criterion}: the value must be a whole number")
        if not SCORE_MIN <= self.value <= SCORE_MAX:
            raise InputError(
                f"score {self.criterion}: {self.value} is outside {SCORE_MIN}-{SCORE_MAX}"
            )
        if len(self.note) > MAX_TEXT:
            raise InputError(f"score {self.criterion}: the note is over {MAX_TEXT} characters")

    @classmethod
    def parse(cls, text: str) -> Score:
        """``criterion=N`` or ``criterion=N:note``, as typed after ``--score``."""
        match = re.fullmatch(r"\s*([a-z-]+)\s*=\s*(-?\d+)\s*(?::(.*))?", text, re.DOTALL)
        if match is None:
            raise InputError(
                f"--score {text!r}: write criterion=N or criterion=N:note, e.g. story-clarity=4"
            )
        key, value, note = match.groups()
        return cls(key, int(value), (note or "").strip())

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "note": self.note}


def rubric_json(scores: Sequence[Score]) -> dict[str, dict[str, object]]:
    """Scores as stored in ``reviews.rubric``: ``{criterion: {"value", "note"}}``."""
    return {s.criterion: s.to_json() for s in scores}


def scores_from_json(data: Mapping[str, object]) -> tuple[Score, ...]:
    """The scores of a stored rubric, in the rubric's order; unknown keys are skipped."""
    out: list[Score] = []
    for key in CRITERION_KEYS:
        item = data.get(key)
        if isinstance(item, Mapping) and isinstance(item.get("value"), int):
            out.append(Score(key, int(item["value"]), str(item.get("note") or "")))
    return tuple(out)


# -- who may do what ------------------------------------------------------------------------------


class Action(StrEnum):
    DECIDE_BOARD = "decide on a board version"
    DECIDE_TAKE = "decide on a take"
    SELECT_TAKE = "select a take"
    DECIDE_EDIT = "decide on an edit version"
    APPROVE_FINAL = "approve a final render"
    OBJECT_FINAL = "request changes to or reject a final render"
    COMMENT = "comment"
    OVERRIDE = "override a checkpoint"
    PUBLISH = "publish"
    ADD_REFERENCE = "add a reference image to the board"
    IMPORT_TAKE = "import a take"


_EVERYONE = frozenset(Role)

ROLE_TABLE: Mapping[Action, frozenset[Role]] = {
    Action.DECIDE_BOARD: frozenset({Role.OWNER, Role.WRITER, Role.VISUAL_OPERATOR}),
    Action.DECIDE_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
    Action.SELECT_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
    Action.DECIDE_EDIT: frozenset({Role.OWNER, Role.EDITOR}),
    Action.APPROVE_FINAL: frozenset({Role.OWNER}),
    Action.OBJECT_FINAL: frozenset({Role.OWNER, Role.EDITOR, Role.GROWTH_OPERATOR}),
    Action.COMMENT: _EVERYONE,
    Action.OVERRIDE: frozenset({Role.OWNER}),
    Action.PUBLISH: frozenset({Role.OWNER, Role.GROWTH_OPERATOR}),
    Action.ADD_REFERENCE: frozenset({Role.OWNER, Role.VISUAL_OPERATOR}),
    Action.IMPORT_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
}
"""Which roles may take each action (see the module docstring for why)."""


def action_for(kind: SubjectKind, decision: Decision) -> Action:
    """The action a decision on a subject of ``kind`` is, for the role table."""
    if kind is SubjectKind.BOARD:
        return Action.DECIDE_BOARD
    if kind is SubjectKind.TAKE:
        return Action.DECIDE_TAKE
    if kind is SubjectKind.EDIT:
        return Action.DECIDE_EDIT
    return Action.APPROVE_FINAL if decision is Decision.APPROVE else Action.OBJECT_FINAL


def roles_for(action: Action) -> tuple[Role, ...]:
    """The roles that may take ``action``, in the :class:`Role` order."""
    return tuple(r for r in Role if r in ROLE_TABLE[action])


def may(role: Role, action: Action) -> bool:
    return role in ROLE_TABLE[action]


def require(actor: Actor, action: Action) -> None:
    """:class:`PermissionDenied` naming the action and who may, unless ``actor`` may."""
    if not may(actor.role, action):
        allowed = ", ".join(roles_for(action))
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action}: only {allowed} may")


# -- what a decision must carry -------------------------------------------------------------------


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
    if kind is SubjectKind.RENDER and decision is Decision.APPROVE and not in_advance:
        missing = [key for key in CRITERION_KEYS if key not in seen]
        if missing:
            raise InputError(
                "score: approving the final needs every rubric criterion scored 1-5; missing "
                + ", ".join(missing)
            )


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
    """One recorded decision (or override) on one exact version."""

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
