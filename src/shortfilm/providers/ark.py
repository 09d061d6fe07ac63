"""The Ark API family's shared shapes (BytePlus ModelArk / Volcengine Ark).

Seedance (video tasks) and Seedream (images) answer with the same JSON: the task and usage
models, the ``{"error": {code, message, param}}`` envelope, and the same Bearer key, which must
never reach a log, an error message or a row. One copy here keeps the two adapters from drifting.
"""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from shortfilm.errors import ProviderError
from shortfilm.providers.base import TakeStatus
from shortfilm.providers.credentials import Secret, redact
from shortfilm.providers.hosted_client import HostedAPIError

ENV_API_KEY = "ARK_API_KEY"
ENV_BASE_URL = "SHORTFILM_SEEDANCE_BASE_URL"
"""The API host for every Ark adapter (Seedance and Seedream share it, hence the name)."""

BYTEPLUS_BASE_URL = "https://ark.ap-southeast.bytepluses.com/api/v3"
VOLCENGINE_BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"

_M = TypeVar("_M", bound=BaseModel)


TASK_STATES = {
    "queued": TakeStatus.QUEUED,
    "running": TakeStatus.RUNNING,
    "succeeded": TakeStatus.SUCCEEDED,
    "failed": TakeStatus.FAILED,
    "cancelled": TakeStatus.CANCELLED,
    "expired": TakeStatus.FAILED,
}
"""A content-generation task's states (``cancelled`` only from the queue, ``expired`` past
``execution_expires_after``) as take statuses."""


class ArkUsage(BaseModel):
    model_config = ConfigDict(extra="allow")

    completion_tokens: int = 0
    total_tokens: int | None = None

    @property
    def tokens(self) -> int:
        """What is billed: ``total_tokens`` when given, else ``completion_tokens``."""
        return self.total_tokens if self.total_tokens is not None else self.completion_tokens


class ArkContent(BaseModel):
    model_config = ConfigDict(extra="allow")

    video_url: str | None = None
    last_frame_url: str | None = None


class ArkTaskError(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = ""
    message: str = ""


class ArkTask(BaseModel):
    """A task as get/list report it. Echo fields are optional: running tasks omit most."""

    model_config = ConfigDict(extra="allow")

    id: str
    model: str = ""
    status: str
    created_at: int = 0
    updated_at: int = 0
    content: ArkContent | None = None
    usage: ArkUsage | None = None
    error: ArkTaskError | None = None
    failure_reason: str | None = None
    seed: int | None = None
    resolution: str | None = None
    ratio: str | None = None
    duration: int | None = None
    framespersecond: int | None = None
    generate_audio: bool | None = None
    execution_expires_after: int | None = None
    service_tier: str | None = None
    revised_prompt: str | None = None

    @property
    def error_text(self) -> str | None:
        """``code: message`` of a failed task (older API versions: ``failure_reason``)."""
        if self.error is not None and (self.error.code or self.error.message):
            return ": ".join(p for p in (self.error.code, self.error.message) if p)
        return self.failure_reason or None


class ArkTaskList(BaseModel):
    model_config = ConfigDict(extra="allow")

    total: int = 0
    items: list[ArkTask] = []


class ArkAPIError(HostedAPIError):
    """An error answer from the API, with its HTTP status and the envelope's code and param."""

    def __init__(self, message: str, *, status_code: int, code: str = "", param: str = "") -> None:
        super().__init__(message, status_code=status_code)
        self.code = code
        self.param = param


def ark_api_error(response: httpx.Response, what: str, key: Secret | None) -> ArkAPIError:
    """The Ark error envelope ``{"error": {code, message, param}}`` as an :class:`ArkAPIError`.

    Shared by every adapter of the Ark API family (Seedance videos, Seedream images).
    """
    code, message, param = "", "", ""
    try:
        err = response.json().get("error") or {}
        code = str(err.get("code") or "")
        message = str(err.get("message") or "")
        param = str(err.get("param") or "")
    except (ValueError, AttributeError):
        message = response.text[:300]
    detail = f"HTTP {response.status_code}" + (f" {code}" if code else "")
    text = f"{what}: {detail}: {message or response.reason_phrase}"
    if param:
        text += f" (param {param})"
    if response.status_code == 401:
        text += f"; check {ENV_API_KEY}"
    return ArkAPIError(redact(text, key), status_code=response.status_code, code=code, param=param)


def parse_answer(model: type[_M], data: object, what: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProviderError(
            f"{what}: unexpected answer shape: {exc.errors()[0]['msg']}", retryable=True
        ) from None
