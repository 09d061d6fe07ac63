"""Review drafts rendered smartly: copy what the edit leaves alone, encode only what it changes.

A review draft of same-format takes mostly plays them untouched: between the title card, the
transitions and the overlays, whole stretches of each take reach the film exactly as shot. When a
take's video stream already is what the preset would write (H.264, the preset's frame, profile
and pixel format, the film's rate, a frame per film frame), those stretches are *copied*: their
packets go into the draft unchanged, from an IDR frame to a point where the frames decoded and
the frames shown are the same, so they cost a read instead of an encode. Everything else (title
card, transitions, texts, the frames between a trim point and the next IDR frame) is an *encoded
piece*: a window of film frames drawn exactly as the graph of :mod:`shortfilm.media.film_graph`
draws it, by its own small filter graph (:func:`_window_graph`) that opens each take a few frames
before the first frame the window needs (``-ss``: ffmpeg seeks to the keyframe before it), so a
piece decodes about what it shows plus at most one GOP. One ffmpeg run plays the windows one
after the other into one encoder, an IDR frame forced at each window's first frame, and cuts
them apart again (:func:`_encode_pieces`), while the audio is mixed beside it. Which frames can
be copied depends on the takes' GOP: with an IDR frame every second nearly all of a take is
copied; with x264's default (an IDR frame every 250 frames or at a scene cut) a 12 s take may
have only one or two, and most of the film is encoded; either way the draft is the same film.

The pieces are joined with ffmpeg's concat demuxer (which writes each piece's parameter sets in
band, so pieces with different encoder headers play on) and muxed with the film's audio master,
encoded whole as AAC in the same step: the audio is one continuous stream and video frame counts
are exact, so picture and sound stay in sync at every join.

A film with nothing to copy (other formats, re-timed takes) is rendered by
:func:`shortfilm.media.render.render`, so :func:`render_draft` always gives the film.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.timeline_parts import Transition
from shortfilm.errors import MediaError
from shortfilm.media.draft_plan import CopySpan, DraftPlan, plan_draft, take_packets
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.film_graph import dip_fades, fit_chain, seconds_arg, xfade_name
from shortfilm.media.joins import join_chains
from shortfilm.media.mix import prepare_audio
from shortfilm.media.overlays import Stills, draw_stills
from shortfilm.media.presets import Preset
from shortfilm.media.render import RenderResult, finish, render


def _copy_span(source: Path, span: CopySpan, dest: Path) -> None:
    """Write the span's video packets, unchanged, to ``dest`` (MP4, timestamps from 0)."""
    import av

    packets = take_packets(source)
    wanted = {
        i for i, f in enumerate(packets.decode_order) if span.source_start <= f < span.source_end
    }
    with av.open(str(source)) as src, av.open(str(dest), "w", format="mp4") as out:
        stream = src.streams.video[0]
        ostream = out.add_stream_from_template(stream)
        base: int | None = None
        i = -1
        for packet in src.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            i += 1
            if i not in wanted:
                continue
            if base is None:
                base = packet.pts  # the IDR frame: first in decode and in display order
            packet.pts -= base
            if packet.dts is not None:
                packet.dts -= base
            packet.stream = ostream
            out.mux(packet)


def _video_lead(path: Path) -> Fraction:
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


def _widen(tl: FilmTimeline, w0: int, w1: int) -> tuple[int, int]:
    """``[w0, w1)`` widened to hold every transition it touches whole (``xfade`` needs both
    pictures' frames of a transition, and its blend depends on the frame's place in it)."""
    spans = [(s, s + j) for s, j in zip(tl.starts[1:], tl.joins, strict=True) if j]
    changed = True
    while changed:
        changed = False
        for a, b in spans:
            if a < w1 and b > w0 and (a < w0 or b > w1):
                w0, w1, changed = min(w0, a), max(w1, b), True
    return w0, w1


def _window_graph(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    stills: Stills,
    leads: Sequence[Fraction],
    window: tuple[int, int],
    tag: str,
    first_input: int,
) -> tuple[list[str], list[str]]:
    """ffmpeg inputs and filter chains giving film frames ``[w0, w1)`` (``window``) on the
    label ``[{tag}]``, exactly as :func:`~shortfilm.media.render.render`'s graph draws them,
    decoding only what they show. Labels start with ``tag``; inputs are numbered from
    ``first_input``.

    Each take is opened with ``-ss`` a few frames before the first frame the window needs (ffmpeg
    seeks to the keyframe before it and drops the frames ahead of it), and its timestamps are
    put back on the take's own clock, so the ``fps`` filter keeps the full render's frame grid
    and the trims count the same frames. Variable-rate takes are decoded from their start.
    """
    edit = tl.timeline
    fps = tl.fps
    w0, w1 = window
    lo, hi = _widen(tl, w0, w1)
    inputs: list[str] = []
    count = first_input

    def add_input(*args: str | Path) -> int:
        nonlocal count
        inputs.extend(str(a) for a in args)
        count += 1
        return count - 1

    chains: list[str] = []
    labels: list[str] = []
    frames: list[int] = []
    starts: list[int] = []
    joins: list[Transition] = []
    transitions: list[Transition | None] = [None, *edit.transitions, None]
    offset = 1 if tl.has_title else 0
    pad = math.ceil(fps) * 2
    for k, (start, n) in enumerate(zip(tl.starts, tl.segment_frames, strict=True)):
        a, b = max(0, lo - start), min(n, hi - start)
        if b <= a:
            continue
        if k < offset:
            assert stills.title is not None
            i = add_input("-framerate", str(fps), "-i", stills.title)
            chains.append(
                f"[{i}:v]scale={preset.width}:{preset.height},setsar=1,format=yuv420p,"
                f"loop=loop=-1:size=1,fps={fps},trim=end_frame={b - a},"
                f"setpts=PTS-STARTPTS[{tag}s{k}]"
            )
        else:
            seg, info = edit.segments[k - offset], tl.clips[k - offset]
            speed = seg.speed_ratio
            needed = seg.source_in + math.floor(a * speed)
            seek = 0 if info.variable_frame_rate else max(0, needed - 2 - math.ceil(speed))
            if seek:
                at = leads[k - offset] + tl.seconds(seek)
                i = add_input("-ss", seconds_arg(at), "-i", plan.clips[k - offset])
                clock = f"PTS+{seconds_arg(tl.seconds(seek))}/TB"
            else:
                i = add_input("-i", plan.clips[k - offset])
                clock = "PTS-STARTPTS"
            retime = (
                f",setpts=PTS*{speed.denominator}/{speed.numerator},fps={fps}" if speed != 1 else ""
            )
            chains.append(
                f"[{i}:v:0]setpts={clock},fps={fps},"
                f"trim=start_pts={seg.source_in}:end_pts={seg.source_out},"
                f"setpts=PTS-{seg.source_in}{retime},tpad=stop_mode=clone:stop={pad},"
                f"trim=start_pts={a}:end_pts={b},setpts=PTS-STARTPTS[{tag}r{k}]"
            )
            chains.extend(fit_chain(f"{tag}r{k}", info, preset, f"{tag}s{k}"))
        label = f"{tag}s{k}"
        fades = dip_fades(n, transitions[k], transitions[k + 1], a, b)
        if fades:
            chains.append(f"[{label}]{fades}[{label}d]")
            label = f"{label}d"
        if labels:
            joins.append(edit.transitions[k - 1])
        labels.append(label)
        frames.append(b - a)
        starts.append(start + a - lo)
    chains += join_chains(labels, frames, joins, starts, fps, xfade_name, f"{tag}joined")
    # on the film's clock, so each text shows on exactly the frames the full render shows it
    chains.append(f"[{tag}joined]setpts=PTS-STARTPTS+{seconds_arg(tl.seconds(lo))}/TB[{tag}c]")
    current = f"{tag}c"
    half = Fraction(1, 2)
    for j, (text, png, x, y) in enumerate(stills.texts):
        if text.end <= lo or text.start >= hi:
            continue
        i = add_input("-i", png)
        shown, hidden = tl.seconds(text.start - half), tl.seconds(text.end - half)
        chains.append(
            f"[{current}][{i}:v]overlay=x={x}:y={y}:eof_action=repeat:"
            f"enable='between(t,{seconds_arg(shown)},{seconds_arg(hidden)})'[{tag}t{j}]"
        )
        current = f"{tag}t{j}"
    chains.append(
        f"[{current}]trim=start_frame={w0 - lo}:end_frame={w1 - lo},"
        f"setpts=PTS-STARTPTS,format=yuv420p[{tag}]"
    )
    return inputs, chains


def _encode_pieces(
    plan: RenderPlan, draft: DraftPlan, preset: Preset, folder: Path
) -> dict[int, Path]:
    """Encode every encoded piece in one ffmpeg run: piece index -> its file.

    The windows' graphs are played one after the other into one encoder (one x264 start, which
    costs about as much CPU as twenty 1080x1920 frames), an IDR frame forced at each window's
    first frame, and the segment muxer cuts the stream there, one file per piece.
    """
    tl = draft.timeline
    encoded = [(n, p) for n, p in enumerate(draft.pieces) if p.copy is None]
    if not encoded:
        return {}
    stills = draw_stills(plan, tl, preset, folder)
    leads = [_video_lead(p) for p in plan.clips]
    inputs: list[str] = []
    chains: list[str] = []
    for n, piece in encoded:
        more, graph = _window_graph(
            plan, tl, preset, stills, leads, (piece.start, piece.end), f"w{n}_", inputs.count("-i")
        )
        inputs += more
        chains += graph
    chains.append(
        "".join(f"[w{n}_]" for n, _ in encoded)
        + f"concat=n={len(encoded)}:v=1:a=0,setpts=N/({tl.fps})/TB[draft]"
    )
    splits, at = [], 0
    for _, p in encoded[:-1]:
        at += p.end - p.start
        splits.append(at)
    video = preset.video_args()
    if "-movflags" in video:  # the segment muxer takes no MP4 flags; intermediates need none
        i = video.index("-movflags")
        del video[i : i + 2]
    force = "+".join(f"eq(n,{s})" for s in splits) or "0"
    pattern = folder / "piece-%03d.mp4"
    args: list[str | Path] = [
        *inputs,
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[draft]",
        "-an",
        *video,
        "-force_key_frames",
        f"expr:{force}",
        "-f",
        "segment",
        "-segment_format",
        "mp4",
        "-reset_timestamps",
        "1",
    ]
    if splits:
        args += ["-segment_frames", ",".join(str(s) for s in splits)]
    else:
        args += ["-segment_time", "86400"]
    run_ffmpeg([*args, pattern], what=f"{preset.name} draft pieces", file=pattern)
    files = {n: folder / f"piece-{i:03d}.mp4" for i, (n, _) in enumerate(encoded)}
    for f in files.values():
        if not f.is_file():
            raise MediaError("draft piece missing after the encode", file=f)
    return files


def render_draft(plan: RenderPlan, preset: Preset, out: Path, workdir: Path) -> RenderResult:
    """Render ``plan`` for ``preset`` to ``out`` as a review draft (see the module docstring).

    Same contract as :func:`~shortfilm.media.render.render`: ``out`` is written atomically, and
    :class:`MediaError` / :class:`InputError` name what failed. The audio master is the one
    :func:`render` would use (shared through ``workdir``).
    """
    out, workdir = Path(out), Path(workdir)
    draft = plan_draft(plan, preset)
    if draft.copied_frames == 0:
        return render(plan, preset, out, workdir)
    tl = draft.timeline
    preset.check_duration(float(tl.duration))
    folder = workdir / f"draft-{preset.name}-{preset.width}x{preset.height}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.mp4"):
        old.unlink()
    # The audio mix (mostly one thread) runs beside the video encode (x264 threads itself).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="draft-audio") as pool:
        audio = pool.submit(prepare_audio, plan, workdir, tl)
        files: dict[int, Path] = {}
        for n, piece in enumerate(draft.pieces):
            if piece.copy is not None:
                files[n] = folder / f"copy-{n:03d}.mp4"
                _copy_span(plan.clips[piece.copy.clip], piece.copy, files[n])
        files |= _encode_pieces(plan, draft, preset, folder)
        master = audio.result()
    listing = folder / "pieces.txt"
    listing.write_text("".join(f"file '{files[n].name}'\n" for n in sorted(files)), "utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        run_ffmpeg(
            [
                "-f", "concat", "-safe", "0", "-i", listing, "-i", master,
                "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *preset.audio_args(),
                "-movflags", "+faststart", "-f", "mp4", partial,
            ],
            what=f"{preset.name} draft join",
            file=out,
        )  # fmt: skip
        return finish(partial, out, tl)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


__all__ = ["render_draft"]
