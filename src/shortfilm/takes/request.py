"""What a clip's take asks the provider for: the references in their stable order (or the first
and last frames), the prompt rendered for the provider's form, the request, and its hash.

The hash covers everything sent (prompt version, board, keyframe, duration, size, seed, provider,
model), so a request already made is found again and never paid for twice.
"""

from __future__ import annotations

from typing import Any

from shortfilm.domain import ClipPlan, Production
from shortfilm.domain.board import base_blocks
from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.domain.subjects import board_subjects
from shortfilm.domain.take import CLIP_FPS, CLIP_SIZE, Keyframe, TakeSource
from shortfilm.errors import InputError
from shortfilm.media.presets import preset_for_channel
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.prompts.render import FIRST_FRAME, LAST_FRAME, NamedReference, render_for
from shortfilm.providers.base import GenerationRequest, Reference, VideoProvider
from shortfilm.store.repo import Store, content_hash


def clip_name(position: int) -> str:
    return f"clip-{position:02d}"


def production_frame(production: Production) -> tuple[int, int]:
    """The frame ``production``'s takes are made in: its main (first) channel's shape.

    A vertical-first production (TikTok, Reels, Shorts first) is made at 9:16 natively, and
    the render reframes the other presets from it; a 16:9 take letterboxed into a vertical
    film would fill a third of the phone. Otherwise :data:`CLIP_SIZE` (16:9). A take made
    elsewhere and imported is judged against this frame too.
    """
    landscape = CLIP_SIZE
    if not production.channels:
        return landscape
    try:
        vertical = preset_for_channel(production.channels[0]).is_vertical
    except InputError:  # lint reports an unknown channel; the take still needs a size
        vertical = False
    return (min(landscape), max(landscape)) if vertical else landscape


def clip_size(production: Production, provider: VideoProvider) -> tuple[int, int]:
    """The frame every take of ``production`` is asked of ``provider`` in: the production's
    frame (:func:`production_frame`) when the provider offers it, otherwise :data:`CLIP_SIZE`."""
    frame = production_frame(production)
    return frame if frame in provider.limits.resolutions else CLIP_SIZE


def build_request(
    store: Store,
    production: Production,
    plan: ClipPlan,
    prompt: TakeSource,
    board: TakeSource,
    keyframe: Keyframe | None,
    position: int,
    provider: VideoProvider,
    seed: int,
) -> tuple[GenerationRequest, str]:
    """The request for a take of clip ``position`` (made from ``prompt`` and ``board``, after the
    previous clip's ``keyframe`` if it continues it), and the hash it is found again by."""
    frames: dict[str, Any] | None = prompt.data.get("frames")
    if frames is not None:
        refs = frame_references(store, frames, keyframe, position - 1)
    else:
        refs = references(store, board, keyframe, position - 1)
    prompt_text = render_for(
        provider.prompt_form,
        VideoPrompt.from_sections(prompt.data),
        [NamedReference(r.role, r.label) for r in refs],
    )
    width, height = clip_size(production, provider)
    request = GenerationRequest(
        clip=plan,
        prompt_text=prompt_text,
        references=refs,
        duration_s=plan.duration_s,
        width=width,
        height=height,
        fps=CLIP_FPS,
        seed=seed,
        palette=production.board.style.palette,
        subjects=board_subjects(production.board),
    )
    request_hash = content_hash(
        {
            "provider": provider.name,
            "model": provider.model,
            # the prompt version's hash covers its frames' content (sha256) too
            "prompt": prompt.content_hash,
            # the board as the spec states it: a generated board image is not sent to the
            # video model, so making one must not re-pay every clip; in frame mode no board
            # image is sent at all (its style words are in the prompt's hash already)
            "board": _base_content_hash(board) if frames is None else None,
            "keyframe": keyframe.sha256 if keyframe else None,
            "duration_s": plan.duration_s,
            "size": [width, height],
            "fps": CLIP_FPS,
            "seed": seed,
        }
    )
    return request, request_hash


def _base_content_hash(board: TakeSource) -> str:
    """The board version's hash without its generated image (as
    :func:`shortfilm.board.versions.base_content_hash` computes it for a stored board)."""
    return content_hash({"blocks": base_blocks(board.data), "refs": board.references})


def references(
    store: Store, board: TakeSource, keyframe: Keyframe | None, prev_position: int
) -> tuple[Reference, ...]:
    """The board's reference images in their stable order, the keyframe (if any) first."""
    refs = [
        Reference(path=store.artifact_path(r["sha256"]), role=r["role"], label=r["label"])
        for r in board.references
    ]
    if keyframe is not None:
        label = f"{clip_name(prev_position)} keyframe at {keyframe.time_ms} ms"
        refs.insert(0, Reference(store.artifact_path(keyframe.sha256), "keyframe", label))
    return tuple(refs)


def frame_references(
    store: Store, frames: dict[str, Any], keyframe: Keyframe | None, prev_position: int
) -> tuple[Reference, ...]:
    """The first and last frames of a frame-mode clip, first frame first; nothing else.

    ``keyframe`` is the previous clip's chosen keyframe, required when the first frame is the
    word ``keyframe``.
    """
    refs: list[Reference] = []
    for key, role in (("first", FIRST_FRAME), ("last", LAST_FRAME)):
        value = frames.get(key)
        if value == PREVIOUS_KEYFRAME:
            assert keyframe is not None, "the caller blocks a keyframe start without one"
            label = f"{clip_name(prev_position)} keyframe at {keyframe.time_ms} ms"
            refs.append(Reference(store.artifact_path(keyframe.sha256), role, label))
        elif value is not None:
            refs.append(Reference(store.artifact_path(value["sha256"]), role, value["path"]))
    return tuple(refs)
