"""The film's picture as ffmpeg filter graphs, one per window of film frames, built from the
timeline's own parts.

Each segment's take is trimmed to its frames, re-timed to its speed and fitted to the preset's
frame; the title card is a picture of its own; neighbours are joined by an ``xfade`` of their
transition (or a plain ``concat`` for a cut, see :mod:`shortfilm.media.joins`), and the texts
drawn by :mod:`shortfilm.media.overlays` are laid over the joined film on exactly their frames.
A window's graph (:func:`window_graph`) draws its frames exactly as a graph of the whole film
would, opening only the takes it shows: the full render (:mod:`shortfilm.media.pieces`) and the
review draft (:mod:`shortfilm.media.smart_render`) are both made of such windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline_parts import Transition
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.joins import join_chains
from shortfilm.media.overlays import Stills
from shortfilm.media.presets import Preset
from shortfilm.media.stream_facts import MediaInfo


def seconds_arg(value: Fraction | float) -> str:
    """Seconds as an ffmpeg argument (microsecond precision, which ffmpeg rounds to frames)."""
    return f"{float(value):.6f}"


def fit_chain(src: str, info: MediaInfo, preset: Preset, label: str) -> list[str]:
    """Filters fitting a clip to the preset frame: scale if the aspect matches, else blur fill.

    Blur fill = a cover-scaled, blurred, dimmed copy as background with the whole clip scaled to fit
    (contain) and centred over it. The blur runs at 1/8 size, which is what keeps a 1080x1920 pass
    fast on two cores.
    """
    w, h = preset.size
    if abs(info.width / info.height - preset.aspect) < 0.01:
        return [f"[{src}]scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p[{label}]"]
    sw, sh = max(4, (w // 8) // 2 * 2), max(4, (h // 8) // 2 * 2)
    radius = max(1, min(sw, sh) // 16)
    chroma = max(1, min(radius, min(sw, sh) // 4 - 1))
    return [
        f"[{src}]split=2[{label}bg][{label}fg]",
        f"[{label}bg]scale={sw}:{sh}:force_original_aspect_ratio=increase:flags=bilinear,"
        f"crop={sw}:{sh},boxblur=luma_radius={radius}:luma_power=2:chroma_radius={chroma}:"
        f"chroma_power=2,eq=brightness=-0.06:saturation=0.8,scale={w}:{h}:flags=bilinear,"
        f"setsar=1[{label}b]",
        f"[{label}fg]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:"
        f"flags=bicubic,setsar=1[{label}f]",
        f"[{label}b][{label}f]overlay=x=(W-w)/2:y=(H-h)/2,format=yuv420p[{label}]",
    ]


_XFADE = {
    TransitionKind.CROSSFADE: "fade",
    TransitionKind.DIP: "fade",
    TransitionKind.WHIP: "smooth",
    TransitionKind.SLIDE: "slide",
}
"""ffmpeg ``xfade`` transition of each kind; whip and slide take their direction as a suffix.

A dip is a plain fade between two pictures that are themselves faded to black, the outgoing one
over the first half of the overlap and the incoming one over the second (:func:`dip_fades`), so
the film is black at the transition's midpoint. (``xfade``'s own ``fadeblack`` is asymmetric: black
after two frames, then a long fade in.)"""


def dip_fades(
    frames: int,
    incoming: Transition | None,
    outgoing: Transition | None,
    first: int = 0,
    end: int | None = None,
) -> str:
    """``fade`` filters for a picture of ``frames`` frames next to dips ("" when there is none).

    ``[first, end)`` is the part of the picture the filters see (a draft's window, see
    :mod:`shortfilm.media.smart_render`); a fade wholly outside it is left out. A window never
    starts inside a transition, so a fade it holds is held from its first frame.
    """
    end = frames if end is None else end
    fades = []
    if incoming is not None and incoming.kind is TransitionKind.DIP and first == 0:
        half = incoming.frames // 2
        fades.append(f"fade=t=in:start_frame={half}:nb_frames={incoming.frames - half}")
    if outgoing is not None and outgoing.kind is TransitionKind.DIP:
        start = frames - outgoing.frames
        if first <= start < end:
            fades.append(f"fade=t=out:start_frame={start - first}:nb_frames={outgoing.frames // 2}")
    return ",".join(fades)


def xfade_name(transition: Transition) -> str:
    """The ``xfade`` transition that draws ``transition`` (``smoothleft`` for a whip left ...)."""
    name = _XFADE[transition.kind]
    if transition.kind in (TransitionKind.WHIP, TransitionKind.SLIDE):
        name += transition.direction
    return name


def widen(tl: FilmTimeline, w0: int, w1: int) -> tuple[int, int]:
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


def window_graph(
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
    lo, hi = widen(tl, w0, w1)
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
