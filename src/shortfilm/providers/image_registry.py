"""Board-image providers by name: the built-ins plus the ``shortfilm.image_providers`` group.

A third party adds an image provider by declaring an entry point; nothing in the core is edited.
Hosted adapters are imported only when asked for (importing this module loads no HTTP client).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from shortfilm.errors import InputError
from shortfilm.providers.board_sheet import BoardSheetProvider
from shortfilm.providers.images import ImageProvider

ENTRY_POINT_GROUP = "shortfilm.image_providers"

ImageFactory = Callable[[Path], ImageProvider]
"""Makes an image provider given the production home's work folder."""


def _board_sheet(workdir: Path) -> ImageProvider:
    return BoardSheetProvider(workdir)


def _seedream(workdir: Path) -> ImageProvider:
    from shortfilm.providers.seedream import SeedreamProvider

    return SeedreamProvider.from_env(workdir)


_BUILTIN: dict[str, ImageFactory] = {"board-sheet": _board_sheet, "seedream": _seedream}

DEFAULT_IMAGE_PROVIDER = "board-sheet"


def image_provider_names() -> list[str]:
    found = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(found | set(_BUILTIN))


def get_image_provider(name: str, workdir: Path) -> ImageProvider:
    """The image provider called ``name``; :class:`InputError` listing the known ones otherwise.

    Hosted providers read their configuration (and key) from the environment here.
    """
    if name in _BUILTIN:
        return _BUILTIN[name](workdir)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory: ImageFactory = ep.load()
            return factory(workdir)
    raise InputError(f"unknown image provider {name!r}; known: {', '.join(image_provider_names())}")


__all__ = ["DEFAULT_IMAGE_PROVIDER", "get_image_provider", "image_provider_names"]
