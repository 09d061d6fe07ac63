"""A variant rendered as a delta of the approved film: encode only the frames it changes, copy
the rest of the picture (and, when the sound is the same, the sound) from the film already
rendered.

A variant that changes only texts (the hook over the first seconds, the end card over the last)
shows the approved film's pictures everywhere else; one that swaps two clips shows them before
and after the two. The approved render is H.264 in closed GOPs on a grid of the timeline (an IDR
frame every :data:`~shortfilm.media.pieces.GOP_SECONDS` from each window's start, windows cut on
that grid, no scene-cut IDR frames), and x264 is deterministic, so a full render of the variant
writes, in every GOP whose frames it draws as the approved film does, the very packets of the
approved render. So the delta render finds the frames drawn otherwise: those whose pictures
differ (:func:`changed_pictures`: another take, span, speed or join at that frame, :func:`drawn`)
and those a text changes (:func:`changed_texts`: a text one film has and the other lacks, or places
elsewhere); it widens them to whole GOPs of the approved film (:func:`changed_windows`),
re-encodes those windows and copies every other GOP's packets unchanged
(:func:`~shortfilm.media.smart_render` copies takes the same way). Outside its windows the
result is frame-identical to a full render of the variant; inside them it is the variant drawn
by the same filter graph as a full render.

When everything the sound is mixed from is the approved film's (a texts-only variant), the sound
is the approved film's AAC stream, copied; otherwise the audio master is mixed and encoded as for
any render. A variant whose every GOP changes, or whose approved film was written in another
frame or encoding (:func:`~shortfilm.media.draft_plan.stream_matches`), is rendered whole
(:func:`~shortfilm.media.render.render`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shortfilm.domain.timeline_parts import TextItem, TextKind
from shortfilm.media.draft_plan import CopySpan, merge_ranges, stream_matches, take_packets
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import FilmTimeline, RenderPlan, film_timeline
from shortfilm.media.loudness import measure_unchanged
from shortfilm.media.mix import prepare_audio
from shortfilm.media.overlays import film_layout
from shortfilm.media.pieces import encode_windows
from shortfilm.media.presets import Preset
from shortfilm.media.probe import probe
from shortfilm.media.render import RenderResult, deliver, pieces_folder, render
from shortfilm.media.smart_render import copy_span

__all__ = [
    "DeltaRender",
    "changed_pictures",
    "changed_texts",
    "changed_windows",
    "drawn",
    "placements",
    "render_delta",
]


@dataclass(frozen=True)
class DeltaRender:
    """A variant's film and how it was made."""

    result: RenderResult
    windows: tuple[tuple[int, int], ...]
    """Film frames ``[start, end)`` encoded; every other frame was copied. Empty with
    ``whole``."""
    encoded_frames: int
    copied_frames: int
    whole: bool = False
    """Rendered whole: every GOP changes, or the approved film cannot lend its GOPs."""


def drawn(plan: RenderPlan) -> list[tuple[object, ...]]:
    """What each film frame shows, texts over it aside: each picture over the frame (the title
    card and the take it is drawn over, or a take's file, span and speed) at its own frame, with
    the join into it while the join runs. Two films draw a frame alike exactly when these are
    equal."""
    tl = plan.timeline
    pictures: list[object] = []
    if tl.title is not None:  # drawn over a frame of the first take (media.overlays)
        first = (str(plan.clips[0]), tl.segments[0].source_in) if tl.segments else None
        pictures.append(("title card", tl.title, first))
    pictures += [(str(path), seg.media_sha256, seg.source_in, seg.source_out, seg.speed)
                 for seg, path in zip(tl.segments, plan.clips, strict=True)]  # fmt: skip
    total = tl.total_frames
    frames: list[list[object]] = [[] for _ in range(total)]
    joins = (None, *tl.transitions)
    for picture, start, n, join in zip(pictures, tl.starts, tl.picture_frames, joins,
                                       strict=True):  # fmt: skip
        joined = start + (join.frames if join is not None else 0)
        for f in range(max(0, start), min(start + n, total)):
            frames[f].append((picture, f - start, join if f < joined else None))
    return [tuple(f) for f in frames]


def changed_pictures(base: RenderPlan, variant: RenderPlan) -> list[tuple[int, int]]:
    """Film frames ``[start, end)`` of ``variant`` whose pictures are not ``base``'s at the same
    frame (another order, trim or speed moves every frame after it), merged; every frame when
    the two run at other rates."""
    if base.timeline.rate != variant.timeline.rate:
        return [(0, variant.timeline.total_frames)]
    ours, theirs = drawn(variant), drawn(base)
    changed = [f for f, what in enumerate(ours) if f >= len(theirs) or theirs[f] != what]
    if len(ours) != len(theirs) and ours:
        # the approved film's GOP over our last frame runs on past it: encode our end
        changed.append(len(ours) - 1)
    return merge_ranges([(f, f + 1) for f in changed])


def placements(plan: RenderPlan, preset: Preset) -> dict[TextItem, tuple[object, ...]]:
    """Where each text over the film (the title card aside) is drawn on ``preset``'s frame:
    its box, type size and lines, as the render's layout places it with the others."""
    tl = film_timeline(plan)
    over = [t for t in tl.timeline.texts if t.kind is not TextKind.TITLE_CARD]
    sizes = [(info.width, info.height) for info in tl.clips]
    return {
        t: (p.box, p.size, p.lines, p.padding)
        for t, p in zip(over, film_layout(over, preset, sizes), strict=True)
    }


def changed_texts(
    base: Mapping[TextItem, tuple[object, ...]], variant: Mapping[TextItem, tuple[object, ...]]
) -> list[tuple[int, int]]:
    """Film frames ``[start, end)`` drawn differently: each text one film has and the other
    lacks, or has placed elsewhere (a new text on screen may move another), merged."""
    ours, theirs = set(variant.items()), set(base.items())
    return merge_ranges([(t.start, t.end) for t, _ in ours ^ theirs])


def changed_windows(
    changes: list[tuple[int, int]], keyframes: tuple[int, ...], total: int
) -> list[tuple[int, int]]:
    """Each changed span widened to whole GOPs of the approved film: from the IDR frame at or
    before its first frame to the IDR frame after its last (or the film's end), merged."""
    idr = sorted(set(keyframes) | {0})
    windows: list[tuple[int, int]] = []
    for a, b in changes:
        start = max(k for k in idr if k <= a)
        end = min((k for k in idr if k >= b), default=total)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def render_delta(
    plan: RenderPlan,
    base: RenderPlan,
    base_film: Path,
    preset: Preset,
    out: Path,
    workdir: Path,
) -> DeltaRender:
    """Render ``plan`` (a variant of ``base``, whose render for ``preset`` is ``base_film``) to
    ``out``; see the module docstring. Same contract as :func:`render`: ``out`` is written
    whole, :class:`MediaError` / :class:`InputError` name what failed."""
    out, workdir = Path(out), Path(workdir)
    tl = film_timeline(plan)
    preset.check_duration(float(tl.duration))
    if not stream_matches(probe(base_film), preset, tl.fps):  # made for another frame
        whole = render(plan, preset, out, workdir)
        return DeltaRender(whole, (), tl.total_frames, 0, whole=True)
    packets = take_packets(base_film)
    total = tl.total_frames
    changes = merge_ranges(
        changed_pictures(base, plan)
        + changed_texts(placements(base, preset), placements(plan, preset))
    )
    windows = changed_windows(changes, packets.keyframes, total)
    if windows == [(0, total)]:  # nothing to share: the plain render, its progress and cache
        whole = render(plan, preset, out, workdir)
        return DeltaRender(whole, (), total, 0, whole=True)
    folder = pieces_folder(workdir, "delta", preset)
    encoded = encode_windows(plan, tl, preset, folder, windows, what=f"{preset.name} delta",
                             file=out) if windows else []  # fmt: skip
    files: list[Path] = []
    at, n = 0, 0
    for (a, b), piece in zip(windows, encoded, strict=True):
        if a > at:
            files.append(_copied(base_film, at, a, folder, n))
            n += 1
        files.append(piece)
        at = b
    if at < total:
        files.append(_copied(base_film, at, total, folder, n))
    same_sound = _sound_of(plan) == _sound_of(base)
    if same_sound:
        result = _join_with_sound_of(files, base_film, tl, out)
    else:
        master = prepare_audio(plan, workdir, tl)
        result = deliver(files, plan, tl, preset, master, workdir, out)
    encoded_frames = sum(b - a for a, b in windows)
    return DeltaRender(result, tuple(windows), encoded_frames, total - encoded_frames)


def _sound_of(plan: RenderPlan) -> tuple[object, ...]:
    """All a film's sound is mixed from: two plans with equal ones have the same sound."""
    tl = plan.timeline
    leader = tl.leader_frames
    return (tl.audio, tl.segments, tl.transitions, leader, tl.rate, tuple(map(str, plan.clips)),
            plan.seed, plan.loudness_lufs, plan.music_file)  # fmt: skip


def _copied(film: Path, start: int, end: int, folder: Path, n: int) -> Path:
    """Film frames ``[start, end)`` of ``film`` (whole GOPs) as a piece of their own."""
    dest = folder / f"copied-{n:03d}.mp4"
    copy_span(film, CopySpan(0, start, end, start, end), dest)
    return dest


def _join_with_sound_of(
    pieces: list[Path], film: Path, tl: FilmTimeline, out: Path
) -> RenderResult:
    """Join the picture ``pieces`` with ``film``'s audio stream, both copied, into ``out`` (the
    size reported is read back from what was written; the loudness is ``film``'s, whose sound
    it is, packet for packet)."""
    listing = pieces[0].parent / "pieces.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in pieces), "utf-8")
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_ffmpeg(
            ["-f", "concat", "-safe", "0", "-i", listing, "-i", film, "-map", "0:v:0",
             "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", partial],
            what="delta join", file=out,
        )  # fmt: skip
        info = probe(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
        for piece in pieces:
            piece.unlink(missing_ok=True)
    loudness = measure_unchanged(film)
    return RenderResult(out, float(tl.duration), info.width, info.height, loudness,
                        list(tl.entries), tl.silent or loudness.digital_silence)  # fmt: skip
