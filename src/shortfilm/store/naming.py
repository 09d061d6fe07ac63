"""Readable artifact names derived from lineage, so a file answers "what made me?".

``wasteland-villa/clip-02/take-003__board-v2__prompt-v4.mp4`` is take 3 of clip 2, made from board
version 2 and prompt version 4; its keyframe is ``…/take-003__kf-0412ms.png``, the thumbnail of a
keyframe candidate ``…/take-003__kf-0412ms__candidate.png``. The bytes live content-addressed;
these names are links.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from shortfilm.errors import InputError


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "ref"


def clip_dir(slug: str, position: int) -> str:
    return f"{slug}/clip-{position:02d}"


def clip_position(text: str) -> int:
    """The 1-based clip position a person typed: ``2``, ``02``, ``clip-02`` or ``clip-2``.

    The inverse of the ``clip-NN`` names above; :class:`InputError` for anything else.
    """
    match = re.fullmatch(r"(?:clip[-_ ]?)?(\d+)", text.strip().lower())
    if match is None or int(match.group(1)) < 1:
        raise InputError(f"{text!r}: not a clip; give its number (2) or its name (clip-02)")
    return int(match.group(1))


def board_reference(slug: str, board_version: int, index: int, label: str, suffix: str) -> str:
    return f"{slug}/board-v{board_version}/ref-{index:02d}__{slugify(label)}{suffix}"


def take_subject(position: int, take: int) -> str:
    """How events, progress and messages name a take: ``clip-02/take-003``."""
    return f"clip-{position:02d}/take-{take:03d}"


def variant_subject(name: str, version: int) -> str:
    """How reviews, events and messages name a variant version: ``variant tt-hook-a v2``."""
    return f"variant {name} v{version}"


def take_stem(slug: str, position: int, take: int, board_version: int, prompt_version: int) -> str:
    return (
        f"{clip_dir(slug, position)}/take-{take:03d}"
        f"__board-v{board_version}__prompt-v{prompt_version}"
    )


def keyframe(slug: str, position: int, take: int, time_ms: int) -> str:
    return f"{clip_dir(slug, position)}/take-{take:03d}__kf-{time_ms:04d}ms.png"


def keyframe_candidate(slug: str, position: int, take: int, time_ms: int) -> str:
    """The thumbnail of a keyframe candidate, beside the keyframe it may become:
    ``…/take-003__kf-0412ms__candidate.png``."""
    return f"{clip_dir(slug, position)}/take-{take:03d}__kf-{time_ms:04d}ms__candidate.png"


def render(slug: str, edit_version: int, preset: str) -> str:
    return f"{slug}/renders/{slug}__edit-v{edit_version}__{preset}.mp4"


def render_sidecar(slug: str, edit_version: int, preset: str, suffix: str) -> str:
    """A file that travels with a render (``.srt``, ``.vtt``, ``__cover.jpg``): the render's
    name with another ending, so it sorts beside the export it belongs to."""
    return f"{slug}/renders/{slug}__edit-v{edit_version}__{preset}{suffix}"


def music(slug: str, path: str) -> str:
    return f"{slug}/music/{PurePosixPath(path).name}"


def imported_spec(slug: str) -> str:
    """The spec data as the last import read it from the file: the base the next import
    compares against (:mod:`shortfilm.spec.merge`)."""
    return f"{slug}/spec/last-import.json"
