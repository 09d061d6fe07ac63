"""Where each production stands: every stage of the workflow, its checklist, and what is pending.

``pending`` is the production checklist's unfinished steps (:mod:`shortfilm.domain.checklist`), each
with what exactly waits and for whom, so the command line and the web dashboard say the same.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shortfilm.domain.checklist import ChecklistStep, StepState, production_checklist
from shortfilm.domain.staleness import Staleness
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.read_model.checkpoints import production_snapshot
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Store
from shortfilm.store.tables import (
    BoardRow,
    EditRow,
    PromptRow,
    ScriptRow,
    TakeRow,
    utcnow,
)


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
    out: list[ProductionStatus] = []
    now = utcnow()
    with store.session() as s:
        for prod in repo.productions(s):
            production = spec_from_dict(prod.spec)
            snapshot = production_snapshot(s, prod)
            stale = snapshot.stale or Staleness()
            stale_takes = {x.subject: str(x) for x in stale.takes}
            script = repo.latest(s, ScriptRow, ScriptRow.production_id, prod.id)
            board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
            st = ProductionStatus(
                slug=prod.slug,
                title=prod.title,
                campaign_role=prod.campaign_role,
                script_version=script.version if script else None,
                board_version=board.version if board else None,
                board_status=board.status if board else None,
                events=len(repo.events(s, prod.id)),
            )
            clip_rows = repo.clips(s, prod.id)[: len(production.clips)]
            for clip, snap in zip(clip_rows, snapshot.clips, strict=True):
                prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
                takes = repo.takes(s, clip.id)
                st.total_cost += sum(t.cost for t in takes)
                failed = sum(1 for t in takes if t.status in FAILED_TAKE_STATUSES)
                selected = s.get(TakeRow, clip.selected_take_id) if clip.selected_take_id else None
                kf = repo.chosen_keyframe(s, selected.id) if selected else None
                if selected is not None:
                    state = "generated"
                elif failed:
                    state = "failed"
                else:
                    state = "pending"
                st.clips.append(
                    ClipStatus(
                        clip=f"clip-{clip.position:02d}",
                        name=clip.name,
                        job=clip.job,
                        prompt_version=prompt.version if prompt else None,
                        takes=len(takes),
                        failed_takes=failed,
                        selected_take=selected.number if selected else None,
                        keyframe=f"{kf.time_ms} ms" if kf else None,
                        state=state,
                        review=snap.take_standing.value if selected else "unreviewed",
                        stale=(
                            stale_takes.get(naming.take_subject(clip.position, selected.number), "")
                            if selected
                            else ""
                        ),
                        in_flight=[_in_flight(t, now) for t in takes if t.status in LIVE],
                    )
                )
            edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
            st.edit_version = edit.version if edit else None
            done = {r.preset: r for r in repo.renders(s, edit.id)} if edit else {}
            for preset in snapshot.presets:
                row = done.get(preset)
                if row is None:
                    st.renders[preset] = "pending"
                elif row.status == "failed":
                    st.renders[preset] = "failed: " + "; ".join(row.checks.get("reasons") or [])
                else:
                    # by the render's own name: a draft of the same bytes may have been stored
                    # first, and it is no render
                    name = naming.render(prod.slug, edit.version, preset) if edit else ""
                    path = store.named_path(s, name, row.sha256)
                    st.renders[preset] = str(path) if path else row.sha256
            st.stale = [str(x) for x in stale.all]
            steps = production_checklist(snapshot)
            st.checklist = [_step_json(step) for step in steps]
            st.pending = [_pending(step) for step in steps if step.state is not StepState.DONE]
            out.append(st)
    return out


def _in_flight(take: TakeRow, now: datetime) -> str:
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
