"""What a published render carries: the approval that let it through the final gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Approval:
    """The latest review of a render, as ``manifest.json`` records it."""

    decision: str
    """``approve`` or ``override``: the caller checked the render passes the final gate."""
    reviewer: str
    role: str
    created_at: datetime
    note: str
    in_advance: bool
    """Approved ahead by the local owner (``run --yes``), not by someone who looked at it."""
    rubric: Mapping[str, Any]
    """The stored scores as written (``{criterion: {"value", "note"}}``), in their stored order."""
