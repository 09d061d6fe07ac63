"""The accounts a home's films are posted to, and where each one's posts are sent.

An account belongs to the home, not to a production: a team posts every film to the same few
accounts. Each has a platform (whose rules its variants are checked against, see
:mod:`shortfilm.domain.platforms`), a handle and locale for the people choosing, the channel
preset it takes, and a publish target:

- ``folder``: the outbox folder (video, cover, captions, ``manifest.json``), the default;
- ``webhook``: a signed POST of the manifest to ``url``, the signing secret read from the
  environment variable the account names (never stored);
- ``postiz``: a Postiz server (``url``, self-hosted or its cloud) and the id of the integration
  (the connected channel) that posts there, the key read from ``POSTIZ_API_KEY``.

Secrets never enter the store: an account records only the *name* of the variable that holds one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from shortfilm.domain.platforms import PLATFORMS, platform

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
HANDLE = re.compile(r"@?[\w.][\w.-]{0,63}")
LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2}|-[A-Z][a-z]{3}(-[A-Z]{2})?)?")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")
POSTIZ_KEY_ENV = "POSTIZ_API_KEY"
WEBHOOK_SECRET_ENV = "SHORTFILM_WEBHOOK_SECRET"


class TargetKind(StrEnum):
    FOLDER = "folder"
    WEBHOOK = "webhook"
    POSTIZ = "postiz"


@dataclass(frozen=True)
class PublishTarget:
    """Where an account's posts are sent (see the module docstring)."""

    kind: TargetKind
    url: str | None = None
    integration: str | None = None
    """Postiz: the id of the connected channel (``GET /public/v1/integrations``)."""
    secret_env: str | None = None
    """Webhook: the environment variable holding the signing secret."""

    def describe(self) -> str:
        if self.kind is TargetKind.WEBHOOK:
            return f"webhook {self.url} (signed with ${self.secret_env})"
        if self.kind is TargetKind.POSTIZ:
            return f"postiz {self.url}, integration {self.integration} (key from ${POSTIZ_KEY_ENV})"
        return "folder (the outbox)"

    def as_json(self) -> dict[str, str]:
        out = {"kind": self.kind.value}
        for key in ("url", "integration", "secret_env"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class SocialAccount:
    """One account films are posted to."""

    name: str
    platform: str
    handle: str
    locale: str
    preset: str
    target: PublishTarget
    created_by: str
    created_at: datetime

    @property
    def label(self) -> str:
        return f"{self.name} ({PLATFORMS[self.platform].label} {self.handle})"


class AccountError(ValueError):
    """An account field that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def checked_account_fields(
    name: str,
    platform_name: str,
    handle: str,
    locale: str,
    preset: str | None,
) -> tuple[str, str, str, str, str]:
    """The fields of a new account, checked and normalised (the handle gets its ``@``, the preset
    defaults to the platform's usual one); :class:`AccountError` naming the first bad one."""
    if not NAME.fullmatch(name):
        raise AccountError(
            "name", f"{name!r}: use lowercase letters, digits and '-', at most 63, e.g. 'tt-main'"
        )
    try:
        where = platform(platform_name)
    except ValueError as exc:
        raise AccountError("platform", str(exc)) from None
    if not HANDLE.fullmatch(handle.strip()):
        raise AccountError("handle", f"{handle!r} is not a handle, e.g. '@wasteland.films'")
    handle = "@" + handle.strip().removeprefix("@")
    if not LOCALE.fullmatch(locale):
        raise AccountError("locale", f"{locale!r} is not a locale such as 'en', 'en-US', 'pt-BR'")
    chosen = preset or where.preset
    if chosen not in where.presets:
        raise AccountError(
            "preset",
            f"{where.label} takes {' or '.join(where.presets)} videos, not {chosen!r}",
        )
    return name, where.name, handle, locale, chosen


def checked_target(
    kind: str,
    *,
    url: str | None = None,
    integration: str | None = None,
    secret_env: str | None = None,
) -> PublishTarget:
    """A publish target from what a person typed; :class:`AccountError` naming the bad field."""
    try:
        which = TargetKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in TargetKind)
        raise AccountError("target", f"{kind!r} is not a target; known: {known}") from None
    if which is TargetKind.FOLDER:
        for field, value in (
            ("url", url),
            ("integration", integration),
            ("secret-env", secret_env),
        ):
            if value:
                raise AccountError(field, "a folder target takes no " + field)
        return PublishTarget(which)
    if not url:
        raise AccountError("url", f"a {which.value} target needs the URL it sends to")
    _check_url(url)
    if which is TargetKind.WEBHOOK:
        if integration:
            raise AccountError("integration", "only a postiz target has an integration")
        env = secret_env or WEBHOOK_SECRET_ENV
        if not ENV_NAME.fullmatch(env):
            raise AccountError(
                "secret-env",
                f"{env!r} is not an environment variable name (the secret itself is never "
                "given or stored: name the variable that holds it)",
            )
        return PublishTarget(which, url=url.rstrip("/"), secret_env=env)
    if secret_env:
        raise AccountError("secret-env", f"a postiz target's key is read from ${POSTIZ_KEY_ENV}")
    if not integration or not re.fullmatch(r"[\w-]{1,128}", integration):
        raise AccountError(
            "integration",
            "a postiz target needs the id of its connected channel "
            "(GET /public/v1/integrations lists them)",
        )
    return PublishTarget(which, url=url.rstrip("/"), integration=integration)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountError("url", f"{url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise AccountError("url", "put no credentials in the URL: they would be stored")
    if parts.query or parts.fragment:
        raise AccountError("url", "the URL takes no query or fragment")
