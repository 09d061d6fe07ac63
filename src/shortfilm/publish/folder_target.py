"""The ``folder`` target: the outbox a person (or a sync tool) posts from.

Each publication is a folder of its own, ``HOME/publish/SLUG/accounts/ACCOUNT/MARK/``, holding
the film, ``post.txt`` (the text to paste) and ``manifest.json``; it is built beside its place
and renamed into it (:func:`~shortfilm.publish.folder.write_folder`), so it exists whole or not
at all, and a reconciling attempt finds it by the mark its manifest carries.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shortfilm.domain.publishing import PublicationState
from shortfilm.publish.folder import write_folder
from shortfilm.publish.targets import Outgoing, Sent


class FolderTarget:
    """See the module docstring."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def folder(self, out: Outgoing) -> Path:
        return self.home / "publish" / out.slug / "accounts" / out.account.name / out.mark

    def find(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent | None:
        manifest = self.folder(out) / "manifest.json"
        try:
            said = json.loads(manifest.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(said, dict) or said.get("mark") != out.mark:
            return None
        return Sent(out.mark, _state(out), str(self.folder(out)))

    def upload(self, out: Outgoing) -> Mapping[str, Any] | None:
        return None

    def create(self, out: Outgoing, upload: Mapping[str, Any] | None) -> Sent:
        dest = self.folder(out)
        video = f"{out.mark}.mp4"
        manifest = {
            **out.manifest,
            "mark": out.mark,
            "file": video,
            "post_text_file": "post.txt",
        }
        with tempfile.TemporaryDirectory(prefix=".post-", dir=self.home) as tmp:
            text = Path(tmp) / "post.txt"
            text.write_text(out.text + "\n" if out.text else "", "utf-8")
            write_folder(dest, [(out.video, video), (text, "post.txt")], manifest)
        return Sent(out.mark, _state(out), str(dest))


def _state(out: Outgoing) -> PublicationState:
    """In the outbox, a post due later is held for its time (its manifest says when)."""
    due = out.at is not None and out.at > datetime.now(UTC)
    return PublicationState.SCHEDULED if due else PublicationState.PUBLISHED
