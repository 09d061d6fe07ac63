"""Assemble the edit from the selected takes and render it once per channel preset.

The timeline (:mod:`shortfilm.domain.timeline`: which part of which take, transitions, texts,
sound cues, music, loudness) is versioned by content: the same selections, intent and edits give
the same Edit version, and a render already made for an Edit version and preset is reused, so
running the pipeline again renders nothing twice.

Every export is read back and checked (:mod:`shortfilm.media.verify`) and gets its caption
sidecars (SRT and WebVTT, :mod:`shortfilm.media.subtitles`) and a cover image
(:mod:`shortfilm.media.cover`), all stored beside it under lineage names. A render that fails its
checks is kept (a person may still want to look at it) and recorded ``failed`` with the reasons;
once every preset is done, :class:`RenderCheckError` lists them so the command exits non-zero.
Only a ``passed`` render is reused.

A review draft (:func:`draft_edit`, ``shortfilm render --draft``) is the smart render of
:mod:`shortfilm.media.smart_render`, checked the same way, but it is never a row of the renders
table: it is stored as a file named for its preset plus ``-draft``
(``SLUG__edit-vN__vertical-draft.mp4``) and announced by a ``render.draft`` event. So the final
review, publishing and reuse, which read the renders table, can never take a draft for the
publishable render of its preset, and drafts need no approved takes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from shortfilm import review
from shortfilm.domain import Production
from shortfilm.domain.edit_version import EditVersion as StoredEdit
from shortfilm.domain.progress import Progress, silent
from shortfilm.domain.render import Render
from shortfilm.domain.timeline import Timeline
from shortfilm.edit.results import EditResult, RenderCheckError, RenderOutcome, made
from shortfilm.edit.versions import record_edit
from shortfilm.errors import StoreError
from shortfilm.media import subtitles
from shortfilm.media.cover import write_cover
from shortfilm.media.film import RenderPlan
from shortfilm.media.presets import Preset, preset_for_channel, presets_for_channels
from shortfilm.media.render import RenderResult, render
from shortfilm.media.smart_render import render_draft
from shortfilm.media.verify import Verification, verify
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, renders, repo
from shortfilm.store.repo import Store


def music_artifact(store: Store, slug: str, path: str | None) -> Path | None:
    """The stored music file, or ``None`` for the built-in drone bed."""
    return store.artifacts.readable(naming.music(slug, path)) if path else None


def _render_plan(store: Store, slug: str, timeline: Timeline) -> RenderPlan:
    """The render plan of ``timeline``: its takes and music as the store keeps them."""
    bed = timeline.audio.music
    return RenderPlan(
        timeline,
        [store.artifact_path(seg.media_sha256) for seg in timeline.segments],
        music_file=music_artifact(store, slug, bed.path) if bed is not None else None,
    )


def _preset_loudness(channels: tuple[str, ...], preset: Preset, timeline: Timeline) -> float:
    """The target (LUFS) of the first channel rendered with ``preset``: the timeline's figure for
    that channel when it names one, else the preset's own."""
    named = {item.channel.lower() for item in timeline.audio.loudness}
    for channel in channels:
        if preset_for_channel(channel).name == preset.name:
            if channel.strip().lower() in named:
                return timeline.audio.lufs_for(channel)
            return preset.loudness_lufs
    return preset.loudness_lufs


def _carried(stored: StoredEdit) -> tuple[str, ...]:
    return () if stored.carried is None else stored.carried.lines()


def _prepare(
    store: Store, slug: str, preset_names: Sequence[str]
) -> tuple[Production, int, StoredEdit, RenderPlan, list[Preset]]:
    """What both render paths start from: the production, the Edit recorded for the current
    selections, its render plan and the presets asked for, each checked against the film's
    length before anything is encoded (:class:`InputError` naming the preset)."""
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production, prod_id = spec_from_dict(prod.spec), prod.id
    with store.exclusive(f"edit:{slug}"):  # two runs at once record one Edit, not a conflict
        stored = record_edit(store, slug)
    plan = _render_plan(store, slug, stored.timeline)
    presets = presets_for_channels(preset_names or production.channels)
    for preset in presets:
        preset.check_duration(float(stored.timeline.duration))
    return production, prod_id, stored, plan, presets


def assemble_edit(
    store: Store, slug: str, *, progress: Progress = silent, preset_names: Sequence[str] = ()
) -> EditResult:
    """Record the Edit for the current selections and render every channel preset (or only the
    presets or channels ``preset_names`` names: ``shortfilm render --preset``).

    The Edit is the spec's cut of the selected takes, unless a person edited the timeline
    (``shortfilm edit``, ``import-timeline``): then their changes are carried over, and what
    could not be is reported in ``carried``, as
    :func:`~shortfilm.edit.versions.record_edit` spells out. Each preset is mastered to
    the loudness of the first of the production's channels it serves (the preset's -14 LUFS
    unless the timeline names a figure for that channel).

    Raises :class:`InputError` naming the preset, before anything is encoded, when the film is
    longer than a preset's channels accept; :class:`RenderCheckError` after storing every render
    when any failed its checks.
    """
    review.require_clips_approved(store, slug)  # checkpoint 2: GateError names each waiting take
    production, prod_id, stored, plan, presets = _prepare(store, slug, preset_names)
    timeline = stored.timeline
    edit_id, edit_version = stored.edit_id, stored.version
    result = EditResult(edit_version=edit_version, carried=_carried(stored))
    # the cover reads like the film's own title card when it has one
    cover_title = timeline.title.text if timeline.title is not None else production.title
    for preset in presets:
        # Another run rendering this preset right now writes the same work files: wait for it,
        # then reuse what it stored.
        with store.exclusive(_render_lock(edit_id, preset)):
            made = _render_preset(
                store, slug, prod_id, production, stored, plan, preset, cover_title, progress
            )
        result.renders.append(made)
    if any(r.status == "failed" for r in result.renders):
        raise RenderCheckError(result)
    return result


def _write_text(path: Path, text: str) -> Path:
    """``text`` as UTF-8 (no byte-order mark, ``\\n`` line ends: what SRT and WebVTT readers
    expect) at ``path``."""
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def _extras(
    store: Store, slug: str, edit_version: int, preset: str
) -> tuple[tuple[Path, ...], Path | None]:
    """The stored caption sidecars and cover of a render (those that exist)."""

    def stored(suffix: str) -> Path | None:
        name = naming.render_sidecar(slug, edit_version, preset, suffix)
        path = store.artifacts.readable(name)
        return path if path.exists() else None

    sidecars = tuple(p for p in (stored(".srt"), stored(".vtt")) if p is not None)
    return sidecars, stored("__cover.jpg")


def _checked(
    rendered: RenderResult, preset: Preset, timeline: Timeline, lufs: float
) -> Verification:
    """The render's checks against what the timeline and the preset promise."""
    return verify(
        rendered.path,
        preset,
        duration=timeline.duration,
        fps=timeline.rate,
        lufs=lufs,
        loudness=rendered.loudness,
        silent=rendered.silent,
    )


def _render_lock(edit_id: int, preset: Preset) -> str:
    """The lock a render or draft of this edit and preset holds (they share work files)."""
    return f"render:{edit_id}:{preset.name}"


def _render_preset(
    store: Store,
    slug: str,
    prod_id: int,
    production: Production,
    stored: StoredEdit,
    plan: RenderPlan,
    preset: Preset,
    cover_title: str,
    progress: Progress,
) -> RenderOutcome:
    """Render, check and store ``preset`` of the Edit ``stored``, or reuse its passed render."""
    timeline = stored.timeline
    edit_id, edit_version = stored.edit_id, stored.version
    with store.session() as s:
        existing = renders.render_for(s, edit_id, preset.name)
        if (
            existing is not None
            and existing.passed
            and store.artifact_path(existing.sha256).exists()
        ):
            return _reused(store, slug, edit_version, existing)
    work = store.home / "work" / "render" / f"edit-{edit_id}"
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{preset.name}.mp4"

    def report(stage: str, fraction: float, _p: str = preset.name) -> None:
        progress(f"render {_p}: {stage}", fraction * 100, 100)

    lufs = _preset_loudness(production.channels, preset, timeline)
    rendered = render(replace(plan, loudness_lufs=lufs), preset, out, work, progress=report)
    report("verify", 0.0)
    checked = _checked(rendered, preset, timeline, lufs)
    report("verify", 1.0)
    files = {
        ".srt": _write_text(work / f"{preset.name}.srt", subtitles.srt(timeline)),
        ".vtt": _write_text(work / f"{preset.name}.vtt", subtitles.webvtt(timeline)),
        "__cover.jpg": write_cover(
            timeline, plan.clips, preset, cover_title, work / f"{preset.name}-cover.jpg"
        ),
    }
    name = naming.render(slug, edit_version, preset.name)
    with store.session() as s:
        sha = store.put_artifact(s, rendered.path, name)
        extra = {
            suffix: store.put_artifact(
                s, path, naming.render_sidecar(slug, edit_version, preset.name, suffix)
            )
            for suffix, path in files.items()
        }
        renders.put_render(
            s,
            Render(
                edit_id=edit_id,
                preset=preset.name,
                sha256=sha,
                duration_s=rendered.duration_s,
                width=rendered.width,
                height=rendered.height,
                integrated_lufs=rendered.loudness.integrated_lufs,
                true_peak_dbtp=rendered.loudness.true_peak_dbtp,
                status=checked.status,
                checks=checked.to_json(),
                srt_sha256=extra[".srt"],
                vtt_sha256=extra[".vtt"],
                cover_sha256=extra["__cover.jpg"],
            ),
        )
        repo.event(
            s,
            prod_id,
            "render.done" if checked.passed else "render.failed",
            name,
            preset=preset.name,
            lufs=rendered.loudness.integrated_lufs,
            reasons=list(checked.reasons),
        )
    for path in (rendered.path, *files.values()):
        os.unlink(path)
    sidecars, cover = _extras(store, slug, edit_version, preset.name)
    return made(preset, store.artifacts.readable(name), rendered, checked, sidecars, cover)


def _reused(store: Store, slug: str, edit_version: int, row: Render) -> RenderOutcome:
    """The outcome of a render made by an earlier run for the same Edit version."""
    with store.session() as s:
        name = naming.render(slug, edit_version, row.preset)  # its own name, never a draft's
        path = store.named_path(s, name, row.sha256) or store.artifact_path(row.sha256)
    sidecars, cover = _extras(store, slug, edit_version, row.preset)
    return RenderOutcome(
        row.preset,
        path,
        row.duration_s,
        row.width,
        row.height,
        row.integrated_lufs,
        row.true_peak_dbtp,
        reused=True,
        status=row.status,
        sidecars=sidecars,
        cover=cover,
    )


DRAFT_SUFFIX = "-draft"
"""Added to the preset's name in a draft's file name (see the module docstring)."""


def draft_edit(
    store: Store, slug: str, *, progress: Progress = silent, preset_names: Sequence[str] = ()
) -> EditResult:
    """Record the Edit for the current selections and render a review draft per channel preset
    (or per preset or channel in ``preset_names``), checked like any render.

    Raises :class:`InputError` when the film is too long for a preset, and
    :class:`RenderCheckError` after storing every draft when any failed its checks.
    """
    production, prod_id, stored, plan, presets = _prepare(store, slug, preset_names)
    timeline = stored.timeline
    result = EditResult(edit_version=stored.version, carried=_carried(stored))
    work = store.home / "work" / "render" / f"edit-{stored.edit_id}"
    work.mkdir(parents=True, exist_ok=True)
    for preset in presets:
        name = naming.render(slug, stored.version, preset.name + DRAFT_SUFFIX)
        progress(f"draft {preset.name}", 0, 100)
        lufs = _preset_loudness(production.channels, preset, timeline)
        out = work / f"{preset.name}{DRAFT_SUFFIX}.mp4"
        with store.exclusive(_render_lock(stored.edit_id, preset)):
            rendered = render_draft(replace(plan, loudness_lufs=lufs), preset, out, work)
            checked = _checked(rendered, preset, timeline, lufs)
            with store.session() as s:
                store.put_artifact(s, rendered.path, name)
                repo.event(
                    s,
                    prod_id,
                    "render.draft",
                    name,
                    preset=preset.name,
                    status=checked.status,
                    reasons=list(checked.reasons),
                )
            os.unlink(rendered.path)
        progress(f"draft {preset.name}", 100, 100)
        result.renders.append(
            made(preset, store.artifacts.readable(name), rendered, checked, draft=True)
        )
    if any(r.status == "failed" for r in result.renders):
        raise RenderCheckError(result)
    return result
