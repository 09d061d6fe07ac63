"""The edit render: a :class:`~shortfilm.media.film.RenderPlan` (a timeline and its files) -> a
finished, loudness-normalised export per preset.

A film is a picture sequence (the title card, then the trimmed and re-timed takes) whose
neighbours are joined by a video ``xfade`` and an audio ``acrossfade`` of the transition's length,
or by a plain ``concat`` for a cut. The title card is a picture; captions, lower thirds, the hook
and the end card are drawn over the film; sound effects and the music bed sit on the film
timeline (title card included).

The work is split so that several presets cost little more than one:

1. the audio is mixed once (take audio + SFX + music, ducked and faded) to a WAV, measured and
   normalised to the plan's loudness target into a *master*, cached in ``workdir``
   (:mod:`shortfilm.media.mix`);
2. each preset's picture is drawn in windows of a few pictures (:mod:`shortfilm.media.pieces`),
   each by a filter graph (:mod:`shortfilm.media.film_graph`) that trims and re-times the takes
   it shows, fits them to the frame, joins the pictures and burns in the Pillow-rendered texts
   (:mod:`shortfilm.media.overlays`), so memory stays the same for a film of any length;
3. :func:`deliver` joins the pieces without re-encoding them and muxes the master as AAC. It
   measures what it wrote: AAC can lift a peak past the master's, so an export whose true peak
   is above the ceiling (-1 dBTP) is mastered again with that much more headroom and re-joined
   (the picture is copied, so that costs an audio encode), and the ceiling holds whatever the
   film's length or its effects.

Exports are written to a hidden temporary file next to ``out`` and moved into place with
``os.replace`` once complete and measured, so ``out`` is either the previous file or the new one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import FilmTimeline, Progress, RenderPlan, film_timeline
from shortfilm.media.loudness import Loudness, measure
from shortfilm.media.mix import prepare_audio
from shortfilm.media.pieces import encode_windows, film_windows, join_args
from shortfilm.media.presets import Preset
from shortfilm.media.probe import probe
from shortfilm.media.render_cache import through_cache
from shortfilm.media.render_result import RenderResult
from shortfilm.media.verify import MAX_TRUE_PEAK_DBTP

TRUE_PEAK_ATTEMPTS = 3
"""Joins tried before an export whose true peak stays above the ceiling is handed to the
checks (which then refuse it): each retry masters under the ceiling by what AAC added."""

TRUE_PEAK_MARGIN_DB = 0.2
"""Headroom kept beyond what AAC added to the peak, on a retry (the overshoot varies a little)."""


def render(
    plan: RenderPlan,
    preset: Preset,
    out: Path,
    workdir: Path,
    progress: Progress | None = None,
) -> RenderResult:
    """Render ``plan`` for ``preset`` to ``out`` (MP4, H.264 + AAC); return what was written.

    ``workdir`` holds intermediates (title/caption PNGs, synthesised sounds, the audio master) and
    may be shared between presets of the same plan to mix the audio only once. Raises
    :class:`MediaError` naming the file for a missing or unreadable clip or any ffmpeg failure,
    :class:`InputError` for a plan that does not fit its clips; in both cases ``out`` is untouched.
    """
    out, workdir = Path(out), Path(workdir)
    if progress:
        progress("probe", 0.0)
    tl = film_timeline(plan)
    preset.check_duration(float(tl.duration))
    if progress:
        progress("probe", 1.0)

    def copied() -> None:  # every stage is done: the film came whole from the cache
        if progress:
            for stage in ("audio", f"video:{preset.name}", "measure"):
                progress(stage, 1.0)

    make = lambda: _render(plan, tl, preset, out, workdir, progress)  # noqa: E731
    return through_cache(plan, preset, out, "full", make, copied)


def _render(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    out: Path,
    workdir: Path,
    progress: Progress | None,
) -> RenderResult:
    """:func:`render` once the film is laid out and not in the cache."""
    master = prepare_audio(plan, workdir, tl, progress)
    folder = pieces_folder(workdir, "video", preset)
    stage = f"video:{preset.name}"
    if progress:
        progress(stage, 0.0)
    files = encode_windows(
        plan,
        tl,
        preset,
        folder,
        film_windows(tl),
        what=f"{preset.name} render",
        file=out,
        on_fraction=(lambda f: progress(stage, f)) if progress else None,
    )
    if progress:
        progress("measure", 0.0)
    result = deliver(files, plan, tl, preset, master, workdir, out)
    if progress:
        progress("measure", 1.0)
    return result


def pieces_folder(workdir: Path, kind: str, preset: Preset) -> Path:
    """An empty folder of this process for one preset's pieces (two renders may share a
    workdir)."""
    folder = workdir / f"{kind}-{preset.name}-{preset.width}x{preset.height}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.mp4"):
        old.unlink()
    return folder


def deliver(
    pieces: Sequence[Path],
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    master: Path,
    workdir: Path,
    out: Path,
) -> RenderResult:
    """Join ``pieces`` (MP4s of the film's picture, in order, in one folder) with the audio
    master into ``out``, and hold the true-peak ceiling on what was written.

    The pieces are copied; the master is encoded as AAC. An export whose measured true peak is
    above :data:`~shortfilm.media.verify.MAX_TRUE_PEAK_DBTP` is mastered again, its true-peak
    target under the ceiling by what the encode added to the master's peak (plus
    :data:`TRUE_PEAK_MARGIN_DB`), and re-joined, at most :data:`TRUE_PEAK_ATTEMPTS` joins in all.
    The pieces are removed once the film is out.
    """
    listing = pieces[0].parent / "pieces.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in pieces), "utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        for _ in range(TRUE_PEAK_ATTEMPTS):
            run_ffmpeg(join_args(listing, master, preset, partial), what=f"{preset.name} join",
                       file=out)  # fmt: skip
            loudness = measure(partial)
            if (
                tl.silent
                or loudness.digital_silence
                or loudness.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP
            ):
                break
            lift = loudness.true_peak_dbtp - measure(master).true_peak_dbtp
            peak = MAX_TRUE_PEAK_DBTP - max(0.0, lift) - TRUE_PEAK_MARGIN_DB
            master = prepare_audio(plan, workdir, tl, true_peak_dbtp=peak)
        return _finish(partial, out, tl, loudness)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        for piece in pieces:
            piece.unlink(missing_ok=True)


def _finish(
    partial: Path, out: Path, tl: FilmTimeline, loudness: Loudness | None = None
) -> RenderResult:
    """Read back the film ffmpeg wrote to ``partial``, then move it into place as ``out``.

    The size and loudness reported are probed and measured on the written file (``loudness``
    when the caller has just measured it), not taken from the plan, and ``out`` appears only once
    the file has passed both (:class:`MediaError` otherwise).
    """
    info = probe(partial)
    if loudness is None:
        loudness = measure(partial)
    os.replace(partial, out)
    return RenderResult(
        path=out,
        duration_s=float(tl.duration),
        width=info.width,
        height=info.height,
        loudness=loudness,
        timeline=list(tl.entries),
        silent=tl.silent or loudness.digital_silence,
    )


__all__ = ["RenderResult", "deliver", "pieces_folder", "render"]
