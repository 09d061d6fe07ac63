"""Where each subject of a production stands, and the reviews and comments that put it there.

Both read every review of many subjects in one query (never one per take): the checkpoints read
standings, the pages the reviews and comments themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import ColumnElement, CompoundSelect, Executable, and_, or_, select, union
from sqlalchemy.orm import Session

from shortfilm.domain.page_views import CommentView, Reviewed, ReviewView
from shortfilm.domain.review import Standing, SubjectKind, standing
from shortfilm.store.tables import BoardRow, CommentRow, ReviewRow
from shortfilm.store.template_tables import TemplateRow

_View = TypeVar("_View", ReviewView, CommentView)


class Standings:
    """Every subject's standing in one production, from one query of its reviews. A board
    version's reviews count wherever they were made: those of a version it references (made in
    the production that owns it) and those another production made of its own versions."""

    def __init__(self, s: Session, production_id: int) -> None:
        decisions: dict[tuple[str, int], list[str]] = defaultdict(list)
        boards: CompoundSelect[tuple[int]] = union(
            select(BoardRow.id).where(BoardRow.production_id == production_id),
            select(TemplateRow.board_id).where(TemplateRow.production_id == production_id),
        )
        stmt = (
            select(ReviewRow.subject_kind, ReviewRow.subject_id, ReviewRow.decision)
            .where(
                or_(
                    ReviewRow.production_id == production_id,
                    and_(
                        ReviewRow.subject_kind == SubjectKind.BOARD.value,
                        ReviewRow.subject_id.in_(boards),
                    ),
                )
            )
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
    reviews = _grouped(
        s,
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
        .where(*_subjects(ReviewRow, production_id, kind, wanted))
        .order_by(ReviewRow.id),
        ReviewView,
    )
    comments = _grouped(
        s,
        select(
            CommentRow.subject_id,
            CommentRow.id,
            CommentRow.at_ms,
            CommentRow.author,
            CommentRow.role,
            CommentRow.body,
            CommentRow.created_at,
        )
        .where(*_subjects(CommentRow, production_id, kind, wanted))
        .order_by(CommentRow.at_ms.is_(None), CommentRow.at_ms, CommentRow.id),
        CommentView,
    )
    return {i: Reviewed(tuple(reviews[i]), tuple(comments[i])) for i in wanted}


def _subjects(
    row: type[ReviewRow] | type[CommentRow], production_id: int, kind: SubjectKind, ids: list[int]
) -> tuple[ColumnElement[bool], ...]:
    """The filter to the rows (reviews or comments) about ``ids``, subjects of ``kind``.

    A board version's reviews belong to the version, whichever production reviewed it: a
    production made from a template sees those of the board it references."""
    own = () if kind is SubjectKind.BOARD else (row.production_id == production_id,)
    return (*own, row.subject_kind == kind.value, row.subject_id.in_(ids))


def _grouped(
    s: Session, stmt: Executable, view: Callable[..., _View]
) -> defaultdict[int, list[_View]]:
    """Each result of ``stmt`` (subject id first, then ``view``'s fields) built into ``view``,
    in query order, per subject id; a subject with no result maps to an empty list."""
    grouped: defaultdict[int, list[_View]] = defaultdict(list)
    for r in s.execute(stmt):
        grouped[r[0]].append(view(*r[1:]))
    return grouped
