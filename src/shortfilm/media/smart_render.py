"""Review drafts rendered smartly: copy what the edit leaves alone, encode only what it changes.

A review draft of same-format takes mostly plays them untouched: between the title card, the
transitions and the overlays, whole stretches of each take reach the film exactly as shot. When a
take's video stream already is what the preset would write (H.264, the preset's frame, profile
and pixel format, the film's rate, a frame per film frame), those stretches are *copied*: their
packets go into the draft unchanged, from an IDR frame to a point where the frames decoded and
the frames shown are the same, so they cost a read instead of an encode. Everything else (title
card, transitions, texts, the frames between a trim point and the next IDR frame) is an *encoded
piece*: a window of film frames drawn exactly as the full render draws it, by its own small filter
graph (:func:`~shortfilm.media.film_graph.window_graph`) that opens each take a few frames before
the first frame the window needs (``-ss``: ffmpeg seeks to the keyframe before it), so a piece
decodes about what it shows plus at most one GOP. The windows are encoded a few to an ffmpeg run
(:func:`~shortfilm.media.pieces.encode_windows`), while the audio is mixed beside it. Which
frames can be copied depends on the takes' GOP: with an IDR frame every second nearly all of a
take is copied; with x264's default (an IDR frame every 250 frames or at a scene cut) a 12 s
take may have only one or two, and most of the film is encoded; either way the draft is the
same film.

The pieces are joined by :func:`~shortfilm.media.render.deliver`, as the full render's are: the
concat demuxer (which writes each piece's parameter sets in band, so pieces with different encoder
headers play on) and the film's audio master encoded whole as AAC in the same step: the audio is
one continuous stream and video frame counts are exact, so picture and sound stay in sync at
every join.

A film with nothing to copy (other formats, re-timed takes) is rendered by
:func:`shortfilm.media.render.render`, so :func:`render_draft` always gives the film.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shortfilm.media.draft_plan import CopySpan, DraftPlan, plan_draft, take_packets
from shortfilm.media.film import RenderPlan
from shortfilm.media.mix import prepare_audio
from shortfilm.media.pieces import encode_windows
from shortfilm.media.presets import Preset
from shortfilm.media.render import RenderResult, deliver, pieces_folder, render
from shortfilm.media.render_cache import through_cache


def copy_span(source: Path, span: CopySpan, dest: Path) -> None:
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


def _encode_pieces(
    plan: RenderPlan, draft: DraftPlan, preset: Preset, folder: Path, out: Path
) -> dict[int, Path]:
    """Encode every encoded piece (:func:`~shortfilm.media.pieces.encode_windows`, in runs of a
    bounded number of inputs): piece index -> its file."""
    encoded = [(n, p) for n, p in enumerate(draft.pieces) if p.copy is None]
    files = encode_windows(
        plan,
        draft.timeline,
        preset,
        folder,
        [(p.start, p.end) for _, p in encoded],
        what=f"{preset.name} draft pieces",
        file=out,
    )
    return {n: f for (n, _), f in zip(encoded, files, strict=True)}


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
    preset.check_duration(float(draft.timeline.duration))
    return through_cache(
        plan, preset, out, "draft", lambda: _render_draft(plan, draft, preset, out, workdir)
    )


def _render_draft(
    plan: RenderPlan, draft: DraftPlan, preset: Preset, out: Path, workdir: Path
) -> RenderResult:
    tl = draft.timeline
    folder = pieces_folder(workdir, "draft", preset)
    # The audio mix (mostly one thread) runs beside the video encode (x264 threads itself).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="draft-audio") as pool:
        audio = pool.submit(prepare_audio, plan, workdir, tl)
        files: dict[int, Path] = {}
        for n, piece in enumerate(draft.pieces):
            if piece.copy is not None:
                files[n] = folder / f"copy-{n:03d}.mp4"
                copy_span(plan.clips[piece.copy.clip], piece.copy, files[n])
        files |= _encode_pieces(plan, draft, preset, folder, out)
        master = audio.result()
    return deliver([files[n] for n in sorted(files)], plan, tl, preset, master, workdir, out)


__all__ = ["copy_span", "render_draft"]
