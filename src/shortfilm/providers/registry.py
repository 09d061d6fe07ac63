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


ENV_ANIMATIC_CACHE = "SHORTFILM_ANIMATIC_CACHE"
"""A folder the animatic draws its takes into instead of each home's work folder, shared by every
home (and process) on the machine that names it."""


def _animatic(workdir: Path) -> VideoProvider:
    """The animatic, drawing into ``SHORTFILM_ANIMATIC_CACHE`` when it is set.

    An animatic take is a pure function of its inputs (its folder is named by their hash), so
    homes that ask for the same take (a second production from the same spec, the demo made
    again elsewhere, a team's test machines) can share one drawing of it: the second asks
    and copies in a second instead of drawing for one. Each home still keeps its own copy in its
    store; the cache is never read back as a take of record.
    """
    import os

    from shortfilm.providers.animatic import AnimaticProvider

    shared = os.environ.get(ENV_ANIMATIC_CACHE, "").strip()
    return AnimaticProvider(Path(shared).expanduser() if shared else workdir)


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
