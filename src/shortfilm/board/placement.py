"""Where a person's reference image goes on the board: which character, view or style slot.

The board model decides, so the spec can say it and an export keeps it (see
:func:`shortfilm.board.references.add_reference`). A reference is refused here, before its
pixels are decoded, when the label names nothing free, the image is on the board already in
that role, or the board has no room left for the video models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shortfilm.board.versions import board_from_blocks, latest_board
from shortfilm.domain import AssetBoard, Character, EnvironmentView, Production
from shortfilm.domain.board import BoardVersion, base_blocks
from shortfilm.domain.production_record import ProductionRecord
from shortfilm.errors import InputError, StoreError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming
from shortfilm.store.clip_plans import continuing_clips
from shortfilm.store.repo import Tx

REFERENCE_ROLES: dict[str, str] = {
    "character": "character",
    "environment": "environment",
    "board": "board",
    "style": "board",
    "palette": "board",
}
"""The role a person gives -> the role the board records. ``style`` and ``palette`` name the style
board, recorded as ``board`` like the spec's ``board.references`` (the prompt calls it "the style
board: keep its palette and texture")."""

MAX_VIDEO_REFERENCES = 9
"""The most reference images a video model takes in one request (Seedance 2.0's reference mode;
a test holds this equal to the largest ``max_reference_images`` of the Seedance models). The
keyframe a continuing clip sends counts among them."""

MAX_LABEL = 80
"""Characters in a reference's label: it is read in every prompt that sends the image."""


def place_reference(
    s: Tx, slug: str, sha: str, recorded: str, wanted: str, suffix: str
) -> tuple[
    ProductionRecord, BoardVersion, Production, AssetBoard, list[dict[str, Any]], AssetBoard, str
]:
    """The latest board and where the new image goes on it, or :class:`InputError` (no room,
    already there, a label naming nothing free): the production and board rows, the stored
    spec, the current board and references, the board with the image placed and its path."""
    prod, board = latest_board(s, slug)
    production = spec_from_dict(dict(prod.spec))
    current = board_from_blocks(base_blocks(board.blocks))
    refs = [dict(r) for r in board.references]
    _check_room(s, prod, slug, board.version, len(refs))
    for ref in refs:
        if ref["sha256"] == sha and ref["role"] == recorded:
            raise InputError(
                f"image: already on board v{board.version} as {ref['label']} ({recorded})"
            )
    taken = _spec_paths(dataclasses.replace(production, board=current))
    new_board, spec_path = _placed(current, recorded, wanted, suffix, taken)
    return prod, board, production, current, refs, new_board, spec_path


def named_references(board: AssetBoard) -> list[dict[str, Any]]:
    """``{"path", "role", "label"}`` for each reference image of ``board``, in the stable order
    prompts name them by (characters, views, extras): the one listing both an import
    (:func:`~shortfilm.production.importing.board_references`) and :func:`reference_entries`
    start from, so the two cannot drift apart."""
    entries: list[dict[str, Any]] = []
    for c in board.characters:
        if c.reference:
            entries.append({"path": c.reference, "role": "character", "label": c.name})
    for v in board.environment:
        if v.reference:
            entries.append({"path": v.reference, "role": "environment", "label": v.name})
    for extra in board.references:
        entries.append({"path": extra, "role": "board", "label": Path(extra).stem})
    return entries


def reference_entries(board: AssetBoard, shas: Mapping[str, str]) -> list[dict[str, Any]]:
    """``BoardRow.references`` for ``board``: :func:`named_references` with each ``sha256``, as
    an import records them (a test holds the two equal); ``shas`` maps each spec path to its
    content."""
    entries = named_references(board)
    for entry in entries:
        if entry["path"] not in shas:
            raise StoreError(f"board reference {entry['path']} has no stored image")
        entry["sha256"] = shas[entry["path"]]
    return entries


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    if not text:
        raise InputError(
            "label: give the character's name, the view's name or a name for the style image"
        )
    if len(text) > MAX_LABEL:
        raise InputError(f"label: at most {MAX_LABEL} characters, not {len(text)}")
    if not text.isprintable():
        raise InputError(f"label: {text!r} holds control characters")
    return text


def _check_room(s: Tx, prod: ProductionRecord, slug: str, version: int, count: int) -> None:
    """:class:`InputError` unless one more board reference still fits a video request."""
    continuing = continuing_clips(s, prod.id) > 0
    room = MAX_VIDEO_REFERENCES - (1 if continuing else 0)
    if count + 1 > room:
        kept = " (one place is kept for the keyframe a continuing clip sends)" if continuing else ""
        raise InputError(
            f"image: board v{version} of {slug} has {count} reference images and the video "
            f"models take at most {MAX_VIDEO_REFERENCES} per clip{kept}; drop one from the "
            "spec and import it before adding another"
        )


def _spec_paths(production: Production) -> set[str]:
    """Every file path the spec names, lower-cased: a new image must not land on one."""
    paths = set(production.board.reference_paths())
    for clip in production.clips:
        paths.update(p for p in (clip.first_frame, clip.last_frame) if p)
    music = production.edit.music
    if music is not None and music.path:
        paths.add(music.path)
    return {p.lower() for p in paths}


def _free_path(stem: str, suffix: str, taken: set[str]) -> str:
    path, n = f"refs/{stem}{suffix}", 1
    while path.lower() in taken:
        n += 1
        path = f"refs/{stem}-{n}{suffix}"
    return path


def _placed(
    board: AssetBoard, role: str, label: str, suffix: str, taken: set[str]
) -> tuple[AssetBoard, str]:
    """``board`` with the image placed where ``role`` and ``label`` say, and its spec path."""
    path = _free_path(naming.slugify(label), suffix, taken)
    if role == "board":
        return dataclasses.replace(board, references=(*board.references, path)), path
    items: tuple[Character, ...] | tuple[EnvironmentView, ...]
    items = board.characters if role == "character" else board.environment
    what = "character" if role == "character" else "environment view"
    names = [item.name for item in items]
    index = next((i for i, n in enumerate(names) if n.casefold() == label.casefold()), None)
    if index is None:
        raise InputError(
            f"label: no {what} named {label!r} on the board; a {role} reference belongs to "
            f"one of: {', '.join(names) or '(none)'}"
        )
    item = items[index]
    if item.reference:
        raise InputError(
            f"label: {item.name} already has a reference image ({item.reference}); a {what} "
            "has one, so change it in the spec and import it"
        )
    path = _free_path(naming.slugify(item.name), suffix, taken)
    if isinstance(item, Character):
        chars = list(board.characters)
        chars[index] = dataclasses.replace(item, reference=path)
        return dataclasses.replace(board, characters=tuple(chars)), path
    views = list(board.environment)
    views[index] = dataclasses.replace(item, reference=path)
    return dataclasses.replace(board, environment=tuple(views)), path
