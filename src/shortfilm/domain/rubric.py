"""The review rubric of the source workflow: seven criteria a final render is scored on, 1-5.

A reviewer's scores are stored in ``reviews.rubric`` as ``{criterion: {"value", "note"}}``
(:func:`rubric_json`) and read back in the rubric's order (:func:`scores_from_json`). Pure values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shortfilm.errors import InputError


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    question: str
    """What a reviewer answers when scoring it."""


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "visual-continuity",
        "Visual continuity",
        "Do the character, setting, palette and camera feel stay the same from clip to clip?",
    ),
    Criterion(
        "story-clarity",
        "Story clarity",
        "Does a first-time viewer get the conflict and what happens, without the script?",
    ),
    Criterion(
        "caption-fit",
        "Caption fit",
        "Do the captions and on-screen text read in time, stay in the safe area and match the "
        "picture?",
    ),
    Criterion(
        "sound-quality",
        "Sound quality",
        "Are impacts, ambience and music clean, in sync and at the channel's loudness?",
    ),
    Criterion(
        "export-format",
        "Export format",
        "Are the size, aspect, length and sidecars what the channel accepts?",
    ),
    Criterion(
        "account-match",
        "Account match",
        "Does the opening, tone and caption fit the account and the campaign role it goes to?",
    ),
    Criterion(
        "reuse-potential",
        "Reuse potential",
        "Can the board, prompts and keyframes carry the next film in this world?",
    ),
)
"""The review rubric of the source workflow, in its order."""

CRITERION_KEYS = tuple(c.key for c in CRITERIA)
SCORE_MIN = 1
SCORE_MAX = 5
MAX_TEXT = 10_000
"""The longest note, change request, reason or comment accepted (characters)."""


@dataclass(frozen=True)
class Score:
    """One rubric criterion scored ``SCORE_MIN``..``SCORE_MAX`` (5 best), with an optional note."""

    criterion: str
    value: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.criterion not in CRITERION_KEYS:
            raise InputError(
                f"score: {self.criterion!r} is not a rubric criterion; use one of "
                + ", ".join(CRITERION_KEYS)
            )
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise InputError(f"score {self.criterion}: the value must be a whole number")
        if not SCORE_MIN <= self.value <= SCORE_MAX:
            raise InputError(
                f"score {self.criterion}: {self.value} is outside {SCORE_MIN}-{SCORE_MAX}"
            )
        if len(self.note) > MAX_TEXT:
            raise InputError(f"score {self.criterion}: the note is over {MAX_TEXT} characters")

    @classmethod
    def parse(cls, text: str) -> Score:
        """``criterion=N`` or ``criterion=N:note``, as typed after ``--score``."""
        match = re.fullmatch(r"\s*([a-z-]+)\s*=\s*(-?\d+)\s*(?::(.*))?", text, re.DOTALL)
        if match is None:
            raise InputError(
                f"--score {text!r}: write criterion=N or criterion=N:note, e.g. story-clarity=4"
            )
        key, value, note = match.groups()
        return cls(key, int(value), (note or "").strip())

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "note": self.note}


def rubric_json(scores: Sequence[Score]) -> dict[str, dict[str, object]]:
    """Scores as stored in ``reviews.rubric``: ``{criterion: {"value", "note"}}``."""
    return {s.criterion: s.to_json() for s in scores}


def scores_from_json(data: Mapping[str, object]) -> tuple[Score, ...]:
    """The scores of a stored rubric, in the rubric's order; unknown keys are skipped."""
    out: list[Score] = []
    for key in CRITERION_KEYS:
        item = data.get(key)
        if isinstance(item, Mapping) and isinstance(item.get("value"), int):
            out.append(Score(key, int(item["value"]), str(item.get("note") or "")))
    return tuple(out)
