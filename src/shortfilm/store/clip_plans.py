"""The queries of a production's clips as the spec plans them, and their prompt versions.

An import writes what the spec says of each clip (name, job, duration, whether it continues the
previous one) and a new prompt version only when the prompt's content changed; takes and their
selection are written elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from shortfilm.domain import ClipPlan
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import ClipRow, PromptRow


def continuing_clips(tx: Tx, production_id: int) -> int:
    """How many of the production's clips after the first continue the previous one (each
    sends the previous clip's keyframe as a reference)."""
    stmt = select(func.count()).where(
        ClipRow.production_id == production_id,
        ClipRow.continues_previous.is_(True),
        ClipRow.position > 1,
    )
    return int(tx.scalar(stmt) or 0)


def clip_ids(tx: Tx, production_id: int) -> dict[int, int]:
    """The production's clips: position -> clip id."""
    return {c.position: c.id for c in repo.clips(tx, production_id)}


def add_clip(tx: Tx, production_id: int, position: int, plan: ClipPlan) -> int:
    """Record a new clip at ``position`` as ``plan`` states it; its id."""
    clip = ClipRow(
        production_id=production_id,
        position=position,
        name=plan.name,
        job=plan.job,
        duration_s=plan.duration_s,
        continues_previous=plan.continues_previous,
    )
    tx.add(clip)
    tx.flush()
    return clip.id


def update_clip(tx: Tx, clip_id: int, plan: ClipPlan) -> None:
    """Make the clip state what ``plan`` says of it (name, job, duration, continuity)."""
    clip = tx.get_one(ClipRow, clip_id)
    clip.name = plan.name
    clip.job = plan.job
    clip.duration_s = plan.duration_s
    clip.continues_previous = plan.continues_previous


def latest_prompt_hash(tx: Tx, clip_id: int) -> str | None:
    """The content hash of the clip's newest prompt version, or ``None`` before its first."""
    current = repo.latest(tx, PromptRow, PromptRow.clip_id, clip_id)
    return None if current is None else current.content_hash


def next_prompt_version(tx: Tx, clip_id: int) -> int:
    return repo.next_version(tx, PromptRow, PromptRow.clip_id, clip_id)


def claim_prompt_version(
    tx: Tx,
    clip_id: int,
    version: int,
    sections: Mapping[str, Any],
    text: str,
    content_hash: str,
    conflict: str,
) -> None:
    """Write prompt version ``version`` of the clip now; :class:`~shortfilm.errors.ConflictError`
    with ``conflict`` (the transaction spent) when another writer took that number."""
    repo.claim_version(
        tx,
        PromptRow(
            clip_id=clip_id,
            version=version,
            sections=dict(sections),
            text=text,
            content_hash=content_hash,
        ),
        conflict,
    )
