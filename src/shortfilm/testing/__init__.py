"""Test doubles that ship with the package, so tests, benchmarks and the CLI can all start them.

:class:`FakeModelArk` is a real HTTP server on 127.0.0.1 speaking the ModelArk / Ark
content-generation task API; :class:`ManualClock` drives its task progression by hand.
Importing this package starts nothing and loads no HTTP or media library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shortfilm.testing.fake_modelark import FakeModelArk, FakeModelSpec, ManualClock

__all__ = ["FakeModelArk", "FakeModelSpec", "ManualClock"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from shortfilm.testing import fake_modelark

        return getattr(fake_modelark, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
