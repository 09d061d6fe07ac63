"""The one protocol every board-image generator speaks: the request, the result, the call.

Step 1 of the workflow makes the asset board image from a production brief plus the reference
images. Unlike a take, image generation is synchronous on the hosted APIs (one request, one
answer carrying the picture), so the protocol is one call: :meth:`ImageProvider.generate` writes
the image to ``dest`` and reports what it cost. The workflow (``board.image``) records it as a
new board version; providers know nothing of the store.

The implementations sit beside this module (the offline sheet in :mod:`.board_sheet`, Seedream in
:mod:`.seedream`) and are found by name through :mod:`.image_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from shortfilm.providers.base import Reference

BOARD_WIDTH = 2048
BOARD_HEIGHT = 1152
"""The board image's default size: 16:9, the clips' aspect, about 2 megapixels."""


@dataclass(frozen=True)
class ImageRequest:
    """What a board image is made from. Sizes are pixels; the seed is the provider's own."""

    prompt: str
    """The production brief (``render_asset_brief``): world, characters, views, style, rules."""
    references: tuple[Reference, ...]
    """In the board's stable order; hosted prompts name them ``[Image 1]``, ``[Image 2]`` ..."""
    width: int = BOARD_WIDTH
    height: int = BOARD_HEIGHT
    seed: int = 0
    palette: tuple[str, ...] = ()
    """The board style's ``#rrggbb`` colours (the sheet draws them as swatches)."""
    title: str = ""
    """The production's title, for the sheet's header; hosted models do not receive it."""


@dataclass(frozen=True)
class ImageResult:
    image: Path
    """The PNG written (``dest``)."""
    metadata: dict[str, object] = field(default_factory=dict)
    """Provider facts worth keeping, JSON-able: model, size, usage, the prompt as sent."""
    cost: float = 0.0
    """In the provider's ``cost_unit``; 0 for the offline sheet."""


@runtime_checkable
class ImageProvider(Protocol):
    name: str
    model: str
    cost_unit: str

    def generate(self, request: ImageRequest, dest: Path) -> ImageResult:
        """Make the image and write it to ``dest`` as PNG, atomically (complete or absent).

        Blocks until the image is on disk. Raises :class:`~shortfilm.errors.InputError` for a
        request the model would refuse (nothing is sent) and
        :class:`~shortfilm.errors.ProviderError` when generation failed.
        """
        ...


__all__ = ["BOARD_HEIGHT", "BOARD_WIDTH", "ImageProvider", "ImageRequest", "ImageResult"]
