"""Files a hosted adapter writes so that a crash loses nothing: atomic writes, submit journals.

A paid create must be findable after the process dies between sending it and recording its
id. Each adapter writes a small journal entry (request digest, model, host, send time, then the
job id) *before* the create goes out, and reads it back in ``recover``. Entries never hold the
API key or the prompt.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path

from shortfilm.errors import ProviderError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary name, so ``path`` is whole or absent."""
    tmp = path.with_name(f".{uuid.uuid4().hex[:8]}.{path.name}.partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class SubmitJournal:
    """One JSON entry per request key in ``folder``, written before the request is sent."""

    def __init__(self, folder: Path, provider: str) -> None:
        self.folder = folder
        self.provider = provider
        """Named in the error when an entry cannot be written."""

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def write(self, key: str, entry: Mapping[str, object]) -> None:
        """Record ``entry``; :class:`ProviderError` (not retryable) if it cannot be written,
        because a create sent without it could not be recovered after a crash."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(dict(entry), indent=2).encode("utf-8"))
        except OSError as exc:
            raise ProviderError(
                f"cannot record the {self.provider} submission in {path}: "
                f"{exc.strerror or exc}; nothing was sent",
                retryable=False,
            ) from exc

    def read(self, key: str) -> dict[str, object] | None:
        """The entry for ``key``, or ``None`` when there is none (or it is unreadable)."""
        try:
            data = json.loads(self.path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
