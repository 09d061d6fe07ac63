"""Dominant colours of a clip or an image, and how far apart two such palettes are.

A palette is a few CIELAB colours with weights summing to 1 (the share of pixels nearest each),
found by k-means in CIELAB so clusters follow perceived colour. It is deterministic (a median-cut
start, a seeded pixel sample), so the same pixels always give the same palette, and nearly the
same pixels a nearly identical one. Used to check that a take keeps the look of its asset board
and of the clip before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from shortfilm.domain.analysis import Palette
from shortfilm.errors import InputError
from shortfilm.media.colour import ciede2000, rgb_to_lab

"""Dominant colours, heaviest first: ((L, a, b), weight) with weights summing to 1."""

DEFAULT_COLOURS = 6
"""Colours per palette: enough for a key, a fill, shadows and highlights. With fewer, k-means on
a smooth gradient splits it differently from sample to sample (5 colours: up to 8 ΔE00 between
two samplings of one picture; 6: under 2)."""

_MAX_PIXELS = 16_000
"""Pixels k-means looks at; more changes the palette by well under 1 ΔE00 and costs time."""

_ITERATIONS = 25

SAME_LOOK_DE = 6.0
"""palette_distance below this (ΔE00): the same look. Measured: a PNG and its JPEG 0.2, the
same picture sampled differently up to 2, a continuous shot against one of its frames 1.4-5."""

DIFFERENT_LOOK_DE = 12.0
"""palette_distance above this (ΔE00): a plainly different look. Measured: Big Buck Bunny
against street footage 16.5, a frame against its hue-rotated copy 20.7; two grey street clips
(carphone, bikes) 8.6, in between."""


def palette_from_lab(
    lab: NDArray[np.float64], k: int = DEFAULT_COLOURS, *, seed: int = 0
) -> Palette:
    """k-means palette of CIELAB pixels (shape (n, 3)); fewer colours if there are fewer pixels.

    Starts from a median cut (the cluster with the largest spread is split at its median along
    its widest axis, until there are ``k``), then Lloyd iterations until no centre moves by more
    than 0.05 ΔE*ab (or 25 rounds). A random start (k-means++) lands in different local optima
    for nearly identical pixels (a PNG and its JPEG), which would make palettes of the same
    picture differ; medians move only as much as the pixels do. ``seed`` only picks which pixels
    are used when there are more than 16,000.
    """
    if k < 1:
        raise ValueError("a palette needs at least one colour")
    points = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    if len(points) == 0:
        raise ValueError("no pixels to take a palette from")
    if len(points) > _MAX_PIXELS:
        rng = np.random.default_rng(seed)
        points = points[np.sort(rng.choice(len(points), _MAX_PIXELS, replace=False))]
    centres = _median_cut(points, k)
    k = len(centres)
    labels = np.zeros(len(points), dtype=np.int64)
    norms = (points**2).sum(axis=1)
    for _ in range(_ITERATIONS):
        d2 = norms[:, None] - 2.0 * (points @ centres.T) + (centres**2).sum(axis=1)[None, :]
        labels = d2.argmin(axis=1)
        counts = np.bincount(labels, minlength=k).astype(np.float64)
        sums = np.stack([np.bincount(labels, points[:, c], minlength=k) for c in range(3)], 1)
        filled = counts > 0
        new = centres.copy()
        new[filled] = sums[filled] / counts[filled, None]
        moved = float(np.sqrt(((new - centres) ** 2).sum(axis=1)).max())
        centres = new
        if moved < 0.05:
            break
    weights = np.bincount(labels, minlength=k).astype(np.float64) / len(points)
    order = np.argsort(-weights, kind="stable")
    return tuple(
        ((float(centres[j, 0]), float(centres[j, 1]), float(centres[j, 2])), float(weights[j]))
        for j in order
        if weights[j] > 0.0
    )


def _median_cut(points: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Up to ``k`` starting centres: the means of the boxes of a median cut of ``points``."""
    boxes = [points]
    while len(boxes) < k:
        spread = [float(((b - b.mean(axis=0)) ** 2).sum()) if len(b) > 1 else 0.0 for b in boxes]
        i = int(np.argmax(spread))
        if spread[i] <= 0.0:
            break  # every box holds one colour: fewer colours than asked for
        box = boxes.pop(i)
        axis = int(np.argmax(box.var(axis=0)))
        order = np.argsort(box[:, axis], kind="stable")
        half = len(box) // 2
        boxes += [box[order[:half]], box[order[half:]]]
    return np.array([b.mean(axis=0) for b in boxes], dtype=np.float64)


def palette_from_rgb(
    frames: Sequence[NDArray[np.uint8]], k: int = DEFAULT_COLOURS, *, seed: int = 0
) -> Palette:
    """Palette of the pixels of one or more 8-bit RGB images (any sizes).

    At most 16,000 pixels, drawn with a fixed seed, are converted and clustered."""
    if not frames:
        raise ValueError("no frames to take a palette from")
    rgb = np.concatenate([np.asarray(f, dtype=np.uint8).reshape(-1, 3) for f in frames])
    if len(rgb) > _MAX_PIXELS:
        rng = np.random.default_rng(seed)
        rgb = rgb[np.sort(rng.choice(len(rgb), _MAX_PIXELS, replace=False))]
    return palette_from_lab(rgb_to_lab(rgb), k)


def image_palette(path: Path, k: int = DEFAULT_COLOURS) -> Palette:
    """Palette of an image file (an asset-board reference, a keyframe): ``k`` colours or fewer.

    The image is reduced to about 160 px on its long side first (area averaging), which keeps
    every colour that covers a visible part of the picture. Raises :class:`InputError` naming the
    file if it is missing or not an image.
    """
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise InputError(f"{path}: no such image")
    try:
        with Image.open(path) as im:
            im.draft("RGB", (320, 320))
            rgb = im.convert("RGB")
            rgb.thumbnail((160, 160), Image.Resampling.BOX)
            pixels = np.asarray(rgb, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from exc
    return palette_from_rgb([pixels], k)


def palette_distance(a: Palette, b: Palette) -> float:
    """How different two palettes look, in CIEDE2000 units (ΔE00); 0 for identical palettes.

    The earth mover's distance between them with ΔE00 as the ground distance: the least average
    colour change that turns one palette's weights into the other's. Unlike matching each colour
    to its nearest, it does not depend on where k-means happened to split a smooth gradient.
    Typical values: under :data:`SAME_LOOK_DE` (6) for the same shot re-encoded or other frames
    of it, up to :data:`DIFFERENT_LOOK_DE` (12) for related looks (two grey street scenes),
    above it for a different look (a hue-rotated copy measures about 20).
    """
    import cv2

    if not a or not b:
        raise ValueError("palette_distance needs two non-empty palettes")
    lab_a = np.array([c for c, _ in a], dtype=np.float64)
    lab_b = np.array([c for c, _ in b], dtype=np.float64)
    w_a = np.array([[w] for _, w in a], dtype=np.float32)
    w_b = np.array([[w] for _, w in b], dtype=np.float32)
    cost = ciede2000(lab_a[:, None, :], lab_b[None, :, :]).astype(np.float32)
    distance, _, _ = cv2.EMD(w_a / w_a.sum(), w_b / w_b.sum(), cv2.DIST_USER, cost=cost)
    return max(float(distance), 0.0)
