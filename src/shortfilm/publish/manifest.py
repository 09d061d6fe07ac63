"""One render's entry in ``manifest.json``: its files, its figures and the approval it carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shortfilm.domain.render import Render
from shortfilm.store import naming, publications
from shortfilm.store.repo import Store, Tx


def manifest_entry(
    store: Store, tx: Tx, slug: str, edit_version: int, render: Render
) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    """The manifest entry of ``render`` and its files to copy, as ``(stored path, name in the
    folder)``: the video, then its caption sidecars and cover when it has them."""
    video = Path(naming.render(slug, edit_version, render.preset)).name
    files = [(store.artifact_path(render.sha256), video)]
    sidecars: dict[str, str] = {}
    for key, sha, suffix in (
        ("srt", render.srt_sha256, ".srt"),
        ("vtt", render.vtt_sha256, ".vtt"),
        ("cover", render.cover_sha256, "__cover.jpg"),
    ):
        if sha is not None:
            name = Path(naming.render_sidecar(slug, edit_version, render.preset, suffix)).name
            files.append((store.artifact_path(sha), name))
            sidecars[key] = name
    approval = publications.approval(tx, render.stored_id)
    assert approval is not None, "the caller checked the render passes the final gate"
    entry = {
        "preset": render.preset,
        "file": video,
        "sha256": render.sha256,
        "duration_s": render.duration_s,
        "width": render.width,
        "height": render.height,
        "integrated_lufs": render.integrated_lufs,
        "checks": render.status,
        "sidecars": sidecars,
        "approval": {
            "decision": approval.decision,
            "by": approval.reviewer,
            "role": approval.role,
            "at": approval.created_at.isoformat(),
            "note": approval.note,
            "in_advance": approval.in_advance,
            "rubric": dict(approval.rubric),
        },
    }
    return entry, files
