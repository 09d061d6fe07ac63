"""API keys and the URLs they are sent to: kept out of every log, message and row.

Each hosted adapter holds its key in a :class:`Secret` (whose ``repr`` and ``str`` never show
it), runs any text that may echo a request back through :func:`redact`, and accepts a base URL
only through :func:`check_base_url`, which refuses to send a key in clear to another machine.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shortfilm.errors import InputError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts plain http may reach: a local fake or proxy, where nothing crosses a network."""


class Secret:
    """Holds an API key; its ``repr``/``str`` never show it, so no log or traceback can."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


def redact(text: str, key: Secret | None) -> str:
    """``text`` with the key replaced, for messages that may echo a request back."""
    if key is not None and key.reveal():
        text = text.replace(key.reveal(), "<redacted>")
    return text


def check_base_url(url: str, setting: str, *, secret: str = "API key") -> str:
    """``url`` without a trailing slash, or :class:`InputError` naming ``setting`` (the
    environment variable it came from) when it is not http(s), or is plain http to a
    non-loopback host, which would send the ``secret`` in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{setting}: not an http(s) URL: {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InputError(
            f"{setting}: refusing plain http to {parts.hostname}: the {secret} would "
            "travel in clear; use https"
        )
    return url.rstrip("/")
