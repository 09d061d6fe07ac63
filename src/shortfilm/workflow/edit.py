"""Assemble the edit from the selected takes and render it once per channel preset.

The timeline (which take of each clip, title card, captions, sound cues, music) is versioned by
content: the same selections and intent give the same Edit version, and a render already made
for an Edit version and preset is reused, so running the pipeline again renders nothing twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.errors import StoreError
from shortfilm.media.presets import presets_for_channels
from shortfilm.media.render import MusicSpec, RenderPlan, render
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import EditRow, RenderRow, TakeRow
from shortfilm.workflow.generate import CLIP_FPS
from shortfilm.workflow.progress import Progress, silent


@dataclass
class RenderOutcome:
    preset: str
    path: Path
    duration_s: float
    width: int
    height: int
    integrated_lufs: float
    true_peak_dbtp: float
    reused: bool


def music_artifact(store: Store, slug: str, path: str | None) -> Path | None:
    """The stored music file, or ``None`` for the built-in drone bed."""
    return store.artifacts.readable(naming.music(slug, path)) if path else None


@dataclass
class EditResult:
    edit_version: int
    renders: list[RenderOutcome] = field(default_factory=list)


def assemble_edit(store: Store, slug: str, *, progress: Progress = silent) -> EditResult:
    """Record the Edit for the current selections and render every channel preset."""
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production = spec_from_dict(prod.spec)
        clips = repo.clips(s, prod.id)[: len(production.clips)]
        timeline_clips: list[dict[str, Any]] = []
        for clip in clips:
            take = s.get(TakeRow, clip.selected_take_id) if clip.selected_take_id else None
            if take is None or take.video_sha256 is None:
                raise StoreError(
                    f"clip-{clip.position:02d} has no selected take: generate and select one first"
                )
            timeline_clips.append(
                {
                    "position": clip.position,
                    "take": take.number,
                    "take_id": take.id,
                    "video_sha256": take.video_sha256,
                }
            )
        edit = production.edit
        timeline: dict[str, Any] = {
            "clips": timeline_clips,
            "crossfade_s": edit.crossfade_s,
            "title_card": (
                {
                    "text": edit.title_card.text,
                    "subtitle": edit.title_card.subtitle,
                    "duration_s": edit.title_card.duration_s,
                }
                if edit.title_card
                else None
            ),
            "captions": [[c.text, c.start_s, c.end_s] for c in edit.captions],
            "sfx": [[str(c.kind), c.at_s, c.gain_db, c.duration_s] for c in edit.sfx],
            "music": (
                {"path": edit.music.path, "gain_db": edit.music.gain_db} if edit.music else None
            ),
        }
        digest = content_hash(timeline)
        row = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        if row is None or row.content_hash != digest:
            version = repo.next_version(s, EditRow, EditRow.production_id, prod.id)
            row = EditRow(
                production_id=prod.id, version=version, timeline=timeline, content_hash=digest
            )
            s.add(row)
            s.flush()
            repo.event(s, prod.id, "edit.version", f"edit v{version}")
        edit_id, edit_version = row.id, row.version
    plan = RenderPlan.from_edit(
        [store.artifact_path(c["video_sha256"]) for c in timeline_clips],
        edit,
        fps=Fraction(CLIP_FPS),
    )
    if edit.music is not None and edit.music.path:
        plan.music = MusicSpec(music_artifact(store, slug, edit.music.path), edit.music.gain_db)
    result = EditResult(edit_version=edit_version)
    presets = presets_for_channels(production.channels)
    for preset in presets:
        with store.session() as s:
            existing = repo.render_for(s, edit_id, preset.name)
            if existing is not None and store.artifact_path(existing.sha256).exists():
                path = store.readable_path(s, existing.sha256) or store.artifact_path(
                    existing.sha256
                )
                result.renders.append(
                    RenderOutcome(
                        preset.name,
                        path,
                        existing.duration_s,
                        existing.width,
                        existing.height,
                        existing.integrated_lufs,
                        existing.true_peak_dbtp,
                        reused=True,
                    )
                )
                continue
        work = store.home / "work" / "render" / f"edit-{edit_id}"
        work.mkdir(parents=True, exist_ok=True)
        out = work / f"{preset.name}.mp4"

        def report(stage: str, fraction: float, _p: str = preset.name) -> None:
            progress(f"render {_p}: {stage}", fraction * 100, 100)

        rendered = render(plan, preset, out, work, progress=report)
        name = naming.render(slug, edit_version, preset.name)
        with store.session() as s:
            sha = store.put_artifact(s, rendered.path, name)
            if existing is not None:
                s.delete(s.merge(existing))
                s.flush()
            s.add(
                RenderRow(
                    edit_id=edit_id,
                    preset=preset.name,
                    sha256=sha,
                    duration_s=rendered.duration_s,
                    width=rendered.width,
                    height=rendered.height,
                    integrated_lufs=rendered.loudness.integrated_lufs,
                    true_peak_dbtp=rendered.loudness.true_peak_dbtp,
                )
            )
            repo.event(
                s,
                prod.id,
                "render.done",
                name,
                preset=preset.name,
                lufs=rendered.loudness.integrated_lufs,
            )
        os.unlink(rendered.path)
        result.renders.append(
            RenderOutcome(
                preset.name,
                store.artifacts.readable(name),
                rendered.duration_s,
                rendered.width,
                rendered.height,
                rendered.loudness.integrated_lufs,
                rendered.loudness.true_peak_dbtp,
                reused=False,
            )
        )
    return result
