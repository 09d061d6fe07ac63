"""The rule registry: each family module declares its checks with a decorator, once.

A check is a plain function that yields :class:`Hit` values (a place, a message, a hint); the
registry stamps them with the rule's code and severity, so a check cannot report under another
rule's code or at a severity its documentation does not state. Codes are validated when the
module is imported: a duplicate or misfiled code fails at once, not in a user's lint run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from shortfilm.domain.production import ClipPlan, Production
from shortfilm.domain.social_accounts import SocialAccount
from shortfilm.prompts.lint.findings import Finding, Rule, Severity
from shortfilm.prompts.lint.names import BoardNames
from shortfilm.prompts.lint.places import place_key
from shortfilm.spec.source import FieldPath, format_path

FAMILIES = {"B": "board", "C": "clip", "K": "continuity", "S": "story", "V": "campaign"}
"""Code letter -> family; the hundreds digit follows the letter (B1xx, C2xx, K3xx, S4xx, V5xx)."""

_CODE = re.compile(r"(?P<letter>[BCKSV])(?P<hundreds>[1-5])\d\d")
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Hit(NamedTuple):
    """What a check found: the place (as a field path), a one-line message and a one-line hint."""

    path: FieldPath
    message: str
    hint: str


@dataclass(frozen=True)
class LintContext:
    """The production being linted and what the caller knows about the target model."""

    production: Production
    durations_s: tuple[float, float] | None = None
    """The shortest and longest clip, in seconds, the target model accepts; ``None``: unknown."""
    accounts: Mapping[str, SocialAccount] | None = None
    """The home's accounts by name, which variants are routed to; ``None``: not known here (a
    spec linted without a home), so the account rules are skipped."""

    @cached_property
    def names(self) -> BoardNames:
        """Every name the board gives to a character, a place or a thing (computed once)."""
        return BoardNames.of(self.production)


ProductionCheck = Callable[[LintContext], Iterable[Hit]]
ClipCheck = Callable[[LintContext, int, ClipPlan], Iterable[Hit]]

RULES: dict[str, Rule] = {}
"""Every rule by code, in registration order (board, clip, continuity, story, campaign)."""

_PRODUCTION_CHECKS: list[tuple[Rule, ProductionCheck]] = []
_CLIP_CHECKS: list[tuple[Rule, ClipCheck]] = []


def _register(code: str, name: str, severity: Severity, summary: str) -> Rule:
    match = _CODE.fullmatch(code)
    if match is None or "BCKSV".index(match["letter"]) + 1 != int(match["hundreds"]):
        raise ValueError(f"rule code {code!r} must be B1xx, C2xx, K3xx, S4xx or V5xx")
    if code in RULES:
        raise ValueError(f"rule code {code} is registered twice")
    if not _NAME.fullmatch(name) or any(r.name == name for r in RULES.values()):
        raise ValueError(f"rule name {name!r} must be kebab-case and unique")
    rule = Rule(code, name, FAMILIES[match["letter"]], severity, summary)
    RULES[code] = rule
    return rule


def production_rule(
    code: str, name: str, severity: Severity, summary: str
) -> Callable[[ProductionCheck], ProductionCheck]:
    """Register a check that looks at the whole production once."""

    def decorate(check: ProductionCheck) -> ProductionCheck:
        _PRODUCTION_CHECKS.append((_register(code, name, severity, summary), check))
        return check

    return decorate


def clip_rule(
    code: str, name: str, severity: Severity, summary: str
) -> Callable[[ClipCheck], ClipCheck]:
    """Register a check that looks at one clip at a time (given its 0-based index)."""

    def decorate(check: ClipCheck) -> ClipCheck:
        _CLIP_CHECKS.append((_register(code, name, severity, summary), check))
        return check

    return decorate


def run_checks(context: LintContext, *, only_clip: int | None = None) -> list[Finding]:
    """Run every registered check; findings in document order, then by code.

    With ``only_clip``, clip checks run for that clip alone and only findings placed on the
    board or inside that clip are kept: what matters before generating that one clip.
    """
    clips = context.production.clips
    if only_clip is not None and not 0 <= only_clip < len(clips):
        raise ValueError(f"only_clip={only_clip} is out of range: there are {len(clips)} clip(s)")
    hits: list[tuple[Rule, Hit]] = []
    for rule, production_check in _PRODUCTION_CHECKS:
        hits += [(rule, hit) for hit in production_check(context)]
    for index, clip in enumerate(clips):
        if only_clip is not None and index != only_clip:
            continue
        for rule, clip_check in _CLIP_CHECKS:
            hits += [(rule, hit) for hit in clip_check(context, index, clip)]
    if only_clip is not None:
        hits = [(r, h) for r, h in hits if _about_clip(h.path, only_clip)]
    hits.sort(key=lambda pair: (place_key(pair[1].path), pair[0].code, pair[1].message))
    return [_finding(rule, hit) for rule, hit in _unique(hits)]


def _about_clip(path: FieldPath, index: int) -> bool:
    return path[:1] == ("board",) or path[:2] == ("clips", index)


def _unique(hits: list[tuple[Rule, Hit]]) -> Iterator[tuple[Rule, Hit]]:
    """Drop repeats (the same rule, place and message), e.g. one name written twice in a text."""
    seen: set[tuple[str, FieldPath, str]] = set()
    for rule, hit in hits:
        key = (rule.code, hit.path, hit.message)
        if key not in seen:
            seen.add(key)
            yield rule, hit


def _finding(rule: Rule, hit: Hit) -> Finding:
    return Finding(
        code=rule.code,
        severity=rule.severity,
        place=format_path(hit.path),
        message=hit.message,
        hint=hit.hint,
    )
