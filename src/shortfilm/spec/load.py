"""Read a production spec file into a :class:`~shortfilm.domain.Production`, or say what to fix.

Loading is the gate between a hand-written file and every later stage, which may spend money on
generation. So it refuses anything doubtful and always answers with one line a person can act
on: ``production.yaml:42: clips[1].duration_s: field required``.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shortfilm.domain import Production
from shortfilm.errors import SpecError
from shortfilm.spec.edit_checks import edit_problems
from shortfilm.spec.models import ProductionSpec
from shortfilm.spec.problems import Problem, first_problem_error
from shortfilm.spec.references import reference_problems
from shortfilm.spec.source import FieldPath, parse_yaml, read_limited_text

SPEC_FILENAME = "production.yaml"
"""The file looked for when :func:`load_spec` is given a folder."""


def load_spec(path: Path) -> Production:
    """Read, validate and check the spec at ``path`` (a file, or a folder holding
    ``production.yaml``).

    Reference images and the music file are resolved against the spec's folder and must exist;
    images must also decode. Raises :class:`SpecError` with the file, line and field of the first
    problem found; nothing is written.
    """
    spec_file = spec_file_of(path)
    text = _read_text(spec_file)
    data, source = parse_yaml(text, file=spec_file)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else _describe_value(data)
        raise SpecError(
            f"a spec must be a mapping of fields (schema, title, slug, ...), got {got}",
            file=spec_file,
            line=source.line_of(()),
        )
    try:
        spec = ProductionSpec.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(_loc(error), explain_error(error)) for error in _merge_typos(exc.errors())
        ]
        raise first_problem_error(problems, source, spec_file) from exc
    production = spec.to_domain()
    missing = edit_problems(production) + reference_problems(production, spec_file.parent)
    if missing:
        raise first_problem_error(missing, source, spec_file)
    return production


def spec_file_of(path: Path) -> Path:
    """The spec file ``path`` names: itself, or the ``production.yaml`` of a folder. Its folder
    is the one every path in the spec is relative to."""
    return path / SPEC_FILENAME if path.is_dir() else path


def _read_text(spec_file: Path) -> str:
    try:
        return read_limited_text(spec_file)
    except FileNotFoundError as exc:
        raise SpecError("file not found", file=spec_file) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file=spec_file) from exc
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", file=spec_file) from exc


def _merge_typos(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop "field required" when the same mapping has an unknown key that is its likely typo.

    ``duration: 12`` written for ``duration_s`` is one mistake, not two, and the useful message
    is the one at the misspelt key ("did you mean 'duration_s'?"), not the required-field one
    pointing at the top of the mapping.
    """
    unknown: dict[FieldPath, list[str]] = {}
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _loc(error)
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
    kept: list[ErrorDetails] = []
    for error in errors:
        loc = _loc(error)
        if error["type"] == "missing" and loc[:-1] in unknown:
            names = unknown[loc[:-1]]
            if difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=_TYPO_CUTOFF):
                continue
        kept.append(error)
    return kept


_TYPO_CUTOFF = 0.6
"""How alike (difflib ratio) an unknown key and a missing field must be to count as a typo."""


def _loc(error: ErrorDetails) -> FieldPath:
    return tuple(error["loc"])


def explain_error(error: ErrorDetails) -> str:
    """Pydantic's message rewritten in the spec's words (fields, text, numbers, lists)."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    given = error.get("input")
    got = _describe_value(given)
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return _unknown_field(_loc(error))
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {got}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {got}"
    if kind == "string_type":
        return f"expected text, got {got} (quote it if it is meant as text)"
    if kind == "finite_number":
        return f"expected a finite number, got {given!r}"
    if kind in ("float_type", "int_type", "float_parsing"):
        return f"expected a number, got {got}"
    if kind == "bool_type":
        return f"expected true or false, got {got}"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']:g}, got {got}"
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']:g} or more, got {got}"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} item(s), got {ctx['actual_length']}"
    if kind == "too_long":
        return (
            f"allows at most {ctx['max_length']} items, got {ctx['actual_length']} "
            "(a limit of shortfilm)"
        )
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else "more"
        return f"allows at most {ctx['max_length']} characters, got {length}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx['expected']}, got {got}"
    message = error["msg"]
    return f"{message[:1].lower()}{message[1:]}, got {got}"


def _describe_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text {shown!r}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _unknown_field(loc: FieldPath) -> str:
    """Name the unknown key, the likely intended one, and the keys that are allowed there."""
    name = str(loc[-1])
    allowed = _allowed_fields(loc[:-1])
    message = f"unknown field {name!r}"
    if not allowed:
        return message
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=_TYPO_CUTOFF)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return f"{message}; allowed here: {', '.join(allowed)}"


def _allowed_fields(path: FieldPath) -> list[str]:
    """The YAML keys of the model found at ``path``, or ``[]`` if the path does not lead to one."""
    annotation: Any = ProductionSpec
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if get_origin(annotation) is not list:
                return []
            annotation = get_args(annotation)[0]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        fields = {info.alias or name: info for name, info in annotation.model_fields.items()}
        if part not in fields:
            return []
        annotation = fields[part].annotation
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [info.alias or name for name, info in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the type that holds the fields."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


__all__ = ["SPEC_FILENAME", "explain_error", "load_spec", "spec_file_of"]
