"""Generate the takes of every clip, in film order, with keyframes handed from clip to clip.

Safety rules, the same for the offline animatic and paid hosted models:
- a take row is committed *before* the provider is called, and the job id right after, so a crash
  never loses a paid job: the next run finds the take queued/running and resumes it;
- the request is hashed (prompt version, board version, references, keyframe, duration, size,
  seed, provider, model); a request already made is reused, never paid for twice;
- one run at a time drives a take (:mod:`shortfilm.takes.claims`): a second run started
  meanwhile waits for it and reuses what it made, and a run that was killed is taken over;
- failed takes are kept with their error, never deleted;
- a stored take is then checked once, outside the provider slot (QC report and keyframe
  candidates, :mod:`shortfilm.takes.qc_judge`); a QC that cannot run never fails the take.

A clip whose prompt version records ``frames`` (first/last-frame mode) is sent those frames and
nothing else: the models refuse frames mixed with reference images. A first frame that is the
word ``keyframe`` is the previous clip's chosen keyframe, so such a clip waits for it like any
continuation.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.domain.progress import Progress, silent
from shortfilm.domain.take import CLIP_FPS, Keyframe, TakeClip, TakeSource, TakeState
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import GateError, InputError, StoreError
from shortfilm.prompts.linting import clips_with_errors
from shortfilm.providers.base import VideoProvider
from shortfilm.review import gates as review_gates
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import keyframes as stored_keyframes
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store, Tx
from shortfilm.takes.claims import Runner
from shortfilm.takes.keyframes import ensure_keyframe
from shortfilm.takes.pacing import Pacing
from shortfilm.takes.ranking import follow_ranking
from shortfilm.takes.request import build_request, clip_name
from shortfilm.takes.run_take import TAKE_STEPS, not_judged, run_take, take_subject
from shortfilm.takes.take_budget import MAX_TAKES, new_seeds, passes_qc, refuse_over_budget
from shortfilm.team.people import current_person


@dataclass
class ClipOutcome:
    position: int
    take_number: int | None
    status: str
    reused: bool = False
    error: str | None = None


@dataclass
class GenerateResult:
    outcomes: list[ClipOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ClipOutcome]:
        return [o for o in self.outcomes if o.status != TakeState.SUCCEEDED]


def generate_takes(
    store: Store,
    slug: str,
    provider: VideoProvider,
    *,
    seed: int = 0,
    force: bool = False,
    poll_interval_s: float | None = None,
    max_concurrent: int | None = None,
    progress: Progress = silent,
    review: bool = True,
    takes: int = 1,
    strategy: TakeStrategy = TakeStrategy.BEST_OF,
) -> GenerateResult:
    """Make sure every clip of ``slug`` has a selected take and (if needed) a keyframe.

    ``takes``: asked of each clip, from seeds ``seed`` up (``until-pass``: one after the other,
    none after the first whose QC passes); the best by its QC evidence is selected unless a
    person chose one. More than one a clip, the budget for all of them is checked first.

    ``review``: run QC and keyframe candidates on each new take as it lands (about one
    CPU-second per 12.5 s 720p take); off, only the hand-off keyframe is picked, and
    ``shortfilm qc show`` makes a take's report when asked.

    Clips with lint errors are refused before anything is sent (:class:`GateError`), unless
    ``force``: then they are generated and their takes record that they were forced, and why.
    Independent clips run in parallel, at most ``max_concurrent`` (default: the provider's cap)
    takes in flight; a clip that continues the previous one waits for its keyframe.
    """
    review_gates.require_board_approved(store, slug)  # checkpoint 1: GateError names the board
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r} in {store.url}; import its spec first")
        production = spec_from_dict(prod.spec)
        clip_rows = stored.clips(s, prod.id)[: len(production.clips)]
        board = stored.newest_board(s, prod.id)
        if board is None:
            raise StoreError(f"production {slug!r} has no asset board")
        board_id = board.id
    blocked = clips_with_errors(production, provider.limits.durations_s)
    if blocked and not force:
        lines = [
            f"clip-{index + 1:02d}: {f.code} {f.place}: {f.message}"
            for index, errors in blocked.items()
            for f in errors
        ]
        raise GateError(
            f"{len(blocked)} clip(s) have lint errors, nothing was generated "
            f"(fix them or pass --force): " + "; ".join(lines)
        )
    if not 1 <= takes <= MAX_TAKES:
        raise InputError(f"--takes: 1 to {MAX_TAKES} takes a clip, not {takes}")
    seeds = [seed + k for k in range(takes)]
    total = len(clip_rows)
    outcomes: dict[int, ClipOutcome] = {}
    lock = threading.Lock()
    if poll_interval_s is None:  # a hosted provider knows how often it is worth asking
        poll_interval_s = float(getattr(provider, "poll_interval_s", 2.0))
    cap = max(1, max_concurrent or provider.limits.max_concurrent)
    pacing = Pacing(provider, poll_interval_s, cap, Runner(store))
    pacing.review = review
    if takes > 1:
        with store.session() as s:
            asks = [
                (production.clips[i], len(new_seeds(stored.clip_takes(s, row.id), seeds)))
                for i, row in enumerate(clip_rows)
            ]
        refuse_over_budget(store, production, pacing, provider, asks, f"{total} clip(s)")
    progress("generate", 0, total)

    def report(stage: str, done: float, of: float) -> None:
        with lock:  # workers report from their own threads; the drawer need not be thread-safe
            progress(stage, done, of)

    def run_chain(chain: list[int]) -> None:
        # clips of one chain continue each other: each needs the previous one's keyframe
        for i in chain:
            forced = [f.code for f in blocked.get(i, [])]
            made = []
            for each in seeds:
                made.append(generate_clip(
                    store, production, clip_rows[i].id, production.clips[i], board_id, provider,
                    each, pacing, forced, report,
                ))  # fmt: skip
                last = made[-1]
                if strategy is TakeStrategy.UNTIL_PASS and passes_qc(
                    store, clip_rows[i].id, last.status, last.take_number
                ):
                    break
            outcome = _of_clip(store, clip_rows[i].id, made)
            with lock:
                outcomes[i] = outcome
                progress("generate", len(outcomes), total)

    chains = continuity_chains(production.clips)
    # more workers than slots: some download and store results while others hold the slots
    workers = max(1, min(cap + max(2, cap // 2), len(chains)))
    try:
        with pacing.runner, ThreadPoolExecutor(workers, thread_name_prefix="take") as pool:
            for future in [pool.submit(run_chain, chain) for chain in chains]:
                future.result()
    finally:
        if pacing.poller is not None:
            pacing.poller.stop()
    return GenerateResult([outcomes[i] for i in sorted(outcomes)])


def _of_clip(store: Store, clip_id: int, made: list[ClipOutcome]) -> ClipOutcome:
    """The outcome that stands for the clip: its selected take's, else the last one."""
    with store.session() as s:
        selected = stored.clip(s, clip_id).selected_take_id
        take = stored.take(s, selected) if selected is not None else None
    number = take.number if take is not None else None
    return next((o for o in made if number is not None and o.take_number == number), made[-1])


def continuity_chains(clips: Sequence[ClipPlan]) -> list[list[int]]:
    """Clip indexes grouped so that a clip continuing the previous one shares its chain.

    Chains are independent and may be generated in parallel; inside a chain, order matters
    because each clip takes the previous clip's keyframe as a reference.
    """
    chains: list[list[int]] = []
    for i, clip in enumerate(clips):
        if (clip.continues_previous or clip.starts_on_keyframe) and chains:
            chains[-1].append(i)
        else:
            chains.append([i])
    return chains


def generate_clip(
    store: Store,
    production: Production,
    clip_id: int,
    plan: ClipPlan,
    board_id: int,
    provider: VideoProvider,
    seed: int,
    pacing: Pacing,
    forced: list[str],
    progress: Progress = silent,
    *,
    select: bool = True,
) -> ClipOutcome:
    """The take of ``clip_id`` for ``seed`` under its newest prompt, made or found (a request
    already made is never paid twice). ``select``: the clip's take as ``run`` keeps it (a
    person's pick stands; else the new take is selected and its keyframe stored). Off, the
    take is one more beside the others (``take new``, the web's "more takes"), and the
    selection is left as it is."""
    with store.session() as s:
        clip = stored.clip(s, clip_id)
        prompt = stored.newest_prompt(s, clip.id)
        if prompt is None:
            raise StoreError(f"{clip_name(clip.position)} has no prompt")
        kept = _person_pick(s, clip, prompt) if select else None
        if kept is not None:
            outcome = ClipOutcome(clip.position, kept, TakeState.SUCCEEDED, reused=True)
    if kept is not None:
        _ensure_keyframe(store, production.slug, clip_id, provider, pacing.review)
        return outcome
    with pacing.setup, store.session() as s:
        # another run making this clip's take right now: whoever locks second finds that take
        repo.lock_clip(s, clip_id)
        clip = stored.clip(s, clip_id)
        board = stored.board(s, board_id)
        prompt = stored.newest_prompt(s, clip.id)
        assert prompt is not None
        frames: dict[str, Any] | None = prompt.data.get("frames")
        keyframe = None
        if frames is not None:
            # frame mode sends only the frames: the keyframe matters only as the first frame
            wants_keyframe = frames.get("first") == PREVIOUS_KEYFRAME
            if wants_keyframe and clip.position == 1:
                return ClipOutcome(
                    clip.position,
                    None,
                    "blocked",
                    error=f"{clip_name(clip.position)} starts on the previous clip's keyframe, "
                    "but it is the first clip",
                )
        else:
            wants_keyframe = clip.continues_previous and clip.position > 1
        if wants_keyframe:
            keyframe = _previous_keyframe(s, clip)
            if keyframe is None:
                return ClipOutcome(
                    clip.position,
                    None,
                    "blocked",
                    error=f"{clip_name(clip.position)} continues the previous clip, "
                    "which has no selected take with a keyframe yet",
                )
        request, request_hash = build_request(
            store, production, plan, prompt, board, keyframe, clip.position, provider, seed
        )
        take = stored.take_for_request(s, clip.id, request_hash)
        estimate = provider.estimate_cost(request)
        held = take is None  # a new take is this run's from its first moment
        if take is None:
            refusal = pacing.budget_refusal(s, production, clip.production_id, provider, estimate)
            if refusal:
                repo.event(
                    s,
                    clip.production_id,
                    "take.over_budget",
                    clip_name(clip.position),
                    estimate=estimate,
                )
                return ClipOutcome(clip.position, None, "over-budget", error=refusal)
            width, height = request.width, request.height
            params = {
                "duration_s": plan.duration_s,
                "width": width,
                "height": height,
                "fps": CLIP_FPS,
                "seed": seed,
                "prompt_form": provider.prompt_form,
                "estimated_cost": estimate,
                "prompt_text": request.prompt_text,
            }
            if forced:
                params = params | {"forced_over": forced}
            take = stored.add_take(
                s,
                clip.id,
                prompt_id=prompt.id,
                board_id=board.id,
                keyframe_id=keyframe.id if keyframe else None,
                provider=provider.name,
                model=provider.model,
                request_hash=request_hash,
                status=TakeState.QUEUED,
                params=params,
                references=[
                    {"role": r.role, "label": r.label, "sha256": r.path.name}
                    for r in request.references
                ],
                cost_unit=provider.cost_unit,
                forced=bool(forced),
                created_by=current_person(),
                runner=pacing.runner.name,
                runner_seen=datetime.now(UTC),
            )
            repo.event(s, clip.production_id, "take.created", take_subject(clip, take))
            if forced:
                repo.event(
                    s,
                    clip.production_id,
                    "take.forced",
                    take_subject(clip, take),
                    lint_errors=forced,
                )
        take_id = take.id
        position = clip.position
        label = f"  {take_subject(clip, take)}"

    def step(done: int) -> None:
        progress(label, done, TAKE_STEPS)

    try:
        if not held:
            # another run may be making it right now: wait for that run, then go on from
            # wherever it left the take (finished, or interrupted and left to re-attach)
            pacing.runner.wait_for(
                take_id,
                max(0.05, min(pacing.poll_interval_s, 1.0)),
                lambda holder: progress(f"{label}: waiting for run {holder}", 0, TAKE_STEPS),
            )
        with store.session() as s:
            found = stored.take(s, take_id)
            assert found is not None
            status = found.status
        reused = status == TakeState.SUCCEEDED
        if reused:
            step(TAKE_STEPS)
        elif status.in_flight:
            step(0)
            run_take(store, production.slug, take_id, request, provider, pacing, step)
        with store.session() as s:
            found = stored.take(s, take_id)
            clip = stored.clip(s, clip_id)
            assert found is not None
            if found.status != TakeState.SUCCEEDED:
                return ClipOutcome(position, found.number, found.status, error=found.error)
            if not select:
                return ClipOutcome(position, found.number, TakeState.SUCCEEDED, reused=reused)
            # while nobody has chosen a take by hand, run selects the best of the takes made
            # like this one (by their QC evidence), this one when none has evidence yet
            follow_ranking(s, found, fallback=True)
            number = found.number
        # still held: a second run waiting on this take reuses the keyframe stored here
        _ensure_keyframe(store, production.slug, clip_id, provider, pacing.review)
    finally:
        pacing.runner.release(take_id)
    return ClipOutcome(position, number, TakeState.SUCCEEDED, reused=reused)


def _person_pick(s: Tx, clip: TakeClip, prompt: TakeSource) -> int | None:
    """The number of the take a person chose for ``clip`` under its current prompt, if any.

    A person's pick (a reviewed take, an imported one) stands: ``run`` neither replaces it nor
    pays for another take beside it. Once the clip's prompt has changed since the pick, the
    plan the person judged is gone, so a new take is made (the pick itself is kept until a
    person changes it).
    """
    if clip.selected_by in (None, "auto") or clip.selected_take_id is None:
        return None
    take = stored.take(s, clip.selected_take_id)
    if take is None or take.status != TakeState.SUCCEEDED or take.prompt_id != prompt.id:
        return None
    return take.number


def _previous_keyframe(s: Tx, clip: TakeClip) -> Keyframe | None:
    """The chosen keyframe of the previous clip's selected take, if there is one yet."""
    prev = next(c for c in stored.clips(s, clip.production_id) if c.position == clip.position - 1)
    if prev.selected_take_id is None:
        return None
    return stored_keyframes.chosen(s, prev.selected_take_id)


def _ensure_keyframe(
    store: Store, slug: str, clip_id: int, provider: VideoProvider, review: bool = True
) -> None:
    """Store the selected take's chosen keyframe (once): the best QC candidate of its last third,
    full size (see :func:`shortfilm.takes.keyframes.ensure_keyframe`)."""
    ensure_keyframe(store, slug, clip_id, not_judged=not_judged(provider), review=review)
