"""A small client for OpenAI-compatible chat-completions endpoints, used to draft clip plans.

Many servers speak this protocol (OpenAI itself, vLLM, llama.cpp, Ollama, LM Studio, hosted
gateways), so one client with a configurable base URL covers all of them. It does one thing:
POST ``{base_url}/chat/completions`` and return the reply's text. Failures become a
:class:`~shortfilm.errors.ProviderError` whose ``retryable`` says whether trying again later may
help (rate limits, server errors, timeouts, dropped connections) or a person must change
something first (a wrong key, model or URL). The client does not retry by itself: the caller
knows whether a retry is worth its cost.

Configuration comes from the environment (:meth:`ChatClient.from_env`), never from a spec file,
so keys do not end up in version control.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from shortfilm.errors import InputError, ProviderError

ENV_BASE_URL = "SHORTFILM_LLM_BASE_URL"
"""The endpoint root including its version path, e.g. ``https://api.openai.com/v1``."""
ENV_API_KEY = "SHORTFILM_LLM_API_KEY"
"""Sent as ``Authorization: Bearer``; may be unset for a local server that needs none."""
ENV_MODEL = "SHORTFILM_LLM_MODEL"
"""The model name the server knows, e.g. ``gpt-4o-mini``; required with a base URL."""

DEFAULT_TIMEOUT_S = 60.0
_ERROR_TEXT_LIMIT = 300


class ChatClient:
    """Chat completions over HTTP, one request per :meth:`complete` call.

    ``client`` lets tests and callers share an ``httpx.Client`` (its transport, proxies,
    connection pool); when omitted, the chat client makes its own and closes it in
    :meth:`close`. ``timeout`` is seconds per request.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        temperature: float = 0.2,
    ) -> None:
        if not base_url.strip():
            raise InputError("chat endpoint base URL is empty")
        if not model.strip():
            raise InputError("chat model name is empty")
        self.base_url = base_url.strip().rstrip("/")
        self.api_key = api_key
        self.model = model.strip()
        self.timeout = timeout
        self.temperature = temperature
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChatClient | None:
        """The client configured by ``SHORTFILM_LLM_*``, or ``None`` when no base URL is set.

        ``None`` means "plan deterministically"; a base URL without a model is a mistake and
        raises :class:`InputError` rather than silently falling back.
        """
        values = os.environ if env is None else env
        base_url = values.get(ENV_BASE_URL, "").strip()
        if not base_url:
            return None
        model = values.get(ENV_MODEL, "").strip()
        if not model:
            raise InputError(f"{ENV_BASE_URL} is set but {ENV_MODEL} is not: name the model")
        return cls(base_url, values.get(ENV_API_KEY, "").strip(), model)

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"

    def complete(self, messages: list[dict[str, str]], *, response_format_json: bool = True) -> str:
        """The assistant's reply text to ``messages`` (``[{"role": ..., "content": ...}]``).

        With ``response_format_json`` the server is asked for a JSON object (JSON mode); the
        text is returned as sent, parsing is the caller's. Raises :class:`ProviderError`.
        """
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
        }
        if response_format_json:
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            response = self._client.post(
                self.endpoint, json=body, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise ProviderError(
                f"chat endpoint {self.endpoint} timed out after {self.timeout:g} s",
                retryable=True,
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                f"chat endpoint {self.endpoint} unreachable: {exc}", retryable=True
            ) from exc
        if response.status_code != 200:
            raise self._status_error(response)
        return self._reply_text(response)

    def close(self) -> None:
        """Close the HTTP client if this object made it; a borrowed one stays open."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        return f"ChatClient(base_url={self.base_url!r}, model={self.model!r})"

    def _status_error(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        retryable = status == 429 or status >= 500
        message = (
            f"chat endpoint {self.endpoint} answered HTTP {status}: {_server_message(response)}"
        )
        if status == 429 and response.headers.get("retry-after"):
            message += f" (retry after {response.headers['retry-after']} s)"
        elif status in (401, 403):
            message += f" (check {ENV_API_KEY})"
        elif status == 404:
            message += f" (check {ENV_BASE_URL} and {ENV_MODEL}={self.model!r})"
        return ProviderError(message, retryable=retryable)

    def _reply_text(self, response: httpx.Response) -> str:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderError(
                f"chat endpoint {self.endpoint} sent a reply that is not JSON: "
                f"{_snippet(response.text)}"
            ) from exc
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError(
                f"chat endpoint {self.endpoint} sent no choices[0].message: {_snippet(str(data))}"
            ) from exc
        if not isinstance(message, dict):
            raise ProviderError(
                f"chat endpoint {self.endpoint}: choices[0].message is not an object"
            )
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            refusal = message.get("refusal")
            why = f"the model refused: {refusal}" if refusal else "the reply has no text content"
            raise ProviderError(f"chat model {self.model!r}: {why}")
        if isinstance(choice, dict) and choice.get("finish_reason") == "length":
            raise ProviderError(
                f"chat model {self.model!r} stopped at its token limit; the reply is cut off",
                retryable=False,
            )
        return content


def _server_message(response: httpx.Response) -> str:
    """The server's own explanation: OpenAI's ``{"error": {"message"}}`` or the body text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _snippet(response.text) or response.reason_phrase
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return _snippet(json.dumps(data))


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[: _ERROR_TEXT_LIMIT - 3] + "..."


__all__ = ["DEFAULT_TIMEOUT_S", "ENV_API_KEY", "ENV_BASE_URL", "ENV_MODEL", "ChatClient"]
