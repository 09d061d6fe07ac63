"""Assemble the edit from the selected takes and render it once per channel preset.

The timeline (:mod:`shortfilm.domain.timeline`: which part of which take, transitions, texts,
sound cues, music, loudness) is versioned by content: the same selections, intent and edits give
the same Edit version, and a render already made for an Edit version and preset is reused, so
running the pipeline again renders nothing twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from shortfilm.domain.timeline import DEFAULT_LUFS, Timeline
from shortfilm.errors import StoreError
from shortfilm.media.presets import preset_for_channel, presets_for_channels
from shortfilm.media.render import RenderPlan, render
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import RenderRow
from shortfilm.workflow.progress import Progress, silent
from shortfilm.workflow.timeline_edit import record_edit


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


def _preset_loudness(channels: tuple[str, ...], preset: str, timeline: Timeline) -> float:
    """The target (LUFS) of the first channel rendered with ``preset``."""
    for channel in channels:
        if preset_for_channel(channel).name == preset:
            return timeline.audio.lufs_for(channel)
    return DEFAULT_LUFS


@dataclass
class EditResult:
    edit_version: int
    renders: list[RenderOutcome] = field(default_factory=list)


def assemble_edit(store: Store, slug: str, *, progress: Progress = silent) -> EditResult:
    """Record the Edit for the current selections and render every channel preset.

    The Edit is the spec's cut of the selected takes, unless a person edited the timeline
    (``shortfilm edit``, ``import-timeline``): then their changes are kept for every clip that
    still plays the same take, as :func:`~shortfilm.workflow.timeline_edit.record_edit` spells
    out. Each preset is mastered to the loudness of the first of the production's channels it
    serves (-14 LUFS unless the timeline says otherwise).
    """
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production = spec_from_dict(prod.spec)
    stored = record_edit(store, slug)
    timeline = stored.timeline
    edit_id, edit_version = stored.edit_id, stored.version
    bed = timeline.audio.music
    plan = RenderPlan.from_timeline(
        timeline,
        [store.artifact_path(seg.media_sha256) for seg in timeline.segments],
        music_file=music_artifact(store, slug, bed.path) if bed is not None else None,
    )
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

        lufs = _preset_loudness(production.channels, preset.name, timeline)
        rendered = render(replace(plan, loudness_lufs=lufs), preset, out, work, progress=report)
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
