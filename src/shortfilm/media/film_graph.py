"""The film's picture as one ffmpeg filter graph per preset, built from the timeline's own parts.

Each segment's take is trimmed to its frames, re-timed to its speed and fitted to the preset's
frame; the title card is a picture of its own; neighbours are joined by an ``xfade`` of their
transition (or a plain ``concat`` for a cut, see :mod:`shortfilm.media.joins`), and the texts
drawn by :mod:`shortfilm.media.overlays` are laid over the joined film on exactly their frames.
:mod:`shortfilm.media.smart_render` builds its windows from the same chains.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline_parts import Transition
from shortfilm.media.film import FilmTimeline, RenderPlan
from shortfilm.media.joins import join_chains
from shortfilm.media.overlays import draw_stills
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


def video_graph(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    folder: Path,
    master: Path,
) -> tuple[list[str], str, int]:
    """Input arguments, the filter_complex (video ``[vout]``) and the input index of the master."""
    edit = tl.timeline
    fps = str(tl.fps)
    inputs: list[str] = []
    chains: list[str] = []
    n_inputs = 0

    def add_input(*args: str | Path) -> int:
        nonlocal n_inputs
        inputs.extend(str(a) for a in args)
        n_inputs += 1
        return n_inputs - 1

    stills = draw_stills(plan, tl, preset, folder)
    segs: list[str] = []
    frames = list(tl.segment_frames)
    if stills.title is not None:
        # one decoded and converted picture, repeated by the loop filter (-loop 1 decoded the
        # PNG per frame; converting after the loop converted it per frame)
        i = add_input("-framerate", fps, "-i", stills.title)
        chains.append(
            f"[{i}:v]scale={preset.width}:{preset.height},setsar=1,format=yuv420p,"
            f"loop=loop=-1:size=1,fps={fps},trim=end_frame={frames[0]},setpts=PTS-STARTPTS[s0]"
        )
        segs.append("s0")
    pad = math.ceil(tl.fps) * 2
    for seg, path, info in zip(edit.segments, plan.clips, tl.clips, strict=True):
        k = len(segs)
        i = add_input("-i", path)
        speed = seg.speed_ratio
        retime = (
            f",setpts=PTS*{speed.denominator}/{speed.numerator},fps={fps}" if speed != 1 else ""
        )
        chains.append(
            f"[{i}:v:0]setpts=PTS-STARTPTS,fps={fps},"
            f"trim=start_frame={seg.source_in}:end_frame={seg.source_out},"
            f"setpts=PTS-STARTPTS{retime},tpad=stop_mode=clone:stop={pad},"
            f"trim=end_frame={frames[k]},setpts=PTS-STARTPTS[r{k}]"
        )
        chains.extend(fit_chain(f"r{k}", info, preset, f"s{k}"))
        segs.append(f"s{k}")

    joins: list[Transition | None] = [None, *edit.transitions, None]
    for k, label in enumerate(segs):
        fades = dip_fades(frames[k], joins[k], joins[k + 1])
        if fades:
            chains.append(f"[{label}]{fades}[{label}d]")
            segs[k] = f"{label}d"
    # xfade only over each transition's frames, not the whole film (see media/joins.py)
    current = "joined"
    chains += join_chains(segs, frames, edit.transitions, tl.starts, tl.fps, xfade_name, current)

    half = Fraction(1, 2)
    for j, (text, png, x, y) in enumerate(stills.texts):
        i = add_input("-i", png)
        # half a frame either side: frame f shows the text exactly when start <= f < end
        shown, hidden = tl.seconds(text.start - half), tl.seconds(text.end - half)
        out = f"c{j}"
        chains.append(
            f"[{current}][{i}:v]overlay=x={x}:y={y}:eof_action=repeat:"
            f"enable='between(t,{seconds_arg(shown)},{seconds_arg(hidden)})'[{out}]"
        )
        current = out
    chains.append(f"[{current}]format=yuv420p[vout]")
    audio_index = add_input("-i", master)
    return inputs, ";".join(chains), audio_index
