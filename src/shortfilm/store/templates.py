"""The queries of templates: the lineage row of a production made from another, written once
and read back as :class:`~shortfilm.domain.template.Template`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from shortfilm.domain.template import Template
from shortfilm.store.repo import Tx
from shortfilm.store.tables import BoardRow, ProductionRow
from shortfilm.store.template_tables import TemplateRow


def record_template(
    tx: Tx,
    production_id: int,
    source_id: int,
    board_id: int | None,
    kept: Sequence[str],
    by: str,
) -> None:
    """Record that ``production_id`` was made from ``source_id``, using board row ``board_id``
    by reference (``None``: no board kept), keeping ``kept``."""
    tx.add(
        TemplateRow(
            production_id=production_id,
            source_production_id=source_id,
            board_id=board_id,
            kept=list(kept),
            created_by=by,
        )
    )
    tx.flush()


def template_of(tx: Tx, production_id: int) -> Template | None:
    """The lineage of ``production_id`` when it was made from a template, else ``None``."""
    row = tx.get(TemplateRow, production_id)
    if row is None:
        return None
    source = tx.get_one(ProductionRow, row.source_production_id)
    board = tx.get(BoardRow, row.board_id) if row.board_id is not None else None
    own = tx.scalar(select(func.count(BoardRow.id)).where(BoardRow.production_id == production_id))
    return Template(
        source=source.slug,
        board_id=row.board_id,
        board_version=board.version if board is not None else None,
        kept=tuple(str(k) for k in row.kept),
        referencing=board is not None and not own,
    )


def productions_using_board(tx: Tx, board_id: int) -> list[str]:
    """The slugs of the productions that reference board row ``board_id`` (made from it)."""
    stmt = (
        select(ProductionRow.slug)
        .join(TemplateRow, TemplateRow.production_id == ProductionRow.id)
        .where(TemplateRow.board_id == board_id)
        .order_by(ProductionRow.id)
    )
    return list(tx.scalars(stmt))
