"""The film's picture in bounded pieces: windows of film frames, a few to each ffmpeg run, joined
without a second encode.

One filter graph for a whole film opens every take at once, each with its decoder and its queue
of frames: the render of a 170 s film of 14 takes peaked at 1.44 GB against about 0.8 GB for the
50 s example, and a 10-minute film would need several. So the picture is drawn in windows of film
frames (:func:`film_windows`: a few pictures each, cut in the middle of a picture where no
transition runs), each by :func:`~shortfilm.media.film_graph.window_graph`, which draws exactly
the frames the whole film's graph would and opens only the takes the window shows. The windows are
encoded in batches (:func:`encode_windows`), one ffmpeg run per batch with at most
:data:`MAX_BATCH_INPUTS` inputs, so memory depends on how much one window holds, never on how long
the film is. The review draft (:mod:`shortfilm.media.smart_render`) encodes its windows the same
way; :func:`~shortfilm.media.render.deliver` joins the pieces with the concat demuxer (each
piece's parameter sets written in band) and muxes the audio master beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shortfilm.errors import MediaError
from shortfilm.media.ffmpeg import run_ffmpeg, run_ffmpeg_progress
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.film_graph import window_graph
from shortfilm.media.overlays import Stills, draw_stills
from shortfilm.media.presets import Preset

WINDOW_PICTURES = 3
"""Pictures (title card or take) a full render's window starts past: it holds about this many
pictures and a half at each end, so at most one more take than this is decoded at once."""

GOP_SECONDS = 2
"""Seconds from one IDR frame of a render to the next. Renders have no scene-cut IDR frames: a
film's GOPs are a grid of the timeline (every render of one film has the same), so a variant that
changes a few seconds of the approved film re-encodes only the GOPs over them and copies the rest
(:mod:`shortfilm.media.delta_render`). Two seconds is what the streaming guides ask of uploads
(YouTube: closed GOPs of half the frame rate or more); a longer GOP saves a few per cent of the
file and costs a variant more of the film re-encoded."""

MAX_BATCH_INPUTS = 12
"""Most ffmpeg inputs (takes, the title card, text pictures) one run of windows opens: what
bounds a render's memory. A window that needs more runs alone."""


def video_lead(path: Path) -> Fraction:
    """Seconds from the file's start (its earliest stream) to its first video frame.

    ffmpeg's ``-ss`` counts from the file's start, the render graph from the first frame.
    """
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if stream.start_time is None or container.start_time is None:
                return Fraction(0)
            video = Fraction(stream.start_time) * Fraction(stream.time_base or 0)
            lead = video - Fraction(container.start_time, 1_000_000)
            return max(Fraction(0), lead)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read the video's start: {exc}", file=path) from exc


def gop_frames(fps: Fraction) -> int:
    """Frames of one GOP of a render at ``fps``: :data:`GOP_SECONDS` of them, at least one."""
    return max(1, round(GOP_SECONDS * fps))


def film_windows(tl: FilmTimeline, pictures: int = WINDOW_PICTURES) -> tuple[tuple[int, int], ...]:
    """The film's frames as windows ``[start, end)``, in order, covering every frame once.

    A window ends once it holds ``pictures`` pictures, in the next picture that has a GOP
    boundary (a multiple of :func:`gop_frames`) among the frames no transition covers, at the
    boundary nearest their middle. So no transition is ever split, each window opens at most
    ``pictures + 1`` takes as a rule, and every window starts on the film's GOP grid: the IDR
    frames of every render of a film lie where the timeline says, whatever its pictures hold.
    """
    starts, frames, joins = tl.starts, tl.segment_frames, tl.joins
    gop = gop_frames(tl.fps)
    bounds, opened = [0], 0
    for k in range(1, len(frames)):
        if k - opened < pictures:
            continue
        free_from = starts[k] + joins[k - 1]
        free_to = starts[k + 1] if k + 1 < len(frames) else starts[k] + frames[k]
        middle = (free_from + free_to) // 2
        grid = [g for g in (middle // gop * gop, (middle // gop + 1) * gop)
                if free_from < g < free_to and bounds[-1] < g < tl.total_frames]  # fmt: skip
        if grid:
            bounds.append(min(grid, key=lambda g: abs(g - middle)))
            opened = k
    bounds.append(tl.total_frames)
    return tuple(zip(bounds, bounds[1:], strict=False))


def _intermediate_video_args(preset: Preset, fps: Fraction) -> list[str]:
    """The preset's video options less the MP4 flags (the segment muxer takes none; the final
    join writes them), coded so that each GOP depends on its own frames alone: x264's every
    choice that reads frames outside a GOP is switched off. An IDR frame every
    :func:`gop_frames`, none at scene cuts; no lookahead (nor the macroblock tree it feeds);
    B-frames in a fixed pattern from each IDR frame (``b-adapt`` 0), not placed by the frames
    ahead; and a flat quantizer curve (``qcomp`` 1: the quantizer no longer follows the recent
    frames' complexity; the adaptive quantizer still works inside each frame).

    This is what lets a variant copy the approved film's GOPs
    (:mod:`shortfilm.media.delta_render`) and still equal a full render of itself. Measured
    against full renders of variants, with x264's defaults for each in turn: the lookahead let a
    hook changed in GOP 0 alter all of GOP 1, and an end card in the last GOP the six frames
    before it; ``qcomp`` 0.6 and adaptive B-frames each let two clips swapped alter the GOPs
    after them. The price is bytes: at the same CRF the example's film is about half again as
    large (14.4 MB against 9.4 MB for 50 s at 1080x1920, 2.3 Mbit/s, far under any platform's
    limit).
    """
    video = preset.video_args()
    if "-movflags" in video:
        i = video.index("-movflags")
        del video[i : i + 2]
    return [*video, "-g", str(gop_frames(fps)), "-sc_threshold", "0", "-rc-lookahead", "0",
            "-qcomp", "1", "-x264-params", "b-adapt=0"]  # fmt: skip


def encode_windows(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    folder: Path,
    windows: Sequence[tuple[int, int]],
    *,
    what: str,
    file: Path,
    on_fraction: Callable[[float], None] | None = None,
) -> list[Path]:
    """Encode each window of film frames to an MP4 of its own (video only); return them in order.

    Consecutive windows share an ffmpeg run while their inputs number at most
    :data:`MAX_BATCH_INPUTS`: the run plays them one after the other into one encoder (one x264
    start, which costs about as much CPU as twenty 1080x1920 frames), forces an IDR frame at each
    window's first frame, and the segment muxer cuts the stream there. ``on_fraction`` hears the
    share of the windows' frames encoded so far; an ffmpeg failure names ``file`` (the export
    the pieces are for).
    """
    if not windows:
        return []
    drawing = _Drawing(
        plan, tl, preset, draw_stills(plan, tl, preset, folder), [video_lead(p) for p in plan.clips]
    )
    total = sum(b - a for a, b in windows)
    files: list[Path] = []
    done = 0
    batch: list[tuple[int, int]] = []
    for window in windows:
        if batch and drawing.inputs([*batch, window]) > MAX_BATCH_INPUTS:
            progress = _share(on_fraction, done, total)
            files += _encode_batch(drawing, batch, folder, (what, file), len(files), progress)
            done += sum(b - a for a, b in batch)
            batch = []
        batch.append(window)
    progress = _share(on_fraction, done, total)
    files += _encode_batch(drawing, batch, folder, (what, file), len(files), progress)
    if on_fraction:
        on_fraction(1.0)
    return files


def _share(
    on_fraction: Callable[[float], None] | None, done: int, total: int
) -> Callable[[int, float], None] | None:
    """A batch's progress (its frames, the fraction of them encoded) as the whole's fraction."""
    if on_fraction is None:
        return None
    return lambda frames, f: on_fraction(min(1.0, (done + f * frames) / total))


@dataclass(frozen=True)
class _Drawing:
    """What every window of one export is drawn from: the plan laid out for the preset, its
    text pictures and each take's lead before its first video frame."""

    plan: RenderPlan
    tl: FilmTimeline
    preset: Preset
    stills: Stills
    leads: Sequence[Fraction]

    def graphs(self, batch: Sequence[tuple[int, int]]) -> tuple[list[str], list[str]]:
        """ffmpeg inputs and filter chains drawing ``batch``'s windows (outputs ``[w{n}_]``)."""
        inputs: list[str] = []
        chains: list[str] = []
        for n, window in enumerate(batch):
            more, graph = window_graph(self.plan, self.tl, self.preset, self.stills, self.leads,
                                       window, f"w{n}_", inputs.count("-i"))  # fmt: skip
            inputs += more
            chains += graph
        return inputs, chains

    def inputs(self, batch: Sequence[tuple[int, int]]) -> int:
        return self.graphs(batch)[0].count("-i")


def _encode_batch(
    drawing: _Drawing,
    batch: Sequence[tuple[int, int]],
    folder: Path,
    failure: tuple[str, Path],
    first: int,
    progress: Callable[[int, float], None] | None,
) -> list[Path]:
    """One ffmpeg run encoding ``batch``'s windows to ``piece-{first}.mp4`` and on."""
    inputs, chains = drawing.graphs(batch)
    tl, preset = drawing.tl, drawing.preset
    chains.append(
        "".join(f"[w{n}_]" for n in range(len(batch)))
        + f"concat=n={len(batch)}:v=1:a=0,setpts=N/({tl.fps})/TB[pieces]"
    )
    splits, at = [], 0
    for a, b in batch[:-1]:
        at += b - a
        splits.append(at)
    frames = at + batch[-1][1] - batch[-1][0]
    force = "+".join(f"eq(n,{s})" for s in splits) or "0"
    args: list[str | Path] = [
        *inputs,
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[pieces]",
        "-an",
        *_intermediate_video_args(preset, tl.fps),
        "-force_key_frames",
        f"expr:{force}",
        "-f",
        "segment",
        "-segment_format",
        "mp4",
        "-reset_timestamps",
        "1",
        "-segment_start_number",
        str(first),
    ]
    if splits:
        args += ["-segment_frames", ",".join(str(s) for s in splits)]
    else:
        args += ["-segment_time", "86400"]
    pattern = folder / "piece-%03d.mp4"
    what, file = failure
    if progress is None:
        run_ffmpeg([*args, pattern], what=what, file=file)
    else:
        run_ffmpeg_progress(
            [*args, pattern],
            what=what,
            file=file,
            total_s=float(tl.seconds(frames)),
            on_fraction=lambda f: progress(frames, f),
        )
    files = [folder / f"piece-{first + i:03d}.mp4" for i in range(len(batch))]
    for f in files:
        if not f.is_file():
            raise MediaError("piece missing after the encode", file=f)
    return files


def join_args(listing: Path, master: Path, preset: Preset, partial: Path) -> list[str | Path]:
    """ffmpeg arguments joining the pieces named in ``listing`` (a concat demuxer list) without
    re-encoding them, with the audio master encoded whole beside them, into the MP4 ``partial``."""
    return [
        "-f", "concat", "-safe", "0", "-i", listing, "-i", master,
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *preset.audio_args(),
        "-movflags", "+faststart", "-f", "mp4", partial,
    ]  # fmt: skip
