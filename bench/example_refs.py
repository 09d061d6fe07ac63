"""Benchmark: drawing each of the example's reference images, against loading the shipped file.

tests/test_spec.py used to assert that each image draws in under a second; it now checks only
what is drawn. The timing lives here: ``draw_s`` per image (:data:`shortfilm.art.EXAMPLE_REFS`,
median of ``RUNS``) against ``load_s``, Pillow opening and decoding the shipped PNG of the same
image, the cost of using the file instead of drawing it. Target: every ``draw_s`` under 1 s.

Last line: one JSON object.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from PIL import Image

from shortfilm.art import EXAMPLE_REFS
from shortfilm.examples import example_dir

RUNS = 5


def median_s(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def load(name: str) -> Image.Image:
    with Image.open(example_dir() / "refs" / name) as image:
        image.load()
        return image


def main() -> None:
    images = {}
    for name, draw in EXAMPLE_REFS.items():
        draw_s = median_s(draw)
        load_s = median_s(lambda name=name: load(name))  # type: ignore[misc]
        images[name] = {
            "draw_s": round(draw_s, 4),
            "load_s": round(load_s, 4),
            "draw_vs_load": round(draw_s / load_s, 1),
        }
    slowest = max(r["draw_s"] for r in images.values())
    print(json.dumps({"images": images, "slowest_draw_s": slowest}))


if __name__ == "__main__":
    main()
