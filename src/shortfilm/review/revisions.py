"""Two reviewers at once: the compare-and-swap every review write starts with.

A decision on a board version, an edit version or a render bumps that row's ``revision``; a
decision on a take, or a selection, bumps its clip's. The bump is a compare-and-swap (``UPDATE
... WHERE revision = :seen``) and the first statement of the write transaction, so on SQLite it
waits for the other writer and then sees its commit, and on PostgreSQL the row lock orders them
the same way: the second of two decisions on the same item matches no row and gets
:class:`~shortfilm.errors.ConflictError` naming what changed. A web form passes the revision it
showed (``expected_revision``); the command line passes nothing and races only with decisions
made while it runs.
"""

from __future__ import annotations

from shortfilm.domain.review import Subject
from shortfilm.errors import ConflictError
from shortfilm.store import reviews
from shortfilm.store.repo import Tx


def expected(tx: Tx, prod_id: int, subject: Subject, expected: int | None) -> int:
    """The revision to swap from: the one the caller saw, which must still be current."""
    if expected is not None and expected != subject.revision:
        raise _conflict(tx, prod_id, subject, expected)
    return subject.revision


def swap(tx: Tx, prod_id: int, subject: Subject, seen: int) -> int:
    """Bump the subject's revision from ``seen``, or raise :class:`ConflictError`."""
    if not reviews.swap_revision(tx, subject, seen):
        raise _conflict(tx, prod_id, subject, seen)
    return seen + 1


def _conflict(tx: Tx, prod_id: int, subject: Subject, seen: int) -> ConflictError:
    now = reviews.revision_now(tx, subject)
    last = reviews.last_change(tx, prod_id, subject.scope)
    what = ""
    if last is not None:
        by = last.by or "someone"
        what = f": {last.kind.removeprefix('review.')} on {last.subject} by {by}"
    return ConflictError(
        f"{subject.scope} changed since you saw it (revision {seen}, now {now}){what}; "
        "nothing was written: reload and decide again"
    )
