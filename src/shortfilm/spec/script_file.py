"""Read a script file (a logline and story beats) into a :class:`~shortfilm.domain.Script`.

A script is where a film starts, before any board or clip exists, so it is accepted in the forms
a writer already has at hand:

* YAML (``.yaml`` / ``.yml``): ``logline``, ``beats`` (a list) and an optional ``title``; a
  whole production spec is also accepted, its ``script`` section is read.
* Plain text or Markdown (anything else): the first paragraph is the logline (a ``Logline:``
  label is dropped); a ``# Heading`` before it is the title (and the logline too when no
  paragraph follows it). Then the beats are the bullet items (``-``, ``*``, ``+``, ``1.``,
  ``1)``) or, when there are none, the paragraphs. Other headings (``## Beats``) are skipped.

Like the spec loader, every refusal is one :class:`~shortfilm.errors.SpecError` naming the
file and, where there is one, the line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shortfilm.domain import Script
from shortfilm.errors import SpecError
from shortfilm.spec.source import (
    FieldPath,
    SourceMap,
    format_path,
    parse_yaml,
    read_limited_text,
)

YAML_SUFFIXES = (".yaml", ".yml")
"""Suffixes read as YAML; every other file is read as plain text / Markdown."""

_YAML_KEYS = ("title", "logline", "beats")
_BULLET = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_LABEL = re.compile(r"^(?:logline|log line)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ScriptFile:
    """A script as read from its file, with what the domain ``Script`` does not keep."""

    script: Script
    title: str | None
    """The ``title`` key or ``# Heading``; ``None`` when the file names none."""
    beat_lines: tuple[int, ...]
    """1-based line on which each beat starts, so planning notes can point back at the file."""
    path: Path


def read_script(path: Path) -> Script:
    """The logline and beats of the script file at ``path``.

    Raises :class:`SpecError` naming the file (and line) when it cannot be read, is empty, has
    no logline, or has no beats.
    """
    return read_script_file(path).script


def read_script_file(path: Path) -> ScriptFile:
    """Like :func:`read_script`, also keeping the title and the line of each beat."""
    text = _read_text(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        return _from_yaml(text, path)
    return _from_text(text, path)


def _read_text(path: Path) -> str:
    try:
        return read_limited_text(path)
    except FileNotFoundError as exc:
        raise SpecError("script file not found", file=path) from exc
    except IsADirectoryError as exc:
        raise SpecError("is a folder, expected a script file", file=path) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file=path) from exc
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", file=path) from exc


# --- YAML ---------------------------------------------------------------------------------


def _from_yaml(text: str, path: Path) -> ScriptFile:
    data, source = parse_yaml(text, file=path)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise SpecError(
            "a YAML script must be a mapping with 'logline' and 'beats' (and optional 'title'),"
            f" got {got}",
            file=path,
            line=source.line_of(()),
        )
    base: FieldPath = ()
    title_value: object = data.get("title")
    if "script" in data and "logline" not in data:
        # A whole production spec: read its script section, keep its title.
        section = data["script"]
        base = ("script",)
        if not isinstance(section, dict):
            raise _yaml_error("expected a mapping with 'logline' and 'beats'", base, source, path)
        data = section
    else:
        unknown = [str(k) for k in data if k not in _YAML_KEYS]
        if unknown:
            raise _yaml_error(
                f"unknown field {unknown[0]!r}; allowed here: {', '.join(_YAML_KEYS)}",
                (unknown[0],),
                source,
                path,
            )
    logline = _yaml_text(data.get("logline"), (*base, "logline"), source, path)
    beats_value = data.get("beats")
    beats_path: FieldPath = (*base, "beats")
    if beats_value is None:
        raise _yaml_error(
            "no beats found: add 'beats:', a list of story beats", beats_path, source, path
        )
    if not isinstance(beats_value, list):
        raise _yaml_error("expected a list of beats, one per item", beats_path, source, path)
    if not beats_value:
        raise _yaml_error("no beats found: the list is empty", beats_path, source, path)
    beats = tuple(
        _yaml_text(beat, (*beats_path, i), source, path) for i, beat in enumerate(beats_value)
    )
    title = None
    if title_value is not None:
        title = _yaml_text(title_value, ("title",), source, path)
    lines = tuple(source.line_of((*beats_path, i)) or 0 for i in range(len(beats)))
    return ScriptFile(Script(logline=logline, beats=beats), title, lines, path)


def _yaml_text(value: object, where: FieldPath, source: SourceMap, path: Path) -> str:
    if value is None:
        raise _yaml_error("field required", where, source, path)
    if not isinstance(value, str):
        raise _yaml_error(
            f"expected text, got {type(value).__name__} (quote it if it is meant as text)",
            where,
            source,
            path,
        )
    cleaned = " ".join(value.split())
    if not cleaned:
        raise _yaml_error("must not be blank", where, source, path)
    return cleaned


def _yaml_error(message: str, where: FieldPath, source: SourceMap, path: Path) -> SpecError:
    return SpecError(
        message, file=path, line=source.line_of(where), field=format_path(where) or None
    )


# --- plain text / Markdown ----------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """A run of lines read as one unit: a heading, a bullet item or a paragraph."""

    kind: str  # "heading", "bullet" or "paragraph"
    text: str
    line: int


def _from_text(text: str, path: Path) -> ScriptFile:
    blocks = _blocks(text)
    if not blocks:
        raise SpecError(
            "empty script: write a logline on the first line, then one beat per bullet item",
            file=path,
        )
    title: str | None = None
    first = blocks[0]
    rest = blocks[1:]
    if first.kind == "heading":
        # "# Title", then the paragraph under it is the logline; a heading followed directly
        # by the beats is both title and logline.
        title = first.text
        if rest and rest[0].kind == "paragraph":
            first, rest = rest[0], rest[1:]
    logline = _LABEL.sub("", first.text).strip()
    if not logline:
        raise SpecError("the logline is blank", file=path, line=first.line)

    bullets = [b for b in rest if b.kind == "bullet"]
    beats = bullets or [b for b in rest if b.kind == "paragraph"]
    if not beats:
        raise SpecError(
            "no beats found after the logline: write one beat per '- ' bullet item, or one "
            "paragraph per beat",
            file=path,
            line=first.line,
        )
    script = Script(logline=logline, beats=tuple(b.text for b in beats))
    return ScriptFile(script, title, tuple(b.line for b in beats), path)


def _blocks(text: str) -> list[_Block]:
    """Headings, bullet items (with their indented continuation lines) and paragraphs."""
    blocks: list[_Block] = []
    current: list[str] = []
    kind = ""
    start = 0

    def flush() -> None:
        nonlocal current, kind
        if current:
            joined = " ".join(" ".join(current).split())
            if joined:
                blocks.append(_Block(kind, joined, start))
        current, kind = [], ""

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        if heading:
            flush()
            blocks.append(_Block("heading", heading.group("text"), number))
        elif bullet:
            flush()
            kind, start, current = "bullet", number, [bullet.group("text")]
        elif kind:
            current.append(line.strip())  # continuation of a bullet item or paragraph
        else:
            kind, start, current = "paragraph", number, [line.strip()]
    flush()
    return blocks


__all__ = ["YAML_SUFFIXES", "ScriptFile", "read_script", "read_script_file"]
