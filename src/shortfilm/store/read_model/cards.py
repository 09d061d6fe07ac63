"""The productions page's cards: each production's state, a still of it and what waits for whom.

One checklist read per production (:func:`~.checkpoints.production_snapshot`, the dashboard's
own), and one query for the still: the first of the candidates below that the store holds.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.domain.checklist import StepState, production_checklist
from shortfilm.domain.page_views import ProductionCard
from shortfilm.store.boards import newest_board_row
from shortfilm.store.read_model.checkpoints import production_snapshot
from shortfilm.store.read_model.overview import productions
from shortfilm.store.tables import (
    ArtifactRow,
    ClipRow,
    EditRow,
    KeyframeRow,
    ProductionRow,
    RenderRow,
    TakeRow,
)


def _still_candidates(s: Session, prod: ProductionRow) -> list[str]:
    """Stills of the production, best first: the newest edit's render covers (the film as it
    ships), the chosen keyframes of the selected takes in clip order, any keyframe, the board
    image, the board's reference images."""
    covers = s.scalars(
        select(RenderRow.cover_sha256)
        .join(EditRow, RenderRow.edit_id == EditRow.id)
        .where(EditRow.production_id == prod.id, RenderRow.cover_sha256.is_not(None))
        .order_by(EditRow.version.desc(), RenderRow.preset)
    ).all()
    chosen = s.scalars(
        select(KeyframeRow.sha256)
        .join(ClipRow, ClipRow.selected_take_id == KeyframeRow.take_id)
        .where(ClipRow.production_id == prod.id, KeyframeRow.chosen.is_(True))
        .order_by(ClipRow.position)
    ).all()
    frames = s.scalars(
        select(KeyframeRow.sha256)
        .join(TakeRow, KeyframeRow.take_id == TakeRow.id)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .where(ClipRow.production_id == prod.id)
        .order_by(ClipRow.position, TakeRow.number, KeyframeRow.score.desc())
        .limit(4)
    ).all()
    board = newest_board_row(s, prod.id)
    pictures: list[str] = []
    if board is not None:
        image = board.blocks.get(BOARD_IMAGE_KEY)
        if isinstance(image, dict) and image.get("sha256"):
            pictures.append(str(image["sha256"]))
        pictures += [
            str(r["sha256"]) for r in board.references if isinstance(r, dict) and r.get("sha256")
        ]
    return [str(x) for x in (*covers, *chosen, *frames) if x] + pictures


def _still(s: Session, prod: ProductionRow) -> str | None:
    """The best still the store holds (a row in ``artifacts``: the media route serves it)."""
    candidates = _still_candidates(s, prod)
    if not candidates:
        return None
    held = set(s.scalars(select(ArtifactRow.sha256).where(ArtifactRow.sha256.in_(candidates))))
    return next((sha for sha in candidates if sha in held), None)


def production_cards(s: Session) -> list[ProductionCard]:
    """Every production as a card, in the order of :func:`~.overview.productions`."""
    rows = {p.slug: p for p in s.scalars(select(ProductionRow))}
    cards = []
    for summary in productions(s):
        prod = rows[summary.slug]
        steps = production_checklist(production_snapshot(s, prod))
        current = next((step for step in steps if step.state != StepState.DONE), None)
        state = "done" if current is None else f"{current.label}: {current.state}"
        waiting = tuple(step for step in steps if step.waiting_for and step.state != StepState.DONE)
        cards.append(
            ProductionCard(
                summary,
                state,
                StepState.DONE.value if current is None else current.state.value,
                _still(s, prod),
                waiting,
            )
        )
    return cards
