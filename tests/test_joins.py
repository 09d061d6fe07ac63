"""The split join graph gives the frames of the chained ``xfade`` graph it replaces."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline_parts import Transition
from shortfilm.media.ffmpeg import ffmpeg_exe
from shortfilm.media.film_graph import xfade_name
from shortfilm.media.joins import _chained, join_chains

pytestmark = pytest.mark.media

FPS = Fraction(24)
FRAMES = (20, 24, 30, 20)
TRANSITIONS = (
    Transition(TransitionKind.CROSSFADE, 6),
    Transition(TransitionKind.WHIP, 4, "left"),
    Transition(TransitionKind.CUT, 0),
)


def _raw(chains: list[str]) -> bytes:
    sources = [
        f"testsrc2=size=64x48:rate=24,hue=h={40 * k},trim=end_frame={n},format=yuv420p[p{k}]"
        for k, n in enumerate(FRAMES)
    ]
    graph = ";".join([*sources, *chains])
    cmd = [ffmpeg_exe(), "-v", "error", "-filter_complex", graph, "-map", "[out]"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "gray", "-"]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def _starts(transitions: tuple[Transition, ...]) -> list[int]:
    starts, at = [], 0
    for n, join in zip(FRAMES, (0, *(t.frames for t in transitions)), strict=True):
        at -= join
        starts.append(at)
        at += n
    return starts


LABELS = [f"p{k}" for k in range(len(FRAMES))]


def test_split_joins_equal_chained_joins() -> None:
    starts = _starts(TRANSITIONS)
    split = join_chains(LABELS, FRAMES, TRANSITIONS, starts, FPS, xfade_name, "out")
    assert any("offset=0" in c for c in split)  # the short form was used
    chained = _chained(LABELS, TRANSITIONS, starts, FPS, xfade_name, "out")
    a, b = (np.frombuffer(_raw(c), np.uint8).astype(np.int16) for c in (split, chained))
    total = sum(FRAMES) - sum(t.frames for t in TRANSITIONS)
    assert a.size == b.size == total * 64 * 48
    worst = np.abs(a - b).reshape(total, -1).max(axis=1)
    # the blend's progress is computed from microsecond-rounded times in the chained form:
    # inside a transition the two differ by at most one level, elsewhere not at all
    assert worst.max() <= 1
    blended = {
        f for k, t in enumerate(TRANSITIONS) for f in range(starts[k + 1], starts[k + 1] + t.frames)
    }
    assert all(worst[f] == 0 for f in range(total) if f not in blended)


def test_a_cut_before_a_crossfade_joins() -> None:
    """The chained form cannot: ``concat``'s output time base differs from ``xfade``'s input."""
    transitions = (TRANSITIONS[2], TRANSITIONS[0], TRANSITIONS[1])
    split = join_chains(LABELS, FRAMES, transitions, _starts(transitions), FPS, xfade_name, "out")
    total = sum(FRAMES) - sum(t.frames for t in transitions)
    assert len(_raw(split)) == total * 64 * 48
