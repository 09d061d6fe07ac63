"""Request bodies of the JSON API (pydantic: untrusted data enters here)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shortfilm.domain.review import Checkpoint, Decision, SubjectKind


class ScoreBody(BaseModel):
    criterion: str
    value: int
    note: str = ""


class DecisionBody(BaseModel):
    kind: SubjectKind
    subject_id: int
    decision: Decision
    scores: list[ScoreBody] = Field(default_factory=list)
    note: str = ""
    changes: str = ""
    expected_revision: int | None = None
    """The subject's ``revision`` as the reviewer saw it: a stale one answers 409."""


class SelectBody(BaseModel):
    take: int
    """The take number within the clip."""
    expected_revision: int | None = None


class CommentBody(BaseModel):
    kind: SubjectKind
    subject_id: int
    body: str
    at_s: float | None = None
    """Seconds into the take or render the comment points at."""


class OverrideBody(BaseModel):
    gate: Checkpoint
    reason: str
    subject_id: int | None = None


class PublishBody(BaseModel):
    preset: str | None = None


class Me(BaseModel):
    name: str
    role: str
    csrf_token: str
