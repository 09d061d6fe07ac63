"""What the prompt linter reports: a rule, its severity, and one finding at one place.

A finding is plain data (``dataclasses.asdict`` gives exactly ``code``, ``severity``, ``place``,
``message`` and ``hint``) so the CLI can print it as text or JSON and a store can keep it beside a
take without knowing anything about the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding should stop the work.

    ``error``: the prompt is missing something the model needs or asks for something it cannot do
    well, so generating it is likely to waste a credit (``run`` refuses without ``--force``).
    ``warning``: a lesson of the workflow is broken, but an author may have a reason; review it.
    ``info``: worth knowing, never a reason to stop.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    """A check with a stable code: codes are never reused, so notes and filters keep meaning."""

    code: str
    """``B1xx`` board, ``C2xx`` clip, ``K3xx`` continuity, ``S4xx`` story."""
    name: str
    """Short kebab-case name, e.g. ``shot-no-camera``."""
    family: str
    """``board``, ``clip``, ``continuity`` or ``story``."""
    severity: Severity
    """Every finding of this rule has this severity."""
    summary: str
    """One line: what the rule reports."""


@dataclass(frozen=True)
class Finding:
    """One problem at one place of a production."""

    code: str
    severity: Severity
    place: str
    """Field path in the spec's own style, 0-based: ``clips[1].shots[2].camera``."""
    message: str
    """One line saying what is wrong, with the numbers or words that show it."""
    hint: str
    """One line saying what to change."""


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error: the prompt should not be generated as it is."""
    return any(f.severity is Severity.ERROR for f in findings)
