"""What several takes asked for at once must pass before the first is: the budget for all of
them, and, for ``until-pass``, whether the take just made passed QC."""

from __future__ import annotations

from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.take import TakeState
from shortfilm.errors import GateError, StoreError
from shortfilm.providers.base import GenerationRequest, VideoProvider
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.generate import ClipOutcome
from shortfilm.takes.pacing import Pacing
from shortfilm.takes.qc_judge import review_take
from shortfilm.takes.request import clip_size


def refuse_over_budget(
    store: Store,
    production: Production,
    pacing: Pacing,
    plan: ClipPlan,
    provider: VideoProvider,
    count: int,
    what: str,
) -> None:
    """:class:`GateError` when ``count`` new takes of ``plan`` would together overrun the
    production's budget (what is spent and committed counted as ``run`` counts it, see
    :meth:`Pacing.budget_refusal`): said before anything is asked for or written. Each take is
    still checked again before its own request is paid."""
    width, height = clip_size(production, provider)
    sizing = GenerationRequest(plan, "", (), plan.duration_s, width, height)
    estimate = provider.estimate_cost(sizing) * count
    with store.session() as s:
        prod = repo.production_by_slug(s, production.slug)
        if prod is None:
            raise StoreError(f"no production {production.slug!r}")
        refusal = pacing.budget_refusal(
            s, production, prod.id, provider, estimate, what=f"{count} take(s) of {what}"
        )
    if refusal:
        raise GateError(f"{refusal}; nothing was asked for")


def passes_qc(store: Store, clip_id: int, outcome: ClipOutcome) -> bool:
    """Whether the take of ``outcome`` succeeded and its QC passed (no check failed); checks it
    now if it has no report yet."""
    if outcome.status != TakeState.SUCCEEDED or outcome.take_number is None:
        return False
    with store.session() as s:
        take = next(t for t in stored.clip_takes(s, clip_id) if t.number == outcome.take_number)
    return not review_take(store, take.id).failed
