"""Where each production stands: every stage of the workflow, its checklist, and what is pending.

``pending`` is the production checklist's unfinished steps (:mod:`shortfilm.domain.checklist`), each
with what exactly waits and for whom, so the command line and the web dashboard say the same.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shortfilm.domain.checklist import ChecklistStep, StepState, production_checklist
from shortfilm.domain.production_state import ProductionState, TakeState
from shortfilm.domain.staleness import Staleness
from shortfilm.store import naming, repo
from shortfilm.store.read_model.state import production_states
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Store
from shortfilm.takes.ranking import production_leaders


@dataclass
class ClipStatus:
    clip: str
    name: str
    job: str
    prompt_version: int | None
    takes: int
    failed_takes: int
    selected_take: int | None
    keyframe: str | None
    state: str
    """``pending``, ``generated``, ``failed`` or ``blocked``."""
    review: str = "unreviewed"
    """The selected take's review standing: ``unreviewed``, ``approved``, ``overridden``,
    ``changes-requested`` or ``rejected``."""
    stale: str = ""
    """Why the selected take is stale and the command that brings it up to date (empty when it
    is not: :mod:`shortfilm.domain.staleness`)."""
    in_flight: list[str] = field(default_factory=list)
    """Takes queued or running, each with the run driving it: ``take-003 running, driven by
    HOST:PID:TOKEN (seen 4 s ago)``, or ``... held by no run`` (the next run re-attaches)."""
    leading_take: dict[str, Any] | None = None
    """Of a clip with more than one take, the best by its QC evidence: ``take``, ``score``,
    ``reasons`` (:mod:`shortfilm.domain.take_rank`); ``None`` otherwise."""


@dataclass
class ProductionStatus:
    slug: str
    title: str
    campaign_role: str
    script_version: int | None
    board_version: int | None
    board_status: str | None
    clips: list[ClipStatus] = field(default_factory=list)
    edit_version: int | None = None
    renders: dict[str, str] = field(default_factory=dict)
    """Preset name -> readable path, ``pending``, or ``failed: <reasons>`` for a render that
    failed its checks (kept, but not done). Only renders: a review draft is never listed."""
    stale: list[str] = field(default_factory=list)
    """Each stale thing, what changed and the command that brings it up to date."""
    total_cost: float = 0.0
    events: int = 0
    pending: list[str] = field(default_factory=list)
    """``<step>: <what waits> (waiting for <roles>)`` for each unfinished checklist step."""
    checklist: list[dict[str, Any]] = field(default_factory=list)
    """The production checklist: key, label, owner_role, output, review, state, waiting_for,
    detail."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


LIVE = ("queued", "running")
"""Take statuses of a take not finished yet."""


def production_status(store: Store) -> list[ProductionStatus]:
    now = datetime.now(UTC)
    statuses = [status_of(state, now) for state in production_states(store)]
    with store.session() as s:
        for st in statuses:
            prod = repo.production_by_slug(s, st.slug)
            if prod is None:
                continue
            leaders = production_leaders(s, prod.id)
            for clip in st.clips:
                best = leaders.get(int(clip.clip.removeprefix("clip-")))
                if best is not None:
                    clip.leading_take = {
                        "take": best.number,
                        "score": best.score,
                        "reasons": list(best.reasons),
                    }
    return statuses


def status_of(state: ProductionState, now: datetime) -> ProductionStatus:
    """Where one production stands (``now``: when takes in flight were last seen from)."""
    snapshot = state.snapshot
    stale = snapshot.stale or Staleness()
    stale_takes = {x.subject: str(x) for x in stale.takes}
    board = state.board
    st = ProductionStatus(
        slug=state.slug,
        title=state.title,
        campaign_role=state.campaign_role,
        script_version=state.script_version,
        board_version=board.version if board else None,
        board_status=board.status if board else None,
        events=state.events,
    )
    for clip, snap in zip(state.clips, snapshot.clips, strict=True):
        takes = clip.takes
        st.total_cost += sum(t.cost for t in takes)
        failed = sum(1 for t in takes if t.status in FAILED_TAKE_STATUSES)
        selected = clip.selected
        if selected is not None:
            state_name = "generated"
        elif failed:
            state_name = "failed"
        else:
            state_name = "pending"
        st.clips.append(
            ClipStatus(
                clip=f"clip-{clip.position:02d}",
                name=clip.name,
                job=clip.job,
                prompt_version=clip.prompt_version,
                takes=len(takes),
                failed_takes=failed,
                selected_take=selected.number if selected else None,
                keyframe=f"{clip.keyframe_ms} ms" if clip.keyframe_ms is not None else None,
                state=state_name,
                review=snap.take_standing.value if selected else "unreviewed",
                stale=(
                    stale_takes.get(naming.take_subject(clip.position, selected.number), "")
                    if selected
                    else ""
                ),
                in_flight=[_in_flight(t, now) for t in takes if t.status in LIVE],
            )
        )
    st.edit_version = state.edit_version
    done = {r.preset: r for r in state.renders}
    for preset in snapshot.presets:
        row = done.get(preset)
        if row is None:
            st.renders[preset] = "pending"
        elif row.status == "failed":
            st.renders[preset] = "failed: " + "; ".join(row.reasons)
        else:
            st.renders[preset] = str(row.path) if row.path else row.sha256
    st.stale = [str(x) for x in stale.all]
    steps = production_checklist(snapshot)
    st.checklist = [_step_json(step) for step in steps]
    st.pending = [_pending(step) for step in steps if step.state is not StepState.DONE]
    return st


def _in_flight(take: TakeState, now: datetime) -> str:
    line = f"take-{take.number:03d} {take.status}"
    if take.runner is None or take.runner_seen is None:
        return f"{line}, held by no run (the next run re-attaches)"
    seen = take.runner_seen
    if seen.tzinfo is None:  # SQLite gives the stored UTC time back without its zone
        seen = seen.replace(tzinfo=UTC)
    ago = max(0.0, (now - seen).total_seconds())
    return f"{line}, driven by {take.runner} (seen {ago:.0f} s ago)"


def _step_json(step: ChecklistStep) -> dict[str, Any]:
    data = asdict(step)
    data["owner_role"] = step.owner_role.value
    data["state"] = step.state.value
    data["waiting_for"] = [role.value for role in step.waiting_for]
    return data


def _pending(step: ChecklistStep) -> str:
    who = ", ".join(role.value for role in step.waiting_for)
    return f"{step.label}: {step.detail or step.state.value}" + (
        f" (waiting for {who})" if who else ""
    )
