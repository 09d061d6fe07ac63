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
2. each preset is then ONE ffmpeg pass: a filter graph (:mod:`shortfilm.media.film_graph`) that
   trims and re-times every take, fits it to the frame, joins the pictures, burns in the
   Pillow-rendered texts (:mod:`shortfilm.media.overlays`), and muxes the master as AAC.

Exports are written to a hidden temporary file next to ``out`` and moved into place with
``os.replace`` once complete and measured, so ``out`` is either the previous file or the new one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shortfilm.errors import MediaError
from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from shortfilm.media.film import FilmTimeline, Progress, RenderPlan, TimelineEntry, film_timeline
from shortfilm.media.film_graph import video_graph
from shortfilm.media.loudness import Loudness, measure
from shortfilm.media.mix import prepare_audio
from shortfilm.media.presets import Preset
from shortfilm.media.probe import probe


@dataclass(frozen=True)
class RenderResult:
    path: Path
    duration_s: float
    """Film length from the timeline (exact frames / fps), seconds."""
    width: int
    height: int
    loudness: Loudness
    """Measured on the written export (after AAC)."""
    timeline: list[TimelineEntry]
    silent: bool = False
    """The film has no sound at all (see :attr:`~shortfilm.media.film.FilmTimeline.silent`): its
    audio track is digital silence, not mastered to a loudness."""


def _run_with_progress(
    args: list[str | Path],
    *,
    what: str,
    file: Path,
    total_s: float,
    on_fraction: Callable[[float], None],
) -> None:
    """Like :func:`run_ffmpeg`, but reports the encoded fraction from ``-progress`` as it goes."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"]
    cmd += [str(a) for a in args]
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log) as proc,
    ):
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit() and total_s > 0:
                    on_fraction(min(1.0, max(0.0, int(value) / 1e6 / total_s)))
            code = proc.wait()
        finally:
            if proc.poll() is None:  # the callback raised: do not leave ffmpeg running
                proc.kill()
                proc.wait()
        if code != 0:
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            tail = " | ".join(text.strip().splitlines()[-4:])
            raise MediaError(f"{what} failed (ffmpeg exit {code}): {tail}", file=file)


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
    master = prepare_audio(plan, workdir, tl, progress)
    folder = workdir / f"video-{preset.name}-{preset.width}x{preset.height}"
    folder.mkdir(parents=True, exist_ok=True)
    inputs, graph, audio_index = video_graph(plan, tl, preset, folder, master)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    stage = f"video:{preset.name}"
    args: list[str | Path] = [
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[vout]",
        "-map",
        f"{audio_index}:a:0",
        *preset.video_args(),
        *preset.audio_args(),
        "-f",
        "mp4",
        partial,
    ]
    try:
        if progress:
            progress(stage, 0.0)
            _run_with_progress(
                args,
                what=f"{preset.name} render",
                file=out,
                total_s=float(tl.duration),
                on_fraction=lambda f: progress(stage, f),
            )
            progress(stage, 1.0)
            progress("measure", 0.0)
        else:
            run_ffmpeg(args, what=f"{preset.name} render", file=out)
        result = finish(partial, out, tl)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    if progress:
        progress("measure", 1.0)
    return result


def finish(partial: Path, out: Path, tl: FilmTimeline) -> RenderResult:
    """Read back the film ffmpeg wrote to ``partial``, then move it into place as ``out``.

    The one ending of a full render and a draft (:mod:`shortfilm.media.smart_render`): the size
    and loudness reported are probed and measured on the written file, not taken from the plan,
    and ``out`` appears only once the file has passed both (:class:`MediaError` otherwise).
    """
    info = probe(partial)
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
