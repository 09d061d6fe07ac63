"""YAML text to plain data plus the line every field was written on.

Validation errors are only useful when they point at the line to fix, and PyYAML's plain ``load``
forgets positions. So the document is composed into nodes first (which keep their marks), the
line of every mapping key and sequence item is recorded under its field path, and the same nodes
are then constructed into ordinary Python values with the safe constructor.

The file is hostile until read: its size is capped before it is read, and while its nodes are
composed the loader counts them (an alias counting as all it repeats), its aliases and its
nesting, stopping at the limits of :mod:`shortfilm.spec.limits`. So an alias bomb of a few
hundred bytes or a ``[[[[...`` ten thousand deep is refused in milliseconds, instead of
expanding until memory runs out or overflowing the stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from shortfilm.errors import SpecError
from shortfilm.spec.limits import MAX_SPEC_BYTES, MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES

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


def read_limited_text(file: Path) -> str:
    """The UTF-8 text of ``file``, at most :data:`~shortfilm.spec.limits.MAX_SPEC_BYTES` long.

    The size is checked before anything is read, and the read stops one byte past the limit (a
    file that grows, or a pipe with no size). Raises :class:`SpecError` for a file too large,
    and lets ``OSError`` / ``UnicodeDecodeError`` through for the caller to word.
    """
    with file.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        data = b"" if size > MAX_SPEC_BYTES else stream.read(MAX_SPEC_BYTES + 1)
    if size > MAX_SPEC_BYTES or len(data) > MAX_SPEC_BYTES:
        raise SpecError(_too_large(max(size, len(data))), file=file)
    return data.decode("utf-8")


def _too_large(size: int) -> str:
    return f"file too large ({size:,} bytes): the limit is {MAX_SPEC_BYTES:,} bytes"


def parse_yaml(text: str, *, file: Path | str) -> tuple[object, SourceMap]:
    """Parse one YAML document with its source map.

    Raises :class:`SpecError` naming the line for a syntax error, several documents in one file,
    a key written twice in one mapping (plain PyYAML keeps the last one without a word, which
    would hide the first from the author), a value PyYAML cannot build (a 5,000-digit number,
    the date 2020-13-45), or a document past the limits of :mod:`shortfilm.spec.limits`.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(_too_large(len(text.encode("utf-8"))), file=file)
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, SourceMap({})
        lines: dict[FieldPath, int] = {(): node.start_mark.line + 1}
        _record_lines(node, (), lines, file)
        data: object = loader.construct_document(node)
    except _Refused as exc:
        raise SpecError(exc.message, file=file, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", file=file) from exc
    finally:
        loader.dispose()
    return data, SourceMap(lines)


class _Refused(Exception):
    """A document past a limit or a value that cannot be built; ``line`` is where (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_KINDS = {"int": "a whole number", "float": "a number", "timestamp": "a date"}
"""What a value of a YAML tag is called in a message."""


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting nodes, aliases and depth while it composes the document.

    Counts follow the document as construction and validation will walk it, with every alias
    expanded: a node's size is itself plus all under it and its height the levels it spans, an
    alias counting as the size and height of the node it repeats. So the nodes of a
    billion-laughs file multiply here and trip the limit within its first levels, and aliases
    stacked inside aliases cannot build a nesting deeper than the limit either.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._nodes = 0
        self._aliases = 0
        self._depth = 0
        self._deepest = 0
        self._sizes: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark else 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _Refused(f"too many aliases (*name): the limit is {MAX_YAML_ALIASES}", line)
            node = super().compose_node(parent, index)
            # an alias of a node still being composed (one that contains itself) counts once
            size, height = self._sizes.get(id(node), (1, 1)) if node else (1, 1)
            self._count(size, line)
            self._reach(self._depth + height, line)
            return node
        start, outer = self._nodes, self._deepest
        self._depth += 1
        self._deepest = self._depth
        self._reach(self._depth, line)
        self._count(1, line)
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = (self._nodes - start, self._deepest - self._depth + 1)
        self._depth -= 1
        self._deepest = max(outer, self._deepest)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        # The safe constructor calls int() and datetime() on what the resolver took for a
        # number or a date, and they refuse 5,000 digits or month 13 with a bare ValueError.
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            tag = str(node.tag).rsplit(":", 1)[-1]
            kind = _KINDS.get(tag, tag)
            shown = str(node.value) if isinstance(node, yaml.ScalarNode) else kind
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            why = str(exc).split(";")[0]
            raise _Refused(
                f"{shown!r} cannot be read as {kind} ({why}): quote it if it is meant as text",
                node.start_mark.line + 1,
            ) from None

    def _count(self, nodes: int, line: int) -> None:
        self._nodes += nodes
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(
                "too many values (an alias counts as all it repeats): the limit is "
                f"{MAX_YAML_NODES:,}",
                line,
            )

    def _reach(self, depth: int, line: int) -> None:
        self._deepest = max(self._deepest, depth)
        if depth > MAX_YAML_DEPTH:
            raise _Refused(
                f"nested too deeply: the limit is {MAX_YAML_DEPTH} levels of lists and mappings",
                line,
            )


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
