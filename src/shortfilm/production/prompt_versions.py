"""A clip's prompt versions: written when the prompt's content changed, by an import of the spec
or by a person revising one clip's plan (:mod:`shortfilm.production.clip_revision`).

The prompt is made from the clip's plan and the board (:class:`VideoPrompt`), and names the
board's reference images, or the clip's first/last frames, as the model will receive them. Its
content hash decides whether anything changed: the same plan twice adds no version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.board import BoardVersion
from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.render import FIRST_FRAME, LAST_FRAME, NamedReference, render_plain
from shortfilm.spec.paths import resolve_inside
from shortfilm.store import clip_plans, naming
from shortfilm.store.repo import Store, Tx, content_hash


def record_prompt(
    store: Store,
    s: Tx,
    production: Production,
    position: int,
    clip_id: int,
    board: BoardVersion,
    frames: dict[str, Any] | None,
    *,
    conflict: str,
) -> int | None:
    """Write the clip's next prompt version from its plan in ``production``, unless its newest
    already says the same; the new version's number, or ``None``. ``frames`` as
    :func:`clip_frames` records them. :class:`~shortfilm.errors.ConflictError` with ``conflict``
    when another writer took the number meanwhile."""
    plan = production.clips[position - 1]
    prompt = VideoPrompt.from_clip(production.board, plan)
    sections = prompt.sections()
    if frames is not None:
        # only frame-mode clips get the key, so every other prompt keeps its hash
        sections["frames"] = frames
    digest = content_hash(sections)
    if clip_plans.latest_prompt_hash(s, clip_id) == digest:
        return None
    named = [NamedReference(r["role"], r["label"]) for r in board.references]
    version = clip_plans.next_prompt_version(s, clip_id)
    clip_plans.claim_prompt_version(
        s,
        clip_id,
        version,
        sections,
        render_plain(prompt, named if frames is None else frame_names(frames)),
        digest,
        conflict,
    )
    return version


def clip_frames(store: Store, plan: ClipPlan, base: Path) -> dict[str, Any] | None:
    """The clip's first/last frames as a prompt version records them, or ``None`` without any.

    Each image is stored by content and recorded as ``{"sha256", "path"}`` (the path as the spec
    wrote it, for people and for export); a first frame on the previous clip's keyframe is the
    word ``keyframe``, since that image is only known at generation time.
    """
    if not plan.frame_mode:
        return None
    frames: dict[str, Any] = {}
    for key, value in (("first", plan.first_frame), ("last", plan.last_frame)):
        if value == PREVIOUS_KEYFRAME and key == "first":
            frames[key] = PREVIOUS_KEYFRAME
        elif value is not None:
            source = resolve_inside(base, value)
            frames[key] = {"sha256": store.artifacts.put(source), "path": value}
    return frames


def frame_names(frames: dict[str, Any]) -> list[NamedReference]:
    """The frames as the prompt names them (role and label), first then last."""
    named: list[NamedReference] = []
    for key, role in (("first", FIRST_FRAME), ("last", LAST_FRAME)):
        value = frames.get(key)
        if value == PREVIOUS_KEYFRAME:
            named.append(NamedReference(role, "the previous clip's keyframe"))
        elif value is not None:
            named.append(NamedReference(role, value["path"]))
    return named


def name_frames(
    store: Store,
    s: Tx,
    slug: str,
    position: int,
    version: int,
    base: Path,
    frames: dict[str, Any],
) -> None:
    """Give the frame images of a new prompt version readable names beside the clip's takes."""
    for key, value in frames.items():
        if isinstance(value, dict):
            suffix = Path(value["path"]).suffix.lower() or ".png"
            name = f"{naming.clip_dir(slug, position)}/prompt-v{version}__{key}-frame{suffix}"
            store.put_artifact(s, resolve_inside(base, value["path"]), name)
