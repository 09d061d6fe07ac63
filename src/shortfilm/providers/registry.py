"""Providers by name, filled from the ``shortfilm.providers`` entry-point group plus the built-ins.

A third party adds a provider by declaring an entry point; nothing in the core is edited.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from shortfilm.errors import InputError
from shortfilm.providers.base import VideoProvider

Factory = Callable[[Path], VideoProvider]
"""Makes a provider given the production home's work folder."""


def _animatic(workdir: Path) -> VideoProvider:
    from shortfilm.providers.animatic import AnimaticProvider

    return AnimaticProvider(workdir)


def _seedance(workdir: Path) -> VideoProvider:
    from shortfilm.providers.seedance import SeedanceProvider

    return SeedanceProvider.from_env(workdir)


def _replicate(workdir: Path) -> VideoProvider:
    from shortfilm.providers.replicate import ReplicateProvider

    return ReplicateProvider.from_env(workdir)


_BUILTIN: dict[str, Factory] = {
    "animatic": _animatic,
    "seedance": _seedance,
    "replicate": _replicate,
}


def names() -> list[str]:
    found = {ep.name for ep in entry_points(group="shortfilm.providers")}
    return sorted(found | set(_BUILTIN))


def get(name: str, workdir: Path) -> VideoProvider:
    """The provider called ``name``; :class:`InputError` listing the known ones otherwise."""
    if name in _BUILTIN:
        return _BUILTIN[name](workdir)
    for ep in entry_points(group="shortfilm.providers"):
        if ep.name == name:
            factory: Factory = ep.load()
            return factory(workdir)
    raise InputError(f"unknown provider {name!r}; known: {', '.join(names())}")
