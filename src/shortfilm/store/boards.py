"""The queries of the asset board: its versions, read as :class:`BoardVersion` and added whole.

A board version is never changed once written; a new one takes the next number through
:func:`~shortfilm.store.repo.claim_version`, so two writers at once cannot both take it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shortfilm.domain.board import BoardVersion
from shortfilm.domain.mirror import mirror
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import BoardRow


def board_version(row: BoardRow) -> BoardVersion:
    """The domain value of a stored board row."""
    return mirror(
        BoardVersion,
        row,
        blocks=dict(row.blocks),
        references=tuple(dict(r) for r in row.references),
    )


def latest_board(tx: Tx, production_id: int) -> BoardVersion | None:
    """The production's newest board version, or ``None`` before its first import."""
    row = repo.latest(tx, BoardRow, BoardRow.production_id, production_id)
    return None if row is None else board_version(row)


def next_board_version(tx: Tx, production_id: int) -> int:
    """The number a new board version of the production would take."""
    return repo.next_version(tx, BoardRow, BoardRow.production_id, production_id)


def claim_board_version(
    tx: Tx,
    production_id: int,
    version: int,
    blocks: Mapping[str, Any],
    references: Sequence[Mapping[str, Any]],
    content_hash: str,
    created_by: str | None,
    conflict: str,
) -> BoardVersion:
    """Write board version ``version`` (status ``draft``: it needs its own review) now.

    :class:`~shortfilm.errors.ConflictError` with ``conflict`` (the transaction spent) when
    another writer took that number in the same moment."""
    row = BoardRow(
        production_id=production_id,
        version=version,
        blocks=dict(blocks),
        references=[dict(r) for r in references],
        content_hash=content_hash,
        status="draft",
        created_by=created_by,
    )
    repo.claim_version(tx, row, conflict)
    return board_version(row)
