"""The shapes a hosted video adapter fills in: its prepared request, its options, its patience.

:class:`~.hosted.HostedTaskProvider` runs the life cycle; an adapter (:mod:`.seedance`,
:mod:`.replicate`) subclasses it with its own :class:`PreparedTake` (``P``) and job object
(``R``), and states its default :class:`Pacing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from shortfilm.providers.hosted_client import ClientOptions


@dataclass(frozen=True)
class PreparedTake:
    """A request checked and built by its adapter, ready to be sent (nothing sent yet); each
    adapter adds what its protocol needs."""

    body: dict[str, Any]
    """The create's JSON body."""
    duration: int
    """Whole seconds asked for (the clip's duration rounded half up)."""
    resolution: str
    generate_audio: bool
    images: tuple[dict[str, object], ...]
    """Per image, in send order: how it was sent, its role and label, size and bytes."""

    @property
    def key(self) -> str:
        """The request's identity (a SHA-256 hex of what is sent): equal requests, equal keys.
        Names its journal entry and its submission gate."""
        raise NotImplementedError

    @property
    def payload(self) -> bytes:
        """The create's JSON body, exactly as sent."""
        raise NotImplementedError

    @property
    def journal_fields(self) -> dict[str, object]:
        """What the journal keeps to recognise the request's job: never the key, never the
        prompt."""
        raise NotImplementedError

    @property
    def summary(self) -> str:
        """A short account of the request, for the log line of a created job."""
        raise NotImplementedError


P = TypeVar("P", bound=PreparedTake)
R = TypeVar("R")
"""The protocol's job object as get/list return it (a ModelArk task, a Replicate prediction)."""


class TaskOptions(ClientOptions, total=False):
    """What every hosted video adapter takes besides its key (see :class:`HostedTaskProvider`)."""

    create_timeout_s: float
    reconcile_grace_s: float
    poll_interval_s: float
    clock: Callable[[], float]
    generate_audio: bool | None
    max_image_bytes: int


class Pacing(NamedTuple):
    """An adapter's default patience, seconds (each can be set per provider)."""

    create_timeout_s: float = 60.0
    """For a create's answer (a create uploads the images, so it may take a while)."""
    reconcile_grace_s: float = 5.0
    """Before looking a second time for the job of a create whose answer was lost."""
    poll_interval_s: float = 10.0
    """Between status polls."""


__all__ = ["P", "Pacing", "PreparedTake", "R", "TaskOptions"]
