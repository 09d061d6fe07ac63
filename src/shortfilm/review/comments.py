"""Comments: a remark on one exact version, on a take or a render optionally at a time in it."""

from __future__ import annotations

import math

from shortfilm.domain.people import Actor
from shortfilm.domain.permissions import Action, require
from shortfilm.domain.review import CommentRecord, SubjectKind, check_text
from shortfilm.errors import InputError
from shortfilm.review.subjects import parse_enum
from shortfilm.store import repo, reviews
from shortfilm.store.repo import Store


def add_comment(
    store: Store,
    slug: str,
    kind: SubjectKind | str,
    subject_id: int,
    actor: Actor,
    body: str,
    *,
    at_s: float | None = None,
) -> CommentRecord:
    """Leave a remark on one exact version; on a take or a render, optionally at ``at_s``
    seconds into it (kept to the millisecond)."""
    kind = parse_enum(SubjectKind, kind, "kind")
    require(actor, Action.COMMENT)
    body = check_text("body", body, required=True)
    if at_s is not None:
        if kind not in (SubjectKind.TAKE, SubjectKind.RENDER):
            raise InputError(f"at_s: a {kind} has no time to comment at; only takes and renders")
        if not math.isfinite(at_s) or at_s < 0:
            raise InputError(f"at_s: {at_s} is not a time in seconds >= 0")
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        subject = reviews.load_subject(tx, prod_id, slug, kind, subject_id)
        if at_s is not None and subject.duration_s is not None and at_s > subject.duration_s:
            raise InputError(
                f"at_s: {at_s:g} s is past the end of {subject.name} ({subject.duration_s:g} s)"
            )
        at_ms = round(at_s * 1000) if at_s is not None else None
        record = reviews.add_comment(tx, prod_id, subject, at_ms, actor, body)
        repo.event(
            tx,
            prod_id,
            "comment.added",
            subject.name,
            subject_kind=kind.value,
            subject_id=subject.id,
            comment_id=record.id,
            at_ms=at_ms,
            by=actor.name,
            role=actor.role.value,
        )
        return record
