"""A whole production as ``status``, the report and the cost report see it: one frozen read.

The store's read model (:mod:`shortfilm.store.read_model.state`) fills it in one session; the
three outputs only format it, so they cannot disagree about what a clip, a take or a render is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shortfilm.domain.checklist import ProductionSnapshot


@dataclass(frozen=True)
class TakeState:
    id: int
    number: int
    status: str
    cost: float
    cost_unit: str
    error: str | None
    notes: str
    runner: str | None
    """The run driving a take in flight (``HOST:PID:TOKEN``), if any."""
    runner_seen: datetime | None
    """When ``runner`` last said it was alive."""
    duration_s: float | None
    """The duration the take was asked for (seconds), when its request says."""


@dataclass(frozen=True)
class ClipState:
    position: int
    name: str
    job: str
    duration_s: float
    """The clip's planned duration (seconds)."""
    prompt_version: int | None
    """The clip's latest prompt version."""
    takes: tuple[TakeState, ...]
    """Every take, by number."""
    selected_take_id: int | None
    keyframe_ms: int | None
    """Where the selected take's chosen keyframe is (milliseconds), if it has one."""

    @property
    def selected(self) -> TakeState | None:
        return next((t for t in self.takes if t.id == self.selected_take_id), None)


@dataclass(frozen=True)
class RenderState:
    preset: str
    sha256: str
    status: str
    """``passed``, ``failed`` or ``unchecked``."""
    reasons: tuple[str, ...]
    """Why its checks failed (empty when they passed)."""
    path: Path | None
    """Its readable path under its own name (a draft may hold the same bytes), else the first
    readable name of its bytes."""
    duration_s: float
    width: int
    height: int
    integrated_lufs: float
    true_peak_dbtp: float


@dataclass(frozen=True)
class BoardReferenceState:
    role: str
    label: str
    path: str


@dataclass(frozen=True)
class BoardState:
    version: int
    status: str
    references: tuple[BoardReferenceState, ...]
    """In prompt order."""


@dataclass(frozen=True)
class BudgetState:
    limit: float
    unit: str
    committed: float
    """Spent (finished takes) plus estimated (takes in flight), in ``unit``."""


@dataclass(frozen=True)
class ProductionState:
    slug: str
    title: str
    campaign_role: str
    owner: str
    target_duration_s: float
    channels: tuple[str, ...]
    logline: str
    script_version: int | None
    board: BoardState | None
    events: int
    """How many events the production's log holds."""
    clips: tuple[ClipState, ...]
    """The clips the spec plans, by position."""
    edit_version: int | None
    edit_timeline: dict[str, Any]
    """The latest edit's stored timeline (empty without an edit)."""
    renders: tuple[RenderState, ...]
    """The renders of the latest edit, as stored."""
    budget: BudgetState | None
    snapshot: ProductionSnapshot
    """The production as the checklist and the staleness rules see it."""
