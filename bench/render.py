"""Benchmark: the edit render against MoviePy 2 and against a plain ffmpeg transcode, and the
review draft against the full render.

The film is the example production's cut (``wasteland-villa``): its four takes, made once at the
start by the offline animatic at 1080x1920, 24 fps (outside every timing), played whole behind
the example's title card, every join the example's 0.4 s crossfade, the example's first caption
and one sound effect (its first whoosh); no music bed. Output is the 9:16 ``vertical`` preset.

Every render reads the animatic's own takes, as a user has them: the animatic writes an IDR frame
every second (``-g`` = fps; x264 adds one at a shot change), as files meant for streaming have.
``smart_sparse_gop`` reads the same takes re-encoded once (outside the timings) with x264's
default GOP (an IDR frame every 250 frames at most, or at a scene cut), the sparsest a hosted
model is likely to deliver: a 12 s take then has IDR frames only at its shot changes, so the
draft can copy less of it and encodes more.

It is rendered these ways in the same run, each in its own subprocess:

* ``shortfilm_s``: :func:`shortfilm.media.render.render` from a cold work folder, i.e. audio mix,
  two-pass loudness normalisation, the one-pass video graph, and the loudness measurement of the
  export;
* ``moviepy_s``, the named baseline: MoviePy 2 doing the same film the way its docs show
  (``VideoFileClip`` + ``vfx.CrossFadeIn`` + ``CompositeVideoClip``, the same Pillow-drawn title
  card and caption, placed where the layout solver places it, as ``ImageClip``, the same
  synthesised WAV as an ``AudioFileClip`` in a ``CompositeAudioClip``, ``write_videofile``);
* ``transcode_s``, the floor: ffmpeg concatenating the takes (the first one again to reach the
  film's length) and re-encoding them, no effects;
* ``smart_s``: :func:`shortfilm.media.smart_render.render_draft` (``render --draft``) of the same
  timeline from a cold work folder (audio mix and normalisation included), which copies the
  untouched spans of these same-format takes and encodes only windows around the title card,
  the joins and the caption, each window decoding only its own frames; ``smart_copied_frames``
  says how many frames were copied; ``smart_sparse_gop_s`` the same on the sparse-GOP takes.

``draft_vs_full_native`` is ``smart_s / shortfilm_s`` (issue 17: at most 0.6) and
``draft_vs_full_sparse_gop`` ``smart_sparse_gop_s / shortfilm_s``.

Every encode uses the same settings (``encoder`` in the JSON: the preset's libx264 ``veryfast``,
crf 21, High profile, yuv420p, x264's own thread count, AAC 192k 48 kHz). ``*_peak_mb`` is the
peak resident memory of the run's whole process tree (Python and its ffmpeg children together,
sampled every 0.25 s from /proc); ``*_max_process_mb`` the peak of its largest single process
(``wait4``). The takes are made in a child too, so the parent stays small: a child's ``wait4``
peak starts from its parent's at fork.

On a shared 2-core machine wall time follows the load average, so the JSON carries it. Every
render but MoviePy's is run three times, the four alternating, and their median runs reported
(``*_runs_s`` lists every run), so a load that rises or falls during the run moves all of them
alike; compare ratios within one run. Before the drafts alternated too, a run whose load rose
from 3 to 20 while it ran (other sessions starting) timed the full render at the start and the
draft at the end and reported the draft 2.6x *slower*; what had been measured was the load.

Targets: ``speedup_vs_moviepy`` >= 3.5, ``ratio_vs_transcode`` <= 1.3,
``smart_speedup_vs_moviepy`` >= 8 (issue 6); ``draft_vs_full_native`` < 0.6 (issue 17).
Measured 2026-12-06 on 2 cores, load 3.7 -> 2.1 (the bench's own ffmpeg; no other session),
50.8 s film, 1220 frames: shortfilm 21.2 s (runs 21.2, 21.8, 21.2), transcode 17.9 s, MoviePy
105.7 s, draft 6.7 s (7.6, 6.6, 6.7; 963 frames copied), sparse-GOP draft 11.4 s (698 copied):
4.98x, ratio 1.19, draft 15.8x MoviePy, **draft_vs_full_native 0.32**, draft_vs_full_sparse_gop
0.54. Before the animatic's takes carried an IDR frame every second (x264's default GOP), the
draft on them took 65 s against the full render's 50 s (issue 17): it had to decode and encode
most of each take.

Peaks (tree): shortfilm 790 MB, MoviePy 1.5 GB, transcode 435 MB, draft 870 MB (one ffmpeg with
every window's inputs open). The full render's speedup over MoviePy falls under 3.5 when the load
passes ~10.

Usage: ``python bench/render.py [--clip-seconds S] [--kinds shortfilm,smart,...]`` (S shortens
every take for a quick run; ``--kinds`` times only some renders). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.domain.production import Production, SoundKind
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.domain.timeline import Timeline
from shortfilm.examples import example_dir
from shortfilm.media import sfx as sfx_synth
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import RenderPlan, film_timeline, take_frames
from shortfilm.media.overlays import film_layout, grab_frame, render_title_card
from shortfilm.media.presets import VERTICAL
from shortfilm.media.render import render
from shortfilm.media.text_layout import block_image
from shortfilm.providers.animatic import AnimaticProvider
from shortfilm.providers.base import GenerationRequest, Reference
from shortfilm.spec.load import load_spec

FPS = 24
PRESET = VERTICAL
SPARSE_GOP = 250
"""x264's default longest GOP: the takes of ``smart_sparse_gop`` (see the module docstring)."""
KINDS: tuple[str, ...] = ("shortfilm", "moviepy", "transcode", "smart", "smart_sparse_gop")
PAIRED: tuple[str, ...] = ("shortfilm", "transcode", "smart", "smart_sparse_gop")
"""Run :data:`PAIRED_RUNS` times each, alternating; their median run is reported."""
PAIRED_RUNS = 3


# --- the film ---------------------------------------------------------------------------------


def make_takes(
    production: Production,
    work: Path,
    clip_seconds: float | None,
    size: tuple[int, int] = PRESET.size,
) -> list[Path]:
    """The example's four takes from the animatic, at ``size`` (the preset's frame) and 24 fps."""
    refs_dir = example_dir() / "refs"
    refs = tuple(
        Reference(refs_dir / name, role, label)
        for name, role, label in (
            ("heroine.png", "character", "Kestrel"),
            ("robot_patrol.png", "character", "Patrol unit"),
            ("villa_exterior.png", "environment", "Villa exterior"),
            ("wasteland_road.png", "environment", "Wasteland road"),
        )
    )
    provider = AnimaticProvider(work / "animatic")
    takes = []
    for clip in production.clips:
        seconds = clip_seconds or clip.duration_s
        request = GenerationRequest(clip, clip.job, refs, seconds, size[0], size[1], FPS, seed=1)
        job = provider.submit(request)
        takes.append(provider.fetch(job, work / "takes").video)
    return takes


def sparse_gop(takes: list[Path], folder: Path) -> list[Path]:
    """The takes re-encoded as the animatic encodes them (libx264 veryfast, crf 23, High,
    yuv420p) but with x264's default GOP: an IDR frame every :data:`SPARSE_GOP` frames at most,
    and one at a scene cut; sound copied."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for take in takes:
        dest = folder / take.name
        run_ffmpeg(
            [
                "-i", take, "-map", "0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                "-pix_fmt", "yuv420p", "-g", str(SPARSE_GOP),
                "-c:a", "copy", "-movflags", "+faststart", dest,
            ],
            what="sparse-GOP take",
            file=dest,
        )  # fmt: skip
        out.append(dest)
    return out


def bench_timeline(production: Production, takes: list[Path]) -> Timeline:
    """The example's cut of ``takes``: title card, crossfades, the first caption, one whoosh."""
    edit = production.edit
    whoosh = next(c for c in edit.sfx if c.kind is SoundKind.WHOOSH)
    rate = Fraction(FPS)
    sources = [
        TakeSource(clip=i, take=1, take_id=i, media_sha256="", frames=take_frames(p, rate))
        for i, p in enumerate(takes, start=1)
    ]
    # Shortened takes (--clip-seconds) may end the film before the whoosh: keep it inside.
    seconds = sum(s.frames for s in sources) / FPS
    whoosh = replace(whoosh, at_s=min(whoosh.at_s, seconds / 2))
    intent = replace(edit, captions=edit.captions[:1], sfx=(whoosh,), music=None)
    return default_timeline(intent, sources, rate)


def encoder() -> dict[str, Any]:
    """The encode settings all three renders share (the preset's)."""
    return {
        "codec": PRESET.video_codec,
        "x264_preset": PRESET.x264_preset,
        "crf": PRESET.crf,
        "profile": PRESET.profile,
        "pix_fmt": PRESET.pix_fmt,
        "threads": "x264 default (auto)",
        "fps": FPS,
        "size": f"{PRESET.width}x{PRESET.height}",
        "audio": f"{PRESET.audio_codec} {PRESET.audio_bitrate} {PRESET.sample_rate} Hz",
    }


# --- the three renders (each run in a child process) -------------------------------------------


def run_shortfilm(production: Production, takes: list[Path], work: Path) -> None:
    plan = RenderPlan(bench_timeline(production, takes), takes)
    shutil.rmtree(work / "shortfilm-work", ignore_errors=True)  # cold on every run
    render(plan, PRESET, work / "shortfilm.mp4", work / "shortfilm-work")


def run_smart(production: Production, takes: list[Path], work: Path, name: str = "smart") -> None:
    from shortfilm.media.draft_plan import plan_draft
    from shortfilm.media.smart_render import render_draft

    plan = RenderPlan(bench_timeline(production, takes), takes)
    render_draft(plan, PRESET, work / f"{name}.mp4", work / f"{name}-work")
    copied = plan_draft(plan, PRESET).copied_frames  # after the timing-relevant part; cheap
    (work / f"{name}.json").write_text(json.dumps({"copied_frames": copied}), "utf-8")


def run_smart_sparse_gop(production: Production, takes: list[Path], work: Path) -> None:
    """The smart render of the takes with x264's default GOP (:func:`sparse_gop`)."""
    sparse = [Path(t) for t in json.loads((work / "sparse.json").read_text("utf-8"))]
    run_smart(production, sparse, work, "smart_sparse_gop")


def run_moviepy(production: Production, takes: list[Path], work: Path) -> None:
    from moviepy import (  # type: ignore[import-untyped]
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        VideoFileClip,
        vfx,
    )

    timeline = bench_timeline(production, takes)
    layout = film_timeline(RenderPlan(timeline, takes))
    fps = layout.fps
    starts = [float(s / fps) for s in layout.starts]
    lengths = [float(n / fps) for n in layout.segment_frames]
    pictures = work / "moviepy-pictures"
    pictures.mkdir(exist_ok=True)

    card = timeline.title
    assert card is not None
    first = timeline.segments[0]
    frame = grab_frame(takes[0], float(first.source_in / fps) + 1.0)
    title_png = pictures / "title.png"
    render_title_card(card, PRESET.size, PRESET.safe, frame).save(title_png)
    layers: list[Any] = [ImageClip(str(title_png), duration=lengths[0]).with_start(0)]
    fade = float(timeline.transitions[0].frames / fps)
    for k, (seg, path) in enumerate(zip(timeline.segments, takes, strict=True), start=1):
        clip = VideoFileClip(str(path)).subclipped(
            float(seg.source_in / fps), float(seg.source_out / fps)
        )
        if clip.size != list(PRESET.size) and tuple(clip.size) != PRESET.size:
            clip = clip.resized(PRESET.size)
        layers.append(clip.with_start(starts[k]).with_effects([vfx.CrossFadeIn(fade)]))
    caption = next(t for t in timeline.texts if t.kind.value == "caption")
    placed = film_layout([caption], PRESET, [tuple(PRESET.size)])[0]  # where shortfilm puts it
    x, y = placed.box.left, placed.box.top
    caption_png = pictures / "caption.png"
    block_image(placed).save(caption_png)
    layers.append(
        ImageClip(str(caption_png))
        .with_start(float(caption.start / fps))
        .with_duration(float((caption.end - caption.start) / fps))
        .with_position((x, y))
    )
    film = CompositeVideoClip(layers, size=PRESET.size).with_duration(float(layout.duration))
    cue = timeline.audio.sfx[0]
    wav = work / "sfx.wav"  # the same samples shortfilm synthesises (seed 0 for cue 0)
    sound = AudioFileClip(str(wav)).with_start(float(cue.at / fps))
    assert film.audio is not None
    film = film.with_audio(CompositeAudioClip([film.audio, sound]))
    film.write_videofile(
        str(work / "moviepy.mp4"),
        fps=FPS,
        codec=PRESET.video_codec,
        preset=PRESET.x264_preset,
        ffmpeg_params=["-crf", str(PRESET.crf), "-profile:v", PRESET.profile],
        pixel_format=PRESET.pix_fmt,
        audio_codec=PRESET.audio_codec,
        audio_bitrate=PRESET.audio_bitrate,
        audio_fps=PRESET.sample_rate,
        temp_audiofile=str(work / "moviepy-audio.mp4"),  # not in the current folder
        logger=None,
    )
    film.close()


def run_transcode(production: Production, takes: list[Path], work: Path) -> None:
    timeline = bench_timeline(production, takes)
    seconds = float(timeline.total_frames / timeline.rate)
    listing = work / "concat.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in [*takes, takes[0]]), "utf-8")
    run_ffmpeg(
        [
            "-f", "concat", "-safe", "0", "-i", listing,
            "-vf", f"scale={PRESET.width}:{PRESET.height},setsar=1",
            "-t", f"{seconds:.6f}",
            *PRESET.video_args(), *PRESET.audio_args(), work / "transcode.mp4",
        ],
        what="plain transcode",
    )  # fmt: skip


# --- measuring ----------------------------------------------------------------------------------


def _tree_rss_kb(root: int) -> int:
    """Resident kB of ``root`` and all its descendants, read from /proc (0 once it is gone)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields.get("PPid", "0").strip() or 0)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total


def measure(kind: str, work: Path, clip_seconds: float | None) -> tuple[float, float, float]:
    """(wall s, peak MB of the largest process, sampled peak MB of the tree) of one child run."""
    cmd = [sys.executable, __file__, "--worker", kind, "--work", str(work)]
    if clip_seconds:
        cmd += ["--clip-seconds", str(clip_seconds)]
    return measure_command(cmd, kind)


def measure_command(cmd: list[str], what: str) -> tuple[float, float, float]:
    """(wall s, peak MB of the largest process, sampled peak MB of the tree) of running ``cmd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(0.25):
            peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{what} run failed (exit {proc.returncode})")
    return wall, usage.ru_maxrss / 1024, peak_tree / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=(*KINDS, "takes"))
    parser.add_argument("--work", type=Path)
    parser.add_argument("--clip-seconds", type=float)
    parser.add_argument(
        "--kinds", help=f"comma-separated renders to time (default all: {','.join(KINDS)})"
    )
    args = parser.parse_args()
    production = load_spec(example_dir())
    if args.worker == "takes":
        takes = make_takes(production, args.work, args.clip_seconds)
        sparse = sparse_gop(takes, args.work / "takes-sparse-gop")
        (args.work / "sparse.json").write_text(json.dumps([str(t) for t in sparse]), "utf-8")
        (args.work / "takes.json").write_text(json.dumps([str(t) for t in takes]), "utf-8")
        return
    if args.worker:
        takes = json.loads((args.work / "takes.json").read_text("utf-8"))
        runner = {
            "shortfilm": run_shortfilm,
            "moviepy": run_moviepy,
            "transcode": run_transcode,
            "smart": run_smart,
            "smart_sparse_gop": run_smart_sparse_gop,
        }[args.worker]
        runner(production, [Path(t) for t in takes], args.work)
        return

    kinds = tuple(args.kinds.split(",")) if args.kinds else KINDS
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"--kinds: unknown {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        measure("takes", work, args.clip_seconds)
        takes = [Path(t) for t in json.loads((work / "takes.json").read_text("utf-8"))]
        load_before = os.getloadavg()
        timeline = bench_timeline(production, takes)
        cue = timeline.audio.sfx[0]
        layout = film_timeline(RenderPlan(timeline, takes))
        seconds = float(layout.duration - layout.seconds(cue.at))
        length = min(sfx_synth.DEFAULT_DURATION_S.get(cue.kind, seconds), seconds)
        sfx_synth.write_wav(sfx_synth.synth(cue.kind, length, seed=0), work / "sfx.wav")
        # the two figures whose ratio has the tightest target are run in alternation and the
        # median taken: a single pair swings 1.1-1.5 with the machine's load (see above)
        paired = [k for k in PAIRED if k in kinds]
        runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in paired}
        for _ in range(PAIRED_RUNS):
            for kind in paired:
                runs[kind].append(measure(kind, work, args.clip_seconds))
        results = {
            kind: sorted(runs[kind])[len(runs[kind]) // 2]
            if kind in runs
            else measure(kind, work, args.clip_seconds)
            for kind in kinds
        }
        load = os.getloadavg()
        copied = {
            kind: json.loads((work / f"{kind}.json").read_text("utf-8"))["copied_frames"]
            for kind in kinds
            if kind.startswith("smart")
        }
    wall = {k: v[0] for k, v in results.items()}
    out: dict[str, Any] = {
        "film_s": round(float(layout.duration), 3),
        "film_frames": layout.total_frames,
        "takes": len(takes),
        "encoder": encoder(),
    }
    for kind, (seconds_, largest, tree) in results.items():
        out[f"{kind}_s"] = round(seconds_, 2)
        out[f"{kind}_peak_mb"] = round(tree, 1)
        out[f"{kind}_max_process_mb"] = round(largest, 1)
    for kind, kind_runs in runs.items():
        out[f"{kind}_runs_s"] = [round(r[0], 2) for r in kind_runs]
    ratios = {
        "speedup_vs_moviepy": ("moviepy", "shortfilm"),
        "ratio_vs_transcode": ("shortfilm", "transcode"),
        "smart_speedup_vs_moviepy": ("moviepy", "smart"),
        "draft_vs_full_native": ("smart", "shortfilm"),
        "draft_vs_full_sparse_gop": ("smart_sparse_gop", "shortfilm"),
    }
    for name, (top, bottom) in ratios.items():
        if top in wall and bottom in wall:
            out[name] = round(wall[top] / wall[bottom], 2)
    out["takes_gop_frames"] = {"native": FPS, "sparse_gop": SPARSE_GOP}
    for kind, frames in copied.items():
        out[f"{kind}_copied_frames"] = frames
    out["loadavg_1m_before_after"] = [round(load_before[0], 2), round(load[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
