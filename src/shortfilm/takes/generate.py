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
  candidates, :mod:`shortfilm.takes.qc`); a QC that cannot run never fails the take.

A clip whose prompt version records ``frames`` (first/last-frame mode) is sent those frames and
nothing else: the models refuse frames mixed with reference images. A first frame that is the
word ``keyframe`` is the previous clip's chosen keyframe, so such a clip waits for it like any
continuation.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from shortfilm.board.versions import base_content_hash
from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.domain.progress import Progress, silent
from shortfilm.errors import GateError, ProviderError, StoreError
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.linting import clips_with_errors
from shortfilm.prompts.render import FIRST_FRAME, LAST_FRAME, NamedReference, render_for
from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    Reference,
    TakeStatus,
    VideoProvider,
)
from shortfilm.providers.limits import RateLimiter
from shortfilm.review import decisions as review_gates
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import BoardRow, ClipRow, KeyframeRow, PromptRow, TakeRow, utcnow
from shortfilm.takes.claims import Runner
from shortfilm.takes.keyframes import ensure_keyframe
from shortfilm.takes.qc import review_take
from shortfilm.team.people import current_person

CLIP_SIZE = (1280, 720)
CLIP_FPS = 24


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
        return [o for o in self.outcomes if o.status != "succeeded"]


TAKE_STEPS = 4
"""Stages a take reports as progress: created at the provider, finished there, downloaded,
stored. A take re-attached after a restart starts at whichever stage it had reached."""


def clip_name(position: int) -> str:
    return f"clip-{position:02d}"


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
) -> GenerateResult:
    """Make sure every clip of ``slug`` has a selected take and (if needed) a keyframe.

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
        clip_rows = repo.clips(s, prod.id)[: len(production.clips)]
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
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
    total = len(clip_rows)
    outcomes: dict[int, ClipOutcome] = {}
    lock = threading.Lock()
    if poll_interval_s is None:  # a hosted provider knows how often it is worth asking
        poll_interval_s = float(getattr(provider, "poll_interval_s", 2.0))
    cap = max(1, max_concurrent or provider.limits.max_concurrent)
    pacing = _Pacing(provider, poll_interval_s, cap, Runner(store))
    pacing.review = review
    progress("generate", 0, total)

    def report(stage: str, done: float, of: float) -> None:
        with lock:  # workers report from their own threads; the drawer need not be thread-safe
            progress(stage, done, of)

    def run_chain(chain: list[int]) -> None:
        # clips of one chain continue each other: each needs the previous one's keyframe
        for i in chain:
            forced = [f.code for f in blocked.get(i, [])]
            outcome = _generate_clip(
                store, production, clip_rows[i].id, production.clips[i], board_id, provider,
                seed, pacing, forced, report,
            )  # fmt: skip
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


class _Pacing:
    """How takes wait on a provider: the shared submit rate, and the polling interval."""

    def __init__(
        self, provider: VideoProvider, poll_interval_s: float, cap: int, runner: Runner
    ) -> None:
        self.runner = runner
        """This run's hold on the takes it drives (another run's takes are waited for)."""
        self.slots = threading.BoundedSemaphore(cap)
        """Takes in flight at the provider (created, not yet finished): the concurrency cap."""
        self.submits = RateLimiter(provider.limits.submits_per_s)
        self.poll_interval_s = poll_interval_s
        self.review = True
        """Whether each new take gets its QC report and keyframe candidates as it lands."""
        self.budget_lock = threading.Lock()
        self.setup = threading.Lock()
        """Held while a worker writes its take row. Twelve workers doing that at once share the
        GIL and the database's one writer and all finish late together; one at a time, the first
        take is created within milliseconds and each create's request overlaps the next setup."""
        batch: BatchStatus | None = getattr(provider, "statuses", None)
        self.poller = _Poller(batch, poll_interval_s) if batch is not None else None

    def budget_refusal(
        self,
        s: Session,
        production: Production,
        production_id: int,
        provider: VideoProvider,
        estimate: float,
    ) -> str | None:
        """Why a new take of ``estimate`` may not start, or ``None`` when it fits the budget.

        Spent money counts at its charged cost; takes still in flight count at their estimate,
        so parallel workers cannot together overrun the limit. The caller's session commits the
        new take before the lock is released (the lock is held until the session ends).
        """
        budget = production.budget
        if budget is None or budget.unit != provider.cost_unit or estimate <= 0:
            return None
        self.budget_lock.acquire()
        s.info.setdefault("release", []).append(self.budget_lock.release)
        committed = repo.committed_cost(s, production_id, budget.unit)
        if committed + estimate > budget.limit:
            return (
                f"budget: this take would cost about {estimate:,.0f} {budget.unit}; "
                f"{committed:,.0f} of {budget.limit:,.0f} are already spent or committed"
            )
        return None


def _references(
    store: Store, board: BoardRow, keyframe: KeyframeRow | None, prev_position: int
) -> tuple[Reference, ...]:
    """The board's reference images in their stable order, the keyframe (if any) first."""
    refs = [
        Reference(path=store.artifact_path(r["sha256"]), role=r["role"], label=r["label"])
        for r in board.references
    ]
    if keyframe is not None:
        label = f"{clip_name(prev_position)} keyframe at {keyframe.time_ms} ms"
        refs.insert(0, Reference(store.artifact_path(keyframe.sha256), "keyframe", label))
    return tuple(refs)


def _frame_references(
    store: Store, frames: dict[str, Any], keyframe: KeyframeRow | None, prev_position: int
) -> tuple[Reference, ...]:
    """The first and last frames of a frame-mode clip, first frame first; nothing else.

    ``keyframe`` is the previous clip's chosen keyframe, required when the first frame is the
    word ``keyframe``.
    """
    refs: list[Reference] = []
    for key, role in (("first", FIRST_FRAME), ("last", LAST_FRAME)):
        value = frames.get(key)
        if value == PREVIOUS_KEYFRAME:
            assert keyframe is not None, "the caller blocks a keyframe start without one"
            label = f"{clip_name(prev_position)} keyframe at {keyframe.time_ms} ms"
            refs.append(Reference(store.artifact_path(keyframe.sha256), role, label))
        elif value is not None:
            refs.append(Reference(store.artifact_path(value["sha256"]), role, value["path"]))
    return tuple(refs)


def _generate_clip(
    store: Store,
    production: Production,
    clip_id: int,
    plan: ClipPlan,
    board_id: int,
    provider: VideoProvider,
    seed: int,
    pacing: _Pacing,
    forced: list[str],
    progress: Progress = silent,
) -> ClipOutcome:
    with store.session() as s:
        clip = s.get(ClipRow, clip_id)
        board = s.get(BoardRow, board_id)
        assert clip is not None and board is not None
        prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
        if prompt is None:
            raise StoreError(f"{clip_name(clip.position)} has no prompt")
        kept = _person_pick(s, clip, prompt)
        if kept is not None:
            outcome = ClipOutcome(clip.position, kept, "succeeded", reused=True)
    if kept is not None:
        _ensure_keyframe(store, production.slug, clip_id, provider, pacing.review)
        return outcome
    with pacing.setup, store.session() as s:
        # another run making this clip's take right now: whoever locks second finds that take
        repo.lock_clip(s, clip_id)
        clip = s.get(ClipRow, clip_id)
        board = s.get(BoardRow, board_id)
        assert clip is not None and board is not None
        prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
        assert prompt is not None
        frames: dict[str, Any] | None = prompt.sections.get("frames")
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
        if frames is not None:
            refs = _frame_references(store, frames, keyframe, clip.position - 1)
        else:
            refs = _references(store, board, keyframe, clip.position - 1)
        prompt_text = render_for(
            provider.prompt_form,
            VideoPrompt.from_sections(prompt.sections),
            [NamedReference(r.role, r.label) for r in refs],
        )
        width, height = CLIP_SIZE
        request = GenerationRequest(
            clip=plan,
            prompt_text=prompt_text,
            references=refs,
            duration_s=plan.duration_s,
            width=width,
            height=height,
            fps=CLIP_FPS,
            seed=seed,
            palette=production.board.style.palette,
        )
        request_hash = content_hash(
            {
                "provider": provider.name,
                "model": provider.model,
                # the prompt version's hash covers its frames' content (sha256) too
                "prompt": prompt.content_hash,
                # the board as the spec states it: a generated board image is not sent to the
                # video model, so making one must not re-pay every clip; in frame mode no board
                # image is sent at all (its style words are in the prompt's hash already)
                "board": base_content_hash(board) if frames is None else None,
                "keyframe": keyframe.sha256 if keyframe else None,
                "duration_s": plan.duration_s,
                "size": [width, height],
                "fps": CLIP_FPS,
                "seed": seed,
            }
        )
        take = repo.take_for_request(s, clip.id, request_hash)
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
            take = TakeRow(
                clip_id=clip.id,
                number=repo.next_take_number(s, clip.id),
                prompt_id=prompt.id,
                board_id=board.id,
                keyframe_id=keyframe.id if keyframe else None,
                provider=provider.name,
                model=provider.model,
                request_hash=request_hash,
                status="queued",
                params={
                    "duration_s": plan.duration_s,
                    "width": width,
                    "height": height,
                    "fps": CLIP_FPS,
                    "seed": seed,
                    "prompt_form": provider.prompt_form,
                    "estimated_cost": estimate,
                    "prompt_text": prompt_text,
                },
                references=[
                    {"role": r.role, "label": r.label, "sha256": r.path.name} for r in refs
                ],
                cost_unit=provider.cost_unit,
                forced=bool(forced),
                created_by=current_person(),
                runner=pacing.runner.name,
                runner_seen=utcnow(),
            )
            if forced:
                take.params = take.params | {"forced_over": forced}
            s.add(take)
            s.flush()
            repo.event(s, clip.production_id, "take.created", _take_subject(clip, take))
            if forced:
                repo.event(
                    s,
                    clip.production_id,
                    "take.forced",
                    _take_subject(clip, take),
                    lint_errors=forced,
                )
        take_id = take.id
        position = clip.position
        label = f"  {_take_subject(clip, take)}"

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
            take = s.get(TakeRow, take_id)
            assert take is not None
            status = take.status
        reused = status == "succeeded"
        if reused:
            step(TAKE_STEPS)
        elif status in ("queued", "running"):
            step(0)
            _run_take(store, production.slug, take_id, request, provider, pacing, step)
        with store.session() as s:
            take = s.get(TakeRow, take_id)
            clip = s.get(ClipRow, clip_id)
            assert take is not None and clip is not None
            if take.status != "succeeded":
                return ClipOutcome(position, take.number, take.status, error=take.error)
            # run keeps following the current request while nobody has chosen a take by hand
            if clip.selected_take_id != take.id and clip.selected_by in (None, "auto"):
                clip.selected_take_id = take.id
                clip.selected_by = "auto"
                subject = _take_subject(clip, take)
                repo.event(s, clip.production_id, "take.selected", subject, auto=True)
            number = take.number
        # still held: a second run waiting on this take reuses the keyframe stored here
        _ensure_keyframe(store, production.slug, clip_id, provider, pacing.review)
    finally:
        pacing.runner.release(take_id)
    return ClipOutcome(position, number, "succeeded", reused=reused)


def _person_pick(s: Session, clip: ClipRow, prompt: PromptRow) -> int | None:
    """The number of the take a person chose for ``clip`` under its current prompt, if any.

    A person's pick (a reviewed take, an imported one) stands: ``run`` neither replaces it nor
    pays for another take beside it. Once the clip's prompt has changed since the pick, the
    plan the person judged is gone, so a new take is made (the pick itself is kept until a
    person changes it).
    """
    if clip.selected_by in (None, "auto") or clip.selected_take_id is None:
        return None
    take = s.get(TakeRow, clip.selected_take_id)
    if take is None or take.status != "succeeded" or take.prompt_id != prompt.id:
        return None
    return take.number


def _take_subject(clip: ClipRow, take: TakeRow) -> str:
    return naming.take_subject(clip.position, take.number)


def _previous_keyframe(s: Session, clip: ClipRow) -> KeyframeRow | None:
    """The chosen keyframe of the previous clip's selected take, if there is one yet."""
    prev = next(c for c in repo.clips(s, clip.production_id) if c.position == clip.position - 1)
    if prev.selected_take_id is None:
        return None
    return repo.chosen_keyframe(s, prev.selected_take_id)


def _run_take(
    store: Store,
    slug: str,
    take_id: int,
    request: GenerationRequest,
    provider: VideoProvider,
    pacing: _Pacing,
    step: Callable[[int], None],
) -> None:
    """Submit (or re-attach), wait, download once, and store what comes back.

    ``step(n)`` reports the take's progress through :data:`TAKE_STEPS` stages: created at the
    provider, finished there, downloaded, stored.

    Durable at every step: a take without a job id is first matched against the provider's own
    records (``recover``), so a crash between create and recording its id never pays twice; a
    transient failure while polling or downloading leaves the take running for the next run to
    re-attach to, since the result may already be paid for; a download lands in a per-take folder
    with a manifest, so a crash before it is stored does not download it again.
    """
    with store.session() as s:
        take = s.get(TakeRow, take_id)
        assert take is not None
        job_id = take.job_id
        resumed = take.status != "queued" or take.params.get("attempted", False)
        take.params = take.params | {"attempted": True}
    # Providers that can build the request body ahead (encode images, check limits) do it
    # before taking a slot, so a slot is spent only on the provider's own work.
    prepare = getattr(provider, "prepare", None)
    submit_prepared = getattr(provider, "submit_prepared", None)
    prepared = prepare(request) if job_id is None and prepare and submit_prepared else None
    # The provider-side slot is held from create to finish only: downloading and storing the
    # result happen outside it, so the next take is already running at the provider meanwhile.
    with pacing.slots:
        if job_id is None:
            job_id = provider.recover(request) if resumed else None
            if job_id is None:
                try:
                    pacing.submits.acquire()
                    if prepared is not None and submit_prepared is not None:
                        job_id = str(submit_prepared(prepared))
                    else:
                        job_id = provider.submit(request)
                except ProviderError as exc:
                    if exc.retryable:  # the create may have landed: the next run recovers it
                        _interrupted(store, take_id, str(exc))
                    else:
                        _finish(store, take_id, "failed", error=str(exc))
                    return
            prepared = None  # the body (megabytes of images) is not needed while waiting
            with store.session() as s:
                take = s.get(TakeRow, take_id)
                assert take is not None
                take.job_id = job_id
                take.status = "running"
        step(1)
        outcome: ProviderJob | ProviderError
        try:
            outcome = _wait(provider, job_id, pacing)
        except ProviderError as exc:
            outcome = exc
    fetch_dir = store.home / "work" / "fetch" / str(take_id)
    try:
        if isinstance(outcome, ProviderError):
            raise outcome
        job = outcome
        if job.status is not TakeStatus.SUCCEEDED:
            _finish(store, take_id, str(job.status), error=job.error, cost=job.cost)
            return
        step(2)
        delivery = _download_once(provider, job_id, fetch_dir)
        step(3)
    except ProviderError as exc:
        if exc.retryable:
            _interrupted(store, take_id, str(exc))
        else:
            _finish(store, take_id, "failed", error=str(exc))
        return
    with store.session() as s:
        take = s.get(TakeRow, take_id)
        assert take is not None
        clip = s.get(ClipRow, take.clip_id)
        board = s.get(BoardRow, take.board_id)
        prompt = s.get(PromptRow, take.prompt_id)
        assert clip is not None and board is not None and prompt is not None
        stem = naming.take_stem(slug, clip.position, take.number, board.version, prompt.version)
        take.video_sha256 = store.put_artifact(s, delivery.video, f"{stem}.mp4")
        take.last_frame_sha256 = store.put_artifact(s, delivery.last_frame, f"{stem}__last.png")
        take.meta = dict(delivery.metadata)
        take.status = "succeeded"
        take.cost = job.cost
        take.error = None
        take.finished_at = utcnow()
        repo.event(s, clip.production_id, "take.succeeded", _take_subject(clip, take))
    shutil.rmtree(fetch_dir, ignore_errors=True)
    # QC and keyframe candidates, outside the provider slot; a QC failure is kept in its report
    if pacing.review:
        review_take(store, take_id, not_judged=not_judged(provider))
    step(TAKE_STEPS)


def _wait(provider: VideoProvider, job_id: str, pacing: _Pacing) -> ProviderJob:
    if pacing.poller is not None:
        return pacing.poller.wait(job_id)
    while True:
        job = provider.status(job_id)
        if job.status.finished:
            return job
        time.sleep(pacing.poll_interval_s)


BatchStatus = Callable[[Sequence[str]], dict[str, ProviderJob]]


class _Poller:
    """One thread asking a provider about every job in flight with one batch call per interval.

    Used when the provider offers ``statuses(job_ids)`` (Seedance's list filter): N workers each
    polling their own job would cost N requests per interval and meet the rate limit sooner.
    """

    PATIENCE = 5
    """Consecutive failed batch calls before the waiting takes are handed the error."""

    def __init__(self, statuses: BatchStatus, interval_s: float) -> None:
        self._statuses = statuses
        self._interval_s = interval_s
        self._cond = threading.Condition()
        self._waiting: set[str] = set()
        self._results: dict[str, ProviderJob | ProviderError] = {}
        self._thread: threading.Thread | None = None
        self._stopped = False

    def wait(self, job_id: str) -> ProviderJob:
        """Block until ``job_id`` is finished; raise what the batch call raised, if it failed."""
        with self._cond:
            self._waiting.add(job_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="poller", daemon=True)
                self._thread.start()
            self._cond.notify_all()
            while job_id not in self._results:
                self._cond.wait()
            result = self._results.pop(job_id)
        if isinstance(result, ProviderError):
            raise result
        return result

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        failures = 0
        while True:
            with self._cond:
                while not self._waiting and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                ids = sorted(self._waiting)
            answer: dict[str, ProviderJob | ProviderError]
            try:
                answer = {k: v for k, v in self._statuses(ids).items() if v.status.finished}
                failures = 0
            except ProviderError as exc:
                # the adapter already retried; keep asking a while before giving the takes up
                # to the next run (they stay running, nothing paid is lost either way)
                failures += 1
                give_up = not exc.retryable or failures >= self.PATIENCE
                answer = dict.fromkeys(ids, exc) if give_up else {}
            with self._cond:
                for job_id, result in answer.items():
                    if job_id in self._waiting:
                        self._waiting.discard(job_id)
                        self._results[job_id] = result
                self._cond.notify_all()
            time.sleep(self._interval_s)


MANIFEST = "delivery.json"


def _download_once(provider: VideoProvider, job_id: str, folder: Path) -> Delivery:
    """The provider's files for ``job_id`` in ``folder``, fetched only if not already there."""
    manifest = folder / MANIFEST
    if manifest.exists():
        data = json.loads(manifest.read_text())
        delivery = Delivery(Path(data["video"]), Path(data["last_frame"]), data["metadata"])
        if delivery.video.exists() and delivery.last_frame.exists():
            return delivery
    delivery = provider.fetch(job_id, folder)
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(
        json.dumps(
            {
                "video": str(delivery.video),
                "last_frame": str(delivery.last_frame),
                "metadata": delivery.metadata,
            },
            default=str,
        )
    )
    os.replace(tmp, manifest)
    return delivery


def _interrupted(store: Store, take_id: int, why: str) -> None:
    """Leave the take running (the next run re-attaches) and say why it was left."""
    with store.session() as s:
        take = s.get(TakeRow, take_id)
        assert take is not None
        take.error = f"interrupted, will re-attach: {why}"
        clip = s.get(ClipRow, take.clip_id)
        assert clip is not None
        repo.event(s, clip.production_id, "take.interrupted", _take_subject(clip, take), why=why)


def _finish(
    store: Store, take_id: int, status: str, *, error: str | None, cost: float = 0.0
) -> None:
    with store.session() as s:
        take = s.get(TakeRow, take_id)
        assert take is not None
        take.status = status
        take.error = error
        take.cost = cost
        take.finished_at = utcnow()
        clip = s.get(ClipRow, take.clip_id)
        assert clip is not None
        repo.event(s, clip.production_id, f"take.{status}", _take_subject(clip, take), error=error)


def _ensure_keyframe(
    store: Store, slug: str, clip_id: int, provider: VideoProvider, review: bool = True
) -> None:
    """Store the selected take's chosen keyframe (once): the best QC candidate of its last third,
    full size (see :func:`shortfilm.takes.keyframes.ensure_keyframe`)."""
    ensure_keyframe(store, slug, clip_id, not_judged=not_judged(provider), review=review)


def not_judged(provider: VideoProvider) -> dict[str, str]:
    """QC checks the provider's takes are not judged on, and why (``qc_not_judged``, optional:
    the offline animatic makes no sound and holds still pictures)."""
    found: Any = getattr(provider, "qc_not_judged", None)
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
