"""The connection every hosted adapter opens: a checked host, a key that never shows, retries.

ModelArk (Seedance videos, Seedream images) and Replicate differ in their JSON, not in how a
call is made: a Bearer key sent only to the API host, each answer sorted into a result, a busy
server (retried, with the outcome marked unknown when the request may have been acted on) or a
refusal (raised at once), and results downloaded so that a broken transfer resumes. That is
written here once; an adapter names its settings and supplies its error shape.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar, NamedTuple, Self, TypedDict, TypeVar

import httpx

from shortfilm.errors import InputError, ProviderError
from shortfilm.providers.credentials import Secret, check_base_url, redact
from shortfilm.providers.http import (
    RetryPolicy,
    TransientError,
    download,
    is_retryable_status,
    retry_after_s,
    run_with_retries,
    transient_from_transport,
)

T = TypeVar("T")

Params = list[tuple[str, str | int | float | bool | None]] | Mapping[str, str]
"""Query parameters as httpx takes them (pairs may repeat a name)."""


class HostedAPIError(ProviderError):
    """A refusal from a hosted API (a 4xx other than 429, or a 3xx): asking again would fail the
    same way, so it is never retried. ``status_code`` is the HTTP status."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message, retryable=False)
        self.status_code = status_code


class ClientOptions(TypedDict, total=False):
    """What every hosted adapter takes besides its key (see :class:`HostedClient`)."""

    base_url: str | None
    model: str | None
    client: httpx.Client | None
    retry: RetryPolicy | None
    timeout_s: float
    download_timeout_s: float | None
    environ: Mapping[str, str] | None
    sleep: Callable[[float], None]
    rng: random.Random | None


class Settings(NamedTuple):
    """Where an adapter's configuration comes from: environment variables, then defaults."""

    base_url_var: str
    default_base_url: str
    model_var: str
    default_model: str
    key_var: str


class HostedClient:
    """A hosted API: where it is, which model, the key, the HTTP client and the retry policy.

    ``base_url`` and ``model`` default to the adapter's environment variables, then to its
    defaults; ``key`` to its key variable. ``client`` is the transport seam (tests pass one;
    otherwise one is made and closed by :meth:`close`). ``retry`` sets the backoff; ``sleep``
    and ``rng`` make it fast and deterministic in tests. ``timeout_s`` bounds each request
    (and every connect), ``download_timeout_s`` each download. Times are seconds.

    The key lives only in memory, goes only to the API host (and hosts an adapter names in
    :meth:`_download_headers`), never follows a redirect, and is redacted from every message
    built here; ``repr`` says only whether it is set.
    """

    name: str
    """The registry name (``seedance``): also the prefix of log lines and messages."""
    settings: ClassVar[Settings]
    key_word: ClassVar[str] = "key"
    """What the service calls its secret (``token`` on Replicate), in ``repr`` and messages."""
    key_help: ClassVar[str] = ""
    """Where a person gets a key, for the message when none is set."""
    result_expiry: ClassVar[str] = "result URLs live 24 h"
    """How long the service keeps results, for the message when a result URL has expired."""
    default_download_timeout_s: ClassVar[float] = 300.0
    """A video of a few MB; an adapter fetching smaller results may wait less."""

    def __init__(
        self,
        *,
        key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        download_timeout_s: float | None = None,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        secret = "API key" if self.key_word == "key" else self.key_word
        config = self.settings
        self.base_url = check_base_url(
            base_url or env.get(config.base_url_var) or config.default_base_url,
            config.base_url_var,
            secret=secret,
        )
        self.model = self._checked_model(
            model or env.get(config.model_var) or self._default_model(self.base_url)
        )
        key = key if key is not None else env.get(config.key_var, "")
        self._key = Secret(key.strip()) if key and key.strip() else None
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.download_timeout_s = (
            self.default_download_timeout_s if download_timeout_s is None else download_timeout_s
        )
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s)

    @property
    def label(self) -> str:
        """The service as a person names it (``Seedance``), in messages."""
        return self.name.capitalize()

    def _default_model(self, base_url: str) -> str:
        """The model when none is configured (an adapter may pick one per host)."""
        return self.settings.default_model

    def _checked_model(self, model: str) -> str:
        """``model``, or :class:`InputError` when the service could not take the name."""
        return model

    def __repr__(self) -> str:
        state = "set" if self._key else "missing"
        return (
            f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r}, "
            f"{self.key_word}={state})"
        )

    def close(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def account(self) -> str | None:
        """Who pays at this host: the adapter, the host and a hash of the key (never the key).
        Every worker using the same key shares one concurrency limit
        (:mod:`shortfilm.store.slots`); ``None`` without a key."""
        if self._key is None:
            return None
        digest = hashlib.sha256(self._key.reveal().encode()).hexdigest()[:16]
        return f"{type(self).__name__}:{self.base_url}:{digest}"

    # The key ---------------------------------------------------------------------------------

    def _require_key(self) -> Secret:
        """The key, or :class:`InputError` naming the variable to set (nothing is sent)."""
        if self._key is None:
            raise InputError(
                f"no API {self.key_word} for {self.label}: set {self.settings.key_var} in the "
                f"environment{self.key_help}"
            )
        return self._key

    def _auth_headers(self) -> httpx.Headers:
        """Built per call and never kept in a local: ``httpx.Headers`` masks ``Authorization``
        in its ``repr``, so a traceback that shows locals cannot show the key."""
        return httpx.Headers({"Authorization": f"Bearer {self._require_key().reveal()}"})

    def _redact(self, text: str) -> str:
        return redact(text, self._key)

    # Requests --------------------------------------------------------------------------------

    def _api_error(self, response: httpx.Response, what: str) -> HostedAPIError:
        """The service's refusal as an error carrying its own words (key redacted)."""
        raise NotImplementedError

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds a busy answer asks to wait (``Retry-After``), or ``None``."""
        return retry_after_s(response)

    def _busy_detail(self, response: httpx.Response) -> str:
        """What a busy answer says, worth adding to the retry's log line ("" for nothing)."""
        return ""

    def _retrying(
        self,
        attempt: Callable[[int], T],
        what: str,
        *,
        before_retry: Callable[[TransientError], T | None] | None = None,
        on_exhausted: Callable[[TransientError], T | None] | None = None,
    ) -> T:
        """:func:`~.http.run_with_retries` with this provider's policy, sleep and randomness."""
        return run_with_retries(
            attempt,
            policy=self.retry,
            what=what,
            sleep=self._sleep,
            rng=self._rng,
            before_retry=before_retry,
            on_exhausted=on_exhausted,
        )

    def _request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        content: bytes | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        allow_empty: bool = False,
    ) -> object:
        """One request to the API with the key: its JSON (``None`` for an empty body when
        ``allow_empty``), or :class:`TransientError` (429, 5xx, timeouts, broken connections,
        an unreadable body; the outcome unknown unless the request surely did nothing) or
        :class:`HostedAPIError` (anything else from 300 up). ``content`` is sent as JSON;
        ``timeout`` (default ``timeout_s``) bounds the answer, ``timeout_s`` the connect."""
        sent = self._auth_headers()
        sent.update(headers or {})
        if content is not None:
            sent["Content-Type"] = "application/json"
        try:
            response = self._client.request(
                method,
                url,
                content=content,
                params=params,
                headers=sent,
                timeout=httpx.Timeout(timeout or self.timeout_s, connect=self.timeout_s),
                follow_redirects=False,
            )
        except httpx.TransportError as exc:
            raise transient_from_transport(exc, what) from None
        code = response.status_code
        if is_retryable_status(code):
            detail = self._busy_detail(response)
            raise TransientError(
                self._redact(f"{what}: HTTP {code}" + (f": {detail}" if detail else "")),
                outcome_unknown=code != 429,  # a 429 is known to have done nothing
                retry_after=self._retry_after(response),
            )
        if code >= 300:
            raise self._api_error(response, what)
        if allow_empty and not response.content.strip():
            return None
        try:
            data: object = response.json()
        except ValueError:
            raise TransientError(
                f"{what}: unreadable answer (HTTP {code}, {len(response.content)} bytes)",
                outcome_unknown=True,
            ) from None
        return data

    def _get_json(
        self, url: str, what: str, parse: Callable[[object], T], params: Params | None = None
    ) -> T:
        """``GET url`` retried while the server is busy, its JSON read by ``parse``."""
        return self._retrying(
            lambda _: parse(self._request("GET", url, what=what, params=params)), what
        )

    # Downloads -------------------------------------------------------------------------------

    def _download_headers(self, url: str) -> httpx.Headers | None:
        """Credentials a result URL needs: none by default (results are presigned)."""
        return None

    def _download(self, url: str, dest: Path, what: str) -> Path:
        """Stream ``url`` into ``dest``: atomic, resumed with ``Range`` after a break, retried
        while busy; an expired URL is a non-retryable :class:`ProviderError`."""
        return download(
            self._client,
            url,
            dest,
            what=what,
            policy=self.retry,
            timeout=httpx.Timeout(self.download_timeout_s, connect=self.timeout_s),
            headers=self._download_headers(url),
            expiry=self.result_expiry,
            sleep=self._sleep,
            rng=self._rng,
        )
