"""A take's stored QC report as ``qc show`` prints it, made first when the take has none yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shortfilm.domain.qc_report import QC_VERSION, QCReport
from shortfilm.domain.take_rank import RankedTake
from shortfilm.store import keyframes as stored_keyframes
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.lookup import NamedTake, find_take
from shortfilm.takes.qc_judge import candidate_paths, review_take
from shortfilm.takes.ranking import ranked


@dataclass(frozen=True)
class StoredQC(NamedTake):
    """A take's stored QC report, as ``qc show`` prints it."""

    provider: str
    selected: bool
    analysed_at: datetime
    report: QCReport
    candidates: list[dict[str, Any]]
    """The keyframe candidates found, best first: ``t_s``, ``score``, ... and ``path`` (the
    thumbnail's library path)."""
    keyframe_ms: int | None = None
    """Time of the take's chosen keyframe, if it has one."""
    keyframe_by: str | None = None
    """Who chose it: ``auto`` or a person."""
    ranking: tuple[RankedTake, ...] = ()
    """Every take of the clip, best first by its QC evidence (:mod:`shortfilm.domain.take_rank`)."""

    def to_json(self) -> dict[str, Any]:
        return {
            **self.names_json(),
            "provider": self.provider,
            "selected": self.selected,
            "analysed_at": self.analysed_at.isoformat(),
            **self.report.to_json(),
            "keyframe_candidates": self.candidates,
            "keyframe": None
            if self.keyframe_ms is None
            else {"time_ms": self.keyframe_ms, "chosen_by": self.keyframe_by},
            "ranking": [r.to_json() for r in self.ranking],
        }


def stored_qc(
    store: Store, slug: str, position: int, take_number: int | None = None, *, again: bool = False
) -> StoredQC:
    """The QC report of take ``take_number`` of clip ``position`` (default: the selected take).

    A take with no report (made before QC existed) or one judged by older rules is analysed now,
    as is any take when ``again``; :class:`InputError` for an unknown production, clip or take.
    """
    with store.session() as s:
        _, take = find_take(s, slug, position, take_number)
        take_id = take.id
        row = stored.analysis(s, take_id)
        fresh = row is not None and row.version >= QC_VERSION
    if again or not fresh:
        review_take(store, take_id, again=again)
    with store.session() as s:
        take_row = stored.take(s, take_id)
        assert take_row is not None
        clip_row = stored.clip(s, take_row.clip_id)
        row = stored.analysis(s, take_id)
        assert row is not None
        chosen = stored_keyframes.chosen(s, take_id)
        return StoredQC(
            slug=slug,
            clip=clip_row.position,
            take=take_row.number,
            provider=take_row.provider,
            selected=clip_row.selected_take_id == take_id,
            analysed_at=row.analysed_at,
            report=QCReport.from_json(row.report),
            candidates=candidate_paths(store, list(row.report.get("keyframe_candidates", []))),
            keyframe_ms=chosen.time_ms if chosen is not None else None,
            keyframe_by=chosen.chosen_by if chosen is not None else None,
            ranking=tuple(ranked(s, clip_row.id)),
        )
