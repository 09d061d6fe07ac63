"""What several takes asked for at once must pass before the first is: the budget for all of
them, and, for ``until-pass``, whether the take just made passed QC."""

from __future__ import annotations

from collections.abc import Sequence

from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.take import Take, TakeState
from shortfilm.errors import GateError, StoreError
from shortfilm.providers.base import GenerationRequest, VideoProvider
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.pacing import Pacing
from shortfilm.takes.qc_judge import review_take
from shortfilm.takes.request import clip_size

MAX_TAKES = 8
"""Takes of each clip one request may ask for (``run --takes``, ``take new -n``): enough to
compare, not a budget accident."""


def refuse_over_budget(
    store: Store,
    production: Production,
    pacing: Pacing,
    provider: VideoProvider,
    asks: Sequence[tuple[ClipPlan, int]],
    what: str,
) -> None:
    """:class:`GateError` when the new takes ``asks`` names (how many of each clip's plan)
    would together overrun the production's budget (what is spent and committed counted as
    ``run`` counts it, see :meth:`Pacing.budget_refusal`): said before anything is asked for or
    written. Each take is still checked again before its own request is paid."""
    width, height = clip_size(production, provider)
    estimate = sum(
        provider.estimate_cost(GenerationRequest(plan, "", (), plan.duration_s, width, height))
        * count
        for plan, count in asks
    )
    count = sum(n for _, n in asks)
    if count == 0:
        return
    with store.session() as s:
        prod = repo.production_by_slug(s, production.slug)
        if prod is None:
            raise StoreError(f"no production {production.slug!r}")
        refusal = pacing.budget_refusal(
            s, production, prod.id, provider, estimate, what=f"{count} take(s) of {what}"
        )
    if refusal:
        raise GateError(f"{refusal}; nothing was asked for")


def new_seeds(takes: Sequence[Take], seeds: Sequence[int]) -> list[int]:
    """The ``seeds`` none of ``takes`` (a clip's) was asked with: the takes still to pay for."""
    used = {t.params.get("seed") for t in takes}
    return [seed for seed in seeds if seed not in used]


def passes_qc(store: Store, clip_id: int, status: str, number: int | None) -> bool:
    """Whether take ``number`` of the clip succeeded (``status``) and its QC passed (no check
    failed); checks it now if it has no report yet."""
    if status != TakeState.SUCCEEDED or number is None:
        return False
    with store.session() as s:
        take = next(t for t in stored.clip_takes(s, clip_id) if t.number == number)
    return not review_take(store, take.id).failed
