"""Request bodies of the JSON API (pydantic: untrusted data enters here).

Every whole number is bounded by :data:`MAX_ID` (422 past it): the database's columns are 32-bit
on PostgreSQL, and SQLite fails on a number past 64 bits instead of finding nothing.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from shortfilm.domain.review import Checkpoint, Decision, SubjectKind

MAX_ID = 2**31 - 1
"""The largest id, number, revision or position the store's INTEGER columns hold."""

Number = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
"""A whole number the store can hold; the workflow says whether it names anything."""


def beyond_max_id(text: str) -> bool:
    """Whether ``text`` is a whole number past :data:`MAX_ID` either way (judged on its digits
    first: a megabyte of them is never converted)."""
    digits = text.strip().removeprefix("-")
    return digits.isdigit() and (len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID)


class ScoreBody(BaseModel):
    criterion: str
    value: Number
    note: str = ""


class DecisionBody(BaseModel):
    kind: SubjectKind
    subject_id: Number
    decision: Decision
    scores: list[ScoreBody] = Field(default_factory=list)
    note: str = ""
    changes: str = ""
    expected_revision: Number | None = None
    """The subject's ``revision`` as the reviewer saw it: a stale one answers 409."""


class SelectBody(BaseModel):
    take: Number
    """The take number within the clip."""
    expected_revision: Number | None = None


class CommentBody(BaseModel):
    kind: SubjectKind
    subject_id: Number
    body: str
    at_s: float | None = None
    """Seconds into the take or render the comment points at."""


class OverrideBody(BaseModel):
    gate: Checkpoint
    reason: str
    subject_id: Number | None = None


class PublishBody(BaseModel):
    preset: str | None = None


class Me(BaseModel):
    name: str
    role: str
    csrf_token: str


Short = Annotated[str, Field(max_length=2200)]
"""A field of a post: no platform takes a longer caption."""


class VariantBody(BaseModel):
    name: Annotated[str, Field(max_length=63)]
    account: Annotated[str, Field(max_length=63)]
    hook: Short | None = None
    hook_until_s: Annotated[float, Field(gt=0, le=3)] = 2.0
    end_card: Short | None = None
    end_card_s: Annotated[float, Field(gt=0, le=10)] = 3.0
    caption: Short = ""
    hashtags: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=30)] = Field(
        default_factory=list
    )
    title: Short | None = None
    preset: Annotated[str, Field(max_length=40)] | None = None
    replace: bool = False


class PublishVariantBody(BaseModel):
    at: Annotated[str, Field(max_length=40)] | None = None
