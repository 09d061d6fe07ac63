"""Where a variant's post is sent: the small protocol every publish target speaks.

A target does three things, and the publishing loop (:mod:`shortfilm.publish.variants`) decides
when: :meth:`Target.find` -- does the target already hold this publication's post (a process
killed, or an answer lost, after it was sent)? -- :meth:`Target.upload` the film, and
:meth:`Target.create` the post. Errors say what the loop does next:

- :class:`Paced`: the target's rate limit; nothing is lost, the next slot is named;
- :class:`Unanswered`: a time-out, a dropped line, a 5xx; the post may or may not exist, so the
  next attempt reconciles (:meth:`Target.find`) before sending anything again;
- :class:`Refused`: the target said no for good (a refused key, a bad request); the
  publication fails with the reason, and a person fixes it and publishes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from shortfilm.domain.publishing import PublicationState
from shortfilm.domain.social_accounts import SocialAccount
from shortfilm.errors import ShortfilmError


@dataclass(frozen=True)
class Outgoing:
    """One post as the targets send it."""

    slug: str
    variant: str
    variant_version: int
    mark: str
    """The publication's mark: the webhook's ``Idempotency-Key``, the folder's name."""
    account: SocialAccount
    video: Path
    video_sha256: str
    video_url: str
    """Where a receiver may fetch the film (a presigned URL, else a ``file://`` one)."""
    duration_s: float
    text: str
    """The post text as posted: caption, then hashtags."""
    title: str
    at: datetime | None
    """When it is to go out; ``None``: now."""
    manifest: Mapping[str, Any] = field(default_factory=dict)
    """What else a folder or a webhook receiver is told (the approvals, the lineage)."""


@dataclass(frozen=True)
class Sent:
    """What the target holds for a publication."""

    remote_id: str
    state: PublicationState
    """``scheduled`` (held for its time) or ``published`` (out)."""
    url: str | None = None


class PublishError(ShortfilmError):
    """A target's answer that stopped an attempt; the subclasses say what comes next."""


class Paced(PublishError):
    """The target's rate limit: try again at ``retry_at``."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Unanswered(PublishError):
    """No usable answer (time-out, dropped line, 5xx): the post may exist."""


class Refused(PublishError):
    """The target refused for good; the message is the reason stored on the publication."""


class Target(Protocol):
    """A publish target; see the module docstring."""

    def find(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent | None:
        """The post this publication made, if the target holds it (``upload`` is what
        :meth:`upload` answered before, when it did)."""
        ...

    def upload(self, out: Outgoing) -> Mapping[str, Any] | None:
        """Send the film ahead of the post; what the target answered, or ``None`` when it
        takes the film with the post."""
        ...

    def create(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent:
        """Send the post."""
        ...
