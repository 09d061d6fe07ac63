"""Which frames of a review draft can be copied from the takes, and which must be encoded.

A take's stretch is copied when its video stream already is what the preset would write
(:func:`stream_matches`), the edit leaves it alone (no title card, transition or text over it) and
it runs from an IDR frame to a point where the frames decoded and the frames shown are the same
(:func:`_copy_end`). Everything else is an encoded piece. :func:`plan_draft` splits the film into
these pieces; :mod:`shortfilm.media.smart_render` makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.timeline_parts import TextKind
from shortfilm.errors import MediaError
from shortfilm.media.film import FilmTimeline, RenderPlan, film_timeline
from shortfilm.media.presets import Preset
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
    spans: list[tuple[int, int]] = []
    if tl.has_title:
        spans.append((0, tl.segment_frames[0]))
    for start, join in zip(tl.starts[1:], tl.joins, strict=True):
        if join:
            spans.append((start, start + join))
    spans += [(t.start, t.end) for t in edit.texts if t.kind is not TextKind.TITLE_CARD]
    return merge_ranges(spans)


def merge_ranges(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Frame ranges ``[a, b)`` sorted, those that overlap or touch joined into one."""
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


__all__ = [
    "CopySpan",
    "DraftPlan",
    "Piece",
    "TakePackets",
    "merge_ranges",
    "plan_draft",
    "stream_matches",
    "take_packets",
]
