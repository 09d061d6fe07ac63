"""Many things wrong with a spec, reported as the one error a person fixes first.

Validation and file checks may find several problems at once. Printing all of them buries the
first one, so they are ordered by line and the topmost becomes the single :class:`SpecError`;
the rest are only counted, because the author reloads after each fix anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shortfilm.errors import SpecError
from shortfilm.spec.source import FieldPath, SourceMap, format_path


@dataclass(frozen=True)
class Problem:
    """One thing wrong at one field; ``message`` says what and, where it can, how to fix it."""

    path: FieldPath
    message: str


def first_problem_error(
    problems: Sequence[Problem], source: SourceMap, file: Path | str
) -> SpecError:
    """The error for the topmost problem, with ``(and N more)`` when there were others.

    ``problems`` must not be empty. Problems on the same line keep their given order, which for
    validation is the order of the model's fields.
    """
    if not problems:
        raise ValueError("first_problem_error needs at least one problem")
    ordered = sorted(problems, key=lambda p: source.line_of(p.path) or 0)
    first = ordered[0]
    message = first.message
    if len(ordered) > 1:
        message += f" (and {len(ordered) - 1} more)"
    return SpecError(
        message,
        file=file,
        line=source.line_of(first.path),
        field=format_path(first.path) or None,
    )
