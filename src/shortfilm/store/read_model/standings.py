"""Where each subject of a production stands, and the reviews and comments that put it there.

Both read every review of many subjects in one query (never one per take): the checkpoints read
standings, the pages the reviews and comments themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.page_views import CommentView, Reviewed, ReviewView
from shortfilm.domain.review import Standing, SubjectKind, standing
from shortfilm.store.tables import CommentRow, ReviewRow


class Standings:
    """Every subject's standing in one production, from one query of its reviews."""

    def __init__(self, s: Session, production_id: int) -> None:
        decisions: dict[tuple[str, int], list[str]] = defaultdict(list)
        stmt = (
            select(ReviewRow.subject_kind, ReviewRow.subject_id, ReviewRow.decision)
            .where(ReviewRow.production_id == production_id)
            .order_by(ReviewRow.id)
        )
        for kind, subject_id, decision in s.execute(stmt):
            decisions[(kind, subject_id)].append(decision)
        self._decisions = decisions

    def of(self, kind: SubjectKind, subject_id: int) -> Standing:
        return standing(self._decisions.get((kind.value, subject_id), []))


def reviewed(
    s: Session, production_id: int, kind: SubjectKind, ids: Iterable[int]
) -> dict[int, Reviewed]:
    """Reviews and comments of many subjects of one kind: two queries."""
    wanted = list(ids)
    if not wanted:
        return {}
    reviews: dict[int, list[ReviewView]] = defaultdict(list)
    for r in s.execute(
        select(
            ReviewRow.subject_id,
            ReviewRow.id,
            ReviewRow.decision,
            ReviewRow.reviewer,
            ReviewRow.role,
            ReviewRow.notes,
            ReviewRow.changes,
            ReviewRow.rubric,
            ReviewRow.created_at,
        )
        .where(
            ReviewRow.production_id == production_id,
            ReviewRow.subject_kind == kind.value,
            ReviewRow.subject_id.in_(wanted),
        )
        .order_by(ReviewRow.id)
    ):
        reviews[r[0]].append(ReviewView(*r[1:]))
    comments: dict[int, list[CommentView]] = defaultdict(list)
    for c in s.execute(
        select(
            CommentRow.subject_id,
            CommentRow.id,
            CommentRow.at_ms,
            CommentRow.author,
            CommentRow.role,
            CommentRow.body,
            CommentRow.created_at,
        )
        .where(
            CommentRow.production_id == production_id,
            CommentRow.subject_kind == kind.value,
            CommentRow.subject_id.in_(wanted),
        )
        .order_by(CommentRow.at_ms.is_(None), CommentRow.at_ms, CommentRow.id)
    ):
        comments[c[0]].append(CommentView(*c[1:]))
    return {i: Reviewed(tuple(reviews[i]), tuple(comments[i])) for i in wanted}
