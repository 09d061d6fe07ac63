"""How long-running stages report progress, without knowing who draws it (Rich, the web, a log)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: float, total: float, /) -> None:
        """``done`` of ``total`` units of ``stage`` are finished (units are the stage's own)."""
        ...


def silent(stage: str, done: float, total: float, /) -> None:
    """The default: report nothing."""
