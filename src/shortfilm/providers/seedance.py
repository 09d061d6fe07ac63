"""Seedance 2.0 on BytePlus ModelArk / Volcengine Ark: the content-generation task API.

One request makes one paid task: ``POST /contents/generations/tasks`` returns a task id,
``GET .../{id}`` reports it (``queued`` -> ``running`` -> ``succeeded`` | ``failed``, or
``cancelled`` / ``expired``), the result is a presigned MP4 URL (and a last-frame PNG URL when
``return_last_frame`` is set) that lives 24 h, ``GET`` with ``filter.*`` lists tasks and
``DELETE`` cancels a queued task or deletes a finished one. The two clouds speak the same API;
only the host and the model-id prefix differ (``dreamina-seedance-...`` on BytePlus,
``doubao-seedance-...`` on Volcengine). See ``shared/research/video-model-apis.md`` §1.

**Reference mode.** The workflow renders the prompt with :data:`prompt_form` ``reference-mode``,
which names each image by its position ("[Image 1] is Kestrel ..."), and passes the references
in the same order. They are sent in exactly that order as ``reference_image`` items after the
one text item, because the API counts images in content order and accepts no semantic roles
(``character`` is a 400). References whose role is ``first_frame`` / ``last_frame`` select
first/last-frame mode instead; the two modes cannot be mixed (the API's own rule). Local images
go as base64 data URLs, re-encoded and downscaled (aspect kept) only when they break the
documented limits or the size budget (:func:`encode_image`). The body, its checks and the
models' rules are in :mod:`.seedance_request`.

**Checked before sending**, so a bad clip costs nothing: whole-second duration within the
model's range (the request's duration rounded half up: a 12.5 s plan asks for 13 s and the edit
trims, rather than cutting the plan short), at most 9 reference images, the mode rules, a frame
size that maps to one of the model's resolution/ratio pairs, the seed range, image limits.

**Sound.** ``generate_audio`` is off only when the clip's sound rule forbids all audio
("silent", "no audio", "no sound", "completely silent", ...; see
:func:`~shortfilm.domain.sound.audio_wanted`). Rules
that forbid only music or voice ("No music, no voice") still want diegetic sound, so audio
stays on and the rule itself travels in the prompt text.

**Never paid twice.** The journal, the claims, the reconciliation of a create whose outcome is
unknown and the resumable download are :class:`~.hosted.HostedTaskProvider`'s; what is
ModelArk's is how a lost task is recognised. The get/list payload does **not** echo the prompt
or the images (only ``id``, ``model``, ``status``, timestamps, ``execution_expires_after``,
``generate_audio``, ``service_tier``, and ``seed``/``resolution``/``ratio``/``duration`` once
finished: live probes and the official SDK types agree), so content cannot be matched
directly. Instead each request carries a marker derived from its content: the SHA-256 of the
full JSON body picks ``execution_expires_after`` in [86400, 172800] s (24-48 h; the default is
48 h, the range proxies document 1-72 h), a field probes saw echoed while running and once
finished (⚠ queued tasks assumed alike). A task matches when it was created after the first
send (minus clock-skew slack), has the same model and marker, agrees on every other echoed
field, and was not already handed out by this provider (or listed in ``exclude``). What
remains is a race no client can close (a server that commits a request long after it timed
out); the marker makes a wrong match a 1-in-86,401 coincidence among tasks of the same model,
minutes apart, with the same echoed parameters. The journal (``seedance-submits`` under
``workdir``) keeps the fingerprint, marker, send time and task id; never the key or the prompt.
The matching and the metadata a finished task leaves are in :mod:`.seedance_tasks`.

**The key** comes from ``ARK_API_KEY`` (or the constructor), lives only in memory, is sent
only to the API host (never to result URLs), and is redacted from every message this module
builds; ``repr`` shows only whether it is set.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from pathlib import Path
from typing import Unpack

import httpx

from shortfilm.errors import InputError, ProviderError
from shortfilm.providers.ark import (
    BYTEPLUS_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    TASK_STATES,
    ArkAPIError,
    ArkContent,
    ArkTask,
    ArkTaskList,
    ark_api_error,
    parse_answer,
)
from shortfilm.providers.base import GenerationRequest, ProviderJob, ProviderLimits, TakeStatus
from shortfilm.providers.hosted import HostedTaskProvider
from shortfilm.providers.hosted_client import Settings
from shortfilm.providers.hosted_task import Pacing, TaskOptions
from shortfilm.providers.http import RetryPolicy, TransientError
from shortfilm.providers.seedance_family import OUTPUT_SIZES, RATIOS, resolution_and_ratio
from shortfilm.providers.seedance_request import (
    MARKER_MAX_S,
    MARKER_MIN_S,
    MODELS,
    ModelSpec,
    PreparedRequest,
    build_request,
    estimate_tokens,
    model_spec,
)
from shortfilm.providers.seedance_tasks import matching_tasks, task_metadata

__all__ = [
    "DEFAULT_MODEL",
    "MARKER_MAX_S",
    "MARKER_MIN_S",
    "MODELS",
    "ArkAPIError",
    "ModelSpec",
    "PreparedRequest",
    "SeedanceProvider",
    "estimate_tokens",
    "model_spec",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "dreamina-seedance-2-0-260128"
"""Seedance 2.0 on BytePlus; on Volcengine use ``doubao-seedance-2-0-260128``."""

ENV_MODEL = "SHORTFILM_SEEDANCE_MODEL"

TASKS_PATH = "/contents/generations/tasks"

JOURNAL_DIR = "seedance-submits"
"""Under ``workdir``: one small JSON file per request fingerprint, written before each create."""

RECONCILE_SLACK_S = 300.0
"""Tasks created up to this long before the first send still count (client/server clock skew)."""


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise InputError(f"{name}={raw!r}: expected a whole number, at least 1")
    return int(raw)


class SeedanceProvider(HostedTaskProvider[PreparedRequest, ArkTask]):
    """Seedance via the ModelArk/Ark task API. See the module docstring for the rules.

    ``api_key`` defaults to ``ARK_API_KEY``. ``max_concurrent`` and ``submits_per_s`` are
    advertised in :attr:`limits` for the workers (⚠ the official RPM and concurrency limits
    are unpublished; 6+ concurrent tasks were seen working). The other options (client,
    retries, timeouts, clock, images, sound, ...) are :class:`~.hosted.HostedTaskProvider`'s.
    Durations are seconds.
    """

    name = "seedance"
    cost_unit = "tokens"
    prompt_form = "reference-mode"
    settings = Settings(ENV_BASE_URL, BYTEPLUS_BASE_URL, ENV_MODEL, DEFAULT_MODEL, ENV_API_KEY)
    key_help = " (BytePlus ModelArk or Volcengine Ark console -> API keys)"
    journal_dir = JOURNAL_DIR
    job_noun = "task"
    id_pattern = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
    states = TASK_STATES
    pacing = Pacing(create_timeout_s=120.0, reconcile_grace_s=5.0, poll_interval_s=10.0)

    def __init__(
        self,
        workdir: Path,
        *,
        api_key: str | None = None,
        max_concurrent: int = 12,
        submits_per_s: float | None = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(workdir, key=api_key, **options)
        self.spec = model_spec(self.model)
        self.limits = ProviderLimits(
            durations_s=(float(self.spec.durations_s[0]), float(self.spec.durations_s[1])),
            resolutions=tuple(
                OUTPUT_SIZES[res][ratio] for res in self.spec.resolutions for ratio in RATIOS
            ),
            max_references=self.spec.max_reference_images or 2,
            max_concurrent=max_concurrent,
            submits_per_s=submits_per_s,
        )

    @classmethod
    def from_env(cls, workdir: Path) -> SeedanceProvider:
        """Configured from ``SHORTFILM_SEEDANCE_BASE_URL``, ``SHORTFILM_SEEDANCE_MODEL`` and
        ``ARK_API_KEY`` (what ``registry.get("seedance", workdir)`` builds).

        Operators may tune the pacing: ``SHORTFILM_SEEDANCE_POLL_S`` (seconds between status
        polls, default 10), ``SHORTFILM_SEEDANCE_TIMEOUT_S`` (per request, default 30),
        ``SHORTFILM_SEEDANCE_RETRY_BASE_S`` (first backoff, default 1),
        ``SHORTFILM_SEEDANCE_RECONCILE_GRACE_S`` (wait before re-listing an unknown create, 5)
        and ``SHORTFILM_SEEDANCE_MAX_CONCURRENT`` (tasks the account may have in flight at once,
        shared by every worker on the store; default 12).
        """
        env = os.environ

        def seconds(name: str, default: float) -> float:
            raw = env.get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise InputError(f"{name}={raw!r}: expected a number of seconds") from None
            if value < 0:
                raise InputError(f"{name}={raw!r}: must not be negative")
            return value

        return cls(
            workdir,
            poll_interval_s=seconds("SHORTFILM_SEEDANCE_POLL_S", 10.0),
            timeout_s=seconds("SHORTFILM_SEEDANCE_TIMEOUT_S", 30.0),
            retry=RetryPolicy(base_s=seconds("SHORTFILM_SEEDANCE_RETRY_BASE_S", 1.0)),
            reconcile_grace_s=seconds("SHORTFILM_SEEDANCE_RECONCILE_GRACE_S", 5.0),
            max_concurrent=_count(env, "SHORTFILM_SEEDANCE_MAX_CONCURRENT", 12),
        )

    # The protocol ----------------------------------------------------------------------------

    def estimate_cost(self, request: GenerationRequest) -> float:
        """Tokens the take would bill (the documented formula on the output size and the
        whole-second duration sent); reads no image and sends nothing.

        Never below what :meth:`submit` would be billed: the duration is the one sent (at
        least the model's minimum), and a frame size no ratio fits is costed at its own pixels.
        """
        duration = max(math.floor(request.duration_s + 0.5), self.spec.durations_s[0])
        try:
            resolution, ratio = resolution_and_ratio(request.width, request.height)
            width, height = OUTPUT_SIZES[resolution][ratio]
        except InputError:
            width, height = max(request.width, 1), max(request.height, 1)
        return float(estimate_tokens(width, height, duration))

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Check ``request`` against the model's limits and build the body; sends nothing
        (:func:`~.seedance_request.build_request`)."""
        return build_request(
            request,
            model=self.model,
            spec=self.spec,
            generate_audio=self.generate_audio,
            max_image_bytes=self.max_image_bytes,
        )

    # Beyond the protocol ---------------------------------------------------------------------

    def statuses(self, job_ids: Sequence[str]) -> dict[str, ProviderJob]:
        """Where many tasks stand, in one list call per 100 (``filter.task_ids``).

        Polling every task in flight with its own GET costs a request each per interval and
        runs into the account's rate limit; the list filter answers for all of them at once.
        A task the list does not return (deleted, expired) is asked for on its own.
        """
        found: dict[str, ProviderJob] = {}
        ids = list(dict.fromkeys(job_ids))
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            page = self.list_tasks(task_ids=chunk, page_size=len(chunk))
            for task in page.items:
                if task.id in chunk:
                    found[task.id] = self._job(task)
        for job_id in ids:
            if job_id not in found:
                found[job_id] = self.status(job_id)
        return found

    def get_task(self, job_id: str) -> ArkTask:
        """``GET .../tasks/{id}``, retried when transient; :class:`ArkAPIError` otherwise."""
        self._check_id(job_id)
        what = f"seedance get {job_id}"
        data = self._get_json(f"{self.base_url}{TASKS_PATH}/{job_id}", what, lambda d: d)
        return parse_answer(ArkTask, data, what)

    _get = get_task

    def list_tasks(
        self,
        status: str | None = None,
        task_ids: Iterable[str] | None = None,
        *,
        model: str | None = None,
        page_num: int = 1,
        page_size: int = 20,
    ) -> ArkTaskList:
        """One page of the account's tasks, newest first, filtered as the API allows."""
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("page_num", page_num),
            ("page_size", page_size),
        ]
        if status:
            params.append(("filter.status", status))
        if model:
            params.append(("filter.model", model))
        for task_id in task_ids or ():
            params.append(("filter.task_ids", task_id))
        data = self._get_json(self.base_url + TASKS_PATH, "seedance list", lambda d: d, params)
        return parse_answer(ArkTaskList, data, "seedance list")

    def cancel(self, job_id: str) -> None:
        """``DELETE``: cancels a queued task, deletes a finished one (its GET then 404s).

        A running task cannot be cancelled (the API refuses; :class:`ArkAPIError`). Retried
        when transient; a retry that finds the task already cancelled or gone counts as done.
        """
        self._check_id(job_id)
        self._require_key()
        what = f"seedance delete {job_id}"
        url = f"{self.base_url}{TASKS_PATH}/{job_id}"
        unknown = False

        def attempt(_: int) -> None:
            nonlocal unknown
            try:
                self._request("DELETE", url, what=what, allow_empty=True)
            except TransientError as exc:
                unknown = unknown or exc.outcome_unknown
                raise
            except ArkAPIError:
                if unknown and self._already_cancelled(job_id):
                    return
                raise

        self._retrying(attempt, what)
        log.info("seedance: deleted or cancelled task %s", job_id)

    # The hosted task's steps -----------------------------------------------------------------

    def _api_error(self, response: httpx.Response, what: str) -> ArkAPIError:
        return ark_api_error(response, what, self._key)

    def _create_url(self, prepared: PreparedRequest) -> str:
        return self.base_url + TASKS_PATH

    def _created_id(self, data: object, what: str) -> str:
        try:
            return str(data["id"])  # type: ignore[index]
        except (KeyError, TypeError):
            raise TransientError(
                f"{what}: unreadable answer to a create", outcome_unknown=True
            ) from None

    def _read_job(self, remote: ArkTask) -> tuple[str, str, str | None, float]:
        cost = float(remote.usage.tokens) if remote.usage is not None else 0.0
        return remote.id, remote.status, remote.error_text, cost

    def _why_stopped(self, remote: ArkTask, status: TakeStatus) -> str | None:
        if remote.status == "expired":
            return (
                f"task expired before it finished (execution_expires_after="
                f"{remote.execution_expires_after} s)"
            )
        return "task failed without a reason" if status is TakeStatus.FAILED else None

    def _candidates(self, prepared: PreparedRequest, since: float, taken: Set[str]) -> list[str]:
        """Tasks that carry ``prepared``'s marker and agree with every echoed field, oldest
        first (:func:`~.seedance_tasks.matching_tasks`)."""
        tasks = self._recent_tasks(since - RECONCILE_SLACK_S)
        return matching_tasks(tasks, prepared, self.model, taken)

    def _result_urls(self, job_id: str, remote: ArkTask) -> tuple[str, str | None]:
        if remote.status != "succeeded":
            raise ProviderError(
                f"seedance task {job_id} is {remote.status}; nothing to fetch"
                + (f" ({remote.error_text})" if remote.error_text else ""),
                retryable=remote.status in ("queued", "running"),
            )
        urls = remote.content or ArkContent()
        if not urls.video_url:
            raise ProviderError(f"seedance task {job_id} succeeded without a video URL")
        return urls.video_url, urls.last_frame_url

    def _metadata(
        self, remote: ArkTask, video_url: str, last_frame_source: str
    ) -> dict[str, object]:
        return task_metadata(
            remote,
            self.spec,
            provider=self.name,
            model=self.model,
            last_frame_source=last_frame_source,
        )

    # Internals -------------------------------------------------------------------------------

    def _already_cancelled(self, job_id: str) -> bool:
        try:
            return self.get_task(job_id).status == "cancelled"
        except ArkAPIError as exc:
            return exc.status_code == 404

    def _recent_tasks(self, not_before: float, max_pages: int = 10) -> list[ArkTask]:
        """Tasks of this model created at or after ``not_before``, paging newest first."""
        found: list[ArkTask] = []
        for page in range(1, max_pages + 1):
            listing = self.list_tasks(model=self.model, page_num=page, page_size=100)
            found += [t for t in listing.items if t.created_at >= not_before]
            if len(listing.items) < 100 or any(t.created_at < not_before for t in listing.items):
                break
        return found
