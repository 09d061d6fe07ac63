"""Reading a stored board version back: the board it states, its hash without the image.

A version's ``blocks`` are the :class:`AssetBoard` as ``dataclasses.asdict`` wrote it, plus the
generated image (:data:`~shortfilm.domain.board.BOARD_IMAGE_KEY`) once one is made; an import
and a new image must agree on what "the same board" is, so both use :func:`base_content_hash`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shortfilm.domain import AssetBoard, Character, EnvironmentView, Style
from shortfilm.domain.board import BoardVersion, StatesABoard, base_blocks
from shortfilm.domain.production import CharacterRole
from shortfilm.domain.production_record import ProductionRecord
from shortfilm.errors import StoreError
from shortfilm.store.boards import latest_board as stored_latest_board
from shortfilm.store.productions import production_record
from shortfilm.store.repo import Tx, content_hash


def base_content_hash(board: StatesABoard) -> str:
    """The hash the board's spec content would have without its image.

    Equals the digest ``production.importing`` computes for the same board, so an import of an
    unchanged spec can recognise a version that only added a board image.
    """
    return content_hash({"blocks": base_blocks(board.blocks), "refs": board.references})


def board_from_blocks(blocks: Mapping[str, Any]) -> AssetBoard:
    """The :class:`AssetBoard` a row's blocks were stored from (``dataclasses.asdict``).

    :class:`StoreError` when they do not have that shape (edited by hand, or an older format).
    """
    try:
        style = dict(blocks.get("style") or {})
        style["palette"] = tuple(style.get("palette") or ())
        return AssetBoard(
            world=str(blocks.get("world") or ""),
            # JSON gave lists where the board holds tuples: a list of aliases would not equal
            # the spec's empty default, and the stored spec would grow `aliases: []` fields
            characters=tuple(
                Character(
                    **{**c, "role": CharacterRole(c["role"]), "aliases": _tuple(c, "aliases")}
                )
                for c in blocks.get("characters") or ()
            ),
            environment=tuple(
                EnvironmentView(**{**v, "aliases": _tuple(v, "aliases")})
                for v in blocks.get("environment") or ()
            ),
            style=Style(**style),
            consistency=tuple(blocks.get("consistency") or ()),
            negative=tuple(blocks.get("negative") or ()),
            references=tuple(blocks.get("references") or ()),
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise StoreError(f"the stored board blocks are not a board: {exc}") from exc


def _tuple(entry: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(entry.get(key) or ())


def latest_board(s: Tx, slug: str) -> tuple[ProductionRecord, BoardVersion]:
    """Production ``slug`` and its newest board version; :class:`StoreError` without either."""
    prod = production_record(s, slug)
    if prod is None:
        raise StoreError(f"no production {slug!r}; import its spec first")
    board = stored_latest_board(s, prod.id)
    if board is None:
        raise StoreError(f"production {slug!r} has no asset board")
    return prod, board
