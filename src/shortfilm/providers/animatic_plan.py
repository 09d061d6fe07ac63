"""The animatic's drawing: from a clip plan to the frames of each shot.

Every shot becomes one segment, hard-cut to the next: the frames it spans
(:func:`shot_frame_spans`), the picture it shows (:mod:`.animatic_picture`), the camera's poses
over its still and the shot's tag on top (:func:`_shot_overlays`). :func:`plan_shots` does
everything that costs time once, before the encoder starts; :func:`draw_frame` is what the
encoding threads call per frame. Pure of files except for reading the references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from shortfilm.domain import CameraMove, Shot, parse_camera_move
from shortfilm.errors import MediaError
from shortfilm.media.motion import ShotCamera, Size, plan_poses, source_size
from shortfilm.media.shot_stills import compose_still
from shortfilm.media.take_tags import shot_tag
from shortfilm.media.text_layout import block_image
from shortfilm.providers.animatic_picture import (
    figure_head,
    frame_box,
    framed_still,
    pick_picture,
    picture_facts,
    placeholder_still,
)
from shortfilm.providers.base import GenerationRequest, Reference

# --- timing -----------------------------------------------------------------------------------


def frame_count(duration_s: float, fps: int) -> int:
    """Frames in ``duration_s`` seconds at ``fps``, rounded half up, at least 1."""
    return max(1, math.floor(duration_s * fps + 0.5))


def shot_frame_spans(durations_s: Sequence[float], total_frames: int) -> list[tuple[int, int]]:
    """Half-open frame ranges ``(start, end)`` of each shot, filling exactly ``total_frames``.

    Shot durations are scaled to the take's length (a plan's timings may not add up to it) and
    rounded at the cumulative boundaries, so rounding never drifts; each shot keeps at least one
    frame when there are enough frames. Negative durations count as zero; all-zero shares evenly.
    """
    n = len(durations_s)
    if n == 0:
        return []
    weights = [max(d, 0.0) for d in durations_s]
    total_w = sum(weights)
    if total_w <= 0:
        weights, total_w = [1.0] * n, float(n)
    bounds: list[int] = []
    acc = 0.0
    for w in weights:
        acc += w
        bounds.append(math.floor(total_frames * acc / total_w + 0.5))
    bounds[-1] = total_frames
    if total_frames >= n:
        for i in range(n):  # at least one frame each, forwards then backwards
            bounds[i] = max(bounds[i], (bounds[i - 1] if i else 0) + 1)
        for i in range(n - 2, -1, -1):
            bounds[i] = min(bounds[i], bounds[i + 1] - 1)
    starts = [0, *bounds[:-1]]
    return list(zip(starts, bounds, strict=True))


# --- which picture a shot shows: see :mod:`.animatic_picture` ----------------------------------


def _load_reference(ref: Reference, out_size: Size) -> Image.Image:
    """Decode a reference image (EXIF rotation applied); :class:`MediaError` naming it otherwise."""
    try:
        with Image.open(ref.path) as img:
            img.draft("RGB", source_size(out_size))  # JPEG: decode at a reduced scale
            return ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as exc:
        raise MediaError(
            f"cannot read reference image for {ref.role} {ref.label!r}: {exc}", file=ref.path
        ) from exc


# --- the render ---------------------------------------------------------------------------------


@dataclass
class ShotRender:
    """One shot, ready to draw: its frame span, what it shows, the camera's poses, the text."""

    index: int
    start: int
    end: int
    move: CameraMove | None
    reference: Reference | None
    camera: ShotCamera
    overlays: list[tuple[Image.Image, tuple[int, int]]]
    facts: dict[str, object] = field(default_factory=dict)
    """What the shot showed (:func:`.animatic_picture.picture_facts`), for the take's metadata."""
    overlay_frames: tuple[int, int] = (0, 1 << 30)
    """Frames of the take (``[first, end)``) the overlays are drawn on (see :data:`TAG_CLEAR_S`)."""
    lead_in: Image.Image | None = None
    """A continuing clip's keyframe: the first shot dissolves from it (see :data:`LEAD_IN_S`)."""
    lead_frames: int = 0


LEAD_IN_S = 0.5
"""A continuing clip's first shot opens on the previous clip's keyframe and dissolves from it to
its own subject over this long: the clip starts where the last one ended, as a hosted model's
take does (QC's continuity check compares that first frame), and every shot still shows its own
subject from then on. A dissolve, not a cut, so shot detection does not count an extra shot."""


TAG_CLEAR_S = 0.5
"""Seconds at each end of a take without the shot tag: the edit's transitions (0.4 s by default)
overlap two takes there, and two tags at the same slot would be drawn on each other."""


def _shot_overlays(
    request: GenerationRequest, shot: Shot, index: int, n_shots: int
) -> list[tuple[Image.Image, tuple[int, int]]]:
    """The shot's tag (clip and shot number), placed by :func:`shortfilm.media.take_tags.shot_tag`
    in the slot every preset and cover keeps clear and inside its safe area; none on a take too
    small for a legible tag. The shot's description is in the take's metadata, not on its
    pictures: burned in, it sat under the edit's captions (see :mod:`shortfilm.media.take_tags`)."""
    texts = [f"{request.clip.name} · shot {index + 1}/{n_shots}", f"shot {index + 1}/{n_shots}"]
    placed = shot_tag((request.width, request.height), [*texts, f"{index + 1}/{n_shots}"])
    if placed is None:
        return []
    return [(block_image(placed), (placed.box.left, placed.box.top))]


def plan_shots(request: GenerationRequest, total_frames: int) -> list[ShotRender]:
    """Everything per shot that costs time once (stills, overlays, poses), before ffmpeg starts:
    a bad reference fails here, with nothing written."""
    clip = request.clip
    shots = clip.shots or (
        Shot(camera="", movement="", subject=clip.character_environment, action=clip.job),
    )
    durations = clip.shot_durations() if clip.shots else (request.duration_s,)
    spans = shot_frame_spans(durations, total_frames)
    out = (request.width, request.height)
    decoded: dict[Path, Image.Image] = {}
    plans: list[ShotRender] = []
    clear = min(round(TAG_CLEAR_S * request.fps), total_frames // 4)
    for i, (shot, (start, end)) in enumerate(zip(shots, spans, strict=True)):
        picture = pick_picture(
            request.references,
            request.subjects,
            shot,
            i,
            last=i == len(shots) - 1,
        )
        ref = picture.reference
        view, image_size = None, None
        if ref is None:
            still = placeholder_still(picture, out)
        else:
            if ref.path not in decoded:
                decoded[ref.path] = _load_reference(ref, out)
            image = decoded[ref.path]
            image_size = image.size
            if picture.kind == "whole_frame":
                still = compose_still(image, out, fill=True)
            else:
                kind = picture.resolution.subject.kind if picture.resolution.subject else "place"
                head = figure_head(image) if kind != "place" else (0.5, 0.5)
                view = frame_box(image.size, out, picture.size, kind=kind, head=head)
                still = framed_still(image, view, out)
        lead_in, lead_frames = None, 0
        if i == 0 and clip.continues_previous and picture.kind != "whole_frame":
            keyframe = next((r for r in request.references if r.role == "keyframe"), None)
            if keyframe is not None:
                if keyframe.path not in decoded:
                    decoded[keyframe.path] = _load_reference(keyframe, out)
                lead_in = ImageOps.fit(decoded[keyframe.path].convert("RGB"), out)
                lead_frames = min(round(LEAD_IN_S * request.fps), (end - start) // 3)
        move = parse_camera_move(shot.movement)
        poses = plan_poses(move, end - start, seed=request.seed, shot_index=i, fps=request.fps)
        plans.append(
            ShotRender(
                index=i,
                start=start,
                end=end,
                move=move,
                reference=ref,
                camera=ShotCamera(still, poses, out),
                overlays=_shot_overlays(request, shot, i, len(shots)),
                facts=picture_facts(picture, view, image_size),
                overlay_frames=(clear, total_frames - clear),
                lead_in=lead_in,
                lead_frames=lead_frames,
            )
        )
    return plans


def draw_frame(plan: ShotRender, index: int) -> Image.Image:
    """Frame ``index`` of a shot: the camera's view of its still with the overlays pasted on."""
    frame = plan.camera.frame(index)
    if plan.lead_in is not None and index < plan.lead_frames:
        frame = Image.blend(plan.lead_in, frame.convert("RGB"), index / plan.lead_frames)
    first, end = plan.overlay_frames
    for layer, at in plan.overlays if first <= plan.start + index < end else ():
        frame.paste(layer, at, layer)
    return frame


__all__ = [
    "ShotRender",
    "draw_frame",
    "frame_count",
    "plan_shots",
    "shot_frame_spans",
]
