"""A take that gave no usable clip, as the lessons read it: where it was, why, what it sent.

Failed takes are kept with their notes because they teach (:mod:`shortfilm.prompts.lessons`).
"""

from __future__ import annotations

from dataclasses import dataclass

FAILED_TAKE_STATUSES = ("failed", "cancelled", "rejected")
"""A take that did not give a usable clip: the provider failed, it was cancelled, or a person
rejected it. Such takes are kept with their notes: they teach."""


@dataclass(frozen=True)
class FailedTake:
    """A failed, cancelled or rejected take of any production in the store."""

    slug: str
    position: int
    """The clip's place in its production (1-based)."""
    number: int
    """The take's number within its clip."""
    status: str
    notes: str
    error: str | None
    prompt_text: str
    """The prompt the take sent (its own record), else its prompt version's text."""
