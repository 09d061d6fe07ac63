"""Write a :class:`~shortfilm.domain.Production` back as a spec a person would have written.

Export must give a file that loads to an equal production, and it should also be pleasant to
read and diff: keys in the order of the domain classes (``schema`` first), blank optional
values left out, whole seconds written without ``.0``, long or multi-line text kept readable.
The walk is generic over the dataclasses, so a field added to the domain is written without
anyone remembering to touch this module.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from shortfilm.domain import Production


def spec_to_dict(production: Production) -> dict[str, Any]:
    """The spec as plain YAML-ready data: dicts, lists, text, numbers, booleans.

    Optional fields still at a blank default (``None``, ``""``, empty list, ``false``, ``0``) are
    omitted; defaults that are creative choices (crossfade, title card length, music gain) are
    written so the reader sees them.
    """
    data = _dataclass_to_dict(production)
    return {"schema": data.pop("schema"), **data}


def section_to_dict(section: Any) -> dict[str, Any]:
    """One section of the spec (a dataclass such as a variant) as the spec writes it."""
    return _dataclass_to_dict(section)


def dump_spec(production: Production, path: Path) -> None:
    """Write ``production`` as YAML to ``path`` (parent folders created, file replaced).

    Reference paths are written as they are: they stay relative to the spec's folder, so the
    referenced images must sit beside ``path`` for the file to load again.
    """
    text = dump_yaml(spec_to_dict(production))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def dump_yaml(data: Any) -> str:
    """``data`` (dataclasses allowed) as YAML in the spec's house style: key order kept, long text
    folded, 100 columns."""
    return yaml.dump(
        _plain(data),
        Dumper=_SpecDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def _dataclass_to_dict(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if _is_blank_default(field, value):
            continue
        out[field.name] = _plain(value)
    return out


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass_to_dict(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_blank_default(field: dataclasses.Field[Any], value: object) -> bool:
    if field.default is not dataclasses.MISSING:
        default: object = field.default
    elif field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    else:
        return False
    if value != default:
        return False
    if dataclasses.is_dataclass(default):
        return True  # a whole section left at its defaults, e.g. an empty edit intent
    return default is None or default is False or default in ("", ()) or _is_zero(default)


def _is_zero(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


class _SpecDumper(yaml.SafeDumper):
    """Indented lists and block-style multi-line text, the way specs are written by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_FOLD_AFTER = 90
"""Text longer than this is written folded (``>-``): wrapped like prose, no quotes needed."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if "\n" in value:
        style = "|"
    elif len(value) > _FOLD_AFTER and value == value.strip() and "  " not in value:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _represent_str)
