"""Lineage: what made a stored thing and what depends on it ("what breaks if I change X").

A *thing* is named as the CLI names clips and takes, with ``:`` between the parts, so a name
printed by ``shortfilm trace`` can be traced in turn:

=========================  ==================================================================
``board`` / ``board:2``    the newest board version / version 2 (one referenced from a
                           template source included)
``clip-02:prompt[:3]``     the clip's newest prompt version / version 3 (``2:prompt:3`` too)
``clip-02:take:3``         take 3 of the clip
``clip-02:keyframe[:3]``   the chosen keyframe of the clip's selected take / of take 3
``edit`` / ``edit:4``      the newest edit version / version 4
``render:vertical``        the newest edit's render for a preset; ``edit:4:render:vertical``
                           for edit version 4's
=========================  ==================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shortfilm.errors import InputError


class ThingKind(StrEnum):
    BOARD = "board"
    PROMPT = "prompt"
    TAKE = "take"
    KEYFRAME = "keyframe"
    EDIT = "edit"
    RENDER = "render"


THING_FORMS: tuple[str, ...] = (
    "board",
    "board:2",
    "clip-02:prompt",
    "clip-02:prompt:3",
    "clip-02:take:3",
    "clip-02:keyframe",
    "clip-02:keyframe:3",
    "edit",
    "edit:4",
    "render:vertical",
    "edit:4:render:vertical",
)
"""Every form a thing's name takes (see the module docstring), for help and refusals."""

_CLIP = r"(?:clip[-_]?)?0*(?P<clip>[1-9]\d*)"
_N = r"0*(?P<n>[1-9]\d*)"
_PATTERNS: tuple[tuple[ThingKind, re.Pattern[str]], ...] = (
    (ThingKind.BOARD, re.compile(rf"board(?::{_N})?")),
    (ThingKind.PROMPT, re.compile(rf"{_CLIP}:prompt(?::{_N})?")),
    (ThingKind.TAKE, re.compile(rf"{_CLIP}:take:{_N}")),
    (ThingKind.KEYFRAME, re.compile(rf"{_CLIP}:keyframe(?::{_N})?")),
    (ThingKind.EDIT, re.compile(rf"edit(?::{_N})?")),
    (ThingKind.RENDER, re.compile(rf"(?:edit:{_N}:)?render:(?P<preset>[a-z0-9][a-z0-9_-]*)")),
)


@dataclass(frozen=True)
class ThingRef:
    """A thing as a person named it; ``number`` ``None`` means the newest (or, for a keyframe,
    the selected take's)."""

    kind: ThingKind
    clip: int | None = None
    number: int | None = None
    preset: str | None = None

    def name(self) -> str:
        """The canonical name (``clip-02:take:3``), as :func:`parse_thing` reads it."""
        n = f":{self.number}" if self.number is not None else ""
        if self.kind is ThingKind.RENDER:
            edit = f"edit:{self.number}:" if self.number is not None else ""
            return f"{edit}render:{self.preset}"
        if self.clip is not None:
            return f"clip-{self.clip:02d}:{self.kind.value}{n}"
        return f"{self.kind.value}{n}"


def parse_thing(text: str) -> ThingRef:
    """A thing's name (see :data:`THING_FORMS`) as a :class:`ThingRef`; :class:`InputError`
    listing the forms for anything else."""
    cleaned = text.strip().lower()
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        found = match.groupdict()
        return ThingRef(
            kind,
            clip=int(found["clip"]) if found.get("clip") else None,
            number=int(found["n"]) if found.get("n") else None,
            preset=found.get("preset"),
        )
    raise InputError(f"{text!r}: not a thing to trace; name one as {', '.join(THING_FORMS)}")


@dataclass(frozen=True)
class TraceNode:
    """One thing on either side of a trace."""

    kind: str
    """A :class:`ThingKind` value, or ``reference``, ``production``, ``variant-render``,
    ``publication`` for what is listed but not traced itself."""
    production: str
    """The slug of the production it belongs to (a board may be another production's)."""
    name: str
    """Its thing name (``clip-02:take:3``), or for the other kinds a readable label."""
    relation: str
    """How it relates to the traced thing: ``made from``, ``continued keyframe``, ``take``..."""
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "production": self.production,
            "name": self.name,
            "relation": self.relation,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Trace:
    """A thing, what made it, and what depends on it (directly and through what it made)."""

    thing: TraceNode
    facts: Mapping[str, Any] = field(default_factory=dict)
    """What the thing records of its own making: provider, model, seed, status, cost..."""
    made_from: tuple[TraceNode, ...] = ()
    used_by: tuple[TraceNode, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "thing": self.thing.to_json(),
            "facts": dict(self.facts),
            "made_from": [n.to_json() for n in self.made_from],
            "used_by": [n.to_json() for n in self.used_by],
        }
