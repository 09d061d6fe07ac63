"""Replicate's HTTP API as data: predictions, pages, problems, and what matching needs.

The shapes ``replicate.com/docs/reference/http`` documents (a prediction, a page of them, the
problem JSON of an error), read with pydantic so an unexpected answer is a clear, retryable
failure; and the pure functions the adapter (:mod:`.replicate`) builds on: the label spelling
Replicate's schema uses, the canonical digest of an input and the comparison of an echoed
input with the one sent (how a lost create is recognised), the output URL, the 429's hint,
and where the token may go.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from shortfilm.providers.base import TakeStatus
from shortfilm.providers.credentials import Secret, redact
from shortfilm.providers.hosted_client import HostedAPIError
from shortfilm.providers.http import TransientError, retry_after_s

ENV_API_TOKEN = "REPLICATE_API_TOKEN"

FILE_FIELDS = ("reference_images", "image", "last_frame_image", "reference_videos")
"""Input fields holding files: the ones Replicate may echo rewritten (see :func:`input_matches`)."""

PREDICTION_STATES = {
    "starting": TakeStatus.QUEUED,
    "processing": TakeStatus.RUNNING,
    "succeeded": TakeStatus.SUCCEEDED,
    "failed": TakeStatus.FAILED,
    "canceled": TakeStatus.CANCELLED,
    "aborted": TakeStatus.CANCELLED,
}
"""A prediction's states (``aborted``: its ``Cancel-After`` deadline passed before it started)
as take statuses."""

FILE_HOSTS = ("replicate.delivery",)
"""Output hosts (and their subdomains) that may see the token, besides the API host itself."""

_M = TypeVar("_M", bound=BaseModel)


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
        return unix_time(self.created_at)


class PredictionPage(BaseModel):
    model_config = ConfigDict(extra="allow")

    previous: str | None = None
    next: str | None = None
    results: list[Prediction] = []


class ReplicateAPIError(HostedAPIError):
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
        super().__init__(message, status_code=status_code)
        self.title = title
        self.detail = detail
        self.invalid_fields = invalid_fields


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


def replicate_api_error(
    response: httpx.Response, what: str, token: Secret | None
) -> ReplicateAPIError:
    """Replicate's problem JSON (``title``, ``detail``, ``invalid_fields``) as a
    :class:`ReplicateAPIError`, the token redacted."""
    problem = problem_json(response)
    title = str(problem.get("title") or response.reason_phrase or "")
    detail = str(problem.get("detail") or "").strip()
    fields_raw = problem.get("invalid_fields")
    fields = (
        tuple(f for f in fields_raw if isinstance(f, dict)) if isinstance(fields_raw, list) else ()
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
        redact(message, token),
        status_code=response.status_code,
        title=redact(title, token),
        detail=redact(detail, token),
        invalid_fields=fields,
    )


def problem_json(response: httpx.Response) -> dict[str, Any]:
    """Replicate's problem JSON (``title``, ``detail``, ...), or ``{}`` when the body is not."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def parse_answer(model: type[_M], data: object, what: str) -> _M:
    """``data`` read as ``model``; an unexpected shape is a :class:`TransientError` whose
    outcome is unknown (a garbled answer may hide a made prediction; asking again may not)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TransientError(
            f"{what}: unexpected answer shape: {exc.errors()[0]['msg']}", outcome_unknown=True
        ) from None


def iso_time(unix_s: float) -> str:
    """Unix seconds as the ISO 8601 UTC timestamp Replicate's filters take."""
    return (
        datetime.fromtimestamp(unix_s, tz=UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def unix_time(stamp: str | None) -> float | None:
    """An ISO 8601 timestamp as unix seconds (UTC when it names no zone); ``None`` when absent
    or unreadable."""
    if not stamp:
        return None
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is on ``base``'s scheme, host and port (a cursor URL must be)."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, (a.hostname or "").lower(), a.port) == (
        b.scheme,
        (b.hostname or "").lower(),
        b.port,
    )


def token_may_see(url: str, base_url: str) -> bool:
    """Whether the token may go to ``url``: the API's own origin, or HTTPS on Replicate's file
    host (:data:`FILE_HOSTS`, subdomains included), whose URLs the docs say need it."""
    host = (urlsplit(url).hostname or "").lower()
    if same_origin(url, base_url):
        return True
    return urlsplit(url).scheme == "https" and any(
        host == h or host.endswith("." + h) for h in FILE_HOSTS
    )
