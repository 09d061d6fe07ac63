"""Review drafts rendered smartly: copy what the edit leaves alone, encode only what it changes.

A review draft of same-format takes mostly plays them untouched: between the title card, the
transitions and the overlays, whole stretches of each take reach the film exactly as shot. When a
take's video stream already is what the preset would write (H.264, the preset's frame, profile
and pixel format, the film's rate, a frame per film frame), those stretches are *copied*: their
packets go into the draft unchanged, from an IDR frame to a point where the frames decoded and
the frames shown are the same, so they cost a read instead of an encode. Everything else (title
card, transitions, texts, the frames between a trim point and the next IDR frame) is an *encoded
piece*: a window of film frames drawn exactly as the graph of :mod:`shortfilm.media.render` draws
it, by its own small filter graph (:func:`_window_graph`) that opens each take a few frames
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
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.timeline_parts import TextItem, TextKind, Transition
from shortfilm.errors import MediaError
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.joins import join_chains
from shortfilm.media.loudness import measure
from shortfilm.media.presets import Preset
from shortfilm.media.probe import probe
from shortfilm.media.render import (
    FilmTimeline,
    RenderPlan,
    RenderResult,
    TitleSpec,
    _dip_fades,
    _fit_chain,
    _secs,
    film_timeline,
    grab_frame,
    prepare_audio,
    render,
    render_text,
    render_title_card,
    xfade_name,
)
from shortfilm.media.stream_facts import MediaInfo

_PROFILES = {"high": "High", "main": "Main", "baseline": "Constrained Baseline"}
"""x264 profile names (as presets spell them) -> the names probing reports."""

MIN_COPY_FRAMES = 12
"""Shortest stretch worth copying (frames): a shorter one costs more in joins than it saves."""


@dataclass(frozen=True)
class CopySpan:
    """Film frames ``[start, end)`` played from ``clip`` frames ``[source_start, source_end)``.

    ``source_start`` is an IDR frame of the take and the span's packets are one run in decode
    order holding every frame it shows (see :func:`_copy_end`), so they decode on their own.
    """

    clip: int
    """Index into the plan's clips."""
    start: int
    end: int
    source_start: int
    source_end: int


@dataclass(frozen=True)
class Piece:
    """Film frames ``[start, end)``: copied from a take (``copy``) or encoded (``copy is None``)."""

    start: int
    end: int
    copy: CopySpan | None = None


@dataclass(frozen=True)
class DraftPlan:
    """How a draft is made: the pieces in film order, covering every frame exactly once."""

    timeline: FilmTimeline
    pieces: tuple[Piece, ...]

    @property
    def copied_frames(self) -> int:
        return sum(p.end - p.start for p in self.pieces if p.copy is not None)


@dataclass(frozen=True)
class TakePackets:
    """A take's video packets in presentation order, as the film counts frames."""

    keyframes: tuple[int, ...]
    """Frame indices of the IDR frames."""
    decode_order: tuple[int, ...]
    """Frame index of each packet, in decode (file) order."""


def stream_matches(info: MediaInfo, preset: Preset, fps: Fraction) -> bool:
    """Whether the take's video is already what ``preset`` writes at ``fps`` (so can be copied)."""
    profile = _PROFILES.get(preset.profile, preset.profile)
    return (
        info.video_codec == "h264"
        and preset.video_codec == "libx264"
        and (info.width, info.height) == preset.size
        and info.fps == fps
        and not info.variable_frame_rate
        and info.pixel_format == preset.pix_fmt
        and (info.video_profile or "").lower() == profile.lower()
        and info.rotation == 0
        and info.sample_aspect_ratio in (None, Fraction(1))
    )


def _nal_types(payload: bytes) -> list[int]:
    """NAL unit types of an MP4 (4-byte length-prefixed) H.264 packet."""
    types, at = [], 0
    while at + 4 <= len(payload):
        size = int.from_bytes(payload[at : at + 4], "big")
        if size <= 0 or at + 4 + size > len(payload):
            break
        types.append(payload[at + 4] & 0x1F)
        at += 4 + size
    return types


def take_packets(path: Path) -> TakePackets:
    """Read (not decode) the take's video packets: IDR frames and the decode order.

    Only IDR frames count as keyframes: an open-GOP I frame may be followed by frames that
    reference the previous GOP, which a copy starting there would lose.
    """
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            seen: list[tuple[int, bool]] = []
            for packet in container.demux(stream):
                if packet.pts is None or packet.size == 0:
                    continue
                idr = bool(packet.is_keyframe) and 5 in _nal_types(bytes(packet))
                seen.append((packet.pts, idr))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot read packets: {exc}", file=path) from exc
    index = {pts: i for i, pts in enumerate(sorted(pts for pts, _ in seen))}
    return TakePackets(
        keyframes=tuple(sorted(index[pts] for pts, idr in seen if idr)),
        decode_order=tuple(index[pts] for pts, _ in seen),
    )


def _dirty(tl: FilmTimeline) -> list[tuple[int, int]]:
    """Film frame ranges the edit changes: title card, transitions, texts (merged, sorted)."""
    edit = tl.timeline
    assert edit is not None
    spans: list[tuple[int, int]] = []
    if tl.has_title:
        spans.append((0, tl.segment_frames[0]))
    for start, join in zip(tl.starts[1:], tl.joins, strict=True):
        if join:
            spans.append((start, start + join))
    spans += [(t.start, t.end) for t in edit.texts if t.kind is not TextKind.TITLE_CARD]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _clean(a: int, b: int, dirty: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[a, b)`` minus the ``dirty`` ranges."""
    out, at = [], a
    for d0, d1 in dirty:
        if d1 <= at or d0 >= b:
            continue
        if d0 > at:
            out.append((at, d0))
        at = max(at, d1)
    if at < b:
        out.append((at, b))
    return out


def _copy_end(packets: TakePackets, first: int, limit: int) -> int:
    """The last frame + 1 (at most ``limit``) a copy from the IDR frame ``first`` may end on.

    A copy is a run of packets in decode order starting at the IDR frame; it may stop after any
    packet where the frames decoded so far are exactly the frames shown so far (between a P
    frame and the B frames decoded after it, it may not). Every reference then lies inside the
    run, since a frame only references frames decoded before it and nothing before an IDR
    frame. Returns ``first`` when no such end exists.
    """
    position = {f: i for i, f in enumerate(packets.decode_order)}
    start = position.get(first)
    if start is None:
        return first
    end, lowest, highest = first, start, start
    for e in range(first + 1, limit + 1):
        at = position.get(e - 1)
        if at is None:
            break
        lowest, highest = min(lowest, at), max(highest, at)
        if lowest == start and highest - start + 1 == e - first:
            end = e
    return end


def plan_draft(plan: RenderPlan, preset: Preset) -> DraftPlan:
    """Split the film into copied and encoded pieces; see the module docstring."""
    tl = film_timeline(plan)
    edit = tl.timeline
    assert edit is not None
    dirty = _dirty(tl)
    offset = 1 if tl.has_title else 0
    copies: list[CopySpan] = []
    for k, (seg, info) in enumerate(zip(edit.segments, tl.clips, strict=True)):
        if seg.speed_ratio != 1 or not stream_matches(info, preset, tl.fps):
            continue
        packets = take_packets(Path(info.path))
        if len(packets.decode_order) != (info.video_frames or len(packets.decode_order)):
            continue
        taken = len(packets.decode_order)
        start = tl.starts[k + offset]
        for a, b in _clean(start, start + tl.segment_frames[k + offset], dirty):
            src_a, src_b = seg.source_in + a - start, seg.source_in + b - start
            if src_b > taken:
                continue
            inside = [f for f in packets.keyframes if src_a <= f < src_b]
            if not inside:
                continue
            first = inside[0]
            last = _copy_end(packets, first, src_b)
            if last - first < MIN_COPY_FRAMES:
                continue
            copies.append(
                CopySpan(
                    k, start + first - seg.source_in, start + last - seg.source_in, first, last
                )
            )
    pieces: list[Piece] = []
    at = 0
    for span in sorted(copies, key=lambda c: c.start):
        if span.start > at:
            pieces.append(Piece(at, span.start))
        pieces.append(Piece(span.start, span.end, span))
        at = span.end
    if at < tl.total_frames:
        pieces.append(Piece(at, tl.total_frames))
    return DraftPlan(tl, tuple(pieces))


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


@dataclass(frozen=True)
class _Stills:
    """Pictures drawn once per draft and shared by every window: the title card and the texts
    (each text's PNG and its place on the frame)."""

    title: Path | None
    texts: tuple[tuple[TextItem, Path, int, int], ...]


def _draw_stills(plan: RenderPlan, tl: FilmTimeline, preset: Preset, folder: Path) -> _Stills:
    edit = tl.timeline
    assert edit is not None
    title = None
    if edit.title is not None:
        at_s = float(tl.seconds(edit.segments[0].source_in)) + 1.0
        spec = TitleSpec(edit.title.text, edit.title.subtitle)
        card = render_title_card(spec, preset.size, preset.safe, grab_frame(plan.clips[0], at_s))
        title = folder / "title.png"
        card.save(title, compress_level=1)  # read once, by ffmpeg: speed over size
    texts = []
    for j, text in enumerate(t for t in edit.texts if t.kind is not TextKind.TITLE_CARD):
        image, x, y = render_text(text.kind, text.text, preset.size, preset.safe)
        png = folder / f"{text.kind.value}-{j}.png"
        image.save(png)
        texts.append((text, png, x, y))
    return _Stills(title, tuple(texts))


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
    stills: _Stills,
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
    assert edit is not None
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
                i = add_input("-ss", _secs(at), "-i", plan.clips[k - offset])
                clock = f"PTS+{_secs(tl.seconds(seek))}/TB"
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
            chains.extend(_fit_chain(f"{tag}r{k}", info, preset, f"{tag}s{k}"))
        label = f"{tag}s{k}"
        fades = _dip_fades(n, transitions[k], transitions[k + 1], a, b)
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
    chains.append(f"[{tag}joined]setpts=PTS-STARTPTS+{_secs(tl.seconds(lo))}/TB[{tag}c]")
    current = f"{tag}c"
    half = Fraction(1, 2)
    for j, (text, png, x, y) in enumerate(stills.texts):
        if text.end <= lo or text.start >= hi:
            continue
        i = add_input("-i", png)
        shown, hidden = tl.seconds(text.start - half), tl.seconds(text.end - half)
        chains.append(
            f"[{current}][{i}:v]overlay=x={x}:y={y}:eof_action=repeat:"
            f"enable='between(t,{_secs(shown)},{_secs(hidden)})'[{tag}t{j}]"
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
    stills = _draw_stills(plan, tl, preset, folder)
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
        info = probe(partial)
        loudness = measure(partial)
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return RenderResult(
        path=out,
        duration_s=float(tl.duration),
        width=info.width,
        height=info.height,
        loudness=loudness,
        timeline=list(tl.entries),
        silent=tl.silent,
    )


__all__ = [
    "CopySpan",
    "DraftPlan",
    "Piece",
    "TakePackets",
    "plan_draft",
    "render_draft",
    "stream_matches",
    "take_packets",
]
