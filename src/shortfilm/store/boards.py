"""The queries of the asset board: its versions, read as :class:`BoardVersion` and added whole.

A board version is never changed once written; a new one takes the next number through
:func:`~shortfilm.store.repo.claim_version`, so two writers at once cannot both take it.

A production made from another (``shortfilm new SLUG --from OTHER``) uses the source's board
version *by reference*: the row belongs to the source, and the new production sees it as its
own newest board (:func:`newest_board_row`) until it adds a version of its own. That version
continues the numbering from the referenced one (referencing v2 of OTHER, its first own board is
v3), so "board v3 replaced v2" reads the same in both productions' histories; from then on its
own rows are its boards and the reference ends (the template row keeps the lineage).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from shortfilm.domain.board import BoardVersion
from shortfilm.domain.mirror import mirror
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import BoardRow, ProductionRow
from shortfilm.store.template_tables import TemplateRow


def board_version(row: BoardRow) -> BoardVersion:
    """The domain value of a stored board row."""
    return mirror(
        BoardVersion,
        row,
        blocks=dict(row.blocks),
        references=tuple(dict(r) for r in row.references),
    )


def referenced_board_row(tx: Tx, production_id: int) -> BoardRow | None:
    """The source's board version a production made from a template references, if any."""
    board_id = tx.scalar(
        select(TemplateRow.board_id).where(TemplateRow.production_id == production_id)
    )
    return tx.get(BoardRow, board_id) if board_id is not None else None


def newest_board_row(tx: Tx, production_id: int) -> BoardRow | None:
    """The production's newest board row: its own newest version, else the version it
    references (see the module docstring); ``None`` before its first import."""
    own = repo.latest(tx, BoardRow, BoardRow.production_id, production_id)
    return own if own is not None else referenced_board_row(tx, production_id)


def board_rows(tx: Tx, production_id: int) -> list[BoardRow]:
    """Every board version the production has seen, newest first: its own, then the one it
    referenced before them (a production made from a template)."""
    rows = list(
        tx.scalars(
            select(BoardRow)
            .where(BoardRow.production_id == production_id)
            .order_by(BoardRow.version.desc())
        )
    )
    referenced = referenced_board_row(tx, production_id)
    return rows + [referenced] if referenced is not None else rows


def borrowed_versions(tx: Tx, production_id: int) -> dict[int, str]:
    """The board versions the production sees that belong to another production, by number:
    the slug of their owner (the source it was made from), so a page can say whose board it
    is deciding on."""
    row = referenced_board_row(tx, production_id)
    if row is None or row.production_id == production_id:
        return {}
    owner = tx.scalar(select(ProductionRow.slug).where(ProductionRow.id == row.production_id))
    return {row.version: str(owner)}


def board_row_numbered(tx: Tx, production_id: int, version: int | None) -> BoardRow | None:
    """Board version ``version`` as the production sees it (``None``: the newest)."""
    if version is None:
        return newest_board_row(tx, production_id)
    return next((r for r in board_rows(tx, production_id) if r.version == version), None)


def latest_board(tx: Tx, production_id: int) -> BoardVersion | None:
    """The production's newest board version, or ``None`` before its first import."""
    row = newest_board_row(tx, production_id)
    return None if row is None else board_version(row)


def next_board_version(tx: Tx, production_id: int) -> int:
    """The number a new board version of the production would take: one past its own newest,
    or past the referenced version before it has one."""
    own = repo.next_version(tx, BoardRow, BoardRow.production_id, production_id)
    if own > 1:
        return own
    referenced = referenced_board_row(tx, production_id)
    return referenced.version + 1 if referenced is not None else own


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
