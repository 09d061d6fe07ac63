"""Benchmark: how soon the scheduler starts independent takes, and what the submit limiter costs.

These are the wall-clock limits tests/test_scheduling.py used to assert (three chain heads
starting within 0.4 s of each other; 1000 unlimited acquisitions in under 0.1 s). The tests now
check the order of events, which no load can upset; the timings live here, each beside the
floor it is compared with, measured in the same run:

* ``chain_start_spread_s``: :func:`shortfilm.takes.generate.generate_takes` on the example
  (chains [1], [2, 3], [4]) with an in-process provider (``tests/fake_providers.TimedProvider``,
  0.6 s per take): seconds from the first chain head's submit to the third's. The baseline,
  ``pool_start_spread_s``, is the same spread for three empty tasks handed to a three-worker
  ``ThreadPoolExecutor``: what starting three workers costs before any take row is written.
  Median of ``RUNS``.
* ``unlimited_1000_s``: 1000 ``RateLimiter(None).acquire()`` calls, against
  ``empty_calls_1000_s``, 1000 calls of a method that does nothing.
* ``limited_6_at_20_s``: six acquisitions at 20 per second (burst 1), against the ideal
  spacing ``ideal_6_at_20_s`` = 5 / 20 s.

Targets: chain_start_spread_s < 0.4, unlimited_1000_s < 0.1, limited_vs_ideal within 1.0-1.1.
Last line: one JSON object.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from approvals import approve_board  # noqa: E402
from fake_providers import TimedProvider  # noqa: E402

from shortfilm.examples import example_dir  # noqa: E402
from shortfilm.media.ffmpeg import run_ffmpeg  # noqa: E402
from shortfilm.production.importing import import_spec  # noqa: E402
from shortfilm.providers.limits import RateLimiter  # noqa: E402
from shortfilm.spec import load_spec  # noqa: E402
from shortfilm.store.repo import Store  # noqa: E402
from shortfilm.takes.generate import generate_takes  # noqa: E402

SLUG = "wasteland-villa"
RUNS = 5


def small_clip(dest: Path) -> Path:
    """What the provider delivers: 2 s of testsrc2 at 160x90 with silent stereo AAC."""
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=2", "-f", "lavfi", "-i",
         "anullsrc=r=48000:cl=stereo", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", dest],
        what="bench clip",
    )  # fmt: skip
    return dest


def chain_start_spread(root: Path, clip: Path) -> float:
    """Seconds between the first and the third chain head's submit, in a fresh home."""
    spec = root / "spec"
    shutil.copytree(example_dir(SLUG), spec, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    heads = {c.name for c in load_spec(spec / "production.yaml").clips if not c.continues_previous}
    store = Store(root / "home")
    try:
        import_spec(store, spec / "production.yaml")
        approve_board(store, SLUG)
        provider = TimedProvider(clip, latency_s=0.6)
        generate_takes(store, SLUG, provider, poll_interval_s=0.05)
    finally:
        store.close()
    starts = sorted(t for job, t in provider.started.items() if provider.labels[job] in heads)
    assert len(starts) == 3, starts
    return starts[2] - starts[0]


def pool_start_spread() -> float:
    """Seconds between the first and the third of three empty tasks starting on three workers."""
    starts: list[float] = []
    lock = threading.Lock()

    def task() -> None:
        with lock:
            starts.append(time.monotonic())

    with ThreadPoolExecutor(3) as pool:
        for _ in range(3):
            pool.submit(task)
    starts.sort()
    return starts[2] - starts[0]


class _Nothing:
    def acquire(self) -> None:
        return None


def thousand(acquire: object) -> float:
    """Seconds for 1000 calls of ``acquire``."""
    call = acquire.acquire  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    for _ in range(1000):
        call()
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clip = small_clip(work / "clip.mp4")
        spreads, pool_spreads = [], []
        for run in range(RUNS):
            spreads.append(chain_start_spread(work / f"run-{run}", clip))
            pool_spreads.append(pool_start_spread())

    unlimited_s = statistics.median(thousand(RateLimiter(None)) for _ in range(RUNS))
    empty_s = statistics.median(thousand(_Nothing()) for _ in range(RUNS))
    limiter = RateLimiter(20.0)
    t0 = time.perf_counter()
    for _ in range(6):
        limiter.acquire()
    limited_s = time.perf_counter() - t0
    ideal_s = 5 / 20
    print(
        json.dumps(
            {
                "chain_start_spread_s": round(statistics.median(spreads), 4),
                "pool_start_spread_s": round(statistics.median(pool_spreads), 5),
                "unlimited_1000_s": round(unlimited_s, 6),
                "empty_calls_1000_s": round(empty_s, 6),
                "unlimited_vs_empty": round(unlimited_s / empty_s, 2),
                "limited_6_at_20_s": round(limited_s, 4),
                "ideal_6_at_20_s": ideal_s,
                "limited_vs_ideal": round(limited_s / ideal_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
