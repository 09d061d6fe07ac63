"""Who acts on a production: the roles of the source workflow's team, and an actor with one.

Review rules (:mod:`shortfilm.domain.review`) and the web app's access checks speak these values;
where the actor came from (a logged-in user, or the local owner at the command line) is the
outer layers' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The team's jobs, as the source workflow names them; one per user."""

    WRITER = "writer"
    VISUAL_OPERATOR = "visual-operator"
    AI_OPERATOR = "ai-operator"
    EDITOR = "editor"
    GROWTH_OPERATOR = "growth-operator"
    OWNER = "owner"


@dataclass(frozen=True)
class Actor:
    """A person acting, with the role their rights come from.

    ``user_id`` is ``None`` for the local owner working at the command line of their own store
    (``shortfilm run --yes``, ``shortfilm review ...``): they hold the files, so they hold every
    right, and their decisions are recorded as the local owner's.
    """

    name: str
    role: Role
    user_id: int | None = None

    @property
    def is_local(self) -> bool:
        return self.user_id is None
