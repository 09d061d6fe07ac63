"""A take's QC report as values: each check's verdict, the report they make, and what the take is
judged against (:class:`Expected`). The rules that fill them are :mod:`shortfilm.domain.qc_rules`
(the facts of the analysis alone) and :mod:`shortfilm.takes.qc_rules` (pictures compared).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from shortfilm.domain.analysis import Palette

QC_VERSION = 1
"""Version of these rules, stored with every report: a report older than this is re-made when a
person asks for it, so stored results always say which rules judged them."""


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    """Nothing to compare with (no plan, no board, no previous keyframe) or not judged here."""


_RANK = {Status.SKIP: 0, Status.PASS: 1, Status.WARN: 2, Status.FAIL: 3}


@dataclass(frozen=True)
class Check:
    """One rule's verdict on one take."""

    name: str
    status: Status
    reason: str
    """A sentence a person understands, with the numbers that decided it."""
    measured: Any = None
    """What the take shows (JSON-able)."""
    expected: Any = None
    """What the plan asks for (JSON-able); ``None`` when a check skips for want of it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "reason": self.reason,
            "measured": self.measured,
            "expected": self.expected,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Check:
        return cls(
            name=str(data["name"]),
            status=Status(data["status"]),
            reason=str(data["reason"]),
            measured=data.get("measured"),
            expected=data.get("expected"),
        )


@dataclass(frozen=True)
class QCReport:
    """The checks of one take and the analysis summary they were judged on."""

    checks: tuple[Check, ...]
    analysis: Mapping[str, Any] | None
    """:meth:`Analysis.to_json` of the take; ``None`` when the analysis itself failed."""
    version: int = QC_VERSION
    error: str | None = None
    """Why QC could not run (an undecodable file, a missing reference): the take is kept."""

    @property
    def status(self) -> str:
        """``error`` when QC could not run, else the worst check: ``fail``, ``warn`` or ``pass``
        (``pass`` too when every check skipped)."""
        if self.error is not None:
            return "error"
        worst = max((c.status for c in self.checks), key=_RANK.__getitem__, default=Status.PASS)
        return str(Status.PASS if worst is Status.SKIP else worst)

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "error")

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` if there is none)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "checks": [c.to_json() for c in self.checks],
            "analysis": dict(self.analysis) if self.analysis is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QCReport:
        return cls(
            checks=tuple(Check.from_json(c) for c in data.get("checks", [])),
            analysis=data.get("analysis"),
            version=int(data.get("version", 0)),
            error=data.get("error"),
        )

    @classmethod
    def could_not_run(cls, why: str) -> QCReport:
        """The report of a take QC could not judge (recorded instead of failing the take)."""
        return cls(checks=(), analysis=None, error=why)


@dataclass(frozen=True)
class BoardLook:
    """One board reference image's palette, by the label prompts name it by."""

    label: str
    palette: Palette


@dataclass(frozen=True)
class Opening:
    """The picture a take should open on: the previous clip's chosen keyframe, or the first frame
    a frame-mode clip names."""

    label: str
    """What it is, for people: ``the clip-02 keyframe at 11375 ms``."""
    rgb: NDArray[np.uint8]


@dataclass(frozen=True)
class Expected:
    """What a take's plan asks for. ``None`` or empty means unknown: the check skips itself."""

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    shots: tuple[tuple[float, float], ...] | None = None
    """Planned visual moments as (start_s, end_s)."""
    sound_rule: str | None = None
    board: tuple[BoardLook, ...] = ()
    opening: Opening | None = None
    not_judged: Mapping[str, str] = field(default_factory=dict)
    """Check name to why this kind of take is not judged on it (the offline animatic makes no
    sound, and holds still pictures under camera moves)."""
