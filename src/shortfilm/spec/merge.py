"""One rule for a production changed from several places: a three-way merge of spec data.

The spec file, the CLI and the web app all change one production. An import therefore applies
what the *file* changed since the last import (``base``) to what the *store* holds now
(``ours``), and keeps what was changed in the store meanwhile: a reference image added with
``shortfilm board add-reference`` or the web upload survives importing a file that never named
it. When the file and the store changed the same field to different values, that field is a
:class:`FieldConflict` and the caller writes nothing.

Works on :func:`~shortfilm.spec.spec_to_dict` data (plain dicts, lists, scalars; a field at its
blank default is absent). A field counts as changed on one side when it differs from ``base``;
what changed on one side only is taken from that side. Where both sides changed:

- mappings are merged field by field;
- the board's characters and environment views are matched by ``name`` (so one person adding a
  character's reference and the file rewording another character's outfit both stay), in the
  file's order, with the store's new ones after them;
- ``board.references`` is a set of files: each side's additions and removals are applied;
- any other value (text, a number, a list such as ``script.beats``) is one value: a conflict.

Pure: no I/O, nothing imported from the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shortfilm.spec.source import FieldPath, format_path


class _Absent:
    """A field one side does not have (left at its blank default, or removed)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

NAMED_LISTS: frozenset[FieldPath] = frozenset({("board", "characters"), ("board", "environment")})
"""Lists of mappings matched by their ``name`` rather than their place."""

SET_LISTS: frozenset[FieldPath] = frozenset({("board", "references")})
"""Lists of distinct files whose order carries no intent beyond first-come."""


@dataclass(frozen=True)
class FieldConflict:
    """One field the store and the file both changed since the last import, differently."""

    path: FieldPath
    """Where the field is, with list places as the file has them (the store's for a list
    entry the file no longer has)."""
    store: Any
    """The store's value (:data:`ABSENT` when the store removed it)."""
    file: Any
    """The file's value (:data:`ABSENT` when the file removed it)."""
    name: str = ""
    """The character's or view's name when the field belongs to one, for people."""

    @property
    def field(self) -> str:
        return format_path(self.path)

    def describe(self) -> str:
        """``board.characters[2].reference (The Keeper): the store has 'refs/a.png', the spec
        file has 'refs/b.png'`` -- values cut short."""
        who = f" ({self.name})" if self.name else ""
        return (
            f"{self.field}{who}: the store has {shown(self.store)}, "
            f"the spec file has {shown(self.file)}"
        )


SHOWN_CHARS = 60
"""At most this many characters of a value are shown in a conflict: a conflict on a whole
section must not echo a megabyte back."""


def shown(value: Any) -> str:
    """``value`` for a message: quoted text or compact JSON, cut at :data:`SHOWN_CHARS`."""
    if value is ABSENT:
        return "nothing (removed or never set)"
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


@dataclass(frozen=True)
class Merged:
    """The result of :func:`merge_specs`."""

    data: dict[str, Any]
    """The merged spec data; on conflicting fields it holds the store's value, or the file's
    when the merge was asked to prefer the file."""
    conflicts: tuple[FieldConflict, ...]
    """Fields both sides changed differently (empty when the merge is clean)."""
    kept: tuple[FieldPath, ...]
    """Fields the store changed and the file did not: kept from the store."""


def merge_specs(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], *, prefer_file: bool = False
) -> Merged:
    """Merge the file's changes (``base`` -> ``theirs``) into the store's ``ours``.

    ``prefer_file`` decides every conflict for the file (they are still reported).
    """
    seen = _Seen(prefer_file)
    data = _merge((), base, ours, theirs, seen, "")
    return Merged(data if isinstance(data, dict) else {}, tuple(seen.conflicts), tuple(seen.kept))


class _Seen:
    """What a merge met on its way: the conflicts, and the fields it kept from the store."""

    def __init__(self, prefer_file: bool) -> None:
        self.prefer_file = prefer_file
        self.conflicts: list[FieldConflict] = []
        self.kept: list[FieldPath] = []

    def conflict(self, path: FieldPath, o: Any, t: Any, name: str) -> Any:
        self.conflicts.append(FieldConflict(path, o, t, name))
        return t if self.prefer_file else o

    def keep(self, path: FieldPath, b: Any, o: Any) -> Any:
        self.kept.extend(changed_fields(path, b, o))
        return o


def changed_fields(path: FieldPath, b: Any, o: Any) -> list[FieldPath]:
    """The innermost fields where ``o`` differs from ``b`` (mappings and named lists entered;
    a named entry removed is reported as its list)."""
    if b == o:
        return []
    if isinstance(b, dict) and isinstance(o, dict):
        return [
            field
            for key in dict.fromkeys([*o, *b])
            for field in changed_fields((*path, key), b.get(key, ABSENT), o.get(key, ABSENT))
        ]
    if path in NAMED_LISTS and isinstance(b, list) and isinstance(o, list) and _all_named(b, o):
        old = {i["name"]: i for i in b}
        names = {i["name"] for i in o}
        fields = [
            field
            for index, item in enumerate(o)
            for field in changed_fields((*path, index), old.get(item["name"], ABSENT), item)
        ]
        return fields + ([path] if any(name not in names for name in old) else [])
    return [path]


def _merge(path: FieldPath, b: Any, o: Any, t: Any, seen: _Seen, name: str) -> Any:
    if o == t:
        return o
    if o == b:
        return t
    if t == b:
        return seen.keep(path, b, o)
    if isinstance(o, dict) and isinstance(t, dict):
        return _merge_mapping(path, b if isinstance(b, dict) else {}, o, t, seen, name)
    if isinstance(o, list) and isinstance(t, list):
        old = b if isinstance(b, list) else []
        if path in SET_LISTS:
            if o != old:
                seen.kept.append(path)
            return _merge_set(old, o, t)
        if path in NAMED_LISTS and _all_named(old, o, t):
            return _merge_named(path, old, o, t, seen)
    return seen.conflict(path, o, t, name)


def _merge_mapping(
    path: FieldPath,
    b: dict[str, Any],
    o: dict[str, Any],
    t: dict[str, Any],
    seen: _Seen,
    name: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in [*t, *(k for k in o if k not in t), *(k for k in b if k not in t and k not in o)]:
        value = _merge(
            (*path, key), b.get(key, ABSENT), o.get(key, ABSENT), t.get(key, ABSENT),
            seen, name,
        )  # fmt: skip
        if value is not ABSENT:
            out[key] = value
    return out


def _merge_set(b: list[Any], o: list[Any], t: list[Any]) -> list[Any]:
    """The file's list without what the store removed, then what the store added."""
    removed = [x for x in b if x not in o]
    kept = [x for x in t if x not in removed]
    return kept + [x for x in o if x not in b and x not in kept]


def _all_named(*lists: list[Any]) -> bool:
    for items in lists:
        if not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
            return False
        if len({i["name"] for i in items}) != len(items):
            return False
    return True


def _merge_named(
    path: FieldPath, b: list[Any], o: list[Any], t: list[Any], seen: _Seen
) -> list[Any]:
    base = {i["name"]: i for i in b}
    ours = {i["name"]: i for i in o}
    theirs = {i["name"]: i for i in t}
    order = [*theirs, *(n for n in ours if n not in theirs), *(n for n in base if n not in ours)]
    out: list[Any] = []
    for key in dict.fromkeys(order):
        # the place the file gives it, else the store's: where a person finds it
        names = list(theirs) if key in theirs else list(ours) if key in ours else list(base)
        value = _merge(
            (*path, names.index(key)), base.get(key, ABSENT), ours.get(key, ABSENT),
            theirs.get(key, ABSENT), seen, key,
        )  # fmt: skip
        if value is not ABSENT:
            out.append(value)
    return out


__all__ = ["ABSENT", "FieldConflict", "Merged", "merge_specs", "shown"]
