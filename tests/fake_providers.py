"""Small in-process providers for workflow tests (the real adapters have their own fake servers)."""

from __future__ import annotations

from pathlib import Path

from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    ProviderLimits,
    TakeStatus,
)


class RefusingProvider:
    """A provider whose every job ends FAILED, as a hosted model does on a policy refusal."""

    name = "refusing"
    model = "refusing-1"
    cost_unit = "tokens"
    prompt_form = "reference-mode"
    limits = ProviderLimits((4.0, 15.0), ((1280, 720),), 9)

    def __init__(self) -> None:
        import threading

        self.submitted: list[GenerationRequest] = []
        self._lock = threading.Lock()

    def estimate_cost(self, request: GenerationRequest) -> float:
        return 1000.0 * request.duration_s

    def recover(self, request: GenerationRequest) -> str | None:
        return None

    def submit(self, request: GenerationRequest) -> str:
        with self._lock:  # takes of independent clips are submitted from parallel workers
            self.submitted.append(request)
            return f"job-{len(self.submitted)}"

    def status(self, job_id: str) -> ProviderJob:
        return ProviderJob(job_id, TakeStatus.FAILED, error="OutputVideoSensitiveContentDetected")

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        raise AssertionError("a failed job is never fetched")


class TimedProvider:
    """Succeeds after ``latency_s``, delivering a small real clip; records the order in which the
    scheduler submitted, saw finished and fetched each job (:attr:`events`).

    Used to check the scheduler: how many takes were in flight together, and that a continuing
    clip starts only after the clip it continues was fetched. With ``hold_until`` a job reports
    RUNNING until that many jobs have been submitted (or :data:`HOLD_GIVE_UP_S` has passed, so a
    scheduler that never gets there fails the test's assertion instead of hanging it): jobs that
    should overlap then do, however loaded the machine.
    """

    name = "timed"
    model = "timed-1"
    cost_unit = "credits"
    prompt_form = "plain"

    HOLD_GIVE_UP_S = 30.0

    def __init__(
        self, clip: Path, latency_s: float, max_concurrent: int = 8, hold_until: int = 0
    ) -> None:
        import threading
        import time

        self.clip = clip
        self.latency_s = latency_s
        self.hold_until = hold_until
        self.limits = ProviderLimits((2.0, 30.0), ((1280, 720),), 9, max_concurrent=max_concurrent)
        self._clock = time.monotonic
        self._lock = threading.Lock()
        self.started: dict[str, float] = {}
        self.labels: dict[str, str] = {}
        self.events: list[tuple[str, str]] = []
        """``(what, job)`` in the order they happened: ``submit``, ``done`` (the first status
        that said SUCCEEDED), ``fetch``."""

    def estimate_cost(self, request: GenerationRequest) -> float:
        return 1.0

    def recover(self, request: GenerationRequest) -> str | None:
        return None

    def submit(self, request: GenerationRequest) -> str:
        with self._lock:
            job = f"job-{len(self.started) + 1}"
            self.started[job] = self._clock()
            self.labels[job] = request.clip.name
            self.events.append(("submit", job))
        return job

    def status(self, job_id: str) -> ProviderJob:
        with self._lock:
            waited = self._clock() - self.started[job_id]
            held = len(self.started) < self.hold_until and waited < self.HOLD_GIVE_UP_S
            done = waited >= self.latency_s and not held
            if done and ("done", job_id) not in self.events:
                self.events.append(("done", job_id))
        return ProviderJob(job_id, TakeStatus.SUCCEEDED if done else TakeStatus.RUNNING, cost=1.0)

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        import shutil

        from PIL import Image

        with self._lock:
            self.events.append(("fetch", job_id))
        dest.mkdir(parents=True, exist_ok=True)
        video = dest / f"{job_id}.mp4"
        shutil.copyfile(self.clip, video)
        last = dest / f"{job_id}.png"
        Image.new("RGB", (64, 36), (len(job_id) * 20 % 255, 40, 90)).save(last)
        return Delivery(video, last)

    def job_of(self, clip_name: str) -> str:
        """The (first) job submitted for the clip named ``clip_name``."""
        return next(job for job, label in self.labels.items() if label == clip_name)

    def most_in_flight(self) -> int:
        """The most jobs submitted and not yet seen finished at any one time."""
        most = now = 0
        for what, _ in self.events:
            now += {"submit": 1, "done": -1}.get(what, 0)
            most = max(most, now)
        return most


class FlakyStatusProvider(TimedProvider):
    """Like :class:`TimedProvider`, but its status endpoint is down for the first ``outages``
    calls (a retryable error after the adapter's own retries), as a hosted API is at times."""

    def __init__(self, clip: Path, outages: int) -> None:
        super().__init__(clip, latency_s=0.0)
        self.outages = outages
        self.fetches = 0

    def status(self, job_id: str) -> ProviderJob:
        from shortfilm.errors import ProviderError

        if self.outages > 0:
            self.outages -= 1
            raise ProviderError("503 Service Unavailable (after 5 tries)", retryable=True)
        return super().status(job_id)

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        self.fetches += 1
        return super().fetch(job_id, dest)
