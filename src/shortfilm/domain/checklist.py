"""The production checklist: the source workflow's seven steps, each with where it stands now.

The rules are pure: :func:`production_checklist` reads a :class:`ProductionSnapshot` (the latest
board, each clip's selected take, the latest edit's renders, what is stale) that the store's read
model (:mod:`shortfilm.store.read_model`) fills, and says for each step its state and who has to
act next. The command line, ``status``, the report and the web dashboard all show this one list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shortfilm.domain.people import Role
from shortfilm.domain.permissions import Action, roles_for
from shortfilm.domain.review import Standing
from shortfilm.domain.staleness import Stale, Staleness


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
