"""Benchmark: films of 1, 3 and 10 minutes rendered in windows against one filter graph of the
whole film (the render before issue 21, the named baseline).

The films are the example grown to a few minutes, as a user grows it (``tests/long_film.py``:
the example's clips in turn, every kind of join, a caption per clip, a whoosh and an impact at
every join, the music bed ducked under them, a hook, a lower third, an end card, one take
re-timed): 5, 14 and 50 clips. Each clip plays one of the example's four takes, made once by the
offline animatic at 1280x720 (the size a 16:9 production asks for), 24 fps, outside every timing.
The export is the 16:9 ``horizontal`` preset at 1920x1080 (the vertical one takes 3 minutes at
most), from a cold work folder: audio mix, normalisation, the picture, the join and the
loudness measurement of the export.

Two ways, each run in a child process of its own, alternating:

* ``windows``: :func:`shortfilm.media.render.render`, the picture drawn in windows of a few
  pictures (:mod:`shortfilm.media.pieces`), a bounded number of inputs to each ffmpeg run;
* ``one_graph``, the baseline: the same render with one window spanning the film, i.e. one
  ffmpeg run whose graph opens every take at once, as every render did before.

Figures: ``peak_mb_by_minutes`` is the peak resident memory of the largest single process of a
render (``wait4``'s ``ru_maxrss``: the ffmpeg of the picture, in practice), per film length, for
``windows`` (the goal: the 10-minute peak within 1.3x the 1-minute one) and
``baseline_peak_mb_by_minutes`` for ``one_graph``; ``seconds_per_film_minute_by_minutes`` is wall
time over film minutes (goal: flat within 15 %, i.e. ``spread_seconds_per_film_minute`` <= 0.15,
max over min less one); ``lufs_by_minutes`` and ``true_peak_dbtp_by_minutes`` are measured on
the written exports by ``ebur128`` (goal: -14 +/- 1 LUFS, at most -1 dBTP), and each export
passes the render checks (``checks_passed``).

Usage: ``python bench/long_film.py [--minutes 1,3,10] [--kinds windows,one_graph]``. Last line:
one JSON object.

Measured 2026-12-06 on 2 cores (no other work; 61, 170 and 608 s of film), twice:
``peak_mb_by_minutes`` 478 / 534 / 564 MB (ratio 1.18; the first run 480 / 542 / 558, 1.16)
against the one graph's 652 / 1266 / 3621 MB (5.55x), so at 10 minutes the windows need 0.16 of
it, in 0.99 of its time. ``seconds_per_film_minute_by_minutes`` 27.7 / 29.1 / 27.7, spread 0.054
(the first run 31.4 / 28.3 / 27.2, spread 0.153: its 1-minute film ran slow, the baseline beside
it did not, so run-to-run noise on a 30 s render is about that large). Every export -14.0 LUFS,
-1.9 / -2.4 / -1.4 dBTP, checks passed. Before the beds were made in blocks (``media/sfx.py``)
the largest process of the 10-minute render was Python itself at 3.2 GB, not ffmpeg.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from render import FPS, make_takes, measure_command

from shortfilm.domain.take import CLIP_SIZE
from shortfilm.examples import example_dir
from shortfilm.media.film import RenderPlan, film_timeline
from shortfilm.media.presets import HORIZONTAL
from shortfilm.spec.load import load_spec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from long_film import long_spec  # noqa: E402

PRESET = HORIZONTAL
KINDS = ("windows", "one_graph")
CLIPS_BY_MINUTES = {1: 5, 3: 14, 10: 50}
"""Clips of the film of each length (about 12 s of film a clip once the joins overlap)."""


def plan_for(work: Path, clips: int) -> RenderPlan:
    from render_plans import spec_plan  # tests/render_plans.py: the spec's cut, as run lays it

    spec_dir = work / "spec"
    production = load_spec(long_spec(spec_dir / "production.yaml", clips, name=f"{clips}.yaml"))
    takes = [Path(t) for t in json.loads((work / "takes.json").read_text("utf-8"))]
    return spec_plan([takes[i % len(takes)] for i in range(clips)], production.edit)


def run_render(work: Path, clips: int, kind: str) -> None:
    from shortfilm.media import pieces
    from shortfilm.media import render as full_render
    from shortfilm.media.verify import verify

    plan = plan_for(work, clips)
    folder = work / f"{kind}-{clips}"
    shutil.rmtree(folder, ignore_errors=True)
    if kind == "one_graph":  # one window: every take an input of one graph
        full_render.film_windows = lambda tl: ((0, tl.total_frames),)  # type: ignore[assignment]
        pieces.MAX_BATCH_INPUTS = 10**6
    result = full_render.render(plan, PRESET, folder / "film.mp4", folder / "work")
    tl = film_timeline(plan)
    checked = verify(
        result.path, PRESET, duration=tl.duration, fps=tl.fps, lufs=-14.0, loudness=result.loudness
    )
    facts = {
        "film_s": round(float(tl.duration), 2),
        "lufs": result.loudness.integrated_lufs,
        "true_peak_dbtp": result.loudness.true_peak_dbtp,
        "checks_passed": checked.passed,
        "reasons": list(checked.reasons),
    }
    (folder / "facts.json").write_text(json.dumps(facts), "utf-8")
    result.path.unlink()  # 10 minutes of 1080p: keep the disk free


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=(*KINDS, "takes"))
    parser.add_argument("--work", type=Path)
    parser.add_argument("--clips", type=int)
    parser.add_argument("--minutes", default="1,3,10")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    if args.worker == "takes":
        production = load_spec(example_dir())
        takes = make_takes(production, args.work, None, size=CLIP_SIZE)
        (args.work / "takes.json").write_text(json.dumps([str(t) for t in takes]), "utf-8")
        return
    if args.worker:
        run_render(args.work, args.clips, args.worker)
        return

    minutes = [int(m) for m in args.minutes.split(",")]
    kinds = args.kinds.split(",")
    if unknown := set(kinds) - set(KINDS) or set(minutes) - set(CLIPS_BY_MINUTES):
        parser.error(f"unknown: {sorted(map(str, unknown))}")
    me = [sys.executable, __file__]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(example_dir(), work / "spec")
        measure_command([*me, "--worker", "takes", "--work", str(work)], "takes")
        load_before = os.getloadavg()
        runs: dict[tuple[str, int], tuple[float, float, float]] = {}
        facts: dict[tuple[str, int], dict[str, Any]] = {}
        for m in minutes:
            clips = CLIPS_BY_MINUTES[m]
            for kind in kinds:
                cmd = [*me, "--worker", kind, "--work", str(work), "--clips", str(clips)]
                runs[kind, m] = measure_command(cmd, f"{kind} {m} min")
                facts[kind, m] = json.loads(
                    (work / f"{kind}-{clips}" / "facts.json").read_text("utf-8")
                )
        load = os.getloadavg()
    out: dict[str, Any] = {"preset": f"{PRESET.name} {PRESET.width}x{PRESET.height}", "fps": FPS}
    out["clips_by_minutes"] = {m: CLIPS_BY_MINUTES[m] for m in minutes}
    for kind in kinds:
        prefix = "" if kind == "windows" else "baseline_"
        film = {m: facts[kind, m]["film_s"] for m in minutes}
        out[f"{prefix}film_s_by_minutes"] = film
        out[f"{prefix}peak_mb_by_minutes"] = {m: round(runs[kind, m][1], 1) for m in minutes}
        out[f"{prefix}tree_peak_mb_by_minutes"] = {m: round(runs[kind, m][2], 1) for m in minutes}
        per_minute = {m: round(runs[kind, m][0] / (film[m] / 60), 2) for m in minutes}
        out[f"{prefix}seconds_per_film_minute_by_minutes"] = per_minute
        out[f"{prefix}lufs_by_minutes"] = {m: facts[kind, m]["lufs"] for m in minutes}
        out[f"{prefix}true_peak_dbtp_by_minutes"] = {
            m: facts[kind, m]["true_peak_dbtp"] for m in minutes
        }
        out[f"{prefix}checks_passed"] = all(facts[kind, m]["checks_passed"] for m in minutes)
        failed = {m: facts[kind, m]["reasons"] for m in minutes if facts[kind, m]["reasons"]}
        if failed:
            out[f"{prefix}check_failures"] = failed
        lo, hi = min(minutes), max(minutes)
        peaks = out[f"{prefix}peak_mb_by_minutes"]
        out[f"{prefix}peak_ratio_longest_vs_shortest"] = round(peaks[hi] / peaks[lo], 2)
        out[f"{prefix}spread_seconds_per_film_minute"] = round(
            max(per_minute.values()) / min(per_minute.values()) - 1, 3
        )
    if "one_graph" in kinds and "windows" in kinds:
        hi = max(minutes)
        out["peak_windows_vs_one_graph_longest"] = round(
            runs["windows", hi][1] / runs["one_graph", hi][1], 2
        )
        out["time_windows_vs_one_graph_longest"] = round(
            runs["windows", hi][0] / runs["one_graph", hi][0], 2
        )
    out["loadavg_1m_before_after"] = [round(load_before[0], 2), round(load[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
