"""A publication: one variant sent to its account, and the states it moves through.

Posting is paid for in trust, not credits: a post that goes out twice, or one marked done that the
platform never got, is worse than one that waits. So a publication is a row per (variant
version, account) whose state moves only along :data:`TRANSITIONS`, each move written before the
step after it is taken:

``pending`` (queued, nothing sent) -> ``uploading`` (the media is being sent; the target may have
it) -> ``created`` (the target answered with its post's id) -> ``scheduled`` (the target holds it
for its time) or ``published`` (it is out). Any state before ``published`` may end in ``failed``
with the reason; a failed publication may be queued again (``pending``), which is how a person
retries it.

A process killed in ``uploading`` or ``created`` does not know what the target has, so the next
attempt *reconciles* first (:data:`NEEDS_RECONCILING`): it asks the target for the posts of that
account around that time and adopts one carrying this publication's mark instead of sending
again. Only ``pending`` sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from shortfilm.errors import ConflictError


class PublicationState(StrEnum):
    PENDING = "pending"
    UPLOADING = "uploading"
    CREATED = "created"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"


S = PublicationState

TRANSITIONS: dict[PublicationState, frozenset[PublicationState]] = {
    S.PENDING: frozenset({S.UPLOADING, S.FAILED}),
    S.UPLOADING: frozenset({S.CREATED, S.SCHEDULED, S.PUBLISHED, S.FAILED}),
    S.CREATED: frozenset({S.SCHEDULED, S.PUBLISHED, S.FAILED}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.FAILED}),
    S.PUBLISHED: frozenset(),
    S.FAILED: frozenset({S.PENDING}),
}
"""Where each state may go next. ``uploading`` may jump to ``scheduled`` or ``published`` when the
target answers the create with the post already held or out."""

NEEDS_RECONCILING = frozenset({S.UPLOADING, S.CREATED})
"""States a killed attempt may have left with the target holding more than the row says."""

DONE = frozenset({S.SCHEDULED, S.PUBLISHED})
"""States in which the target has the post: nothing more is ever sent for it."""


@dataclass(frozen=True)
class Publication:
    """One variant version sent to one account."""

    variant: str
    variant_version: int
    account: str
    state: PublicationState
    at: datetime | None
    """When it is to go out; ``None``: now."""
    mark: str
    """A mark carried in the post (and as the webhook's ``Idempotency-Key``), by which a
    reconciling attempt recognises a post this publication made."""
    remote_id: str | None = None
    """The target's id of the post, once it answered."""
    reason: str = ""
    """Why it failed (the target's answer, named)."""
    attempts: int = 0
    stored_id: int = 0
    target: str = "folder"
    """The kind of target it is sent to (the account's, when it was queued)."""
    remote_url: str | None = None
    """Where the post can be seen, once the target says (a platform's address, a folder)."""
    upload: Mapping[str, Any] | None = None
    """What the target answered for the media (Postiz: ``{id, path}``): a retry after a lost
    create finds the post by it, and does not upload again."""
    media_sha256: str | None = None
    """The variant film sent."""
    metrics: Mapping[str, Any] | None = None
    """The post's figures as last imported or pulled."""

    def moved(self, to: PublicationState, **changes: object) -> Publication:
        """This publication in state ``to``; :class:`ConflictError` naming both states when the
        move is not one of :data:`TRANSITIONS` (a second process moved it first, or a bug)."""
        if to not in TRANSITIONS[self.state]:
            raise ConflictError(
                f"publication of {self.variant} v{self.variant_version} to {self.account}: "
                f"cannot go from {self.state} to {to}"
            )
        return replace(self, state=to, **changes)  # type: ignore[arg-type]

    @property
    def done(self) -> bool:
        return self.state in DONE


def publication_mark(slug: str, variant: str, version: int, account: str) -> str:
    """The mark of a publication: stable for the same variant version and account, so every
    attempt, in any process, carries the same one."""
    return f"sf-{slug}-{variant}-v{version}-{account}"
