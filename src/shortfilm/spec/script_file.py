"""Read a script file (a logline and story beats) into a :class:`~shortfilm.domain.Script`.

A script is where a film starts, before any board or clip exists, so it is accepted in the forms
a writer already has at hand:

* YAML (``.yaml`` / ``.yml``): ``logline``, ``beats`` (a list) and an optional ``title``; a
  whole production spec is also accepted, its ``script`` section is read.
* Plain text or Markdown (anything else): the first paragraph is the logline (a ``Logline:``
  label is dropped); a ``# Heading``, a ``Title:`` line or a short first line without a full
  stop before it is the title (a heading is the logline too when no paragraph follows it).
  Then the beats are the bullet items (``-``, ``*``, ``+``, ``1.``, ``1)``) or, when there are
  none, the paragraphs. Other headings (``## Beats``) are skipped. A script that is one
  paragraph of several sentences (an ad) is its own logline and its one beat.
* Screenplay-like text: a scene heading (``INT. WARD - NIGHT``) starts a beat that holds the
  scene's action lines, its place kept as the beat's opening words ("In the ward at night,
  ..."); dialogue under an all-caps cue (``MAYA``) is speech, not picture, and is not a beat.

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
_EMPTY_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*$")
_TITLE_LABEL = re.compile(r"^title\s*:\s*(?P<text>.+)$", re.IGNORECASE)
_SCENE = re.compile(
    r"^\s*(?P<kind>INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT)[.\s]\s*(?P<place>[^-–—]+?)"
    r"\s*(?:[-–—]+\s*(?P<time>[^-–—]*?))?\s*$"
)
_CUE = re.compile(r"^\s*(?P<name>[A-Z][A-Z .'’-]{1,30}?)\s*(?:\((?:V\.O\.|O\.S\.|CONT'D)\))?$")
_SENTENCE_END = re.compile(r"[.!?][\"'’”)]*(?:\s|$)")
_LOWER_FIRST = frozenset(
    [
        "the",
        "a",
        "an",
        "she",
        "he",
        "they",
        "it",
        "its",
        "her",
        "his",
        "their",
        "this",
        "that",
        "these",
        "those",
    ]
)
_TITLE_MAX_WORDS = 8


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

    kind: str  # "heading", "bullet", "paragraph", "scene" or "dialogue"
    text: str
    line: int
    lines: int = 1


def _from_text(text: str, path: Path) -> ScriptFile:
    blocks = _scenes(_blocks(text))
    if not blocks:
        raise SpecError(
            "empty script: write a logline on the first line, then one beat per bullet item",
            file=path,
        )
    title, blocks = _title(blocks)
    first = blocks[0]
    rest = blocks[1:]
    if first.kind == "heading":
        # "# Title", then the paragraph under it is the logline; a heading followed directly
        # by the beats is both title and logline.
        title = title or first.text
        if rest and rest[0].kind == "paragraph":
            first, rest = rest[0], rest[1:]
    elif first.kind == "scene":
        rest = blocks  # a screenplay has no logline: its first scene stands for it
    logline = _LABEL.sub("", first.text).strip()
    if not logline:
        raise SpecError("the logline is blank", file=path, line=first.line)

    bullets = [b for b in rest if b.kind == "bullet"]
    beats = bullets or [b for b in rest if b.kind in ("paragraph", "scene")]
    if not beats and not rest and len(_SENTENCE_END.findall(first.text)) >= 2:
        beats = [first]  # one paragraph of several sentences: an ad, its own logline and beat
    if not beats:
        raise SpecError(
            "no beats found after the logline: write one beat per '- ' bullet item, or one "
            "paragraph per beat",
            file=path,
            line=first.line,
        )
    script = Script(logline=logline, beats=tuple(b.text for b in beats))
    return ScriptFile(script, title, tuple(b.line for b in beats), path)


def _title(blocks: list[_Block]) -> tuple[str | None, list[_Block]]:
    """A ``Title:`` line, or a short first line with no full stop followed by more text."""
    first = blocks[0]
    if first.kind != "paragraph" or first.lines != 1 or _LABEL.match(first.text):
        return None, blocks
    label = _TITLE_LABEL.match(first.text)
    if label:
        return label.group("text").strip(), blocks[1:]
    short = len(first.text.split()) <= _TITLE_MAX_WORDS and not _SENTENCE_END.search(first.text)
    # Only when a logline or scene still follows: "A boy loses his kite" over bullets is the
    # logline, not a title.
    follows = len(blocks) > 2 and blocks[1].kind in ("paragraph", "heading", "scene")
    if short and (follows or (len(blocks) > 1 and blocks[1].kind == "scene")):
        return first.text.rstrip(":"), blocks[1:]
    return None, blocks


def _scenes(blocks: list[_Block]) -> list[_Block]:
    """Fold a screenplay's scenes into beats: a heading and its action lines make one beat.

    Dialogue blocks are dropped (speech is sound, and the plan's shots are picture); outside a
    screenplay, blocks pass through unchanged.
    """
    result: list[_Block] = []
    scene: _Block | None = None
    for block in blocks:
        if block.kind == "dialogue":
            continue
        if block.kind == "scene":
            if scene is not None:
                result.append(scene)
            scene = block
        elif scene is not None and block.kind == "paragraph":
            opening, _, lead = scene.text.partition("|")
            joined = (
                f"{opening}, {_lower_first(block.text)}" if not lead else f"{lead} {block.text}"
            )
            scene = _Block("scene", f"|{joined}", scene.line)
        else:
            if scene is not None:
                result.append(scene)
                scene = None
            result.append(block)
    if scene is not None:
        result.append(scene)
    return [
        _Block(b.kind, b.text.lstrip("|") if b.text.startswith("|") else _where(b.text), b.line)
        if b.kind == "scene"
        else b
        for b in result
    ]


def _scene_opening(kind: str, place: str, time: str | None) -> str:
    """``INT. HOSPITAL WARD - NIGHT`` -> ``In the hospital ward at night``."""
    where = "In the" if kind.startswith("INT") else "At the"
    when = f" at {time.strip().lower()}" if time and time.strip() else ""
    return f"{where} {' '.join(place.lower().split())}{when}"


def _where(opening: str) -> str:
    """A scene with no action lines: its heading alone, as a sentence."""
    return f"{opening}."


def _lower_first(text: str) -> str:
    word = text.split(maxsplit=1)[0] if text.split() else ""
    return text[:1].lower() + text[1:] if word.lower() in _LOWER_FIRST else text


def _blocks(text: str) -> list[_Block]:
    """Headings, bullet items (with their indented continuation lines), paragraphs, scene
    headings and dialogue (an all-caps cue line and the speech under it)."""
    blocks: list[_Block] = []
    current: list[str] = []
    kind = ""
    start = 0

    def flush() -> None:
        nonlocal current, kind
        if current:
            joined = " ".join(" ".join(current).split())
            if kind == "dialogue" and len(current) == 1:
                kind = "paragraph"  # a cue with no speech under it: an all-caps title line
            if joined:
                blocks.append(_Block(kind, joined, start, len(current)))
        current, kind = [], ""

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        scene = _SCENE.match(line)
        if _EMPTY_HEADING.match(line):
            flush()  # a "#" with no words under it titles nothing
        elif heading:
            flush()
            blocks.append(_Block("heading", heading.group("text"), number))
        elif scene and scene.group("place").strip():
            flush()
            opening = _scene_opening(scene["kind"], scene["place"], scene["time"])
            blocks.append(_Block("scene", opening, number))
        elif bullet:
            flush()
            kind, start, current = "bullet", number, [bullet.group("text")]
        elif kind:
            current.append(line.strip())  # continuation of a bullet item, paragraph or speech
        elif _CUE.match(line) and any(c.isalpha() for c in line) and len(line.split()) <= 3:
            kind, start, current = "dialogue", number, [line.strip()]
        else:
            kind, start, current = "paragraph", number, [line.strip()]
    flush()
    return blocks


__all__ = ["YAML_SUFFIXES", "ScriptFile", "read_script", "read_script_file"]
