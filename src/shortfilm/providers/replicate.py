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

**Never paid twice.** The journal, the claims, the reconciliation of a create whose outcome is
unknown and the resumable download are :class:`~.hosted.HostedTaskProvider`'s; what is
Replicate's is how a lost prediction is recognised (:mod:`.replicate_predictions`). Replicate
echoes a prediction's ``input`` in the list, so the adapter lists predictions created since the
first attempt began (minus :data:`RECONCILE_SLACK_S` for clock skew, newest first, following the
``next`` cursor) and takes one of this model whose ``input`` equals the one sent: the SHA-256 of
the canonical input JSON must match. ⚠ Replicate says it does not store data-URL files, so an
echo may carry them rewritten (an HTTPS URL) or not at all; then every other field (the prompt,
seed, duration, ...) must be equal and the number of images the same
(:func:`~.replicate_api.input_matches`). API predictions' inputs are removed after an hour, so
matching by input works within that hour. The journal (``replicate-submissions`` under
``workdir``) keeps the input digest, model, send time and prediction id; never the token or the
prompt.

**The token** comes from ``REPLICATE_API_TOKEN`` (or the constructor), lives only in memory,
is sent only to the API host and to Replicate's file host (``replicate.delivery``, whose URLs
the docs say need it), never follows a redirect, and is redacted from every message this
module builds; ``repr`` shows only whether it is set. A missing token is an
:class:`~shortfilm.errors.InputError` naming the variable at the first call that needs it.
Outputs are downloaded at once and resumed with ``Range`` when a transfer breaks.

**Cost** is ``metrics.predict_time`` in seconds (:attr:`cost_unit` ``seconds``). ⚠ Replicate
bills some official models per second of *output* instead; the metadata keeps both figures.
:meth:`ReplicateProvider.estimate_cost` is a deliberately high guess of the predict time
(``predict_s_per_output_s`` at 720p, scaled by pixels), capped at Replicate's 30-minute
prediction timeout, since budgets must not be underestimated.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Set
from pathlib import Path
from typing import Unpack
from urllib.parse import quote

import httpx

from shortfilm.errors import InputError, ProviderError
from shortfilm.providers.base import GenerationRequest, ProviderJob, ProviderLimits, TakeStatus
from shortfilm.providers.hosted import HostedTaskProvider
from shortfilm.providers.hosted_client import Settings
from shortfilm.providers.hosted_task import Pacing, TaskOptions
from shortfilm.providers.replicate_api import (
    ENV_API_TOKEN,
    PREDICTION_STATES,
    Prediction,
    PredictionPage,
    ReplicateAPIError,
    input_digest,
    input_matches,
    iso_time,
    output_url,
    parse_answer,
    problem_json,
    replicate_api_error,
    retry_after_hint,
    same_origin,
    token_may_see,
)
from shortfilm.providers.replicate_predictions import matching_predictions, prediction_metadata
from shortfilm.providers.replicate_request import (
    MODELS,
    PreparedPrediction,
    ReplicateModel,
    build_prediction,
    model_spec,
    resolution_and_aspect,
)
from shortfilm.providers.seedance_family import OUTPUT_SIZES, RATIOS

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "PreparedPrediction",
    "ReplicateAPIError",
    "ReplicateModel",
    "ReplicateProvider",
    "input_digest",
    "input_matches",
    "model_spec",
    "output_url",
    "retry_after_hint",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_MODEL = "bytedance/seedance-2.0"

ENV_BASE_URL = "SHORTFILM_REPLICATE_BASE_URL"
ENV_MODEL = "SHORTFILM_REPLICATE_MODEL"

DEFAULT_MAX_IMAGE_BYTES = 256 * 1024
"""Per image, before base64: Replicate's advice for data URLs ("small files <= 256kb")."""

RECONCILE_SLACK_S = 300.0
"""Predictions created up to this long before the first attempt still count (clock skew)."""

SUBMITS_PER_S = 10.0
"""Replicate's documented create limit, 600 a minute."""

JOURNAL_DIR = "replicate-submissions"
"""Folder under ``workdir`` holding one small JSON per request sent (see :meth:`recover`)."""

PREDICTION_TIMEOUT_S = 1800.0
"""Replicate stops a prediction after 30 minutes of running: no more predict time is billed."""

DEFAULT_PREDICT_S_PER_OUTPUT_S = 40.0
"""⚠ Guessed seconds of predict time per second of 720p output, for estimates only (no
published figure); on the high side so that budgets are not overrun."""

_CANCEL_AFTER = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$")
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


class ReplicateProvider(HostedTaskProvider[PreparedPrediction, Prediction]):
    """A video model on Replicate. See the module docstring for the rules.

    ``api_token`` defaults to ``REPLICATE_API_TOKEN``. ``cancel_after`` is a Replicate deadline
    (``"30m"``, ``"1h30m"``) sent as ``Cancel-After``. ``predict_s_per_output_s`` drives the
    estimate. The other options (client, retries, timeouts, clock, images, sound, ...) are
    :class:`~.hosted.HostedTaskProvider`'s; a 429's wait is read from ``Retry-After`` or its
    body's hint, never above the retry cap. Times are seconds.
    """

    name = "replicate"
    cost_unit = "seconds"
    prompt_form = "reference-mode"
    settings = Settings(ENV_BASE_URL, DEFAULT_BASE_URL, ENV_MODEL, DEFAULT_MODEL, ENV_API_TOKEN)
    key_word = "token"
    key_help = " (replicate.com/account/api-tokens)"
    result_expiry = "Replicate removes the outputs of API predictions after an hour"
    journal_dir = JOURNAL_DIR
    job_noun = "prediction"
    id_pattern = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
    states = PREDICTION_STATES
    pacing = Pacing(create_timeout_s=60.0, reconcile_grace_s=3.0, poll_interval_s=2.0)
    image_bytes = DEFAULT_MAX_IMAGE_BYTES

    def __init__(
        self,
        workdir: Path,
        *,
        api_token: str | None = None,
        cancel_after: str | None = None,
        predict_s_per_output_s: float = DEFAULT_PREDICT_S_PER_OUTPUT_S,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(workdir, key=api_token, **options)
        if cancel_after is not None and not _CANCEL_AFTER.match(cancel_after):
            raise InputError(
                f"cancel_after: not a duration like '30m' or '1h30m': {cancel_after!r}"
            )
        self.cancel_after = cancel_after
        self.spec = model_spec(self.model)
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
        self.predict_s_per_output_s = predict_s_per_output_s

    @classmethod
    def from_env(cls, workdir: Path) -> ReplicateProvider:
        """Configured from ``SHORTFILM_REPLICATE_BASE_URL``, ``SHORTFILM_REPLICATE_MODEL`` and
        ``REPLICATE_API_TOKEN``."""
        return cls(workdir)

    # The protocol ----------------------------------------------------------------------------

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

    def prepare(self, request: GenerationRequest) -> PreparedPrediction:
        """Check ``request`` against the model's rules and build the body; sends nothing.

        :class:`InputError` for an empty prompt, a duration outside the model's range, too
        many references, mixed reference and frame modes, a frame size no aspect ratio fits,
        a seed out of range, or an unreadable image (naming the file); the message starts
        with the clip's name.
        """
        try:
            return build_prediction(
                request,
                model=self.model,
                spec=self.spec,
                generate_audio=self.generate_audio,
                max_image_bytes=self.max_image_bytes,
            )
        except InputError as exc:
            raise InputError(f"clip {request.clip.name}: {exc}") from None

    # Beyond the protocol ---------------------------------------------------------------------

    def get_prediction(self, job_id: str) -> Prediction:
        """The prediction as ``GET /predictions/{id}`` reports it now (retried when busy)."""
        self._check_id(job_id)
        what = f"replicate get {job_id}"
        url = f"{self.base_url}/predictions/{quote(job_id)}"
        return self._get_json(url, what, lambda data: parse_answer(Prediction, data, what))

    _get = get_prediction

    def list_predictions(
        self, *, created_after: float | None = None, cursor_url: str | None = None
    ) -> PredictionPage:
        """One page of the account's predictions, newest first (100 a page on Replicate).

        ``cursor_url`` is a page's ``next`` (or ``previous``) URL; it is followed only when
        it points at the API host, so the token never goes elsewhere.
        """
        params: dict[str, str] | None = None
        if cursor_url is not None:
            if not same_origin(cursor_url, self.base_url):
                raise ProviderError(
                    "replicate list: refusing a cursor URL on another host: "
                    f"{cursor_url.split('?', 1)[0]}",
                    retryable=False,
                )
            url = cursor_url
        else:
            url = f"{self.base_url}/predictions"
            if created_after is not None:
                params = {"created_after": iso_time(created_after)}
        what = "replicate list"
        return self._get_json(
            url, what, lambda data: parse_answer(PredictionPage, data, what), params
        )

    def cancel(self, job_id: str) -> ProviderJob:
        """Cancel the prediction (``POST /predictions/{id}/cancel``); return where it stands.

        Canceling a finished prediction changes nothing. A prediction that had started is
        billed for the time it ran; one that had not is free.
        """
        self._check_id(job_id)
        what = f"replicate cancel {job_id}"
        url = f"{self.base_url}/predictions/{quote(job_id)}/cancel"

        def once(_: int) -> Prediction | None:
            data = self._request("POST", url, what=what, allow_empty=True)
            if isinstance(data, dict) and "status" in data and "id" in data:
                return parse_answer(Prediction, data, what)
            return None  # an empty answer: ask where it stands

        prediction = self._retrying(once, what)
        return self._job(prediction) if prediction is not None else self.status(job_id)

    # The hosted task's steps -----------------------------------------------------------------

    def _checked_model(self, model: str) -> str:
        if not _MODEL.match(model):
            raise InputError(f"{ENV_MODEL}: not an owner/name model: {model!r}")
        return model

    def _api_error(self, response: httpx.Response, what: str) -> ReplicateAPIError:
        return replicate_api_error(response, what, self._key)

    def _retry_after(self, response: httpx.Response) -> float | None:
        return retry_after_hint(response) if response.status_code == 429 else None

    def _busy_detail(self, response: httpx.Response) -> str:
        problem = problem_json(response)
        return str(problem.get("detail") or problem.get("title") or "")

    def _download_headers(self, url: str) -> httpx.Headers | None:
        return self._auth_headers() if self._may_see_token(url) else None

    def _create_url(self, prepared: PreparedPrediction) -> str:
        return f"{self.base_url}/models/{self.model}/predictions"

    def _create_headers(self) -> dict[str, str]:
        return {"Cancel-After": self.cancel_after} if self.cancel_after else {}

    def _created_id(self, data: object, what: str) -> str:
        return parse_answer(Prediction, data, what).id

    def _read_job(self, remote: Prediction) -> tuple[str, str, str | None, float]:
        return remote.id, remote.status, remote.error_text, remote.predict_time

    def _why_stopped(self, remote: Prediction, status: TakeStatus) -> str | None:
        if status is TakeStatus.FAILED:
            return "prediction failed without an error message"
        if remote.status == "aborted":
            return "prediction aborted: its deadline passed before it started (not billed)"
        return "prediction canceled"

    def _candidates(self, prepared: PreparedPrediction, since: float, taken: Set[str]) -> list[str]:
        """Predictions of this model whose echoed input is the one sent, oldest first."""
        recent = self._recent_predictions(since - RECONCILE_SLACK_S)
        return matching_predictions(recent, prepared, self.model, taken)

    def _result_urls(self, job_id: str, remote: Prediction) -> tuple[str, str | None]:
        if remote.status != "succeeded":
            reason = f" ({remote.error_text})" if remote.error_text else ""
            raise ProviderError(
                f"replicate prediction {job_id} is {remote.status}; nothing to fetch{reason}",
                retryable=remote.status in ("starting", "processing"),
            )
        url = output_url(remote.output)
        if url is None:
            why = (
                "its output was removed (Replicate keeps API outputs for an hour)"
                if remote.data_removed
                else "it succeeded without an output URL"
            )
            raise ProviderError(f"replicate prediction {job_id}: {why}", retryable=False)
        return url, None  # Replicate offers no last frame: it is decoded from the video

    def _metadata(
        self, remote: Prediction, video_url: str, last_frame_source: str
    ) -> dict[str, object]:
        return prediction_metadata(
            remote,
            video_url,
            provider=self.name,
            model=self.model,
            cost_unit=self.cost_unit,
            last_frame_source=last_frame_source,
        )

    # Internals -------------------------------------------------------------------------------

    def _may_see_token(self, url: str) -> bool:
        return token_may_see(url, self.base_url)

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
