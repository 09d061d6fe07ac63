"""The part of the render graph that joins the film's pictures: cuts and transitions.

ffmpeg's ``xfade`` joins two whole streams: chained over a film, every frame of every picture
passes through every later ``xfade``, and the decoders queue frames for inputs that are not read
yet. On a 1080x1920 film that was a third of the graph's CPU time. So each picture is split (by
reference, no copy) into its head (the frames under the incoming transition), its middle and its
tail (under the outgoing one); ``xfade`` runs only on a tail and the next head, as short as the
transition, and one ``concat`` plays middles and transitions in order. The pictures are the same
frames the chained form gives; a picture too short to split (its two transitions overlap) falls
back to the chained form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from shortfilm.domain.timeline_parts import Transition


def _secs(value: Fraction) -> str:
    return f"{float(value):.6f}"


def join_chains(
    labels: Sequence[str],
    frames: Sequence[int],
    transitions: Sequence[Transition],
    starts: Sequence[int],
    fps: Fraction,
    xfade_name: Callable[[Transition], str],
    out: str,
) -> list[str]:
    """Filter chains joining the pictures ``labels`` (``frames`` long each) into ``[out]``.

    ``transitions[k]`` joins picture ``k`` to ``k + 1`` (0 frames: a cut); ``starts`` are the
    pictures' first film frames (used by the chained fallback); ``xfade_name`` names the ``xfade``
    transition of a join.
    """
    n = len(labels)
    heads = [0, *(t.frames for t in transitions)]
    tails = [*(t.frames for t in transitions), 0]
    if n == 1:
        return [f"[{labels[0]}]null[{out}]"]
    if any(heads[k] + tails[k] > frames[k] for k in range(n)):
        return _chained(labels, transitions, starts, fps, xfade_name, out)
    chains: list[str] = []
    order: list[str] = []
    for k, label in enumerate(labels):
        parts = [
            (name, a, b)
            for name, a, b in (
                ("h", 0, heads[k]),
                ("m", heads[k], frames[k] - tails[k]),
                ("t", frames[k] - tails[k], frames[k]),
            )
            if b > a
        ]
        chains.append(
            f"[{label}]split={len(parts)}" + "".join(f"[{label}{p}0]" for p, _, _ in parts)
        )
        chains.extend(
            f"[{label}{p}0]trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS[{label}{p}]"
            for p, a, b in parts
        )
        if k > 0 and heads[k]:
            t = transitions[k - 1]
            chains.append(
                f"[{labels[k - 1]}t][{label}h]xfade=transition={xfade_name(t)}:"
                f"duration={_secs(t.frames / fps)}:offset=0[{label}j]"
            )
            order.append(f"{label}j")
        if any(p == "m" for p, _, _ in parts):
            order.append(f"{label}m")
    chains.append("".join(f"[{o}]" for o in order) + f"concat=n={len(order)}:v=1:a=0[{out}]")
    return chains


def _chained(
    labels: Sequence[str],
    transitions: Sequence[Transition],
    starts: Sequence[int],
    fps: Fraction,
    xfade_name: Callable[[Transition], str],
    out: str,
) -> list[str]:
    """One ``xfade`` or ``concat`` per join over the whole film so far (the general form)."""
    chains: list[str] = []
    current = labels[0]
    for k, (label, transition) in enumerate(zip(labels[1:], transitions, strict=True), 1):
        joined = out if k == len(labels) - 1 else f"x{k}"
        if transition.frames == 0:
            chains.append(f"[{current}][{label}]concat=n=2:v=1:a=0[{joined}]")
        else:
            chains.append(
                f"[{current}][{label}]xfade=transition={xfade_name(transition)}:"
                f"duration={_secs(transition.frames / fps)}:"
                f"offset={_secs(starts[k] / fps)}[{joined}]"
            )
        current = joined
    return chains


__all__ = ["join_chains"]
