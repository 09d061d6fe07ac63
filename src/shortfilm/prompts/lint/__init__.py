"""The prompt linter: the workflow's prompt lessons as rules with stable codes, like a code linter.

``lint_production`` reads a :class:`~shortfilm.domain.Production` (no I/O, nothing generated) and
returns :class:`Finding` values in the order a reader meets their places in the spec. Each rule
has a stable code (``B1xx`` board, ``C2xx`` clip, ``K3xx`` continuity, ``S4xx`` story,
``V5xx`` campaign), a fixed
severity and a section in ``docs/lint-rules.md`` saying what it checks and why.

The checks are lexical and cheap, so lint runs before every generation: an ``error`` means the
prompt would likely waste a credit, a ``warning`` that a lesson of the workflow is broken.
"""

from __future__ import annotations

from collections.abc import Mapping

from shortfilm.domain.production import Production
from shortfilm.domain.social_accounts import SocialAccount

# The family modules register their rules on import; the order fixes the order of RULES.
from shortfilm.prompts.lint import board, campaign, clip, continuity, edit, story  # noqa: F401
from shortfilm.prompts.lint.findings import Finding, Rule, Severity, has_errors
from shortfilm.prompts.lint.registry import RULES, LintContext, run_checks


def lint_production(
    production: Production,
    *,
    durations_s: tuple[float, float] | None = None,
    only_clip: int | None = None,
    accounts: Mapping[str, SocialAccount] | None = None,
) -> list[Finding]:
    """Every finding for ``production``, sorted by place (document order), then code.

    ``durations_s`` is the (shortest, longest) clip in seconds the target model accepts; without
    it the model-range rule (C201) is skipped. ``only_clip`` (0-based) keeps what matters before
    generating that one clip: findings on the board and inside that clip. ``accounts`` are the
    home's, by name, for the campaign rules (V5xx); without them the account checks are skipped.
    Raises ``ValueError`` for an ``only_clip`` out of range or a ``durations_s`` whose shortest
    exceeds its longest.
    """
    if durations_s is not None and not 0 < durations_s[0] <= durations_s[1]:
        raise ValueError(f"durations_s must be (shortest, longest) above 0, got {durations_s}")
    context = LintContext(production, durations_s, accounts)
    return run_checks(context, only_clip=only_clip)


__all__ = ["RULES", "Finding", "Rule", "Severity", "has_errors", "lint_production"]
