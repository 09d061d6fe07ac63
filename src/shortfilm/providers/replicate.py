"""Seedance 2.0 on Replicate: the predictions API, a second hosted shape behind the same protocol.

Where ModelArk has *tasks*, Replicate has *predictions* (``replicate.com/docs/reference/http``):

- ``POST /v1/models/{owner}/{name}/predictions`` with ``{"input": {...}}`` and
  ``Authorization: Bearer $REPLICATE_API_TOKEN`` creates one (201, the prediction object).
  ``Prefer: wait`` would hold the request up to 60 s for the output; it is **never** sent, since
  :meth:`ReplicateProvider.submit` must not block. ``Cancel-After`` (a deadline such as ``30m``)
  is sent only when configured: past it Replicate ``aborts`` a prediction that has not started
  (not billed) and ``cancels`` one that has.
- ``GET /v1/predictions/{id}`` reports it: ``starting`` -> ``processing`` -> ``succeeded`` |
  ``failed`` | ``canceled`` (``aborted`` for a missed deadline). ``output`` is a URI string for
  this model (a list for some others: the first item is taken), ``error`` the failure message,
  ``metrics.predict_time`` the seconds of compute.
- ``POST /v1/predictions/{id}/cancel`` cancels; ``GET /v1/predictions`` lists the account's
  predictions newest first, 100 a page, ``{"previous", "next", "results"}`` with cursor URLs,
  filterable by ``created_after``.
- Errors are problem JSON ``{"title", "detail", "status"}``; a 422 adds ``invalid_fields``. A 429
  says ``"Request was throttled. Your rate limit resets in ~30s."`` (creates: 600 a minute).

**The request.** The workflow renders ``request.prompt_text`` in :attr:`prompt_form`
``reference-mode`` (``[Image 1] is Kestrel ...``) and passes the references in that order; they
go as ``reference_images`` in exactly that order, because the model counts them by position.
Replicate's schema names them ``[Image1]``, ``[Image2]`` (no space), so the labels are rewritten
to that form on the way out (:func:`replicate_labels`); ⚠ whether the model cares is not
documented (ModelArk's own examples write plain "Image 1"), so the host's spelling wins.
References whose role is ``first_frame`` / ``last_frame`` select the model's ``image`` /
``last_frame_image`` instead; the model refuses to mix the two modes. Images travel as base64
data URLs, re-encoded and downscaled with Pillow only when over ``max_image_bytes`` (Replicate
advises data URLs for files up to 256 KB, the default budget).
``duration`` is whole seconds (rounded half up, 4-15: the model's real range; its schema's ``-1``
"model decides" is never sent, because the edit needs a known length), ``resolution`` and
``aspect_ratio`` come from the frame size, ``seed`` from the request, and ``generate_audio`` is
off only when the clip's sound rule forbids all audio (the Seedance adapter's rule).

**Never paid twice.** A create whose outcome is unknown (a read timeout or a connection broken
after the body went out, a 5xx, an unreadable 201) is not blindly re-sent. Replicate echoes a
prediction's ``input`` in the list, so before re-sending the adapter lists predictions created
since the first attempt began (minus :data:`RECONCILE_SLACK_S` for clock skew, newest first,
following the ``next`` cursor) and takes one of this model whose ``input`` equals the one sent:
the SHA-256 of the canonical input JSON must match. ⚠ Replicate says it does not store data-URL
files, so an echo may carry them rewritten (an HTTPS URL) or not at all; then every other field
(the prompt, seed, duration, ...) must be equal and the number of images the same. Predictions
already handed out by this provider are never matched again. If nothing matches, the adapter
waits ``reconcile_grace_s`` and lists once more (a slow server may still be committing the
first request) before re-sending. A 429 is known not to have created anything and is retried
directly. Identical requests are submitted one at a time within a provider and a match is
claimed atomically, so concurrent twins never share a prediction. A restarted process asks the
same question through :meth:`ReplicateProvider.recover` (the protocol's hook), which knows
when to look from a small submission journal written under ``workdir`` *before* each create
(input digest, model, send time, then the prediction id; never the token or the prompt);
:meth:`ReplicateProvider.find_submitted` takes an explicit send time. API predictions' inputs
are removed after an hour, so matching by input works within that hour.

**The token** comes from ``REPLICATE_API_TOKEN`` (or the constructor), lives only in memory,
is sent only to the API host and to Replicate's file host (``replicate.delivery``, whose URLs
the docs say need it), never follows a redirect, and is redacted from every message this
module builds; ``repr`` shows only whether it is set. A missing token is an
:class:`~shortfilm.errors.InputError` naming the variable at the first call that needs it.

**Cost** is ``metrics.predict_time`` in seconds (:attr:`cost_unit` ``seconds``). ⚠ Replicate
bills some official models per second of *output* instead; the metadata keeps both figures.
:meth:`ReplicateProvider.estimate_cost` is a deliberately high guess of the predict time
(``predict_s_per_output_s`` at 720p, scaled by pixels), capped at Replicate's 30-minute
prediction timeout, since budgets must not be underestimated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from shortfilm.domain.sound import audio_wanted
from shortfilm.errors import InputError, ProviderError
from shortfilm.media.last_frame import extract_last_frame
from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    ProviderLimits,
    TakeStatus,
)
from shortfilm.providers.credentials import Secret, check_base_url
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
from shortfilm.providers.reference_images import encode_image
from shortfilm.providers.seedance_family import (
    FRAME_ROLES,
    OUTPUT_SIZES,
    RATIOS,
    resolution_and_ratio,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_MODEL = "bytedance/seedance-2.0"

ENV_BASE_URL = "SHORTFILM_REPLICATE_BASE_URL"
ENV_MODEL = "SHORTFILM_REPLICATE_MODEL"
ENV_API_TOKEN = "REPLICATE_API_TOKEN"

DEFAULT_MAX_IMAGE_BYTES = 256 * 1024
"""Per image, before base64: Replicate's advice for data URLs ("small files <= 256kb")."""

RECONCILE_SLACK_S = 300.0
"""Predictions created up to this long before the first attempt still count (clock skew)."""

FILE_HOSTS = ("replicate.delivery",)
"""Output hosts (and their subdomains) that may see the token, besides the API host itself."""

FILE_FIELDS = ("reference_images", "image", "last_frame_image", "reference_videos")
"""Input fields holding files: the ones Replicate may echo rewritten (see the module doc)."""

SUBMITS_PER_S = 10.0
"""Replicate's documented create limit, 600 a minute."""

JOURNAL_DIR = "replicate-submissions"
"""Folder under ``workdir`` holding one small JSON per request sent (see :meth:`recover`)."""

PREDICTION_TIMEOUT_S = 1800.0
"""Replicate stops a prediction after 30 minutes of running: no more predict time is billed."""

DEFAULT_PREDICT_S_PER_OUTPUT_S = 40.0
"""⚠ Guessed seconds of predict time per second of 720p output, for estimates only (no
published figure); on the high side so that budgets are not overrun."""


@dataclass(frozen=True)
class ReplicateModel:
    """What one model on Replicate accepts."""

    durations_s: tuple[int, int]
    """Inclusive whole-second range actually rendered (the schema's -1 "auto" aside)."""
    resolutions: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    max_reference_images: int


_SEEDANCE_2 = ReplicateModel((4, 15), ("480p", "720p", "1080p"), tuple(RATIOS), 9)
_SEEDANCE_2_FAST = ReplicateModel((4, 15), ("480p", "720p"), tuple(RATIOS), 9)

MODELS: dict[str, ReplicateModel] = {
    "bytedance/seedance-2.0": _SEEDANCE_2,
    "bytedance/seedance-2.0-fast": _SEEDANCE_2_FAST,
}
"""Known models. ⚠ The schema gives no enum for ``resolution`` / ``aspect_ratio`` (only the
defaults 720p and 16:9, plus ``adaptive``); the values are the Seedance 2.0 family's own, as on
ModelArk (1080p only on the full model). Unknown ``owner/name`` models get the 2.0 rules."""


def model_spec(model: str) -> ReplicateModel:
    """The rules of ``model``; an unknown one is treated as Seedance 2.0 (fast when named so)."""
    if model in MODELS:
        return MODELS[model]
    return _SEEDANCE_2_FAST if model.endswith("-fast") else _SEEDANCE_2


# --- the API's JSON ---------------------------------------------------------------------------


class Prediction(BaseModel):
    """A prediction as create/get/list/cancel return it (extra fields kept)."""

    model_config = ConfigDict(extra="allow")

    id: str
    model: str = ""
    version: str | None = None
    status: str
    input: dict[str, Any] | None = None
    output: Any = None
    error: Any = None
    logs: str | None = None
    metrics: dict[str, Any] | None = None
    urls: dict[str, Any] | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    data_removed: bool = False

    @property
    def predict_time(self) -> float:
        """Seconds of compute the prediction used (0 until Replicate reports it)."""
        value = (self.metrics or {}).get("predict_time")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        return 0.0

    @property
    def error_text(self) -> str | None:
        if self.error is None or self.error == "":
            return None
        return self.error if isinstance(self.error, str) else json.dumps(self.error)

    @property
    def created(self) -> float | None:
        """``created_at`` as unix seconds, or ``None`` when absent or unreadable."""
        return _unix(self.created_at)


class PredictionPage(BaseModel):
    model_config = ConfigDict(extra="allow")

    previous: str | None = None
    next: str | None = None
    results: list[Prediction] = []


class ReplicateAPIError(ProviderError):
    """A 4xx answer other than 429: the request is wrong and asking again would not help.

    Carries Replicate's problem JSON: ``title``, ``detail`` and, for a 422, ``invalid_fields``
    (``[{"type", "field", "description"}]``).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        title: str = "",
        detail: str = "",
        invalid_fields: tuple[dict[str, Any], ...] = (),
    ) -> None:
        super().__init__(message, retryable=False)
        self.status_code = status_code
        self.title = title
        self.detail = detail
        self.invalid_fields = invalid_fields


# --- a request, prepared ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedPrediction:
    """A checked request: the JSON body exactly as it will be sent, and what went into it."""

    body: dict[str, Any]
    """``{"input": {...}}``."""
    digest: str
    """SHA-256 (hex) of the canonical input JSON: the reconciliation key."""
    duration: int
    resolution: str
    aspect_ratio: str
    generate_audio: bool
    images: tuple[dict[str, object], ...]
    """Per image, in send order: field, role, label, size and bytes as sent."""

    @property
    def input(self) -> dict[str, Any]:
        value: dict[str, Any] = self.body["input"]
        return value


_LABEL = re.compile(r"\[(Image|Video|Audio) (\d+)\]")


def replicate_labels(prompt: str) -> str:
    """``[Image 1]`` -> ``[Image1]`` (and Video/Audio): the spelling Replicate's schema uses."""
    return _LABEL.sub(r"[\1\2]", prompt)


def input_digest(value: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``value`` as canonical JSON (sorted keys, no spaces)."""
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def input_matches(sent: Mapping[str, Any], digest: str, echoed: object) -> bool:
    """Whether a prediction's echoed ``input`` is the one ``sent`` (whose digest is ``digest``).

    Only the fields sent are compared (a server may add defaults). When the digests differ,
    file fields may still have been rewritten or dropped by Replicate: then every other field
    must be equal and each file list as long as the one sent.
    """
    if not isinstance(echoed, Mapping) or not echoed:
        return False
    view = {key: echoed.get(key) for key in sent}
    if input_digest(view) == digest:
        return True
    for key, value in sent.items():
        got = echoed.get(key)
        if key in FILE_FIELDS:
            if got is None:
                continue
            if isinstance(value, list):
                if not isinstance(got, list) or len(got) != len(value):
                    return False
            elif not isinstance(got, str):
                return False
        elif got != value:
            return False
    return True


def resolution_and_aspect(width: int, height: int, spec: ReplicateModel) -> tuple[str, str]:
    """The model's ``resolution`` and ``aspect_ratio`` closest to ``width`` x ``height``: the
    aspect within 3% of one the model offers (:class:`InputError` otherwise), the tier whose
    output pixel count is nearest the frame's."""
    return resolution_and_ratio(
        width,
        height,
        resolutions=spec.resolutions,
        ratios=spec.aspect_ratios,
        offered="aspect ratios the model offers",
    )


def output_url(output: object) -> str | None:
    """The video URL in a prediction's ``output``: the string itself, or a list's first string."""
    if isinstance(output, str) and output:
        return output
    if isinstance(output, list):
        return next((item for item in output if isinstance(item, str) and item), None)
    return None


_RESETS_IN = re.compile(
    r"(?:resets in|available in)\s*~?\s*(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", re.IGNORECASE
)


def retry_after_hint(response: httpx.Response) -> float | None:
    """Seconds a 429 asks to wait: ``Retry-After``, else a ``retry_after`` body field, else
    the "resets in ~30s" of the documented ``detail``; ``None`` when none is given."""
    header = retry_after_s(response)
    if header is not None:
        return header
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("retry_after")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(0.0, float(value))
    detail = data.get("detail")
    if isinstance(detail, str) and (match := _RESETS_IN.search(detail)):
        return float(match.group(1))
    return None


_CANCEL_AFTER = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$")
_PREDICTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)


# --- the provider -----------------------------------------------------------------------------


class ReplicateProvider:
    """A video model on Replicate. See the module docstring for the rules.

    ``client`` is the transport seam (tests pass one; otherwise one is made and closed by
    :meth:`close`). ``retry`` sets the backoff (exponential with jitter; ``Retry-After`` and
    the 429 body's hint raise a wait, never above the cap). ``sleep``, ``clock`` and ``rng``
    make tests fast and deterministic. ``cancel_after`` is a Replicate deadline (``"30m"``,
    ``"1h30m"``) sent as ``Cancel-After``. ``generate_audio`` forces audio on or off instead
    of reading the sound rule. Times are seconds.
    """

    name = "replicate"
    cost_unit = "seconds"
    prompt_form = "reference-mode"

    def __init__(
        self,
        workdir: Path,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_token: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        create_timeout_s: float = 60.0,
        download_timeout_s: float = 300.0,
        reconcile_grace_s: float = 3.0,
        cancel_after: str | None = None,
        generate_audio: bool | None = None,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        predict_s_per_output_s: float = DEFAULT_PREDICT_S_PER_OUTPUT_S,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.workdir = Path(workdir)
        self._journal = SubmitJournal(self.workdir / JOURNAL_DIR, "Replicate")
        self.base_url = check_base_url(
            base_url or env.get(ENV_BASE_URL) or DEFAULT_BASE_URL, ENV_BASE_URL, secret="token"
        )
        self.model = _check_model(model or env.get(ENV_MODEL) or DEFAULT_MODEL)
        self.spec = model_spec(self.model)
        token = api_token if api_token is not None else env.get(ENV_API_TOKEN, "")
        self._token = Secret(token.strip()) if token and token.strip() else None
        if cancel_after is not None and not _CANCEL_AFTER.match(cancel_after):
            raise InputError(
                f"cancel_after: not a duration like '30m' or '1h30m': {cancel_after!r}"
            )
        self.cancel_after = cancel_after
        self.limits = ProviderLimits(
            durations_s=(float(self.spec.durations_s[0]), float(self.spec.durations_s[1])),
            resolutions=tuple(
                OUTPUT_SIZES[res][ratio]
                for res in self.spec.resolutions
                for ratio in self.spec.aspect_ratios
                if ratio in RATIOS
            ),
            max_references=self.spec.max_reference_images,
            submits_per_s=SUBMITS_PER_S,
        )
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.create_timeout_s = create_timeout_s
        self.download_timeout_s = download_timeout_s
        self.reconcile_grace_s = reconcile_grace_s
        self.generate_audio = generate_audio
        self.max_image_bytes = max_image_bytes
        self.predict_s_per_output_s = predict_s_per_output_s
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s)
        self._claimed: set[str] = set()
        self._gates: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, workdir: Path) -> ReplicateProvider:
        """Configured from ``SHORTFILM_REPLICATE_BASE_URL``, ``SHORTFILM_REPLICATE_MODEL`` and
        ``REPLICATE_API_TOKEN``."""
        return cls(workdir)

    def __repr__(self) -> str:
        token = "set" if self._token else "missing"
        return f"ReplicateProvider(model={self.model!r}, base_url={self.base_url!r}, token={token})"

    def close(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> ReplicateProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The protocol ----------------------------------------------------------------------------

    def submit(self, request: GenerationRequest) -> str:
        """Create the prediction (checked first: :class:`InputError`, nothing sent); return its
        id at once, without waiting for the model.

        429/5xx/timeouts/broken connections are retried with backoff; a create whose outcome
        is unknown is reconciled against the prediction list before it is sent again. Other
        4xx raise :class:`ReplicateAPIError` (not retryable) with Replicate's title and detail.
        """
        return self.submit_prepared(self.prepare(request))

    def status(self, job_id: str) -> ProviderJob:
        """Where the prediction stands; cost is ``metrics.predict_time`` once reported. A 404
        (an id this account does not have) is FAILED with the reason kept."""
        try:
            prediction = self.get_prediction(job_id)
        except ReplicateAPIError as exc:
            if exc.status_code == 404:
                return ProviderJob(job_id=job_id, status=TakeStatus.FAILED, error=str(exc))
            raise
        return _job(prediction)

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        """Download the output video into folder ``dest`` straight away and extract its last
        frame (Replicate offers no last-frame URL).

        Files: ``<job_id>.mp4``, ``<job_id>.last.png`` and ``<job_id>.json`` (the metadata),
        each written under a temporary name and renamed when complete, the metadata last; a
        second call finds them and downloads nothing. An expired output (Replicate removes the
        outputs of API predictions after an hour) raises a non-retryable
        :class:`ProviderError`; so does a prediction that failed; one still running raises a
        retryable one.
        """
        _check_id(job_id)
        dest = Path(dest)
        video = dest / f"{job_id}.mp4"
        last = dest / f"{job_id}.last.png"
        meta_path = dest / f"{job_id}.json"
        if video.is_file() and last.is_file() and meta_path.is_file():
            return Delivery(video, last, json.loads(meta_path.read_text("utf-8")))
        prediction = self.get_prediction(job_id)
        if prediction.status != "succeeded":
            reason = f" ({prediction.error_text})" if prediction.error_text else ""
            raise ProviderError(
                f"replicate prediction {job_id} is {prediction.status}; nothing to fetch{reason}",
                retryable=prediction.status in ("starting", "processing"),
            )
        url = output_url(prediction.output)
        if url is None:
            why = (
                "its output was removed (Replicate keeps API outputs for an hour)"
                if prediction.data_removed
                else "it succeeded without an output URL"
            )
            raise ProviderError(f"replicate prediction {job_id}: {why}", retryable=False)
        dest.mkdir(parents=True, exist_ok=True)
        if not video.is_file():
            self._download(url, video, f"replicate download of {job_id} output")
        if not last.is_file():
            extract_last_frame(video, last)
        metadata = self._metadata(prediction, url)
        write_atomic(meta_path, json.dumps(metadata, indent=2, ensure_ascii=False).encode())
        return Delivery(video, last, metadata)

    def estimate_cost(self, request: GenerationRequest) -> float:
        """Predict-time seconds the take may use: ``predict_s_per_output_s`` per second of
        output at 720p, scaled by output pixels, at most the 30-minute prediction timeout.
        Reads no image and sends nothing; a frame size no ratio fits is costed at its own
        pixels."""
        duration = max(math.floor(request.duration_s + 0.5), self.spec.durations_s[0])
        try:
            resolution, ratio = resolution_and_aspect(request.width, request.height, self.spec)
            width, height = OUTPUT_SIZES[resolution][ratio]
        except InputError:
            width, height = max(request.width, 1), max(request.height, 1)
        scale = max(width * height / (1280 * 720), 0.25)
        return min(PREDICTION_TIMEOUT_S, self.predict_s_per_output_s * duration * scale)

    def recover(self, request: GenerationRequest) -> str | None:
        """The prediction a previous process already created for ``request``, or ``None``.

        Reads the submission journal this provider writes under ``workdir`` before every
        create: a recorded prediction id is returned if Replicate still has it; a create whose
        answer never arrived (a crash between send and reply) is looked up in the prediction
        list from its send time on (see the module docstring). ``None`` when this workdir never
        sent the request, or its prediction is unknown, or it is already handed out here.
        """
        prepared = self.prepare(request)
        entry = self._journal_read(prepared.digest)
        if entry is None:
            return None
        job_id = entry.get("prediction_id")
        if isinstance(job_id, str) and job_id:
            with self._lock:
                if job_id in self._claimed:
                    return None
            try:
                self.get_prediction(job_id)
            except ReplicateAPIError as exc:
                if exc.status_code == 404:
                    return None
                raise
            with self._lock:
                self._claimed.add(job_id)
            return job_id
        sent_at = entry.get("sent_at")
        if not isinstance(sent_at, int | float) or isinstance(sent_at, bool):
            return None
        return self._reconcile(prepared, float(sent_at), grace=False)

    # Beyond the protocol ---------------------------------------------------------------------

    def prepare(self, request: GenerationRequest) -> PreparedPrediction:
        """Check ``request`` against the model's rules and build the body; sends nothing.

        :class:`InputError` for an empty prompt, a duration outside the model's range, too
        many references, mixed reference and frame modes, a frame size no aspect ratio fits,
        a seed out of range, or an unreadable image (naming the file); the message starts
        with the clip's name.
        """
        try:
            return self._prepare(request)
        except InputError as exc:
            raise InputError(f"clip {request.clip.name}: {exc}") from None

    def _prepare(self, request: GenerationRequest) -> PreparedPrediction:
        spec = self.spec
        prompt = request.prompt_text.strip()
        if not prompt:
            raise InputError("the prompt is empty; Replicate requires one")
        duration = math.floor(request.duration_s + 0.5)
        lo, hi = spec.durations_s
        if not lo <= duration <= hi:
            raise InputError(
                f"duration {request.duration_s:g} s (sent as {duration} s) is outside the "
                f"{lo}-{hi} s {self.model} renders"
            )
        frames = [r for r in request.references if r.role in FRAME_ROLES]
        refs = [r for r in request.references if r.role not in FRAME_ROLES]
        if frames and refs:
            raise InputError(
                "first/last-frame images cannot be combined with reference images "
                f"({len(frames)} frame, {len(refs)} reference): the model accepts one mode"
            )
        if len(refs) > spec.max_reference_images:
            raise InputError(
                f"{len(refs)} reference images; {self.model} accepts at most "
                f"{spec.max_reference_images}"
            )
        by_role = {r.role: r for r in frames}
        if len(by_role) != len(frames):
            raise InputError("at most one first_frame and one last_frame image")
        if "last_frame" in by_role and "first_frame" not in by_role:
            raise InputError("a last_frame image needs a first_frame image too")
        if not -1 <= request.seed <= 2**32 - 1:
            raise InputError(f"seed {request.seed} is outside -1..{2**32 - 1}")
        resolution, aspect = resolution_and_aspect(request.width, request.height, spec)
        audio = (
            self.generate_audio
            if self.generate_audio is not None
            else audio_wanted(request.clip.sound_rule)
        )
        images: list[dict[str, object]] = []
        payload: dict[str, Any] = {"prompt": replicate_labels(prompt)}

        def encoded(ref_path: Path, field: str, role: str, label: str) -> str:
            img = encode_image(Path(ref_path), max_bytes=self.max_image_bytes)
            images.append(
                {
                    "field": field,
                    "role": role,
                    "label": label,
                    "width": img.width,
                    "height": img.height,
                    "bytes": img.size_bytes,
                    "mime": img.mime,
                    "resized": img.resized,
                }
            )
            return img.data_url

        if refs:
            payload["reference_images"] = [
                encoded(r.path, "reference_images", r.role, r.label) for r in refs
            ]
        if "first_frame" in by_role:
            first = by_role["first_frame"]
            payload["image"] = encoded(first.path, "image", first.role, first.label)
        if "last_frame" in by_role:
            end = by_role["last_frame"]
            payload["last_frame_image"] = encoded(end.path, "last_frame_image", end.role, end.label)
        payload.update(
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect,
            generate_audio=audio,
            seed=request.seed,
        )
        return PreparedPrediction(
            body={"input": payload},
            digest=input_digest(payload),
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect,
            generate_audio=audio,
            images=tuple(images),
        )

    def submit_prepared(self, prepared: PreparedPrediction) -> str:
        """Create the prediction for ``prepared`` (see :meth:`submit`); return its id.

        Identical requests are submitted one at a time within this provider, so that a
        reconciliation never mistakes a concurrent twin's prediction for its own.
        """
        self._auth()  # a missing token fails here, before anything is recorded or sent
        with self._lock:
            gate = self._gates.setdefault(prepared.digest, threading.Lock())
        with gate:
            return self._create(prepared)

    def _create(self, prepared: PreparedPrediction) -> str:
        started = self._clock()
        self._journal_write(prepared.digest, started, None)  # before the money moves
        ambiguous = False
        what = f"replicate create ({self.model}, {prepared.digest[:12]})"
        url = f"{self.base_url}/models/{self.model}/predictions"
        headers = {"Cancel-After": self.cancel_after} if self.cancel_after else {}

        def attempt(_: int) -> str:
            nonlocal ambiguous
            try:
                data = self._call(
                    "POST",
                    url,
                    what=what,
                    json_body=prepared.body,
                    headers=headers,
                    timeout=self.create_timeout_s,
                )
                prediction = _parse(Prediction, data, what)
            except TransientError as exc:
                ambiguous = ambiguous or exc.outcome_unknown
                raise
            with self._lock:
                self._claimed.add(prediction.id)
            return prediction.id

        def before_retry(_: TransientError) -> str | None:
            return self._reconcile(prepared, started, grace=True) if ambiguous else None

        try:
            job_id = run_with_retries(
                attempt,
                policy=self.retry,
                what=what,
                sleep=self._sleep,
                rng=self._rng,
                before_retry=before_retry,
                on_exhausted=before_retry,
            )
        except ProviderError as exc:
            if exc.retryable and ambiguous:
                raise ProviderError(
                    f"{exc}; Replicate may still have made the prediction: call recover(request) "
                    "before submitting this request again",
                    retryable=True,
                ) from None
            if not ambiguous and not exc.retryable:
                self._journal_path(prepared.digest).unlink(missing_ok=True)  # nothing was made
            raise
        try:
            self._journal_write(prepared.digest, started, job_id)
        except ProviderError as exc:  # the prediction exists: hand it over all the same
            log.warning("replicate: prediction %s made, but %s", job_id, exc)
        log.info(
            "replicate: prediction %s (%s, %d s, %s %s, %d images, audio %s)",
            job_id,
            self.model,
            prepared.duration,
            prepared.resolution,
            prepared.aspect_ratio,
            len(prepared.images),
            "on" if prepared.generate_audio else "off",
        )
        return job_id

    def find_submitted(
        self, request: GenerationRequest | PreparedPrediction, *, since: float
    ) -> str | None:
        """The id of a prediction created at or after ``since`` (unix seconds, minus the clock
        slack) whose input equals this request's, if any: how a restarted process finds the
        prediction its predecessor may have created before it could record the id."""
        prepared = request if isinstance(request, PreparedPrediction) else self.prepare(request)
        return self._reconcile(prepared, since, grace=False)

    def get_prediction(self, job_id: str) -> Prediction:
        """The prediction as ``GET /predictions/{id}`` reports it now (retried when busy)."""
        _check_id(job_id)
        what = f"replicate get {job_id}"
        url = f"{self.base_url}/predictions/{quote(job_id)}"
        return self._retrying(
            lambda _: _parse(Prediction, self._call("GET", url, what=what), what), what
        )

    def list_predictions(
        self, *, created_after: float | None = None, cursor_url: str | None = None
    ) -> PredictionPage:
        """One page of the account's predictions, newest first (100 a page on Replicate).

        ``cursor_url`` is a page's ``next`` (or ``previous``) URL; it is followed only when
        it points at the API host, so the token never goes elsewhere.
        """
        if cursor_url is not None:
            if not _same_origin(cursor_url, self.base_url):
                raise ProviderError(
                    f"replicate list: refusing a cursor URL on another host: "
                    f"{_without_query(cursor_url)}",
                    retryable=False,
                )
            url, params = cursor_url, None
        else:
            url = f"{self.base_url}/predictions"
            params = {"created_after": _iso(created_after)} if created_after is not None else None
        what = "replicate list"
        return self._retrying(
            lambda _: _parse(
                PredictionPage, self._call("GET", url, what=what, params=params), what
            ),
            what,
        )

    def cancel(self, job_id: str) -> ProviderJob:
        """Cancel the prediction (``POST /predictions/{id}/cancel``); return where it stands.

        Canceling a finished prediction changes nothing. A prediction that had started is
        billed for the time it ran; one that had not is free.
        """
        _check_id(job_id)
        what = f"replicate cancel {job_id}"
        url = f"{self.base_url}/predictions/{quote(job_id)}/cancel"

        def once(_: int) -> Prediction | None:
            data = self._call("POST", url, what=what, allow_empty=True)
            if isinstance(data, dict) and "status" in data and "id" in data:
                return _parse(Prediction, data, what)
            return None  # an empty answer: ask where it stands

        prediction = self._retrying(once, what)
        return _job(prediction) if prediction is not None else self.status(job_id)

    # HTTP ------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            raise InputError(
                f"{ENV_API_TOKEN} is not set: export your Replicate API token "
                "(replicate.com/account/api-tokens) to use the replicate provider"
            )
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def _redact(self, text: str) -> str:
        if self._token is not None and self._token.reveal():
            text = text.replace(self._token.reveal(), "<redacted>")
        return text

    def _retrying(self, attempt: Callable[[int], _T], what: str) -> _T:
        return run_with_retries(
            attempt, policy=self.retry, what=what, sleep=self._sleep, rng=self._rng
        )

    def _call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        json_body: object = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        allow_empty: bool = False,
    ) -> object:
        """One request to the API: its JSON, or :class:`TransientError` (429, 5xx, timeouts,
        broken connections, an unreadable body) or :class:`ReplicateAPIError` (other 4xx)."""
        all_headers = {**self._auth(), **(headers or {})}
        try:
            response = self._client.request(
                method,
                url,
                json=json_body,
                params=params,
                headers=all_headers,
                timeout=httpx.Timeout(timeout or self.timeout_s, connect=self.timeout_s),
                follow_redirects=False,
            )
        except httpx.TransportError as exc:
            raise transient_from_transport(exc, what) from None
        code = response.status_code
        if is_retryable_status(code):
            problem = _problem(response)
            detail = problem.get("detail") or problem.get("title") or ""
            raise TransientError(
                self._redact(f"{what}: HTTP {code}" + (f": {detail}" if detail else "")),
                outcome_unknown=code != 429,
                retry_after=retry_after_hint(response) if code == 429 else retry_after_s(response),
            )
        if code >= 300:
            raise self._api_error(response, what)
        if allow_empty and not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise TransientError(
                f"{what}: unreadable answer (HTTP {code}, {len(response.content)} bytes)",
                outcome_unknown=True,
            ) from None

    def _api_error(self, response: httpx.Response, what: str) -> ReplicateAPIError:
        problem = _problem(response)
        title = str(problem.get("title") or response.reason_phrase or "")
        detail = str(problem.get("detail") or "").strip()
        fields_raw = problem.get("invalid_fields")
        fields = (
            tuple(f for f in fields_raw if isinstance(f, dict))
            if isinstance(fields_raw, list)
            else ()
        )
        parts = [f"{what}: HTTP {response.status_code}"]
        if title:
            parts.append(title)
        if detail and detail != title:
            parts.append(" ".join(detail.split()))
        message = ": ".join(parts)
        if response.status_code == 401:
            message += f" (check {ENV_API_TOKEN})"
        return ReplicateAPIError(
            self._redact(message),
            status_code=response.status_code,
            title=self._redact(title),
            detail=self._redact(detail),
            invalid_fields=fields,
        )

    def _download(self, url: str, dest: Path, what: str) -> Path:
        """Stream ``url`` into ``dest`` (resumable, atomic: :func:`~.http.download`); the token
        goes only to the API host and Replicate's file host."""
        return download(
            self._client,
            url,
            dest,
            what=what,
            policy=self.retry,
            timeout=httpx.Timeout(self.download_timeout_s, connect=self.timeout_s),
            headers=httpx.Headers(self._auth()) if self._may_see_token(url) else None,
            expiry="Replicate removes the outputs of API predictions after an hour",
            sleep=self._sleep,
            rng=self._rng,
        )

    def _may_see_token(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        if _same_origin(url, self.base_url):
            return True
        return urlsplit(url).scheme == "https" and any(
            host == h or host.endswith("." + h) for h in FILE_HOSTS
        )

    # Reconciliation --------------------------------------------------------------------------

    def _journal_path(self, digest: str) -> Path:
        return self._journal.path(digest)

    def _journal_write(self, digest: str, sent_at: float, job_id: str | None) -> None:
        """Record that a request is being (or was) sent: input digest, model, host, send time
        and prediction id. No token and no prompt; a create is refused if this cannot be
        written, because a crash after it would leave nothing to recover from."""
        entry = {
            "digest": digest,
            "model": self.model,
            "host": urlsplit(self.base_url).hostname,
            "sent_at": sent_at,
            "prediction_id": job_id,
        }
        self._journal.write(digest, entry)

    def _journal_read(self, digest: str) -> dict[str, object] | None:
        return self._journal.read(digest)

    def _reconcile(self, prepared: PreparedPrediction, since: float, *, grace: bool) -> str | None:
        """The prediction an earlier attempt may have created, claimed; ``None`` if none."""
        found = self._match(prepared, since)
        if found is None and grace and self.reconcile_grace_s > 0:
            self._sleep(self.reconcile_grace_s)
            found = self._match(prepared, since)
        if found is not None:
            log.warning(
                "replicate: a create whose answer was lost had made prediction %s; using it "
                "instead of creating another",
                found,
            )
        return found

    def _match(self, prepared: PreparedPrediction, since: float) -> str | None:
        not_before = since - RECONCILE_SLACK_S
        candidates = [
            p
            for p in self._recent_predictions(not_before)
            if (not p.model or p.model == self.model)
            and input_matches(prepared.input, prepared.digest, p.input)
        ]
        with self._lock:
            fresh = [p for p in candidates if p.id not in self._claimed]
            if not fresh:
                return None
            fresh.sort(key=lambda p: p.created or 0.0)  # the first one made is the one to keep
            if len(fresh) > 1:
                log.warning(
                    "replicate: %d predictions match one request (%s); keeping the oldest",
                    len(fresh),
                    ", ".join(p.id for p in fresh),
                )
            self._claimed.add(fresh[0].id)
            return fresh[0].id

    def _recent_predictions(self, not_before: float, max_pages: int = 10) -> list[Prediction]:
        found: list[Prediction] = []
        page = self.list_predictions(created_after=not_before)
        for _ in range(max_pages):
            fresh = [p for p in page.results if p.created is None or p.created >= not_before]
            found += fresh
            if not page.next or len(fresh) < len(page.results):
                break
            page = self.list_predictions(cursor_url=page.next)
        return found

    # Metadata --------------------------------------------------------------------------------

    def _metadata(self, prediction: Prediction, url: str) -> dict[str, object]:
        sent = dict(prediction.input or {})
        counts = {}
        for key in FILE_FIELDS:
            value = sent.pop(key, None)
            if isinstance(value, list):
                counts[key] = len(value)
            elif value:
                counts[key] = 1
        return {
            "provider": self.name,
            "prediction_id": prediction.id,
            "model": prediction.model or self.model,
            "version": prediction.version,
            "status": prediction.status,
            "metrics": dict(prediction.metrics or {}),
            "predict_time_s": prediction.predict_time,
            "cost": {
                "unit": self.cost_unit,
                "amount": prediction.predict_time,
                "source": "metrics.predict_time; the invoice is authoritative",
            },
            "input": sent,
            "input_files": counts,
            "output_s": sent.get("duration"),
            "output_url": _without_query(url),
            "created_at": prediction.created_at,
            "started_at": prediction.started_at,
            "completed_at": prediction.completed_at,
            "last_frame_source": "extracted",
        }


# --- helpers ----------------------------------------------------------------------------------

_STATUS = {
    "starting": TakeStatus.QUEUED,
    "processing": TakeStatus.RUNNING,
    "succeeded": TakeStatus.SUCCEEDED,
    "failed": TakeStatus.FAILED,
    "canceled": TakeStatus.CANCELLED,
    "aborted": TakeStatus.CANCELLED,
}


def _job(prediction: Prediction) -> ProviderJob:
    status = _STATUS.get(prediction.status)
    error = prediction.error_text
    if status is None:
        # Unknown states keep the take alive: a paid result may still arrive.
        log.warning(
            "replicate: prediction %s has unknown status %r; still polling",
            prediction.id,
            prediction.status,
        )
        status = TakeStatus.RUNNING
    if status is TakeStatus.FAILED and not error:
        error = "prediction failed without an error message"
    elif status is TakeStatus.CANCELLED and not error:
        error = (
            "prediction aborted: its deadline passed before it started (not billed)"
            if prediction.status == "aborted"
            else "prediction canceled"
        )
    return ProviderJob(
        job_id=prediction.id,
        status=status,
        error=error if status in (TakeStatus.FAILED, TakeStatus.CANCELLED) else None,
        cost=prediction.predict_time,
    )


def _problem(response: httpx.Response) -> dict[str, Any]:
    """Replicate's problem JSON (``title``, ``detail``, ...), or ``{}`` when the body is not."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _parse(model: type[_M], data: object, what: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TransientError(
            f"{what}: unexpected answer shape: {exc.errors()[0]['msg']}", outcome_unknown=True
        ) from None


def _check_id(job_id: str) -> None:
    if not _PREDICTION_ID.match(job_id):
        raise InputError(f"not a Replicate prediction id: {job_id!r}")


def _check_model(model: str) -> str:
    if not _MODEL.match(model):
        raise InputError(f"{ENV_MODEL}: not an owner/name model: {model!r}")
    return model


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, (a.hostname or "").lower(), a.port) == (
        b.scheme,
        (b.hostname or "").lower(),
        b.port,
    )


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def _iso(unix_s: float) -> str:
    """Unix seconds as the ISO 8601 UTC timestamp Replicate's filters take."""
    return (
        datetime.fromtimestamp(unix_s, tz=UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def _unix(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
