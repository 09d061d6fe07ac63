"""The keyframes of takes: QC's candidates (thumbnails) and the frames picked to hand on.

A take has at most one chosen keyframe; a replaced one is kept unchosen, and a candidate nobody
picked has ``chosen_by`` ``None``. Callers lock the clip (:func:`~shortfilm.store.repo.lock_clip`)
before deciding on the current choice.
"""

from __future__ import annotations

from shortfilm.domain.mirror import mirror
from shortfilm.domain.take import Keyframe
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import KeyframeRow


def as_keyframe(row: KeyframeRow) -> Keyframe:
    return mirror(Keyframe, row, chosen=bool(row.chosen))


def keyframe(tx: Tx, keyframe_id: int) -> Keyframe | None:
    row = tx.get(KeyframeRow, keyframe_id)
    return as_keyframe(row) if row is not None else None


def chosen(tx: Tx, take_id: int) -> Keyframe | None:
    """The take's chosen keyframe, if it has one."""
    row = repo.chosen_keyframe(tx, take_id)
    return as_keyframe(row) if row is not None else None


def candidates(tx: Tx, take_id: int) -> list[Keyframe]:
    """The candidate frames QC found in a take (thumbnails), best first."""
    return [as_keyframe(row) for row in repo.keyframe_candidates(tx, take_id)]


def picked(tx: Tx, take_id: int) -> list[Keyframe]:
    """Every frame of a take ever picked as its keyframe (full size), oldest first."""
    return [as_keyframe(row) for row in repo.picked_keyframes(tx, take_id)]


def drop_candidates(tx: Tx, take_id: int) -> None:
    """Delete the take's candidates; frames ever picked as keyframes are left alone."""
    for old in repo.keyframe_candidates(tx, take_id):
        tx.delete(old)


def add(
    tx: Tx,
    take_id: int,
    time_ms: int,
    sha256: str,
    score: float,
    *,
    chosen: bool = False,
    chosen_by: str | None = None,
) -> None:
    """Record a frame of ``take_id``: a candidate, or (``chosen``) its keyframe picked ``by``."""
    tx.add(
        KeyframeRow(
            take_id=take_id,
            time_ms=time_ms,
            sha256=sha256,
            score=score,
            chosen=chosen,
            chosen_by=chosen_by,
        )
    )


def choose(tx: Tx, keyframe_id: int, chosen: bool, chosen_by: str | None = None) -> None:
    """Make ``keyframe_id`` the chosen one (by ``chosen_by``) or, ``chosen`` false, unchoose it
    (its picker is kept)."""
    row = tx.get(KeyframeRow, keyframe_id)
    assert row is not None
    row.chosen = chosen
    if chosen:
        row.chosen_by = chosen_by
