"""A publication's states: only the documented moves, each refused move named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shortfilm.domain.publishing import (
    DONE,
    NEEDS_RECONCILING,
    TRANSITIONS,
    Publication,
    PublicationState,
    publication_mark,
)
from shortfilm.errors import ConflictError

S = PublicationState


def _pending() -> Publication:
    mark = publication_mark("wasteland-villa", "tt-hook-a", 2, "tt-main")
    return Publication(
        "tt-hook-a", 2, "tt-main", S.PENDING, datetime(2026, 12, 8, 9, tzinfo=UTC), mark
    )


def test_a_publication_goes_from_pending_to_scheduled_to_published() -> None:
    pub = _pending().moved(S.UPLOADING, attempts=1)
    pub = pub.moved(S.CREATED, remote_id="post-1")
    pub = pub.moved(S.SCHEDULED)
    assert pub.done and pub.remote_id == "post-1" and pub.attempts == 1
    assert pub.moved(S.PUBLISHED).state is S.PUBLISHED


def test_a_published_post_never_moves_again_and_a_failed_one_is_queued_again() -> None:
    out = _pending().moved(S.UPLOADING).moved(S.PUBLISHED)
    for to in PublicationState:
        with pytest.raises(ConflictError, match="cannot go from published to"):
            out.moved(to)
    failed = _pending().moved(S.FAILED, reason="401 from Postiz: the API key is refused")
    assert failed.moved(S.PENDING).state is S.PENDING
    with pytest.raises(
        ConflictError, match="tt-hook-a v2 to tt-main: cannot go from failed to uploading"
    ):
        failed.moved(S.UPLOADING)


def test_only_pending_sends_and_what_may_be_half_sent_is_reconciled() -> None:
    senders = {s for s, nexts in TRANSITIONS.items() if S.UPLOADING in nexts}
    assert senders == {S.PENDING}
    assert {S.UPLOADING, S.CREATED} == NEEDS_RECONCILING
    assert DONE.isdisjoint(NEEDS_RECONCILING)
    assert all(s in TRANSITIONS for s in PublicationState)


def test_the_mark_is_the_same_for_every_attempt_and_differs_per_version_and_account() -> None:
    assert publication_mark("s", "v", 1, "a") == publication_mark("s", "v", 1, "a")
    assert len({publication_mark("s", "v", 1, "a"), publication_mark("s", "v", 2, "a"),
                publication_mark("s", "v", 1, "b")}) == 3  # fmt: skip
