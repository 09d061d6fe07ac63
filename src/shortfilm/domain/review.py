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
from typing import TYPE_CHECKING

from shortfilm.domain.people import Actor, Role
from shortfilm.domain.permissions import Action, roles_for
from shortfilm.domain.rubric import CRITERION_KEYS, MAX_TEXT, Score
from shortfilm.errors import InputError, PermissionDenied

if TYPE_CHECKING:  # the checklist only reads staleness's result
    from shortfilm.domain.staleness import Stale, Staleness


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


# -- the production checklist ---------------------------------------------------------------------


class StepState(StrEnum):
    TODO = "todo"
    WAITING_REVIEW = "waiting-review"
    CHANGES_REQUESTED = "changes-requested"
    DONE = "done"
    BLOCKED = "blocked"
    """An earlier step is not done yet."""
    STALE = "stale"
    """Was done (approved, rendered, published), but on top of something that has changed
    since (:mod:`shortfilm.domain.staleness`): the detail says what and the command to run."""


@dataclass(frozen=True)
class ChecklistStep:
    """One row of the source workflow's production checklist, with where it stands now."""

    key: str
    label: str
    owner_role: Role
    output: str
    review: str
    """The review check of the step, as the source workflow words it."""
    state: StepState
    waiting_for: tuple[Role, ...]
    """Who has to act next (empty when done)."""
    detail: str = ""
    """What exactly waits: ``board v2 waits for review``, ``clip-03: no take yet`` ..."""


@dataclass(frozen=True)
class BoardSnapshot:
    id: int
    version: int
    standing: Standing


@dataclass(frozen=True)
class ClipSnapshot:
    position: int
    has_prompt: bool
    takes: int
    failed_takes: int
    selected_take: int | None
    """The number of the selected take, if any."""
    take_standing: Standing
    """The selected take's standing (``unreviewed`` when none is selected)."""
    continues_previous: bool
    """Whether the clip is generated from the previous clip's keyframe."""
    has_keyframe: bool
    """Whether the selected take has a chosen keyframe (to hand to the next clip)."""

    @property
    def name(self) -> str:
        return f"clip-{self.position:02d}"


@dataclass(frozen=True)
class RenderSnapshot:
    id: int
    preset: str
    status: str
    """``passed``, ``failed`` or ``unchecked`` (see ``renders.status``)."""
    standing: Standing


@dataclass(frozen=True)
class ProductionSnapshot:
    script_version: int | None
    board: BoardSnapshot | None
    clips: tuple[ClipSnapshot, ...]
    edit_version: int | None
    presets: tuple[str, ...]
    """The presets the production's channels need."""
    renders: tuple[RenderSnapshot, ...]
    """The renders of the latest edit version."""
    published_edit_version: int | None
    """The edit version last published, if any."""
    stale: Staleness | None = None
    """What is stale (:func:`shortfilm.domain.staleness.staleness`); ``None``: nothing known."""


def clips_waiting(clips: Sequence[ClipSnapshot]) -> list[ClipSnapshot]:
    """Clips that stop the clip checkpoint: no selected take, or one that is not approved."""
    return [c for c in clips if c.selected_take is None or not c.take_standing.passes]


def publishable(renders: Sequence[RenderSnapshot], preset: str | None) -> list[RenderSnapshot]:
    """The renders a publish of ``preset`` (``None``: all) would ship; all must pass the gate."""
    return [r for r in renders if preset is None or r.preset == preset]


BOARD_REVIEWERS = roles_for(Action.DECIDE_BOARD)
TAKE_REVIEWERS = roles_for(Action.DECIDE_TAKE)


def _from_source(
    key: str, state: StepState, waiting_for: tuple[Role, ...], detail: str = ""
) -> ChecklistStep:
    label, owner, output, review = _STEPS[key]
    return ChecklistStep(key, label, owner, output, review, state, waiting_for, detail)


_STEPS: dict[str, tuple[str, Role, str, str]] = {
    "script": ("Script", Role.WRITER, "50-second story outline", "Conflict is clear"),
    "asset-board": (
        "Asset board",
        Role.VISUAL_OPERATOR,
        "Characters, side roles, environment",
        "Style is consistent",
    ),
    "prompt-set": (
        "Prompt set",
        Role.AI_OPERATOR,
        "3-5 structured prompts",
        "Each clip has one job",
    ),
    "clip-generation": (
        "Clip generation",
        Role.AI_OPERATOR,
        "Video segments",
        "Character stays stable",
    ),
    "keyframe-reuse": (
        "Keyframe reuse",
        Role.AI_OPERATOR,
        "Reference frames",
        "Continuity is preserved",
    ),
    "edit": ("Edit", Role.EDITOR, "Final video with sound and text", "Rhythm is watchable"),
    "publish": ("Publish", Role.GROWTH_OPERATOR, "Account-ready asset", "Owner approves"),
}
"""Label, owner, output and review check of each step: the source workflow's checklist table."""


def production_checklist(snap: ProductionSnapshot) -> list[ChecklistStep]:
    """The checklist of one production, in workflow order, each step with its state and who
    it waits for."""
    steps = [
        _script_step(snap),
        _board_step(snap),
        _prompt_step(snap),
        _generation_step(snap),
        _keyframe_step(snap),
        _edit_step(snap),
        _publish_step(snap),
    ]
    return steps


def _script_step(snap: ProductionSnapshot) -> ChecklistStep:
    if snap.script_version is None:
        return _from_source("script", StepState.TODO, (Role.WRITER,), "no script imported")
    return _from_source("script", StepState.DONE, (), f"script v{snap.script_version}")


def _board_step(snap: ProductionSnapshot) -> ChecklistStep:
    board = snap.board
    if board is None:
        return _from_source("asset-board", StepState.TODO, (Role.VISUAL_OPERATOR,), "no board")
    name = f"board v{board.version}"
    if board.standing.passes:
        return _from_source("asset-board", StepState.DONE, (), f"{name} {board.standing}")
    if board.standing is Standing.UNREVIEWED:
        return _from_source(
            "asset-board", StepState.WAITING_REVIEW, BOARD_REVIEWERS, f"{name} waits for review"
        )
    return _from_source(
        "asset-board",
        StepState.CHANGES_REQUESTED,
        (Role.VISUAL_OPERATOR,),
        f"{name} {board.standing}: a new version is needed",
    )


def _prompt_step(snap: ProductionSnapshot) -> ChecklistStep:
    missing = [c.name for c in snap.clips if not c.has_prompt]
    if missing or not snap.clips:
        detail = "no prompt for " + ", ".join(missing) if missing else "no clips"
        return _from_source("prompt-set", StepState.TODO, (Role.AI_OPERATOR,), detail)
    return _from_source("prompt-set", StepState.DONE, (), f"{len(snap.clips)} prompts")


def _generation_step(snap: ProductionSnapshot) -> ChecklistStep:
    if snap.board is None or not snap.board.standing.passes:
        return _from_source(
            "clip-generation", StepState.BLOCKED, BOARD_REVIEWERS, "the board is not approved"
        )
    no_take = [c for c in snap.clips if c.selected_take is None]
    if no_take:
        failed = [c.name for c in no_take if c.failed_takes]
        detail = "no take yet for " + ", ".join(c.name for c in no_take)
        if failed:
            detail += f" (failed: {', '.join(failed)})"
        return _from_source("clip-generation", StepState.TODO, (Role.AI_OPERATOR,), detail)
    if snap.stale is not None and snap.stale.takes:
        return _from_source(
            "clip-generation", StepState.STALE, TAKE_REVIEWERS, _stale_detail(snap.stale.takes)
        )
    objected = [c for c in snap.clips if c.take_standing in _OBJECTED]
    if objected:
        detail = ", ".join(
            f"{c.name} take-{c.selected_take:03d} {c.take_standing}" for c in objected
        )
        return _from_source(
            "clip-generation", StepState.CHANGES_REQUESTED, (Role.AI_OPERATOR,), detail
        )
    waiting = clips_waiting(snap.clips)
    if waiting:
        detail = ", ".join(f"{c.name} take-{c.selected_take:03d}" for c in waiting)
        return _from_source(
            "clip-generation",
            StepState.WAITING_REVIEW,
            TAKE_REVIEWERS,
            f"waiting for review: {detail}",
        )
    return _from_source("clip-generation", StepState.DONE, (), f"{len(snap.clips)} takes approved")


_OBJECTED = (Standing.CHANGES_REQUESTED, Standing.REJECTED)


def _keyframe_step(snap: ProductionSnapshot) -> ChecklistStep:
    pairs = [
        (snap.clips[i - 1], clip)
        for i, clip in enumerate(snap.clips)
        if i > 0 and clip.continues_previous
    ]
    if not pairs:
        return _from_source("keyframe-reuse", StepState.DONE, (), "no clip continues another")
    if snap.board is None or not snap.board.standing.passes:
        return _from_source("keyframe-reuse", StepState.BLOCKED, BOARD_REVIEWERS)
    missing = [f"{prev.name} -> {clip.name}" for prev, clip in pairs if not prev.has_keyframe]
    if missing:
        return _from_source(
            "keyframe-reuse",
            StepState.TODO,
            (Role.AI_OPERATOR,),
            "no keyframe handed on for " + ", ".join(missing),
        )
    return _from_source("keyframe-reuse", StepState.DONE, (), f"{len(pairs)} keyframe(s) handed on")


def _edit_step(snap: ProductionSnapshot) -> ChecklistStep:
    if snap.stale is not None and snap.stale.edit is not None:
        return _from_source("edit", StepState.STALE, (Role.EDITOR,), str(snap.stale.edit))
    generation = _generation_step(snap)
    if generation.state is not StepState.DONE:
        return _from_source(
            "edit",
            StepState.BLOCKED,
            generation.waiting_for,
            "every clip needs an approved take first",
        )
    if snap.edit_version is None:
        return _from_source("edit", StepState.TODO, (Role.EDITOR,), "no edit assembled")
    if snap.stale is not None and snap.stale.renders:
        return _from_source(
            "edit", StepState.STALE, (Role.EDITOR,), _stale_detail(snap.stale.renders)
        )
    done = {r.preset: r for r in snap.renders}
    missing = [p for p in snap.presets if p not in done]
    failed = [r.preset for r in snap.renders if r.status == "failed"]
    if failed or missing:
        parts = []
        if failed:
            parts.append("render failed: " + ", ".join(failed))
        if missing:
            parts.append("not rendered: " + ", ".join(missing))
        return _from_source(
            "edit",
            StepState.TODO,
            (Role.EDITOR,),
            f"edit v{snap.edit_version}: " + "; ".join(parts),
        )
    return _from_source(
        "edit", StepState.DONE, (), f"edit v{snap.edit_version}: {len(done)} render(s)"
    )


def _stale_detail(stale: Sequence[Stale]) -> str:
    return "; ".join(str(s) for s in stale)


def _publish_step(snap: ProductionSnapshot) -> ChecklistStep:
    published = snap.stale.publication if snap.stale is not None else None
    edit = _edit_step(snap)
    if edit.state is not StepState.DONE:
        if published is not None:  # what is out there is not this film any more
            return _from_source(
                "publish", StepState.STALE, edit.waiting_for, _stale_detail((published,))
            )
        return _from_source("publish", StepState.BLOCKED, edit.waiting_for, "the edit is not done")
    objected = [r for r in snap.renders if r.standing in _OBJECTED]
    if objected:
        detail = ", ".join(f"{r.preset} {r.standing}" for r in objected)
        return _from_source("publish", StepState.CHANGES_REQUESTED, (Role.EDITOR,), detail)
    waiting = [r.preset for r in snap.renders if not r.standing.passes]
    if waiting:
        return _from_source(
            "publish",
            StepState.WAITING_REVIEW,
            roles_for(Action.APPROVE_FINAL),
            f"edit v{snap.edit_version} final waits for the owner: " + ", ".join(waiting),
        )
    if published is not None:
        return _from_source(
            "publish", StepState.STALE, (Role.GROWTH_OPERATOR,), _stale_detail((published,))
        )
    if snap.published_edit_version != snap.edit_version:
        return _from_source(
            "publish",
            StepState.TODO,
            (Role.GROWTH_OPERATOR,),
            f"edit v{snap.edit_version} approved, not published",
        )
    return _from_source("publish", StepState.DONE, (), f"edit v{snap.edit_version} published")
