"""The review stage: decisions on exact versions, take selection, overrides, comments, what was
recorded, and the gates before generation and before the edit is rendered for publishing.

One module holds each (``decisions``, ``selection``, ``overrides``, ``comments``, ``history``,
``gates``; ``subjects`` and ``revisions`` beneath them); this package names their public functions
so a caller writes ``from shortfilm import review`` and ``review.decide(...)``. The rules they
check are :mod:`shortfilm.domain.review`; the final gate and publishing are
:mod:`shortfilm.publish`. (Modules of this package import each other by full path, never through
this one.)
"""

from shortfilm.review.comments import add_comment
from shortfilm.review.decisions import decide, local_owner
from shortfilm.review.gates import approve_pending, require_board_approved, require_clips_approved
from shortfilm.review.history import (
    SubjectHistory,
    comments_of,
    review_history,
    reviews_of,
)
from shortfilm.review.overrides import override
from shortfilm.review.selection import select_take
from shortfilm.review.subjects import subject_id

__all__ = [
    "SubjectHistory",
    "add_comment",
    "approve_pending",
    "comments_of",
    "decide",
    "local_owner",
    "override",
    "require_board_approved",
    "require_clips_approved",
    "review_history",
    "reviews_of",
    "select_take",
    "subject_id",
]
