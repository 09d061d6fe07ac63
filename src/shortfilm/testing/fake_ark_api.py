"""The ModelArk API as the fake speaks it: its routes, its operations and faults, its errors.

Shared by the fake's state (:mod:`.fake_modelark`), its Seedream images (:mod:`.fake_seedream`)
and its HTTP layer (:mod:`.fake_modelark_http`). An error is raised as an :class:`ApiError` and
answered in the documented envelope ``{"error": {"code", "message", "param", "type"}}``.
"""

from __future__ import annotations

import base64
import binascii
import re

API_PREFIX = "/api/v3"
TASKS = API_PREFIX + "/contents/generations/tasks"
RESULTS = "/tos"
IMAGES = API_PREFIX + "/images/generations"
STATS = "/_fake/stats"
"""Not part of the API: the counters, for a test or bench running the fake in another process."""

OPS = ("create", "get", "list", "delete", "download", "images")


class ApiError(Exception):
    """An error answer: HTTP status, the envelope's code, message, param and type."""

    def __init__(
        self, status: int, code: str, message: str, *, param: str = "", kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.kind = kind or {
            400: "BadRequest",
            401: "Unauthorized",
            404: "NotFound",
            409: "Conflict",
            429: "TooManyRequests",
        }.get(status, "InternalServerError")


def bad(message: str, param: str = "", code: str = "InvalidParameter") -> ApiError:
    return ApiError(400, code, message, param=param)


def not_found(task_id: str) -> ApiError:
    return ApiError(
        404,
        "ResourceNotFound",
        f"The specified task {task_id} is not found.",
        kind="NotFound",
    )


IMAGE_FORMATS = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
"""Image formats both ModelArk endpoints document."""


def data_url_bytes(url: str, param: str, *, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and declared format of an image sent as a data URL, checked before decoding:
    a data URL at all (the real service downloads http(s) URLs; the fake has no internet),
    valid base64, at most ``max_bytes``. :class:`ApiError` (400) naming ``param``."""
    match = re.fullmatch(r"data:image/([a-z]+);base64,(.*)", url, flags=re.DOTALL)
    if match is None:
        raise bad(f"{param}: resource download failed", param)
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise bad(f"{param}: invalid base64 data", param) from None
    if len(data) > max_bytes:
        raise bad(f"{param}: image larger than {max_bytes // (1024 * 1024)} MB", param)
    return data, match.group(1).replace("jpg", "jpeg")


def check_format(declared: str, found: str, param: str) -> None:
    """:class:`ApiError` (400) unless the decoded format is a documented one and the one the
    data URL declares."""
    if found not in IMAGE_FORMATS or declared != found:
        raise bad(f"{param}: image format {declared}/{found} is not supported", param)
