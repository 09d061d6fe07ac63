"""The review checkpoints passed as ``shortfilm run --yes`` passes them, for tests about other
stages: generation needs an approved board, the render approved takes."""

from __future__ import annotations

from shortfilm.domain.review import Checkpoint
from shortfilm.review.decisions import local_owner
from shortfilm.review.gates import approve_pending
from shortfilm.store.repo import Store


def approve_board(store: Store, slug: str) -> None:
    """Approve the latest board version in advance as the local owner (if nobody reviewed it)."""
    approve_pending(store, slug, local_owner(), Checkpoint.BOARD)


def approve_takes(store: Store, slug: str) -> None:
    """Approve every clip's selected take in advance as the local owner."""
    approve_pending(store, slug, local_owner(), Checkpoint.CLIP)
