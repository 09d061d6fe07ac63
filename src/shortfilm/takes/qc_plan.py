"""What a take is judged against: its clip's plan, its board's looks and the picture it should open
on, read from the store (:class:`QCPlan`) and then opened as images (:func:`expected`).

Reading the plan opens no file, so it happens inside a short transaction; opening the images
(palettes of the board references, the opening picture as RGB) happens after it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortfilm.domain.production import PREVIOUS_KEYFRAME
from shortfilm.domain.qc_report import BoardLook, Expected, Opening
from shortfilm.domain.take import CLIP_FPS, IMPORTED, Keyframe, Take, TakeClip
from shortfilm.domain.take import TakeSource as Source
from shortfilm.errors import ShortfilmError, StoreError
from shortfilm.prompts.blocks import VideoPrompt
from shortfilm.store import keyframes as stored_keyframes
from shortfilm.store import takes as stored
from shortfilm.store.edits import production_spec
from shortfilm.store.repo import Store, Tx
from shortfilm.takes.lookup import find_clip
from shortfilm.takes.request import production_frame

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from shortfilm.domain.analysis import Palette


@dataclass(frozen=True)
class Image:
    label: str
    path: Path


@dataclass(frozen=True)
class QCPlan:
    """Where a take's expectations come from, read from the store (no files opened yet)."""

    asked: Expected = field(default_factory=Expected)
    """The figures and words as they will be judged; its board and opening are filled in by
    :func:`expected` from the images below."""
    board: tuple[Image, ...] = ()
    opening: Image | None = None


def plan_for_take(
    store: Store, s: Tx, take: Take, clip: TakeClip, not_judged: Mapping[str, str]
) -> QCPlan:
    """What take ``take`` was asked for: its prompt version, its board, its request's size (an
    imported take's size is measured, so the production's generation format stands in), and
    the picture it should open on."""
    prompt = stored.prompt(s, take.prompt_id)
    board = stored.board(s, take.board_id)
    plan = VideoPrompt.from_sections(prompt.data)
    params = take.params
    if take.provider == IMPORTED or "width" not in params:
        frame = _frame(s, clip.production_id)
        duration, (width, height), fps = plan.duration_s, frame, float(CLIP_FPS)
    else:
        duration = float(params.get("duration_s", plan.duration_s))
        width, height = int(params["width"]), int(params["height"])
        fps = float(params.get("fps", CLIP_FPS))
    opening = _opening(store, s, clip, prompt, plan)
    if take.keyframe_id is not None:  # the keyframe it was made from, even if since replaced
        kf = stored_keyframes.keyframe(s, take.keyframe_id)
        if kf is not None:
            opening = _keyframe_image(store, clip.position - 1, kf)
    asked = _asked(plan, duration, (width, height), fps, not_judged)
    return QCPlan(asked, _board_images(store, board), opening)


def plan_for_clip(store: Store, s: Tx, slug: str, position: int) -> QCPlan:
    """What a new take of the clip would be asked for now: its newest prompt and board, the
    production's generation format and the previous clip's chosen keyframe."""
    clip = find_clip(s, slug, position)
    prompt = stored.newest_prompt(s, clip.id)
    board = stored.newest_board(s, clip.production_id)
    if prompt is None or board is None:
        raise StoreError(f"{slug}/clip-{position:02d} has no prompt or board: re-import the spec")
    plan = VideoPrompt.from_sections(prompt.data)
    return QCPlan(
        _asked(plan, plan.duration_s, _frame(s, clip.production_id), float(CLIP_FPS), {}),
        _board_images(store, board),
        _opening(store, s, clip, prompt, plan),
    )


def _frame(s: Tx, production_id: int) -> tuple[int, int]:
    """The production's generation frame (9:16 for a vertical-first one), which a take of
    unknown request size (imported, or not yet made) stands against."""
    return production_frame(production_spec(s, stored.production_slug(s, production_id)))


def _asked(
    plan: VideoPrompt,
    duration_s: float,
    size: tuple[int, int],
    fps: float,
    not_judged: Mapping[str, str],
) -> Expected:
    """The plan's figures and words a take is judged against, before any image is opened."""
    return Expected(
        duration_s=duration_s,
        width=size[0],
        height=size[1],
        fps=fps,
        shots=tuple((b.start_s, b.end_s) for b in plan.shots),
        sound_rule=plan.sound_rule,
        not_judged=not_judged,
    )


def _opening(
    store: Store, s: Tx, clip: TakeClip, prompt: Source, plan: VideoPrompt
) -> Image | None:
    """The first frame a frame-mode clip names, or the previous clip's chosen keyframe when the
    clip continues it (``None`` when neither applies or the keyframe is not chosen yet)."""
    frames: dict[str, Any] | None = prompt.data.get("frames")
    first = frames.get("first") if frames else None
    if isinstance(first, dict):
        return Image(f"the first frame {first['path']}", store.artifact_path(first["sha256"]))
    continues = first == PREVIOUS_KEYFRAME or (frames is None and plan.continues_previous)
    if not continues or clip.position < 2:
        return None
    prev = next(
        (c for c in stored.clips(s, clip.production_id) if c.position == clip.position - 1), None
    )
    if prev is None or prev.selected_take_id is None:
        return None
    kf = stored_keyframes.chosen(s, prev.selected_take_id)
    return _keyframe_image(store, prev.position, kf) if kf is not None else None


def _keyframe_image(store: Store, position: int, kf: Keyframe) -> Image:
    return Image(
        f"the clip-{position:02d} keyframe at {kf.time_ms} ms", store.artifact_path(kf.sha256)
    )


def _board_images(store: Store, board: Source) -> tuple[Image, ...]:
    return tuple(
        Image(str(r.get("label") or r["sha256"][:12]), store.artifact_path(r["sha256"]))
        for r in board.references
    )


def expected(plan: QCPlan) -> Expected:
    """Open the images ``plan`` names: palettes of the board references (those that cannot be
    read are left out), and the opening picture as RGB."""
    board = []
    for image in plan.board:
        try:
            board.append(BoardLook(image.label, _image_palette(str(image.path))))
        except ShortfilmError:
            continue
    opening = None
    if plan.opening is not None and plan.opening.path.is_file():
        opening = Opening(plan.opening.label, _rgb(plan.opening.path))
    return replace(plan.asked, board=tuple(board), opening=opening)


@functools.lru_cache(maxsize=256)
def _image_palette(path: str) -> Palette:
    """Palette of a stored image. Stored objects are named by their content and never change,
    so each board reference is read once per process, not once per take."""
    from shortfilm.media.analysis import image_palette

    return image_palette(Path(path))


def _rgb(path: Path) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image as PILImage

    with PILImage.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)
