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
documented limits or the size budget (:func:`encode_image`).

**Checked before sending**, so a bad clip costs nothing: whole-second duration within the
model's range (the request's duration rounded half up: a 12.5 s plan asks for 13 s and the edit
trims, rather than cutting the plan short), at most 9 reference images, the mode rules, a frame
size that maps to one of the model's resolution/ratio pairs, the seed range, image limits.

**Sound.** ``generate_audio`` is off only when the clip's sound rule forbids all audio
("silent", "no audio", "no sound", "completely silent", ...; see :func:`audio_wanted`). Rules
that forbid only music or voice ("No music, no voice") still want diegetic sound, so audio
stays on and the rule itself travels in the prompt text.

**Never paid twice.** A create whose outcome is unknown (a read timeout or a connection broken
after the body went out, a 5xx, a garbled 200) is not blindly re-sent. Before re-sending, the
adapter lists the account's recent tasks for the model and looks for the one it may have made.
The get/list payload does **not** echo the prompt or the images (only ``id``, ``model``,
``status``, timestamps, ``execution_expires_after``, ``generate_audio``, ``service_tier``, and
``seed``/``resolution``/``ratio``/``duration`` once finished: live probes and the official SDK
types agree), so content cannot be matched directly. Instead each request carries a marker
derived from its content: the SHA-256 of the full JSON body picks ``execution_expires_after``
in [86400, 172800] s (24-48 h; the default is 48 h, the range proxies document 1-72 h), a
field probes saw echoed while running and once finished (⚠ queued tasks assumed alike). A
task matches when it was created after the first send (minus clock-skew slack), has the same
model and marker, agrees on every other echoed field, and was not already handed out by this
provider (or listed in ``exclude``). Identical requests are submitted one at a time within a
provider and a match is claimed atomically, so concurrent twins never share a task. If
nothing matches, the adapter waits a grace period and lists once more before re-sending,
because a slow server may still be committing the first request. What remains is a race no
client can close (a server that commits a request long after it timed out); the marker makes
a wrong match a 1-in-86,401 coincidence among tasks of the same model, minutes apart, with the
same echoed parameters. ``429`` answers are known not to have created anything and are retried
directly. A restarted process asks the same question through :meth:`SeedanceProvider.recover`
(the protocol's hook), which knows when to look from a small submission journal the adapter
writes under ``workdir`` *before* each create (fingerprint, marker, send time, then the task
id; never the key or the prompt); :meth:`SeedanceProvider.find_submitted` takes an explicit
send time and exclusions.

**The key** comes from ``ARK_API_KEY`` (or the constructor), lives only in memory, is sent
only to the API host (never to result URLs), and is redacted from every message this module
builds; ``repr`` shows only whether it is set.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from shortfilm.domain.sound import audio_wanted
from shortfilm.errors import InputError, MediaError, ProviderError
from shortfilm.media.last_frame import extract_last_frame
from shortfilm.providers.ark import (
    BYTEPLUS_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ArkAPIError,
    ArkContent,
    ArkTask,
    ArkTaskList,
    ArkUsage,
    ark_api_error,
    parse_answer,
)
from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    ProviderLimits,
    TakeStatus,
)
from shortfilm.providers.credentials import Secret, check_base_url, redact
from shortfilm.providers.durable import SubmitJournal, write_atomic
from shortfilm.providers.http import (
    RetryPolicy,
    TransientError,
    download,
    is_retryable_status,
    retry_after_s,
    run_with_retries,
    transient_from_transport,
)
from shortfilm.providers.reference_images import (
    DEFAULT_MAX_IMAGE_BYTES,
    EncodedImage,
    encode_image,
)
from shortfilm.providers.seedance_family import (
    FPS,
    FRAME_ROLES,
    OUTPUT_SIZES,
    RATIOS,
    resolution_and_ratio,
)

log = logging.getLogger(__name__)

DEFAULT_MODEL = "dreamina-seedance-2-0-260128"
"""Seedance 2.0 on BytePlus; on Volcengine use ``doubao-seedance-2-0-260128``."""

ENV_MODEL = "SHORTFILM_SEEDANCE_MODEL"

TASKS_PATH = "/contents/generations/tasks"

MARKER_MIN_S = 86_400
MARKER_MAX_S = 172_800
"""Range of ``execution_expires_after`` values used as the reconciliation marker (seconds)."""

JOURNAL_DIR = "seedance-submits"
"""Under ``workdir``: one small JSON file per request fingerprint, written before each create."""

RECONCILE_SLACK_S = 300.0
"""Tasks created up to this long before the first send still count (client/server clock skew)."""

IMAGE_BUDGET_BYTES = 45 * 1024 * 1024
"""All images of one request together, before base64 (~60 MB encoded). ⚠ The API documents
30 MB per image but no body limit; this keeps a 9-image request under a 64 MB body."""

_Param = str | int | float | bool | None
"""A query parameter value, as httpx accepts it."""


# --- the models -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """What one Seedance model accepts, and what it costs."""

    durations_s: tuple[int, int]
    """Inclusive whole-second range."""
    resolutions: tuple[str, ...]
    max_reference_images: int
    """0 for models without reference mode (they take first/last frames only)."""
    price_per_million: Mapping[str, float] = field(default_factory=dict)
    """Price per 1M output tokens by resolution, without video input."""
    currency: str = "USD"


_SEEDANCE_2 = ModelSpec(
    (4, 15), ("480p", "720p", "1080p"), 9, {"480p": 7.0, "720p": 7.0, "1080p": 7.7}
)
_SEEDANCE_2_FAST = ModelSpec((4, 15), ("480p", "720p"), 9, {"480p": 5.6, "720p": 5.6})
_SEEDANCE_2_CN = ModelSpec(
    (4, 15), ("480p", "720p", "1080p"), 9, {r: 46.0 for r in ("480p", "720p", "1080p")}, "CNY"
)
_SEEDANCE_2_FAST_CN = ModelSpec((4, 15), ("480p", "720p"), 9, {"480p": 37.0, "720p": 37.0}, "CNY")
_SEEDANCE_15_PRO = ModelSpec((4, 12), ("480p", "720p", "1080p"), 0)

MODELS: dict[str, ModelSpec] = {
    "dreamina-seedance-2-0-260128": _SEEDANCE_2,
    "dreamina-seedance-2-0-fast-260128": _SEEDANCE_2_FAST,
    "doubao-seedance-2-0-260128": _SEEDANCE_2_CN,
    "doubao-seedance-2-0-fast-260128": _SEEDANCE_2_FAST_CN,
    "seedance-1-5-pro-251215": _SEEDANCE_15_PRO,
    "doubao-seedance-1-5-pro-251215": _SEEDANCE_15_PRO,
}
"""Known model ids. Prices: BytePlus per ComfyUI's table, Volcengine per a proxy (⚠ both
secondhand). Volcengine 2.0 at 1080p is disputed between sources; it is allowed here."""


def model_spec(model: str) -> ModelSpec:
    """The spec of ``model``; unknown ids (an endpoint ``ep-...``, a newer date suffix) are
    treated as Seedance 2.0 (or 2.0 fast when the id says so), the family this adapter targets."""
    if model in MODELS:
        return MODELS[model]
    if "1-5-pro" in model:
        return _SEEDANCE_15_PRO
    if "2-0-fast" in model:
        return _SEEDANCE_2_FAST
    return _SEEDANCE_2


def estimate_tokens(width: int, height: int, duration_s: float, input_video_s: float = 0.0) -> int:
    """Tokens a task bills: ``W*H/1024 * (fps * (output + input video seconds) + 1)``.

    Matches every observed task (1280x720, 5 s -> 108,900). ``width``/``height`` are the
    *output* pixels (see :data:`OUTPUT_SIZES`), not the requested frame size.
    """
    return math.floor(width * height * (FPS * (duration_s + input_video_s) + 1) / 1024)


# --- a request, prepared ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRequest:
    """A checked request: the JSON body exactly as it will be sent, and what went into it."""

    body: dict[str, Any]
    payload: bytes
    """``body`` serialised as sent (built once, outside the provider's concurrency slot)."""
    fingerprint: str
    """SHA-256 (hex) of the body without the marker: equal bodies, equal fingerprints."""
    marker: int
    """The ``execution_expires_after`` value derived from ``fingerprint``."""
    mode: str
    """``text``, ``reference`` or ``frames``."""
    duration: int
    resolution: str
    ratio: str
    output_size: tuple[int, int]
    generate_audio: bool
    estimated_tokens: int
    images: tuple[dict[str, object], ...]
    """Per image, in send order: role sent, original role and label, size, bytes."""


def _fingerprint(body: Mapping[str, Any], images: Sequence[EncodedImage] = ()) -> str:
    """SHA-256 of ``body`` with each of ``images``' data URLs replaced by its digest: the same
    identity as hashing the whole body, at the cost of a small one (the images' own hashes are
    computed once per image, not once per take)."""
    digests = {id(img.data_url): f"sha256:{img.digest}" for img in images}
    blob = json.dumps(
        _swap_urls(body, lambda url: digests.get(id(url), url)),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _payload(body: Mapping[str, Any], images: Sequence[EncodedImage]) -> bytes:
    """``body`` as the UTF-8 JSON sent, built around the data URLs instead of through them.

    ``json.dumps`` scans every character of a 2-3 MB body for escapes; a data URL made by
    :mod:`.reference_images` is ``data:<mime>;base64,<base64>``, which needs none. So the body
    is serialised with short placeholders and the URLs are spliced in, once each.
    """
    by_id = {id(img.data_url): img.data_url for img in images}
    nonce = secrets.token_hex(8)
    placed: dict[str, str] = {}

    def place(url: str) -> str:
        if id(url) not in by_id:
            return url
        token = f"@{nonce}:{len(placed)}@"
        placed[token] = url
        return token

    skeleton = json.dumps(_swap_urls(body, place), ensure_ascii=False)
    if not placed:
        return skeleton.encode("utf-8")
    pieces = re.split(f'"(@{nonce}:[0-9]+@)"', skeleton)
    for i in range(1, len(pieces), 2):
        pieces[i] = f'"{placed[pieces[i]]}"'
    return "".join(pieces).encode("utf-8")


def _swap_urls(body: Mapping[str, Any], swap: Callable[[str], str]) -> dict[str, Any]:
    """A shallow copy of ``body`` whose ``image_url`` items carry ``swap(url)``."""
    content = [
        {**item, "image_url": {**item["image_url"], "url": swap(item["image_url"]["url"])}}
        if item.get("type") == "image_url"
        else item
        for item in body.get("content", [])
    ]
    return {**body, "content": content}


def marker_for(fingerprint: str) -> int:
    """The ``execution_expires_after`` marker (seconds, 24-48 h) a fingerprint selects."""
    span = MARKER_MAX_S - MARKER_MIN_S + 1
    return MARKER_MIN_S + int(fingerprint[:15], 16) % span


# --- the provider -----------------------------------------------------------------------------


class SeedanceProvider:
    """Seedance via the ModelArk/Ark task API. See the module docstring for the rules.

    ``client`` is the transport seam (tests pass one pointed at a fake server; otherwise one is
    made and closed by :meth:`close`). ``sleep``, ``clock`` and ``rng`` are seams for fast,
    deterministic tests. ``generate_audio`` forces audio on or off instead of reading the sound
    rule. ``max_concurrent`` and ``submits_per_s`` are advertised in :attr:`limits` for the
    workers (⚠ the official RPM and concurrency limits are unpublished; 6+ concurrent tasks
    were seen working). Durations are seconds.
    """

    name = "seedance"
    cost_unit = "tokens"
    prompt_form = "reference-mode"

    def __init__(
        self,
        workdir: Path,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        poll_interval_s: float = 10.0,
        timeout_s: float = 30.0,
        create_timeout_s: float = 120.0,
        download_timeout_s: float = 300.0,
        retry: RetryPolicy | None = None,
        reconcile_grace_s: float = 5.0,
        generate_audio: bool | None = None,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_concurrent: int = 12,
        submits_per_s: float | None = None,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.workdir = Path(workdir)
        self._journal = SubmitJournal(self.workdir / JOURNAL_DIR, "Seedance")
        self.base_url = check_base_url(
            base_url or env.get(ENV_BASE_URL) or BYTEPLUS_BASE_URL, ENV_BASE_URL
        )
        self.model = model or env.get(ENV_MODEL) or DEFAULT_MODEL
        self.spec = model_spec(self.model)
        key = api_key if api_key is not None else env.get(ENV_API_KEY, "")
        self._key = Secret(key.strip()) if key and key.strip() else None
        self.limits = ProviderLimits(
            durations_s=(float(self.spec.durations_s[0]), float(self.spec.durations_s[1])),
            resolutions=tuple(
                OUTPUT_SIZES[res][ratio] for res in self.spec.resolutions for ratio in RATIOS
            ),
            max_references=self.spec.max_reference_images or 2,
            max_concurrent=max_concurrent,
            submits_per_s=submits_per_s,
        )
        self.poll_interval_s = poll_interval_s
        self.timeout_s = timeout_s
        self.create_timeout_s = create_timeout_s
        self.download_timeout_s = download_timeout_s
        self.retry = retry or RetryPolicy()
        self.reconcile_grace_s = reconcile_grace_s
        self.generate_audio = generate_audio
        self.max_image_bytes = max_image_bytes
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s)
        self._claimed: set[str] = set()
        """Task ids handed out by this provider: never handed out again by a reconciliation."""
        self._gates: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, workdir: Path) -> SeedanceProvider:
        """Configured from ``SHORTFILM_SEEDANCE_BASE_URL``, ``SHORTFILM_SEEDANCE_MODEL`` and
        ``ARK_API_KEY`` (what ``registry.get("seedance", workdir)`` builds).

        Operators may tune the pacing: ``SHORTFILM_SEEDANCE_POLL_S`` (seconds between status
        polls, default 10), ``SHORTFILM_SEEDANCE_TIMEOUT_S`` (per request, default 30),
        ``SHORTFILM_SEEDANCE_RETRY_BASE_S`` (first backoff, default 1) and
        ``SHORTFILM_SEEDANCE_RECONCILE_GRACE_S`` (wait before re-listing an unknown create, 5).
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
        )

    def __repr__(self) -> str:
        key = "set" if self._key else "missing"
        return f"SeedanceProvider(model={self.model!r}, base_url={self.base_url!r}, key={key})"

    def close(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SeedanceProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The protocol ----------------------------------------------------------------------------

    def submit(self, request: GenerationRequest) -> str:
        """Create the task (checked first: :class:`InputError`, nothing sent); return its id.

        Retries 429/5xx/timeouts/broken connections with backoff; a create whose outcome is
        unknown is reconciled against the task list before it is sent again. 400/401/404 raise
        :class:`ArkAPIError` (not retryable) with the server's code and message.
        """
        prepared = self.prepare(request)
        return self.submit_prepared(prepared)

    def status(self, job_id: str) -> ProviderJob:
        """Where the task stands. ``expired`` and a 404 (deleted, or past retention) are
        FAILED with the reason kept; cost is the billed tokens once usage is reported."""
        try:
            task = self.get_task(job_id)
        except ArkAPIError as exc:
            if exc.status_code == 404:
                return ProviderJob(job_id=job_id, status=TakeStatus.FAILED, error=str(exc))
            raise
        return _job(task)

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
                    found[task.id] = _job(task)
        for job_id in ids:
            if job_id not in found:
                found[job_id] = self.status(job_id)
        return found

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        """Download the video and last frame into folder ``dest`` straight away.

        Files: ``<job_id>.mp4``, ``<job_id>.last.png`` and ``<job_id>.json`` (the metadata),
        each written under a temporary name and renamed when complete, the metadata last. A
        second call finds them and downloads nothing. Without a last-frame URL (or when only
        that URL has gone) the last frame is decoded from the video. An expired URL raises a
        non-retryable :class:`ProviderError`; a task not yet succeeded raises one that is
        retryable while it is still queued or running.
        """
        dest = Path(dest)
        video = dest / f"{job_id}.mp4"
        last = dest / f"{job_id}.last.png"
        meta_path = dest / f"{job_id}.json"
        if video.is_file() and last.is_file() and meta_path.is_file():
            return Delivery(video, last, json.loads(meta_path.read_text("utf-8")))
        task = self.get_task(job_id)
        if task.status != "succeeded":
            raise ProviderError(
                f"seedance task {job_id} is {task.status}; nothing to fetch"
                + (f" ({task.error_text})" if task.error_text else ""),
                retryable=task.status in ("queued", "running"),
            )
        urls = task.content or ArkContent()
        if not urls.video_url:
            raise ProviderError(f"seedance task {job_id} succeeded without a video URL")
        dest.mkdir(parents=True, exist_ok=True)
        if not video.is_file():
            self._download(urls.video_url, video, f"seedance download of {job_id} video")
        last_source = "provider"
        if not last.is_file():
            last_source = self._fetch_last_frame(job_id, urls.last_frame_url, video, last)
        metadata = self._metadata(task, last_source)
        write_atomic(meta_path, json.dumps(metadata, indent=2, ensure_ascii=False).encode())
        return Delivery(video, last, metadata)

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

    def recover(self, request: GenerationRequest) -> str | None:
        """The task a previous process already created for ``request``, or ``None``.

        Reads the submission journal this provider writes under ``workdir`` before every
        create: a recorded task id is returned if the server still has it; a create whose
        answer never arrived (a crash between send and reply) is looked up in the task list
        from its send time on (see the module docstring). ``None`` when this workdir never sent
        the request, or its task is gone, or it is already handed to another take here.
        """
        prepared = self.prepare(request)
        entry = self._journal_read(prepared.fingerprint)
        if entry is None:
            return None
        task_id = entry.get("task_id")
        if isinstance(task_id, str) and task_id:
            with self._lock:
                if task_id in self._claimed:
                    return None
            try:
                self.get_task(task_id)
            except ArkAPIError as exc:
                if exc.status_code == 404:
                    return None
                raise
            with self._lock:
                self._claimed.add(task_id)
            return task_id
        sent_at = entry.get("sent_at")
        if not isinstance(sent_at, int | float):
            return None
        return self._match(prepared, float(sent_at), set())

    # Beyond the protocol ---------------------------------------------------------------------

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Check ``request`` against the model's limits and build the body; sends nothing.

        :class:`InputError` with a message naming the clip for anything the model would
        refuse: duration out of range, too many images, mixed modes, an unusable frame size,
        a seed out of range, an image that cannot be sent.
        """
        clip = request.clip.name
        spec = self.spec
        refs = list(request.references)
        frames = [r for r in refs if r.role in FRAME_ROLES]
        others = [r for r in refs if r.role not in FRAME_ROLES]
        if frames and others:
            raise InputError(
                f"clip {clip}: first/last frame images cannot be mixed with reference images "
                f"in one Seedance request ({len(frames)} frame, {len(others)} reference)"
            )
        if frames:
            mode = "frames"
            roles = [r.role for r in frames]
            if roles.count("first_frame") > 1 or roles.count("last_frame") > 1:
                raise InputError(f"clip {clip}: at most one first_frame and one last_frame image")
            if "last_frame" in roles and "first_frame" not in roles:
                raise InputError(f"clip {clip}: a last_frame image needs a first_frame image")
        elif others:
            mode = "reference"
            if spec.max_reference_images == 0:
                raise InputError(
                    f"clip {clip}: model {self.model} has no reference mode; it takes "
                    "first/last frames only"
                )
            if len(others) > spec.max_reference_images:
                raise InputError(
                    f"clip {clip}: {len(others)} reference images, but {self.model} takes at "
                    f"most {spec.max_reference_images}; drop some from the board or the clip"
                )
        else:
            mode = "text"
        if not request.prompt_text.strip() and not refs:
            raise InputError(f"clip {clip}: nothing to generate from (no prompt, no images)")
        duration = math.floor(request.duration_s + 0.5)
        lo, hi = spec.durations_s
        if not lo <= duration <= hi:
            raise InputError(
                f"clip {clip}: {request.duration_s:g} s asks for a {duration} s take, but "
                f"{self.model} makes {lo}-{hi} s; split or shorten the clip"
            )
        resolution, ratio = resolution_and_ratio(request.width, request.height)
        if resolution not in spec.resolutions:
            raise InputError(
                f"clip {clip}: {request.width}x{request.height} needs {resolution}, which "
                f"{self.model} does not offer ({', '.join(spec.resolutions)})"
            )
        if not -1 <= request.seed <= 4_294_967_295:
            raise InputError(f"clip {clip}: seed {request.seed} is outside -1..4294967295")
        audio = (
            self.generate_audio
            if self.generate_audio is not None
            else audio_wanted(request.clip.sound_rule)
        )

        budget = min(self.max_image_bytes, IMAGE_BUDGET_BYTES // max(1, len(refs)))
        content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt_text}]
        images: list[dict[str, object]] = []
        encoded_images: list[EncodedImage] = []
        for index, ref in enumerate(refs, 1):
            sent_role = ref.role if ref.role in FRAME_ROLES else "reference_image"
            encoded = encode_image(Path(ref.path), max_bytes=budget)
            encoded_images.append(encoded)
            content.append(
                {"type": "image_url", "image_url": {"url": encoded.data_url}, "role": sent_role}
            )
            images.append(
                {
                    "index": index,
                    "role": sent_role,
                    "source_role": ref.role,
                    "label": ref.label,
                    "width": encoded.width,
                    "height": encoded.height,
                    "bytes": encoded.size_bytes,
                    "mime": encoded.mime,
                    "resized": encoded.resized,
                }
            )
        body: dict[str, Any] = {
            "model": self.model,
            "content": content,
            "duration": duration,
            "resolution": resolution,
            "ratio": ratio,
            "seed": request.seed,
            "generate_audio": audio,
            "return_last_frame": True,
            "watermark": False,
        }
        fingerprint = _fingerprint(body, encoded_images)
        marker = marker_for(fingerprint)
        body["execution_expires_after"] = marker
        out_w, out_h = OUTPUT_SIZES[resolution][ratio]
        return PreparedRequest(
            body=body,
            payload=_payload(body, encoded_images),
            fingerprint=fingerprint,
            marker=marker,
            mode=mode,
            duration=duration,
            resolution=resolution,
            ratio=ratio,
            output_size=(out_w, out_h),
            generate_audio=audio,
            estimated_tokens=estimate_tokens(out_w, out_h, duration),
            images=tuple(images),
        )

    def submit_prepared(self, prepared: PreparedRequest) -> str:
        """Create the task for an already prepared request (see :meth:`submit`).

        Identical requests are submitted one at a time within this provider, so that a
        reconciliation never mistakes a concurrent twin's task for its own.
        """
        self._require_key()
        with self._lock:
            gate = self._gates.setdefault(prepared.fingerprint, threading.Lock())
        with gate:
            return self._create(prepared)

    def _create(self, prepared: PreparedRequest) -> str:
        payload = prepared.payload
        sent_at = self._clock()
        self._journal_write(prepared, sent_at, None)  # before the money moves
        what = f"seedance create ({prepared.fingerprint[:12]})"
        url = self.base_url + TASKS_PATH
        state = {"unknown": False}

        def attempt(_: int) -> str:
            try:
                response = self._client.post(
                    url,
                    content=payload,
                    headers=self._headers(json_body=True),
                    timeout=self.create_timeout_s,
                )
            except httpx.TransportError as exc:
                err = transient_from_transport(exc, what)
                state["unknown"] = state["unknown"] or err.outcome_unknown
                raise err from None
            if response.status_code == 429:
                raise TransientError(f"{what}: HTTP 429", retry_after=retry_after_s(response))
            if is_retryable_status(response.status_code):
                state["unknown"] = True  # a gateway's 5xx may hide a created task
                raise TransientError(
                    f"{what}: HTTP {response.status_code}",
                    outcome_unknown=True,
                    retry_after=retry_after_s(response),
                )
            if response.status_code >= 400:
                raise self._api_error(response, what)
            try:
                task_id = str(response.json()["id"])
            except (ValueError, KeyError, TypeError):
                state["unknown"] = True
                raise TransientError(
                    f"{what}: unreadable answer to a create", outcome_unknown=True
                ) from None
            return task_id

        def before_retry(_: TransientError) -> str | None:
            if not state["unknown"]:
                return None
            return self._reconcile(prepared, sent_at, grace=True)

        def on_exhausted(_: TransientError) -> str | None:
            if not state["unknown"]:
                return None
            return self._reconcile(prepared, sent_at, grace=False)

        try:
            task_id = run_with_retries(
                attempt,
                policy=self.retry,
                what=what,
                sleep=self._sleep,
                rng=self._rng,
                before_retry=before_retry,
                on_exhausted=on_exhausted,
            )
        except ProviderError as exc:
            if exc.retryable and state["unknown"]:
                raise ProviderError(
                    f"{exc}; the server may still have made the task: ask find_submitted("
                    f"request, since={sent_at:.0f}) before submitting this request again",
                    retryable=True,
                ) from None
            raise
        with self._lock:
            self._claimed.add(task_id)
        self._journal_write(prepared, sent_at, task_id)
        log.info(
            "seedance: task %s for %s (%s mode, %d s, %s %s, %d images, audio %s)",
            task_id,
            prepared.fingerprint[:12],
            prepared.mode,
            prepared.duration,
            prepared.resolution,
            prepared.ratio,
            len(prepared.images),
            "on" if prepared.generate_audio else "off",
        )
        return task_id

    def find_submitted(
        self,
        request: GenerationRequest | PreparedRequest,
        *,
        since: float,
        exclude: Iterable[str] = (),
    ) -> str | None:
        """The id of a live or finished task this request already created, or ``None``.

        ``since`` is when the request was first sent (unix seconds, this provider's clock);
        ``exclude`` lists task ids already owned by other takes. For a restarted process that
        recorded a take but not its task id: ask this before submitting again.
        """
        prepared = request if isinstance(request, PreparedRequest) else self.prepare(request)
        return self._match(prepared, since, set(exclude))

    def get_task(self, job_id: str) -> ArkTask:
        """``GET .../tasks/{id}``, retried when transient; :class:`ArkAPIError` otherwise."""
        _check_task_id(job_id)
        data = self._get_json(f"{TASKS_PATH}/{job_id}", None, f"seedance get {job_id}")
        return parse_answer(ArkTask, data, f"seedance get {job_id}")

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
        params: list[tuple[str, _Param]] = [("page_num", page_num), ("page_size", page_size)]
        if status:
            params.append(("filter.status", status))
        if model:
            params.append(("filter.model", model))
        for task_id in task_ids or ():
            params.append(("filter.task_ids", task_id))
        data = self._get_json(TASKS_PATH, params, "seedance list")
        return parse_answer(ArkTaskList, data, "seedance list")

    def cancel(self, job_id: str) -> None:
        """``DELETE``: cancels a queued task, deletes a finished one (its GET then 404s).

        A running task cannot be cancelled (the API refuses; :class:`ArkAPIError`). Retried
        when transient; a retry that finds the task already cancelled or gone counts as done.
        """
        _check_task_id(job_id)
        self._require_key()
        what = f"seedance delete {job_id}"
        url = f"{self.base_url}{TASKS_PATH}/{job_id}"
        state = {"unknown": False}

        def attempt(_: int) -> None:
            try:
                response = self._client.delete(url, headers=self._headers(), timeout=self.timeout_s)
            except httpx.TransportError as exc:
                err = transient_from_transport(exc, what)
                state["unknown"] = state["unknown"] or err.outcome_unknown
                raise err from None
            if is_retryable_status(response.status_code):
                state["unknown"] = state["unknown"] or response.status_code != 429
                raise TransientError(
                    f"{what}: HTTP {response.status_code}", retry_after=retry_after_s(response)
                )
            if response.status_code >= 400:
                error = self._api_error(response, what)
                if state["unknown"] and self._already_cancelled(job_id):
                    return None
                raise error
            return None

        run_with_retries(attempt, policy=self.retry, what=what, sleep=self._sleep, rng=self._rng)
        log.info("seedance: deleted or cancelled task %s", job_id)

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

    def _require_key(self) -> Secret:
        if self._key is None:
            raise InputError(
                f"no API key for Seedance: set {ENV_API_KEY} in the environment "
                "(BytePlus ModelArk or Volcengine Ark console -> API keys)"
            )
        return self._key

    def _headers(self, *, json_body: bool = False) -> httpx.Headers:
        """Request headers, built per call and never kept in a local: ``httpx.Headers`` masks
        ``Authorization`` in its ``repr``, so a traceback that shows locals cannot show it."""
        headers = httpx.Headers({"Authorization": f"Bearer {self._require_key().reveal()}"})
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _redact(self, text: str) -> str:
        return redact(text, self._key)

    def _api_error(self, response: httpx.Response, what: str) -> ArkAPIError:
        return ark_api_error(response, what, self._key)

    def _get_json(self, path: str, params: list[tuple[str, _Param]] | None, what: str) -> object:
        self._require_key()
        url = self.base_url + path

        def attempt(_: int) -> object:
            try:
                response = self._client.get(
                    url, params=params, headers=self._headers(), timeout=self.timeout_s
                )
            except httpx.TransportError as exc:
                raise transient_from_transport(exc, what) from None
            if is_retryable_status(response.status_code):
                raise TransientError(
                    f"{what}: HTTP {response.status_code}", retry_after=retry_after_s(response)
                )
            if response.status_code >= 400:
                raise self._api_error(response, what)
            try:
                data: object = response.json()
            except ValueError:
                raise TransientError(f"{what}: unreadable JSON answer") from None
            return data

        return run_with_retries(
            attempt, policy=self.retry, what=what, sleep=self._sleep, rng=self._rng
        )

    def _already_cancelled(self, job_id: str) -> bool:
        try:
            return self.get_task(job_id).status == "cancelled"
        except ArkAPIError as exc:
            return exc.status_code == 404

    def _journal_path(self, fingerprint: str) -> Path:
        return self._journal.path(fingerprint)

    def _journal_write(
        self, prepared: PreparedRequest, sent_at: float, task_id: str | None
    ) -> None:
        """Record that ``prepared`` is being (or was) sent: fingerprint, marker, send time and
        task id. No key and no prompt; a create is refused if this cannot be written."""
        entry = {
            "fingerprint": prepared.fingerprint,
            "model": self.model,
            "host": urlsplit(self.base_url).hostname,
            "marker": prepared.marker,
            "sent_at": sent_at,
            "task_id": task_id,
        }
        self._journal.write(prepared.fingerprint, entry)

    def _journal_read(self, fingerprint: str) -> dict[str, object] | None:
        return self._journal.read(fingerprint)

    def _reconcile(self, prepared: PreparedRequest, since: float, *, grace: bool) -> str | None:
        """After an unknown create outcome: find the task if the server made it."""
        found = self._match(prepared, since, set())
        if found is None and grace and self.reconcile_grace_s > 0:
            self._sleep(self.reconcile_grace_s)
            found = self._match(prepared, since, set())
        if found is not None:
            log.warning(
                "seedance: create %s had an unknown outcome; the server had made task %s, "
                "which is used instead of sending again",
                prepared.fingerprint[:12],
                found,
            )
        return found

    def _match(self, prepared: PreparedRequest, since: float, exclude: set[str]) -> str | None:
        with self._lock:
            taken = exclude | self._claimed
        body = prepared.body
        strong: list[ArkTask] = []
        weak: list[ArkTask] = []
        for task in self._recent_tasks(since - RECONCILE_SLACK_S):
            if task.id in taken or task.status not in ("queued", "running", "succeeded"):
                continue
            if task.model and not self.model.startswith("ep-") and task.model != self.model:
                continue
            echoes = {
                "generate_audio": task.generate_audio,
                "duration": task.duration,
                "resolution": task.resolution,
                "ratio": task.ratio,
                "seed": task.seed if body["seed"] != -1 else None,
            }
            if any(v is not None and v != body[k] for k, v in echoes.items()):
                continue
            if task.execution_expires_after is None:
                weak.append(task)
            elif task.execution_expires_after == prepared.marker:
                strong.append(task)
        if len(strong) > 1:
            log.warning(
                "seedance: %d tasks carry the marker of %s; taking the oldest unclaimed",
                len(strong),
                prepared.fingerprint[:12],
            )
        candidates = sorted(strong, key=lambda t: (t.created_at, t.id))
        if not strong and len(weak) == 1:
            log.warning("seedance: task %s matched without its marker echoed", weak[0].id)
            candidates = weak
        with self._lock:  # pick and claim in one step: no two callers get the same task
            for task in candidates:
                if task.id not in self._claimed and task.id not in exclude:
                    self._claimed.add(task.id)
                    return task.id
        return None

    def _recent_tasks(self, not_before: float, max_pages: int = 10) -> list[ArkTask]:
        """Tasks of this model created at or after ``not_before``, paging newest first."""
        found: list[ArkTask] = []
        for page in range(1, max_pages + 1):
            listing = self.list_tasks(model=self.model, page_num=page, page_size=100)
            found += [t for t in listing.items if t.created_at >= not_before]
            if len(listing.items) < 100 or any(t.created_at < not_before for t in listing.items):
                break
        return found

    def _download(self, url: str, dest: Path, what: str) -> Path:
        return download(
            self._client,
            url,
            dest,
            what=what,
            policy=self.retry,
            timeout=httpx.Timeout(self.download_timeout_s, connect=self.timeout_s),
            sleep=self._sleep,
            rng=self._rng,
        )

    def _fetch_last_frame(self, job_id: str, url: str | None, video: Path, last: Path) -> str:
        """The last frame as a PNG at ``last``: the provider's, else decoded from ``video``."""
        if url:
            tmp = last.with_name(f".{uuid.uuid4().hex[:8]}.{last.name}.download")
            try:
                self._download(url, tmp, f"seedance download of {job_id} last frame")
                _to_png(tmp, last)
                return "provider"
            except ProviderError as exc:
                if exc.retryable:
                    raise
                log.warning("seedance: %s; decoding the last frame from the video", exc)
            finally:
                tmp.unlink(missing_ok=True)
        extract_last_frame(video, last)
        return "extracted"

    def _metadata(self, task: ArkTask, last_source: str) -> dict[str, object]:
        usage = task.usage or ArkUsage()
        tokens = usage.tokens
        spec = self.spec
        per_million = spec.price_per_million.get(task.resolution or "")
        echo = task.model_dump(mode="json", exclude_none=True)
        if "content" in echo:  # presigned URLs are bearer credentials for 24 h: keep the paths
            echo["content"] = {
                k: v.split("?", 1)[0] if isinstance(v, str) else v
                for k, v in echo["content"].items()
            }
        return {
            "provider": self.name,
            "task_id": task.id,
            "task": echo,
            "model": task.model or self.model,
            "usage": usage.model_dump(mode="json"),
            "tokens": tokens,
            "price": {
                "per_million_tokens": per_million,
                "currency": spec.currency,
                "estimated_cost": None
                if per_million is None
                else round(tokens * per_million / 1e6, 6),
                "source": "published list price (secondhand); the invoice is authoritative",
            },
            "seed": task.seed,
            "resolution": task.resolution,
            "ratio": task.ratio,
            "duration": task.duration,
            "framespersecond": task.framespersecond,
            "generate_audio": task.generate_audio,
            "last_frame_source": last_source,
        }


# --- helpers ----------------------------------------------------------------------------------

_STATUS = {
    "queued": TakeStatus.QUEUED,
    "running": TakeStatus.RUNNING,
    "succeeded": TakeStatus.SUCCEEDED,
    "failed": TakeStatus.FAILED,
    "cancelled": TakeStatus.CANCELLED,
    "expired": TakeStatus.FAILED,
}

_TASK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def _job(task: ArkTask) -> ProviderJob:
    status = _STATUS.get(task.status)
    error = task.error_text
    if status is None:
        # Unknown states keep the take alive: a paid result may still arrive.
        log.warning("seedance: task %s has unknown status %r; still polling", task.id, task.status)
        status = TakeStatus.RUNNING
    if task.status == "expired":
        error = error or (
            f"task expired before it finished (execution_expires_after="
            f"{task.execution_expires_after} s)"
        )
    elif status is TakeStatus.FAILED and not error:
        error = "task failed without a reason"
    cost = float(task.usage.tokens) if task.usage is not None else 0.0
    return ProviderJob(
        job_id=task.id,
        status=status,
        error=error if status in (TakeStatus.FAILED, TakeStatus.CANCELLED) else None,
        cost=cost,
    )


def _check_task_id(job_id: str) -> None:
    if not _TASK_ID.match(job_id):
        raise InputError(f"not a Seedance task id: {job_id!r}")


def _to_png(src: Path, dest: Path) -> None:
    """Move ``src`` to ``dest`` as PNG (converting when the server sent another format)."""
    try:
        with Image.open(src) as img:
            img.load()
            if img.format == "PNG":
                os.replace(src, dest)
                return
            buf = io.BytesIO()
            img.save(buf, format="PNG")
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"last frame is not an image: {exc}", file=src) from exc
    write_atomic(dest, buf.getvalue())
