"""Templates: a production made from another (``shortfilm new SLUG --from OTHER``), what of the
source it keeps, and the lineage that records it.

The words of ``--keep`` name parts of the source's world:

* ``board``: the source's newest board version itself, *by reference* (no copy: the new
  production's takes point at that version, and an approval it has holds for both);
* ``style``: the board's look (camera, lighting, texture, realism, palette), its consistency
  and negative rules;
* ``characters``: the board's characters, with their reference images;
* ``accounts``: the campaign's variants, each routed to its account.

``board`` is the whole board, so it brings ``style`` and ``characters`` with it; without it the
new production gets a board version of its own holding only the kept parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shortfilm.errors import InputError

KEEPABLE: tuple[str, ...] = ("board", "style", "characters", "accounts")
"""Every word ``--keep`` accepts, in the order they are listed."""
DEFAULT_KEEP: tuple[str, ...] = ("board", "style", "characters")
BOARD_PARTS: tuple[str, ...] = ("style", "characters")
"""What a kept board brings with it."""


def parse_keep(text: str) -> tuple[str, ...]:
    """``"board,style"`` as the kept words in :data:`KEEPABLE` order (``board`` adds what it
    brings); :class:`InputError` naming an unknown or missing word."""
    words = [w.strip().lower() for w in text.split(",")]
    if not any(words):
        raise InputError(f"--keep: name what to keep, one or more of {', '.join(KEEPABLE)}")
    for word in words:
        if word not in KEEPABLE:
            raise InputError(
                f"--keep {word!r}: a production keeps only {', '.join(KEEPABLE)} (comma-separated)"
            )
    wanted = set(words) | (set(BOARD_PARTS) if "board" in words else set())
    return tuple(w for w in KEEPABLE if w in wanted)


@dataclass(frozen=True)
class Template:
    """Where a production made from another started: the lineage ``new --from`` records."""

    source: str
    """The slug of the production it was made from."""
    board_id: int | None
    """The source's board version it referenced (``None`` when ``board`` was not kept)."""
    board_version: int | None
    kept: tuple[str, ...]
    """The ``--keep`` words, in :data:`KEEPABLE` order."""
    referencing: bool
    """Whether it still uses that board by reference (no board version of its own yet)."""

    def describe(self) -> str:
        board = f"board v{self.board_version} of {self.source}" if self.board_version else None
        how = (
            f"uses {board} by reference"
            if board and self.referencing
            else (f"started from {board}" if board else f"made from {self.source}")
        )
        return f"{how}; kept {', '.join(self.kept)}"


def missing_parts(kept: Sequence[str], has: Sequence[str]) -> list[str]:
    """The kept words the source does not have (``has``: the parts it has)."""
    return [word for word in kept if word not in has]
