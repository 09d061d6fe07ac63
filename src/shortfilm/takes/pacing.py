"""How takes wait on a provider: the concurrency cap, the shared submit rate, the budget lock and
the polling, one batch call for every job in flight when the provider offers one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from shortfilm.domain import Production
from shortfilm.errors import ProviderError
from shortfilm.providers.base import ProviderJob, VideoProvider
from shortfilm.providers.limits import RateLimiter
from shortfilm.store import takes as stored
from shortfilm.store.repo import Tx
from shortfilm.store.slots import account_slot
from shortfilm.takes.claims import Runner


class Pacing:
    """How takes wait on a provider: the shared submit rate, and the polling interval."""

    def __init__(
        self, provider: VideoProvider, poll_interval_s: float, cap: int, runner: Runner
    ) -> None:
        self.runner = runner
        """This run's hold on the takes it drives (another run's takes are waited for)."""
        self.slots = threading.BoundedSemaphore(cap)
        """Takes in flight at the provider (created, not yet finished) from this run: its cap."""
        self.account: str | None = getattr(provider, "account", None)
        """Who pays: every process using the same account shares its limit (see :meth:`slot`)."""
        self.account_cap = provider.limits.max_concurrent
        self.submits = RateLimiter(provider.limits.submits_per_s)
        self.poll_interval_s = poll_interval_s
        self.review = True
        """Whether each new take gets its QC report and keyframe candidates as it lands."""
        self.qc_elsewhere: Callable[[int], None] | None = None
        """Given, a new take's QC is handed to it (a job on the cpu queue) instead of being run
        on the thread that fetched the take."""
        self.budget_lock = threading.Lock()
        self.setup = threading.Lock()
        """Held while a worker writes its take row. Twelve workers doing that at once share the
        GIL and the database's one writer and all finish late together; one at a time, the first
        take is created within milliseconds and each create's request overlaps the next setup."""
        batch: BatchStatus | None = getattr(provider, "statuses", None)
        self.poller = Poller(batch, poll_interval_s) if batch is not None else None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Held from a take's create to its finish: one of this run's slots, then one of the
        provider account's, shared by every run and worker on the store
        (:mod:`shortfilm.store.slots`), so together they never exceed what the account allows."""
        with self.slots:
            if self.account is None:
                yield
                return
            with account_slot(self.runner.store, self.account, self.account_cap):
                yield

    def budget_refusal(
        self,
        s: Tx,
        production: Production,
        production_id: int,
        provider: VideoProvider,
        estimate: float,
        what: str = "this take",
    ) -> str | None:
        """Why a new take of ``estimate`` may not start, or ``None`` when it fits the budget
        (``what``: the takes the estimate is of, as the refusal names them).

        Spent money counts at its charged cost; takes still in flight count at their estimate,
        so parallel workers cannot together overrun the limit. The caller's session commits the
        new take before the lock is released (the lock is held until the session ends).
        """
        budget = production.budget
        if budget is None or budget.unit != provider.cost_unit or estimate <= 0:
            return None
        self.budget_lock.acquire()
        s.info.setdefault("release", []).append(self.budget_lock.release)
        committed = stored.committed_cost(s, production_id, budget.unit)
        if committed + estimate > budget.limit:
            return (
                f"budget: {what} would cost about {estimate:,.0f} {budget.unit}; "
                f"{committed:,.0f} of {budget.limit:,.0f} are already spent or committed"
            )
        return None


def wait(provider: VideoProvider, job_id: str, pacing: Pacing) -> ProviderJob:
    if pacing.poller is not None:
        return pacing.poller.wait(job_id)
    while True:
        job = provider.status(job_id)
        if job.status.finished:
            return job
        time.sleep(pacing.poll_interval_s)


BatchStatus = Callable[[Sequence[str]], dict[str, ProviderJob]]


class Poller:
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
