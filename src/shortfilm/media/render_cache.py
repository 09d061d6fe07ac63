"""A folder of finished renders, keyed by everything that decides their bytes.

A render is a pure function of its plan (the timeline, the bytes of every take and of the music
bed, the seed of the synthesised sounds, the loudness target), the preset, the way it is made
(a full render or a review draft) and the renderer itself (this package's code and the ffmpeg
build). When ``SHORTFILM_RENDER_CACHE`` names a folder, a render whose key is already there is
copied out of it instead of being encoded again: the same edit rendered in a second home (a
team's other machine, a production exported and imported, the test suite's SQLite and PostgreSQL
twins), or again after its files were cleaned away, costs a copy and not an encode.

The key covers the renderer's own source (every module of :mod:`shortfilm.media`) and the
ffmpeg binary's version, so a changed renderer never serves an old film. Entries are written
whole (a temporary file renamed into place), so two processes rendering the same film at once
each get a complete file; the checks that follow a render (:mod:`shortfilm.media.verify`) run
on a copied film as on an encoded one. Nothing is evicted: the folder is the caller's to clear.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from shortfilm.domain.timeline_json import timeline_to_json
from shortfilm.media.film import RenderPlan, TimelineEntry
from shortfilm.media.loudness import Loudness
from shortfilm.media.presets import Preset
from shortfilm.media.render_result import RenderResult

ENV_RENDER_CACHE = "SHORTFILM_RENDER_CACHE"
"""The folder renders are kept in by their key; unset or empty: no cache."""


def cache_folder() -> Path | None:
    named = os.environ.get(ENV_RENDER_CACHE, "").strip()
    return Path(named).expanduser() if named else None


@cache
def _renderer() -> str:
    """A digest of the renderer: this package's source and the ffmpeg build that runs it."""
    from shortfilm.media.ffmpeg import ffmpeg_exe

    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    exe = Path(ffmpeg_exe())
    digest.update(f"{exe.name}:{exe.stat().st_size}".encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def render_key(plan: RenderPlan, preset: Preset, mode: str) -> str:
    """The key of ``plan`` rendered for ``preset`` as ``mode`` (``full`` or ``draft``)."""
    described = {
        "timeline": timeline_to_json(plan.timeline),
        "clips": [_file_digest(p) for p in plan.clips],
        "music": None if plan.music_file is None else _file_digest(plan.music_file),
        "seed": plan.seed,
        "loudness_lufs": plan.loudness_lufs,
        "preset": dataclasses.asdict(preset),
        "mode": mode,
        "renderer": _renderer(),
    }
    raw = json.dumps(described, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def through_cache(
    plan: RenderPlan,
    preset: Preset,
    out: Path,
    mode: str,
    make: Callable[[], RenderResult],
    on_hit: Callable[[], None] | None = None,
) -> RenderResult:
    """``make()`` (which renders ``plan`` to ``out``), or the cached film of the same key copied
    to ``out`` (then ``on_hit()``, so progress still reaches its end); a film made is kept in
    the cache. Without a cache folder, just ``make()``."""
    folder = cache_folder()
    if folder is None:
        return make()
    key = render_key(plan, preset, mode)
    film, facts = folder / f"{key}.mp4", folder / f"{key}.json"
    if film.is_file() and facts.is_file():
        _place(film, out)
        if on_hit is not None:
            on_hit()
        return _result(json.loads(facts.read_text("utf-8")), out)
    result = make()
    folder.mkdir(parents=True, exist_ok=True)
    _place(out, film)
    _write(facts, json.dumps(_facts(result)))
    return result


def _place(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` whole: a temporary file beside it, renamed into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def _write(dest: Path, text: str) -> None:
    partial = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        partial.write_text(text, "utf-8")
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def _facts(result: RenderResult) -> dict[str, Any]:
    facts = dataclasses.asdict(result)
    facts.pop("path")
    return facts


def _result(facts: dict[str, Any], out: Path) -> RenderResult:
    return RenderResult(
        path=out,
        duration_s=facts["duration_s"],
        width=facts["width"],
        height=facts["height"],
        loudness=Loudness(**facts["loudness"]),
        timeline=[TimelineEntry(*e) for e in facts["timeline"]],
        silent=facts["silent"],
    )
