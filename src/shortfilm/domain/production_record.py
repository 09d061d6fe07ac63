"""A production as the store records it: its identity and the spec it holds now.

The spec's values are :class:`~shortfilm.domain.Production`; this is the stored record around
them (the row's id, the spec as JSON data and its hash), so a stage can read and compare it
without holding a database row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProductionRecord:
    """A stored production (``productions`` row)."""

    id: int
    slug: str
    title: str
    spec: Mapping[str, Any]
    """The production spec as stored (``spec_to_dict``'s data)."""
    spec_hash: str
