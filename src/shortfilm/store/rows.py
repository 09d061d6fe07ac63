"""ORM row -> domain value: the one copy of "read each field from the column of the same name".

The store hands out frozen domain dataclasses, never ORM rows. Most of their fields are columns of
the same name taken as they are; the rest need a conversion (a state enum from its text, a NULL
read as an empty value, a JSON column copied into a fresh dict). :func:`from_row` reads the
former and takes the latter from its caller, so a converter names only what it converts and a
field added to both the table and the domain type is carried without another line.
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


def from_row(cls: type[_Value], row: object, **converted: Any) -> _Value:
    """``cls`` built from ``row``: every init field from ``converted`` when given there, else
    from the row's attribute of the same name.

    Raises ``AttributeError`` naming the field when the row has no such attribute and the caller
    gave no value: a domain field the table lacks must be converted explicitly.
    """
    values = {
        name: converted[name] if name in converted else getattr(row, name)
        for name in _field_names(cls)
    }
    return cls(**values)
