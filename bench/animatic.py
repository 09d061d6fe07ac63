"""Benchmark: the animatic provider against plain ffmpeg zoompan on the same still.

Renders one 13 s, 1280x720, 24 fps clip of four shots (push-in, pan, handheld, orbit) with the
animatic, and, as the named baseline, ffmpeg's ``zoompan`` filter pushing in on one still for the
same duration and encode settings (what a team would script by hand: no shots, no overlays).
Also times a resubmit of the same request, which must reuse the finished take: to the same
provider (``resubmit_s``) and to a new one over the same work folder, as a later run does
(``resubmit_new_provider_s``). These are the timings tests/test_animatic.py no longer asserts
(its tests check what is made and reused, never how fast): a take renders in well under its
duration, and a reuse costs milliseconds.

Last line: one JSON object of seconds and ratios.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from PIL import Image

from shortfilm.domain import ClipPlan, Shot
from shortfilm.examples import example_dir
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.providers.animatic import AnimaticProvider
from shortfilm.providers.base import GenerationRequest, Reference

SECONDS, FPS, W, H = 13.0, 24, 1280, 720


def main() -> None:
    refs_dir = example_dir() / "refs"
    refs = (
        Reference(refs_dir / "heroine.png", "character", "Kestrel"),
        Reference(refs_dir / "villa_exterior.png", "environment", "Villa exterior"),
        Reference(refs_dir / "wasteland_road.png", "environment", "Wasteland road"),
    )
    shots = (
        Shot("wide", "slow push-in", "Villa exterior", "The villa holds the cliff."),
        Shot("wide", "pan left", "Wasteland road", "Dust rolls along the road."),
        Shot("medium", "handheld follow", "Kestrel", "Kestrel drops from the wall."),
        Shot("close-up", "orbit", "Kestrel", "Kestrel spins up the blade."),
    )
    clip = ClipPlan("bench", "establish", "wasteland", "villa", shots, "ambience only", SECONDS)
    request = GenerationRequest(clip, "bench", refs, SECONDS, W, H, FPS, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        provider = AnimaticProvider(work / "animatic")
        t0 = time.perf_counter()
        provider.submit(request)
        animatic_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        provider.submit(request)
        resubmit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        AnimaticProvider(work / "animatic").submit(request)
        resubmit_new_s = time.perf_counter() - t0

        still = work / "still.png"
        Image.open(refs_dir / "villa_exterior.png").convert("RGB").save(still)
        frames = int(SECONDS * FPS)
        t0 = time.perf_counter()
        run_ffmpeg(
            [
                "-loop", "1", "-i", still, "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
                "-vf", f"zoompan=z='min(zoom+0.0008,1.25)':d={frames}:s={W}x{H}:fps={FPS}",
                "-frames:v", str(frames), "-t", str(SECONDS),
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", work / "baseline.mp4",
            ],
            what="zoompan baseline",
        )  # fmt: skip
        baseline_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "clip_s": SECONDS,
                "animatic_s": round(animatic_s, 2),
                "baseline_zoompan_s": round(baseline_s, 2),
                "animatic_vs_baseline": round(animatic_s / baseline_s, 2),
                "animatic_realtime_factor": round(SECONDS / animatic_s, 2),
                "resubmit_s": round(resubmit_s, 4),
                "resubmit_new_provider_s": round(resubmit_new_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
