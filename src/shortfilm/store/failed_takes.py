"""The failed takes of every production, for the lessons a new prompt is linted with."""

from __future__ import annotations

from sqlalchemy import select

from shortfilm.domain.failed_take import FailedTake
from shortfilm.store.repo import FAILED_TAKE_STATUSES, Tx
from shortfilm.store.tables import ClipRow, ProductionRow, PromptRow, TakeRow


def failed_takes(tx: Tx) -> list[FailedTake]:
    """Every take that failed, was cancelled or rejected (:data:`FAILED_TAKE_STATUSES`)."""
    rows = tx.execute(
        select(TakeRow, ClipRow.position, ProductionRow.slug, PromptRow.text)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .join(ProductionRow, ClipRow.production_id == ProductionRow.id)
        .join(PromptRow, TakeRow.prompt_id == PromptRow.id)
        .where(TakeRow.status.in_(FAILED_TAKE_STATUSES))
    )
    return [
        FailedTake(
            slug=slug,
            position=position,
            number=take.number,
            status=take.status,
            notes=take.notes,
            error=take.error,
            prompt_text=str(take.params.get("prompt_text") or text),
        )
        for take, position, slug, text in rows
    ]
