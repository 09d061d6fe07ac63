"""What was recorded on each version: its decisions, its comments and where its review stands."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shortfilm.domain.review import CommentRecord, ReviewRecord, Standing, SubjectKind
from shortfilm.domain.review import standing as standing_of
from shortfilm.review.subjects import parse_enum
from shortfilm.store import reviews
from shortfilm.store.repo import Store, Tx


@dataclass(frozen=True)
class SubjectHistory:
    """The decisions and comments on one exact version, and where its review stands."""

    kind: SubjectKind
    subject_id: int
    name: str
    """``board v2``, ``clip-02/take-003``, ``edit v1``, ``edit v1 vertical render``."""
    standing: Standing
    reviews: tuple[ReviewRecord, ...]
    """Oldest first."""
    comments: tuple[CommentRecord, ...]
    """Oldest first."""


_KIND_ORDER = {k: i for i, k in enumerate((SubjectKind.BOARD, SubjectKind.TAKE,
                                           SubjectKind.EDIT, SubjectKind.RENDER,
                                           SubjectKind.VARIANT))}  # fmt: skip
"""Workflow order: the board, then takes, then the edit, then its renders, then its variants."""


def review_history(store: Store, slug: str) -> list[SubjectHistory]:
    """Every version of production ``slug`` that someone decided on or commented on, in
    workflow order (board versions, takes, edit versions, renders; oldest first within each):
    what ``shortfilm review show`` prints. Versions nobody looked at are left out."""
    with store.session() as tx:
        return _histories(tx, reviews.production_id(tx, slug), slug)


def reviews_of(
    store: Store, slug: str, kind: SubjectKind | str, subject: int
) -> list[ReviewRecord]:
    """Every decision on one exact version, oldest first."""
    return list(history_of(store, slug, kind, subject).reviews)


def comments_of(
    store: Store, slug: str, kind: SubjectKind | str, subject: int
) -> list[CommentRecord]:
    """The comments on one exact version, oldest first."""
    return list(history_of(store, slug, kind, subject).comments)


def history_of(store: Store, slug: str, kind: SubjectKind | str, subject: int) -> SubjectHistory:
    """The history of one subject (it must exist, even with nothing recorded on it yet)."""
    kind = parse_enum(SubjectKind, kind, "kind")
    with store.session() as tx:
        prod_id = reviews.production_id(tx, slug)
        name = reviews.load_subject(tx, prod_id, slug, kind, subject).name
        found = _histories(tx, prod_id, slug, kind, subject)
    return found[0] if found else SubjectHistory(kind, subject, name, Standing.UNREVIEWED, (), ())


def _histories(
    tx: Tx, prod_id: int, slug: str, kind: SubjectKind | None = None, subject: int | None = None
) -> list[SubjectHistory]:
    """Reviews and comments of the production (of one subject when ``kind`` and ``subject``
    are given), grouped by subject: two queries, plus one lookup per subject for its name."""
    decided: dict[tuple[SubjectKind, int], list[ReviewRecord]] = {}
    for r in reviews.reviews(tx, prod_id, kind, subject):
        decided.setdefault((r.kind, r.subject_id), []).append(r)
    remarks: dict[tuple[SubjectKind, int], list[CommentRecord]] = {}
    for c in reviews.comments(tx, prod_id, kind, subject):
        remarks.setdefault((c.kind, c.subject_id), []).append(c)
    histories = []
    for key in sorted(decided.keys() | remarks.keys(), key=lambda k: (_KIND_ORDER[k[0]], k[1])):
        name = reviews.load_subject(tx, prod_id, slug, *key).name
        named = [replace(r, subject=name) for r in decided.get(key, [])]
        histories.append(
            SubjectHistory(
                key[0],
                key[1],
                name,
                standing_of([r.decision for r in named]),
                tuple(named),
                tuple(replace(c, subject=name) for c in remarks.get(key, [])),
            )
        )
    return histories
