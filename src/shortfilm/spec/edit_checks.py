"""Checks of the ``edit:`` section that need the rest of the spec: which clips and channels exist.

Field-by-field rules live in the validation models; these look across sections, so a per-clip
edit naming clip 7 of a four-clip film, or a loudness target for a channel the production does
not publish to, is refused on load with the line of the entry rather than later, after takes have
been paid for.
"""

from __future__ import annotations

from shortfilm.domain import Production
from shortfilm.spec.problems import Problem


def edit_problems(production: Production) -> list[Problem]:
    """Every cross-reference in ``production.edit`` that points nowhere (may be empty)."""
    problems: list[Problem] = []
    count = len(production.clips)
    seen: set[int] = set()
    for index, clip_edit in enumerate(production.edit.clips):
        where = ("edit", "clips", index, "clip")
        if clip_edit.clip > count:
            problems.append(
                Problem(where, f"there is no clip {clip_edit.clip}: the spec has clips 1-{count}")
            )
        elif clip_edit.clip in seen:
            problems.append(
                Problem(where, f"clip {clip_edit.clip} is edited twice: merge the two entries")
            )
        seen.add(clip_edit.clip)
    channels = {c.strip().lower() for c in production.channels}
    named: set[str] = set()
    for index, target in enumerate(production.edit.loudness):
        where = ("edit", "loudness", index, "channel")
        key = target.channel.strip().lower()
        if key not in channels:
            problems.append(
                Problem(
                    where,
                    f"{target.channel!r} is not one of this production's channels "
                    f"({', '.join(production.channels)})",
                )
            )
        elif key in named:
            problems.append(Problem(where, f"{target.channel!r} has two loudness targets"))
        named.add(key)
    return problems
