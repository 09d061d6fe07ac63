"""A board version's brief as lines a reviewer reads, and what changed between two versions.

The board is the spec's asset board (world, characters, environment, style, consistency,
negatives) plus its reference images. A reviewer deciding on v3 needs to know what v3 says and
what it says differently from v2; both are read off the stored blocks here, so the page and the
API show the same lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shortfilm.domain.board import base_blocks

_NAMED = ("name", "label")
"""The field that names an item of a list (a character, an environment)."""


@dataclass(frozen=True)
class BriefLine:
    """One statement of the brief: where it sits (``characters · Kestrel · outfit``) and what
    it says."""

    key: str
    text: str


@dataclass(frozen=True)
class BriefChange:
    """One line that differs from the previous version: ``added``, ``removed`` or
    ``changed`` (with both texts)."""

    kind: str
    key: str
    old: str
    new: str


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _lines(key: str, value: Any) -> Iterable[BriefLine]:
    if isinstance(value, dict):
        for sub, inner in value.items():
            yield from _lines(f"{key} · {sub}", inner)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
        for n, item in enumerate(value, 1):
            name = next((str(item[f]) for f in _NAMED if item.get(f)), f"#{n}")
            for field, inner in item.items():
                if field not in _NAMED and _text(inner):
                    yield BriefLine(f"{key} · {name} · {field}", _text(inner))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield BriefLine(key, _text(item))
    elif value not in (None, ""):
        yield BriefLine(key, _text(value))


def brief_lines(
    blocks: Mapping[str, Any], references: Sequence[Mapping[str, Any]] = ()
) -> tuple[BriefLine, ...]:
    """The brief of a board version, in the order the spec states it, then its images."""
    lines = [line for key, value in base_blocks(blocks).items() for line in _lines(key, value)]
    for ref in references:
        if isinstance(ref, Mapping) and ref.get("sha256"):
            label = str(ref.get("label") or ref.get("path") or "image")
            lines.append(
                BriefLine(f"image · {label}", f"{ref.get('role', '')} {str(ref['sha256'])[:12]}")
            )
    return tuple(lines)


def brief_diff(old: Sequence[BriefLine], new: Sequence[BriefLine]) -> tuple[BriefChange, ...]:
    """What ``new`` says differently from ``old``, in ``new``'s order (removed lines last).

    A key stated once on each side with a different text is ``changed``; a key stated several
    times (a list of rules) compares its lines as a set: the new ones ``added``, the gone ones
    ``removed``.
    """
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for line in old:
        before.setdefault(line.key, []).append(line.text)
    for line in new:
        after.setdefault(line.key, []).append(line.text)
    changes: list[BriefChange] = []
    for key, texts in after.items():
        was = before.get(key, [])
        if len(was) == 1 and len(texts) == 1:
            if was[0] != texts[0]:
                changes.append(BriefChange("changed", key, was[0], texts[0]))
            continue
        changes += [BriefChange("added", key, "", t) for t in texts if t not in was]
        changes += [BriefChange("removed", key, t, "") for t in was if t not in texts]
    for key, was in before.items():
        if key not in after:
            changes += [BriefChange("removed", key, t, "") for t in was]
    return tuple(changes)
