"""What a production cost: per clip and stage, against its budget, and per approved second.

"Per approved second" divides everything spent (failed takes included: they were paid for) by
the seconds of film that made it into the cut, the selected takes: the figure a producer compares
across productions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shortfilm.errors import StoreError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
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
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production = spec_from_dict(prod.spec)
        report = CostReport(slug=slug)
        for clip in repo.clips(s, prod.id)[: len(production.clips)]:
            spent: dict[str, float] = {}
            wasted: dict[str, float] = {}
            approved = 0.0
            takes = repo.takes(s, clip.id)
            for take in takes:
                unit = take.cost_unit or "credits"
                _add(spent, unit, take.cost)
                _add(report.total, unit, take.cost)
                if take.status in FAILED_TAKE_STATUSES:
                    _add(wasted, unit, take.cost)
                if take.id == clip.selected_take_id:
                    approved = float(take.params.get("duration_s", clip.duration_s))
            report.clips.append(
                ClipCost(f"clip-{clip.position:02d}", len(takes), spent, wasted, approved)
            )
            report.approved_s += approved
        if report.approved_s:
            report.per_approved_s = {u: v / report.approved_s for u, v in report.total.items()}
        if production.budget is not None:
            unit = production.budget.unit
            used = repo.committed_cost(s, prod.id, unit)
            report.budget = {
                "limit": production.budget.limit,
                "unit": unit,
                "committed": used,
                "remaining": production.budget.limit - used,
            }
    return report
