"""A hosted, paid, asynchronous video job: submitted once, found again after a crash, fetched once.

Every hosted video API has the same life cycle under different JSON: a create returns a job
id, a get reports where the job stands, a list finds recent jobs, and the result is a URL to
download before it expires. What makes that safe to pay for is written here once, and each
adapter (:mod:`.seedance`, :mod:`.replicate`) only translates its protocol:

- **The submission journal.** Before a create goes out, a small entry (request key, model,
  host, send time; never the key or the prompt) is written under ``workdir``; the job id is
  added once known. A process that dies in between leaves enough to find the job again
  (:meth:`HostedTaskProvider.recover`). A create refused outright (nothing made) removes its
  entry; one whose job exists but whose entry cannot be updated is handed over all the same.
- **Reconciliation.** A create whose outcome is unknown (a read timeout or a connection broken
  after the body went out, a 5xx, a garbled answer) is not blindly re-sent: before each retry,
  and once more when the retries run out, the adapter lists the jobs made since the first send
  (minus clock skew) and looks for the one its request made (:meth:`~HostedTaskProvider.
  _candidates`, the protocol's own matching), after a grace period when the first look finds
  nothing, because a slow server may still be committing it. A 429 is known to have made
  nothing and is retried directly.
- **Claims.** Every job id handed out by a provider is claimed, and a match is picked and
  claimed in one step, so two takes never share a job; identical requests are submitted one
  at a time within a provider (a gate per request key), so a reconciliation never mistakes a
  concurrent twin's job for its own.
- **Polling and delivery.** ``status`` maps the protocol's states (a job the server no longer
  knows is FAILED, not an error); ``fetch`` downloads the video straight away, resuming a
  broken transfer with ``Range``, takes the host's last frame or decodes it from the video,
  and writes the metadata last, so a second call downloads nothing.

The parts beside it: the shapes an adapter fills in (:mod:`.hosted_task`), the claims and gates
(:mod:`.job_claims`), the last frame's delivery (:mod:`.hosted_delivery`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Set
from pathlib import Path
from typing import ClassVar, Generic, Unpack
from urllib.parse import urlsplit

from shortfilm.errors import InputError, ProviderError
from shortfilm.providers.base import Delivery, GenerationRequest, ProviderJob, TakeStatus
from shortfilm.providers.durable import SubmitJournal, write_atomic
from shortfilm.providers.hosted_client import ClientOptions, HostedAPIError, HostedClient
from shortfilm.providers.hosted_delivery import last_frame_png
from shortfilm.providers.hosted_task import P, Pacing, R
from shortfilm.providers.http import TransientError
from shortfilm.providers.job_claims import JobClaims
from shortfilm.providers.reference_images import DEFAULT_MAX_IMAGE_BYTES

log = logging.getLogger(__name__)


class HostedTaskProvider(HostedClient, Generic[P, R]):
    """The :class:`~.base.VideoProvider` life cycle over a hosted job API; see the module doc.

    ``workdir`` holds the submission journal. ``create_timeout_s`` bounds a create's answer,
    ``reconcile_grace_s`` is the wait before looking for a lost create a second time,
    ``poll_interval_s`` the pause between status polls (also what the workflow polls at),
    ``clock`` the unix-seconds clock that stamps sends (a seam for tests); their defaults are
    the adapter's :attr:`pacing`. ``generate_audio`` forces audio on or off instead of reading
    the clip's sound rule; ``max_image_bytes`` caps each reference image sent (re-encoded and
    downscaled beyond it). The rest is :class:`~.hosted_client.HostedClient`'s. An adapter
    supplies the protocol's steps: the methods below that raise :class:`NotImplementedError`.
    """

    journal_dir: ClassVar[str]
    """Folder under ``workdir`` holding one journal entry per request key."""
    job_noun: ClassVar[str]
    """What the protocol calls a job (``task``, ``prediction``)."""
    id_pattern: ClassVar[re.Pattern[str]]
    """Job ids this protocol issues: anything else is refused before it reaches a URL."""
    states: ClassVar[Mapping[str, TakeStatus]]
    """The protocol's job states as take statuses; an unknown one counts as RUNNING."""
    pacing: ClassVar[Pacing] = Pacing()
    image_bytes: ClassVar[int] = DEFAULT_MAX_IMAGE_BYTES
    """The default cap on each reference image sent, bytes before base64."""

    def __init__(
        self,
        workdir: Path,
        *,
        key: str | None = None,
        create_timeout_s: float | None = None,
        reconcile_grace_s: float | None = None,
        poll_interval_s: float | None = None,
        clock: Callable[[], float] = time.time,
        generate_audio: bool | None = None,
        max_image_bytes: int | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(key=key, **options)
        self.workdir = Path(workdir)
        self._journal = SubmitJournal(self.workdir / self.journal_dir, self.label)
        default = self.pacing
        self.create_timeout_s = (
            default.create_timeout_s if create_timeout_s is None else create_timeout_s
        )
        self.reconcile_grace_s = (
            default.reconcile_grace_s if reconcile_grace_s is None else reconcile_grace_s
        )
        self.poll_interval_s = (
            default.poll_interval_s if poll_interval_s is None else poll_interval_s
        )
        self._clock = clock
        self.generate_audio = generate_audio
        self.max_image_bytes = self.image_bytes if max_image_bytes is None else max_image_bytes
        self._claims = JobClaims()
        """Job ids handed out by this provider, and its per-request gates."""

    # The protocol's steps (an adapter implements these) --------------------------------------

    def prepare(self, request: GenerationRequest) -> P:
        """Check ``request`` against the model and build the body; :class:`InputError` naming
        the clip for anything the model would refuse. Sends nothing."""
        raise NotImplementedError

    def _create_url(self, prepared: P) -> str:
        raise NotImplementedError

    def _create_headers(self) -> dict[str, str]:
        """Headers a create carries besides the key and the content type."""
        return {}

    def _created_id(self, data: object, what: str) -> str:
        """The job id in a create's answer; :class:`TransientError` (outcome unknown) when the
        answer cannot be read."""
        raise NotImplementedError

    def _get(self, job_id: str) -> R:
        """The job as the API reports it now (retried while busy; :class:`HostedAPIError` when
        refused, a 404 meaning the job is unknown)."""
        raise NotImplementedError

    def _read_job(self, remote: R) -> tuple[str, str, str | None, float]:
        """The job's id, state (the protocol's word), error text and cost so far."""
        raise NotImplementedError

    def _why_stopped(self, remote: R, status: TakeStatus) -> str | None:
        """What to say of a failed or cancelled job that gives no error of its own."""
        return None

    def _candidates(self, prepared: P, since: float, taken: Set[str]) -> list[str]:
        """Ids of jobs made since ``since`` (unix seconds, minus clock skew) that ``prepared``
        may have made, oldest first, leaving out ``taken``."""
        raise NotImplementedError

    def _result_urls(self, job_id: str, remote: R) -> tuple[str, str | None]:
        """The video URL and the last frame's (``None`` when the host gives none) of a
        finished job; :class:`ProviderError` when there is nothing to fetch (retryable while
        the job may still finish)."""
        raise NotImplementedError

    def _metadata(self, remote: R, video_url: str, last_frame_source: str) -> dict[str, object]:
        """Facts worth keeping with the take (no presigned URL, no key)."""
        raise NotImplementedError

    # The VideoProvider protocol --------------------------------------------------------------

    def submit(self, request: GenerationRequest) -> str:
        """Create the job (checked first: :class:`InputError`, nothing sent); return its id at
        once, without waiting for the model.

        429, 5xx, timeouts and broken connections are retried with backoff; a create whose
        outcome is unknown is reconciled against the job list before it is sent again; other
        refusals raise the adapter's :class:`HostedAPIError` (not retryable).
        """
        return self.submit_prepared(self.prepare(request))

    def submit_prepared(self, prepared: P) -> str:
        """Create the job for an already prepared request (see :meth:`submit`).

        Identical requests are submitted one at a time within this provider, so that a
        reconciliation never mistakes a concurrent twin's job for its own.
        """
        self._require_key()  # a missing key fails here, before anything is recorded or sent
        with self._claims.gate(prepared.key):
            return self._create(prepared)

    def status(self, job_id: str) -> ProviderJob:
        """Where the job stands; a job the server does not know (deleted, expired from its
        records, never made) is FAILED with the server's words kept, not an error."""
        try:
            remote = self._get(job_id)
        except HostedAPIError as exc:
            if exc.status_code == 404:
                return ProviderJob(job_id=job_id, status=TakeStatus.FAILED, error=str(exc))
            raise
        return self._job(remote)

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        """Download the video and its last frame into folder ``dest`` straight away.

        Files: ``<job_id>.mp4``, ``<job_id>.last.png`` and ``<job_id>.json`` (the metadata),
        each written under a temporary name and renamed when complete, the metadata last; a
        second call finds them and downloads nothing, and a transfer broken off resumes where
        it stopped. Without a last-frame URL (or when only that URL has gone) the last frame is
        decoded from the video. An expired URL raises a non-retryable :class:`ProviderError`;
        a job not yet succeeded raises one that is retryable while it may still finish.
        """
        self._check_id(job_id)
        dest = Path(dest)
        video = dest / f"{job_id}.mp4"
        last = dest / f"{job_id}.last.png"
        meta_path = dest / f"{job_id}.json"
        if video.is_file() and last.is_file() and meta_path.is_file():
            return Delivery(video, last, json.loads(meta_path.read_text("utf-8")))
        remote = self._get(job_id)
        video_url, last_url = self._result_urls(job_id, remote)
        dest.mkdir(parents=True, exist_ok=True)
        if not video.is_file():
            self._download(video_url, video, f"{self.name} download of {job_id} video")
        last_source = "provider" if last_url else "extracted"
        if not last.is_file():
            last_source = last_frame_png(
                self._download, last_url, video, last, provider=self.name, job_id=job_id
            )
        metadata = self._metadata(remote, video_url, last_source)
        write_atomic(meta_path, json.dumps(metadata, indent=2, ensure_ascii=False).encode())
        return Delivery(video, last, metadata)

    def recover(self, request: GenerationRequest) -> str | None:
        """The job a previous process already created for ``request``, or ``None``.

        Reads the journal this provider writes under ``workdir`` before every create: a
        recorded job id is returned if the server still has it; a create whose answer never
        arrived (a crash between send and reply) is looked for in the job list from its send
        time on. ``None`` when this workdir never sent the request, or its job is gone, or it
        is already handed to another take here.
        """
        prepared = self.prepare(request)
        entry = self._journal.read(prepared.key)
        if entry is None:
            return None
        job_id = entry.get(self._journal_id_field)
        if isinstance(job_id, str) and job_id:
            if self._claims.held(job_id):
                return None
            try:
                self._get(job_id)
            except HostedAPIError as exc:
                if exc.status_code == 404:
                    return None
                raise
            self._claims.claim(job_id)
            return job_id
        sent_at = entry.get("sent_at")
        if not isinstance(sent_at, int | float) or isinstance(sent_at, bool):
            return None
        return self._reconcile(prepared, float(sent_at), grace=False)

    # Beyond the protocol ---------------------------------------------------------------------

    def find_submitted(
        self, request: GenerationRequest | P, *, since: float, exclude: Iterable[str] = ()
    ) -> str | None:
        """The id of a live or finished job this request already created, or ``None``.

        ``since`` is when the request was first sent (unix seconds, this provider's clock);
        ``exclude`` lists job ids already owned by other takes. For a restarted process that
        recorded a take but not its job id: ask this before submitting again.
        """
        prepared = self.prepare(request) if isinstance(request, GenerationRequest) else request
        return self._match(prepared, since, set(exclude))

    def wait(self, job_id: str, *, timeout_s: float = 1800.0) -> ProviderJob:
        """Poll :meth:`status` every ``poll_interval_s`` until finished or ``timeout_s`` passes
        (then the last, unfinished status is returned)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.status(job_id)
            if job.status.finished or time.monotonic() >= deadline:
                return job
            self._sleep(self.poll_interval_s)

    # Internals -------------------------------------------------------------------------------

    def _job(self, remote: R) -> ProviderJob:
        """Where ``remote`` stands as a take status, with the error of a failed or cancelled
        job; a state the protocol never documented keeps polling (a paid result may still
        arrive)."""
        job_id, state, error, cost = self._read_job(remote)
        status = self.states.get(state)
        if status is None:
            log.warning(
                "%s: %s %s has unknown status %r; still polling",
                self.name,
                self.job_noun,
                job_id,
                state,
            )
            status = TakeStatus.RUNNING
        stopped = status in (TakeStatus.FAILED, TakeStatus.CANCELLED)
        if stopped and not error:
            error = self._why_stopped(remote, status)
        return ProviderJob(
            job_id=job_id, status=status, error=error if stopped else None, cost=cost
        )

    @property
    def _journal_id_field(self) -> str:
        """The journal entry's field holding the job id once known (``task_id``)."""
        return f"{self.job_noun}_id"

    def _check_id(self, job_id: str) -> None:
        if not self.id_pattern.match(job_id):
            raise InputError(f"not a {self.label} {self.job_noun} id: {job_id!r}")

    def _create(self, prepared: P) -> str:
        sent_at = self._clock()
        self._journal.write(prepared.key, self._journal_entry(prepared, sent_at, None))
        what = f"{self.name} create ({prepared.key[:12]})"  # the entry is written: money may move
        url = self._create_url(prepared)
        ambiguous = False

        def attempt(_: int) -> str:
            nonlocal ambiguous
            try:
                data = self._request(
                    "POST",
                    url,
                    what=what,
                    content=prepared.payload,
                    headers=self._create_headers(),
                    timeout=self.create_timeout_s,
                )
                return self._created_id(data, what)
            except TransientError as exc:
                ambiguous = ambiguous or exc.outcome_unknown
                raise

        def look(_: TransientError) -> str | None:
            return self._reconcile(prepared, sent_at, grace=True) if ambiguous else None

        try:
            job_id = self._retrying(attempt, what, before_retry=look, on_exhausted=look)
        except ProviderError as exc:
            if exc.retryable and ambiguous:
                raise ProviderError(
                    f"{exc}; {self.label} may still have made the {self.job_noun}: call "
                    f"recover(request), or find_submitted(request, since={sent_at:.0f}), "
                    "before submitting this request again",
                    retryable=True,
                ) from None
            if not ambiguous and not exc.retryable:
                self._journal.path(prepared.key).unlink(missing_ok=True)  # nothing was made
            raise
        self._claims.claim(job_id)
        try:
            self._journal.write(prepared.key, self._journal_entry(prepared, sent_at, job_id))
        except ProviderError as exc:  # the job exists: hand it over all the same
            log.warning("%s: %s %s made, but %s", self.name, self.job_noun, job_id, exc)
        log.info("%s: %s %s (%s)", self.name, self.job_noun, job_id, prepared.summary)
        return job_id

    def _journal_entry(self, prepared: P, sent_at: float, job_id: str | None) -> dict[str, object]:
        """What the journal keeps of a request: how to recognise it, where and when it went,
        and its job id once known."""
        return {
            **prepared.journal_fields,
            "model": self.model,
            "host": urlsplit(self.base_url).hostname,
            "sent_at": sent_at,
            self._journal_id_field: job_id,
        }

    def _reconcile(self, prepared: P, since: float, *, grace: bool) -> str | None:
        """After an unknown create outcome: the job the server made for ``prepared``, claimed;
        ``None`` when it made none (looking twice, ``reconcile_grace_s`` apart, if ``grace``)."""
        found = self._match(prepared, since, set())
        if found is None and grace and self.reconcile_grace_s > 0:
            self._sleep(self.reconcile_grace_s)
            found = self._match(prepared, since, set())
        if found is not None:
            log.warning(
                "%s: a create whose answer was lost (%s) had made %s %s; using it instead of "
                "sending again",
                self.name,
                prepared.key[:12],
                self.job_noun,
                found,
            )
        return found

    def _match(self, prepared: P, since: float, exclude: Set[str]) -> str | None:
        """The oldest job ``prepared`` may have made that nobody holds, claimed in the same
        step as it is picked, so no two callers get the same job."""
        candidates = self._candidates(prepared, since, self._claims.taken(exclude))
        return self._claims.pick(candidates, exclude)
