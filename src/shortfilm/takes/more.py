"""More takes of one clip: generation is a lottery even with a good prompt, so a team asks for
two or three takes of a clip and picks the one that holds the character, the light and the action.

Each new take differs from the clip's others by its seed; the seeds are chosen when the takes
are asked for (:func:`next_seeds`) and travel with the request, so a request carried out twice
(a worker killed and the job delivered again) finds the takes it made by their request hash and
pays for none of them again. The clip's selection is left alone: a person compares the takes and
picks one (a person's pick is never replaced by a take that merely arrived later).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from shortfilm.domain.progress import Progress, silent
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import GateError, InputError, StoreError
from shortfilm.prompts.linting import clips_with_errors
from shortfilm.providers.base import VideoProvider
from shortfilm.review import gates as review_gates
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.takes.claims import Runner
from shortfilm.takes.generate import ClipOutcome, generate_clip
from shortfilm.takes.keyframes import ensure_keyframe
from shortfilm.takes.pacing import Pacing
from shortfilm.takes.request import clip_name
from shortfilm.takes.run_take import not_judged
from shortfilm.takes.take_budget import MAX_TAKES, new_seeds, passes_qc, refuse_over_budget

MAX_AT_ONCE = MAX_TAKES
"""Takes of one clip a single request may ask for: enough to compare, not a budget accident."""


def clip_seeds(store: Store, slug: str, position: int) -> list[int]:
    """The seeds the clip's takes were asked with (imported takes have none)."""
    with store.session() as s:
        return sorted(
            int(t.params["seed"])
            for t in stored.clip_takes(s, clip_id(s, slug, position))
            if isinstance(t.params.get("seed"), int)
        )


def next_seeds(
    store: Store,
    slug: str,
    position: int,
    count: int,
    first: int | None = None,
    reserved: Collection[int] = (),
) -> list[int]:
    """``count`` seeds none of the clip's takes used (nor ``reserved``: those of requests
    still queued): from ``first`` up (default: one past the highest used), skipping used ones."""
    if not 1 <= count <= MAX_AT_ONCE:
        raise InputError(f"takes to ask for: 1 to {MAX_AT_ONCE} at a time, not {count}")
    used = set(clip_seeds(store, slug, position)) | set(reserved)
    seed = first if first is not None else (max(used) + 1 if used else 1)
    seeds: list[int] = []
    while len(seeds) < count:
        if seed not in used:
            seeds.append(seed)
        seed += 1
    return seeds


def more_takes(
    store: Store,
    slug: str,
    position: int,
    provider: VideoProvider,
    seeds: Sequence[int],
    *,
    force: bool = False,
    review: bool = True,
    poll_interval_s: float | None = None,
    progress: Progress = silent,
    qc_elsewhere: Callable[[int], None] | None = None,
    strategy: TakeStrategy = TakeStrategy.BEST_OF,
) -> list[ClipOutcome]:
    """One take of clip ``position`` per seed, under its newest prompt, side by side with its
    other takes (``until-pass``: one after the other, none asked for after the first whose QC
    passes). As each is checked, the clip's best take is selected unless a person chose one.
    Refused like ``run`` is (the board's approval, the clip's lint errors unless ``force``, the
    budget before each paid request), and before anything is asked for when the takes together
    would overrun the budget. ``qc_elsewhere``: where each new take's QC is handed (a worker's
    cpu queue; ``until-pass`` needs the verdict here); by default it runs here, as each take
    lands."""
    review_gates.require_board_approved(store, slug)
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r} in {store.url}")
        production = spec_from_dict(prod.spec)
        clip = clip_id(s, slug, position)
        board = stored.newest_board(s, prod.id)
        if board is None:
            raise StoreError(f"production {slug!r} has no asset board")
        board_id = board.id
    if not 1 <= position <= len(production.clips):
        raise InputError(f"{slug!r} plans {len(production.clips)} clips, not clip {position}")
    plan = production.clips[position - 1]
    errors = clips_with_errors(production, provider.limits.durations_s).get(position - 1, [])
    if errors and not force:
        found = "; ".join(f"{f.code} {f.place}: {f.message}" for f in errors)
        raise GateError(
            f"{clip_name(position)} has lint errors, no take was asked for "
            f"(fix them or pass --force): {found}"
        )
    forced = [f.code for f in errors]
    if poll_interval_s is None:
        poll_interval_s = float(getattr(provider, "poll_interval_s", 2.0))
    cap = max(1, provider.limits.max_concurrent)
    pacing = Pacing(provider, poll_interval_s, cap, Runner(store))
    pacing.review = review
    until_pass = strategy is TakeStrategy.UNTIL_PASS
    pacing.qc_elsewhere = None if until_pass else qc_elsewhere
    check_budget(store, slug, position, provider, seeds, pacing)
    if position > 1 and (plan.continues_previous or plan.starts_on_keyframe):
        # a take picked by hand upstream has no hand-off keyframe until one is chosen: the
        # default pick, as run makes it, so this clip continues from what is selected now
        with store.session() as s:
            previous = clip_id(s, slug, position - 1)
            picked = stored.clip(s, previous).selected_take_id is not None
        if picked:
            ensure_keyframe(store, slug, previous, not_judged=not_judged(provider), review=review)
    done: list[ClipOutcome] = []
    progress("takes", 0, len(seeds))

    def one(seed: int) -> ClipOutcome:
        outcome = generate_clip(
            store, production, clip, plan, board_id, provider, seed, pacing, forced,
            select=False,
        )  # fmt: skip
        done.append(outcome)
        progress("takes", len(done), len(seeds))
        return outcome

    try:
        if until_pass:
            with pacing.runner:
                for seed in seeds:
                    made = one(seed)
                    if passes_qc(store, clip, made.status, made.take_number):
                        break
            return done
        with pacing.runner, ThreadPoolExecutor(min(len(seeds), cap) or 1) as pool:
            return list(pool.map(one, seeds))
    finally:
        if pacing.poller is not None:
            pacing.poller.stop()


def check_budget(
    store: Store,
    slug: str,
    position: int,
    provider: VideoProvider,
    seeds: Sequence[int],
    pacing: Pacing | None = None,
) -> None:
    """:class:`GateError` when the takes of ``seeds`` the clip has not made yet would together
    overrun the budget: checked before anything is asked for or written (a revised plan, a
    queued job)."""
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r} in {store.url}")
        production = spec_from_dict(prod.spec)
        new = new_seeds(stored.clip_takes(s, clip_id(s, slug, position)), seeds)
    if not 1 <= position <= len(production.clips):
        raise InputError(f"{slug!r} plans {len(production.clips)} clips, not clip {position}")
    if pacing is None:
        pacing = Pacing(provider, 1.0, 1, Runner(store))
    plan = production.clips[position - 1]
    refuse_over_budget(store, production, pacing, provider, [(plan, len(new))], clip_name(position))


def clip_id(s: repo.Tx, slug: str, position: int) -> int:
    """The id of ``slug``'s clip at ``position``; :class:`InputError` when it has none."""
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise StoreError(f"no production {slug!r}")
    for clip in stored.clips(s, prod.id):
        if clip.position == position:
            return clip.id
    raise InputError(f"{slug!r} has no clip {position}")
