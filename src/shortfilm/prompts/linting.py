"""Lint a production before a credit is spent, with the lessons of failed takes beside it.

The rules live in :mod:`shortfilm.prompts.lint` (pure); this use-case adds what only the store
knows: ``L501`` info findings naming failed takes of similar prompts, and the gate ``run`` uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shortfilm.domain import Production
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.lessons import lessons_for_each
from shortfilm.prompts.lint import Finding, Severity, lint_production
from shortfilm.prompts.render import render_plain
from shortfilm.store.repo import Store
from shortfilm.store.social_accounts import live_accounts

LESSON_CODE = "L501"


def lint_with_lessons(
    production: Production,
    *,
    store: Store | None = None,
    durations_s: tuple[float, float] | None = None,
) -> list[Finding]:
    """Rule findings, then per clip the lessons of failed takes whose prompts resemble it.
    With a ``store``, the campaign rules know the home's accounts (V501, V502)."""
    if store is None:
        return lint_production(production, durations_s=durations_s)
    with store.session() as tx:
        accounts = {a.name: a for a in live_accounts(tx)}
    findings = lint_production(production, durations_s=durations_s, accounts=accounts)
    texts = [render_plain(VideoPrompt.from_clip(production.board, c)) for c in production.clips]
    for index, lessons in enumerate(lessons_for_each(store, texts)):
        for lesson in lessons:
            findings.append(
                Finding(
                    code=LESSON_CODE,
                    severity=Severity.INFO,
                    place=f"clips[{index}]",
                    message=(
                        f"a prior take of a prompt like this {lesson.status} "
                        f"({lesson.take}, {lesson.similarity:.0%} alike): {lesson.note}"
                    ),
                    hint="read that take's note before generating; change what it warns about",
                )
            )
    return findings


def clips_with_errors(
    production: Production, durations_s: tuple[float, float] | None
) -> dict[int, list[Finding]]:
    """0-based clip index -> its error findings (board and edit errors count for every clip).

    For each clip the selection of ``lint_production(only_clip=i)``, from one lint pass, plus
    the errors placed at ``edit`` or ``channels``: the edit or the render would refuse the film
    once every take exists, so no take is worth paying for until they are fixed. Findings
    placed at ``clips`` (the total length) block no single clip.
    """
    blocked: dict[int, list[Finding]] = {}
    everyone = range(len(production.clips))
    for finding in lint_production(production, durations_s=durations_s):
        if finding.severity is not Severity.ERROR:
            continue
        match = _CLIP_PLACE.match(finding.place)
        if match:
            targets: Iterable[int] = (int(match.group(1)),)
        elif finding.place.startswith(("board", "edit", "channels")):
            targets = everyone
        else:
            continue
        for index in targets:
            blocked.setdefault(index, []).append(finding)
    return dict(sorted(blocked.items()))


_CLIP_PLACE = re.compile(r"clips\[(\d+)\]")
