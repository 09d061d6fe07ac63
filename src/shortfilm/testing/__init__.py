"""Test doubles that ship with the package, so tests, benchmarks and the CLI can all start them.

:class:`FakeModelArk` is a real HTTP server on 127.0.0.1 speaking the ModelArk / Ark
content-generation task API; :class:`ManualClock` drives its task progression by hand.
Importing this package starts nothing and loads no HTTP or media library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shortfilm.testing.clock import ManualClock
    from shortfilm.testing.fake_modelark import FakeModelArk
    from shortfilm.testing.fake_seedance_tasks import FakeModelSpec

__all__ = ["FakeModelArk", "FakeModelSpec", "ManualClock"]

_HOMES = {
    "FakeModelArk": "shortfilm.testing.fake_modelark",
    "FakeModelSpec": "shortfilm.testing.fake_seedance_tasks",
    "ManualClock": "shortfilm.testing.clock",
}
"""Where each name lives: imported on first use, so importing this package loads nothing."""


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
