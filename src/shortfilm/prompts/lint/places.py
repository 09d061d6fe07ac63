"""Where a finding points, and the order in which a reader meets those places in the spec.

Findings are sorted the way the file reads (board before clips, a shot's camera before its action)
rather than by rule, so fixing them top to bottom never jumps around. The order comes from the
domain dataclasses' field order, the same order the spec is written in, so a field added to the
domain sorts correctly without anyone touching this module.
"""

from __future__ import annotations

import dataclasses
import types
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from shortfilm.domain.production import Production
from shortfilm.spec.source import FieldPath

_UNKNOWN = 1_000_000
"""Sort position of a name the domain does not have (never expected; kept last, not fatal)."""


def place_key(path: FieldPath) -> tuple[int, ...]:
    """A sort key for ``path`` in document order; a parent sorts before its children."""
    key: list[int] = []
    annotation: Any = Production
    for part in path:
        if isinstance(part, int):
            key.append(part)
            annotation = _element(annotation)
        else:
            names = _field_names(annotation)
            key.append(names.index(part) if part in names else _UNKNOWN)
            annotation = _field_type(annotation, part)
    return tuple(key)


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return ()
    return tuple(f.name for f in dataclasses.fields(cls))


@cache
def _field_type(cls: Any, name: str) -> Any:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return None
    return _strip_optional(get_type_hints(cls).get(name))


def _element(annotation: Any) -> Any:
    """The item type of ``tuple[X, ...]``, or ``None``."""
    if get_origin(annotation) is tuple:
        return _strip_optional(get_args(annotation)[0])
    return None


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation
