"""What a production cost: per clip and stage, against its budget, and per approved second.

"Per approved second" divides everything spent (failed takes included: they were paid for) by
the seconds of film that made it into the cut, the selected takes: the figure a producer compares
across productions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shortfilm.store.read_model.state import production_state
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Store


@dataclass
class ClipCost:
    clip: str
    takes: int
    spent: dict[str, float]
    """Unit -> cost of every take of this clip."""
    wasted: dict[str, float]
    """Unit -> cost of takes that failed or were rejected."""
    approved_s: float
    """Seconds of this clip in the cut (its selected take's duration), 0 when none."""


@dataclass
class CostReport:
    slug: str
    clips: list[ClipCost] = field(default_factory=list)
    total: dict[str, float] = field(default_factory=dict)
    approved_s: float = 0.0
    per_approved_s: dict[str, float] = field(default_factory=dict)
    budget: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _add(into: dict[str, float], unit: str, amount: float) -> None:
    into[unit] = into.get(unit, 0.0) + amount


def cost_report(store: Store, slug: str) -> CostReport:
    state = production_state(store, slug)
    report = CostReport(slug=slug)
    for clip in state.clips:
        spent: dict[str, float] = {}
        wasted: dict[str, float] = {}
        approved = 0.0
        takes = clip.takes
        for take in takes:
            unit = take.cost_unit or "credits"
            _add(spent, unit, take.cost)
            _add(report.total, unit, take.cost)
            if take.status in FAILED_TAKE_STATUSES:
                _add(wasted, unit, take.cost)
            if take.id == clip.selected_take_id:
                approved = take.duration_s if take.duration_s is not None else clip.duration_s
        report.clips.append(
            ClipCost(f"clip-{clip.position:02d}", len(takes), spent, wasted, approved)
        )
        report.approved_s += approved
    if report.approved_s:
        report.per_approved_s = {u: v / report.approved_s for u, v in report.total.items()}
    if state.budget is not None:
        budget = state.budget
        report.budget = {
            "limit": budget.limit,
            "unit": budget.unit,
            "committed": budget.committed,
            "remaining": budget.limit - budget.committed,
        }
    return report
