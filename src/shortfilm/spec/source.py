"""YAML text to plain data plus the line every field was written on.

Validation errors are only useful when they point at the line to fix, and PyYAML's plain ``load``
forgets positions. So the document is composed into nodes first (which keep their marks), the
line of every mapping key and sequence item is recorded under its field path, and the same nodes
are then constructed into ordinary Python values with the safe constructor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from shortfilm.errors import SpecError

FieldPath = tuple[str | int, ...]
"""A place in the document: mapping keys and sequence indexes from the root, e.g. ``("clips", 1)``.

It has the same shape as a pydantic error ``loc``, which is what lets the two be matched.
"""


def format_path(path: Iterable[str | int]) -> str:
    """``("clips", 1, "duration_s")`` -> ``clips[1].duration_s``, the way a reader names a field."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class SourceMap:
    """1-based line numbers of the fields of one YAML document."""

    lines: dict[FieldPath, int]

    def line_of(self, path: FieldPath) -> int | None:
        """The line of ``path``, or of its nearest written ancestor when ``path`` is not written.

        A missing field thus points at the mapping that should hold it, and an error deep inside a
        value (a list item of a scalar) points at the key that holds the value.
        """
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def parse_yaml(text: str, *, file: Path | str) -> tuple[object, SourceMap]:
    """Parse one YAML document with its source map.

    Raises :class:`SpecError` naming the line for a syntax error, several documents in one file,
    or a key written twice in one mapping (plain PyYAML keeps the last one without a word, which
    would hide the first from the author).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, SourceMap({})
        lines: dict[FieldPath, int] = {(): node.start_mark.line + 1}
        _record_lines(node, (), lines, file)
        data: object = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", file=file) from exc
    finally:
        loader.dispose()
    return data, SourceMap(lines)


def _record_lines(
    node: yaml.Node,
    path: FieldPath,
    lines: dict[FieldPath, int],
    file: Path | str,
    ancestors: frozenset[int] = frozenset(),
) -> None:
    if id(node) in ancestors:
        return  # an alias that contains itself; construction reports or handles it
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # A complex key cannot name a field; validation reports the mapping instead.
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key == "<<":
                # Merge keys carry no field of their own; the merged fields lack lines and fall
                # back to the mapping's line.
                continue
            if key in seen:
                raise SpecError(
                    f"key {key!r} is written twice in this mapping (first on line {seen[key]})",
                    file=file,
                    line=line,
                    field=format_path((*path, key)),
                )
            seen[key] = line
            child = (*path, key)
            lines[child] = line
            _record_lines(value_node, child, lines, file, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _record_lines(item, child, lines, file, ancestors)


def _syntax_error(exc: yaml.MarkedYAMLError, file: Path | str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    opened = exc.context_mark
    problem = exc.problem or "invalid YAML"
    context = f" ({exc.context})" if exc.context else ""
    if opened is not None and "end of stream" in problem:
        # An unclosed quote or bracket is only noticed at the end of the file; the line worth
        # fixing is where it was opened.
        mark = opened
        context = f" ({exc.context} that starts here)" if exc.context else ""
    elif exc.context and opened is not None and mark is not None and opened.line != mark.line:
        context = f" ({exc.context} started on line {opened.line + 1})"
    column = f", column {mark.column + 1}" if mark is not None else ""
    return SpecError(
        f"YAML syntax error{column}: {problem}{context}",
        file=file,
        line=mark.line + 1 if mark is not None else None,
    )
