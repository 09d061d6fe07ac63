"""A domain value read from an edge object with the same field names: the one copy of that loop.

The domain's frozen dataclasses are filled at two edges, each of which mirrors them name for
name: the store's ORM rows and the spec's validation models. Most fields are taken as they are;
the rest need a conversion (a state enum from its text, a NULL read as an empty value, a YAML
list frozen into a tuple). :func:`mirror` reads the former and takes the latter from its caller,
so a converter names only what it converts, and a field added on both sides is carried without
another line.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Value = TypeVar("_Value", bound="DataclassInstance")


@cache
def _field_names(cls: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def mirror(cls: type[_Value], source: object, **converted: Any) -> _Value:
    """``cls`` built from ``source``: every init field from ``converted`` when given there, else
    from the source's attribute of the same name.

    Raises ``AttributeError`` naming the field when the source has no such attribute and the
    caller gave no value: a domain field the edge lacks must be given explicitly.
    """
    values = {
        name: converted[name] if name in converted else getattr(source, name)
        for name in _field_names(cls)
    }
    return cls(**values)
