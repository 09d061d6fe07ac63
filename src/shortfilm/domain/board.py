"""One version of a production's asset board as the store keeps it, and the words about it.

A board version is what the spec states (``blocks``: the :class:`~shortfilm.domain.AssetBoard`
as ``dataclasses.asdict`` wrote it; ``references``: its images in the stable order prompts name
them by) plus, once one is made, the generated board image under :data:`BOARD_IMAGE_KEY`.
Versions are never changed: a new image, reference or import makes a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

BOARD_IMAGE_KEY = "board_image"
"""The key of a board version's ``blocks`` that records its generated board image."""


@dataclass(frozen=True)
class BoardVersion:
    """A stored board version (``asset_boards`` row)."""

    id: int
    production_id: int
    version: int
    blocks: Mapping[str, Any]
    """The board as stored, its generated image (if any) under :data:`BOARD_IMAGE_KEY`."""
    references: tuple[Mapping[str, Any], ...]
    """``{"path", "role", "label", "sha256"}`` each, in the order prompts name them."""
    content_hash: str
    status: str
    """``draft`` until reviewed (checkpoint 1), then as the review decided."""
    created_by: str | None


class StatesABoard(Protocol):
    """Anything holding a board's blocks and references (a :class:`BoardVersion`, or a row a
    stage still reads itself): what :func:`base_blocks`' callers need."""

    @property
    def blocks(self) -> Mapping[str, Any]: ...

    @property
    def references(self) -> Sequence[Mapping[str, Any]]: ...


def base_blocks(blocks: Mapping[str, Any]) -> dict[str, Any]:
    """A board row's blocks without its generated image: the board as the spec states it."""
    return {k: v for k, v in blocks.items() if k != BOARD_IMAGE_KEY}
