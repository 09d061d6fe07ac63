"""Benchmark: ten variants of the example's approved film rendered as deltas, against one full
render of a variant.

The approved film is the example's (``shortfilm demo`` into a temporary folder, outside every
timing: its edit v1 is approved ahead by the local owner and rendered for ``vertical``). Ten
variants of it are laid over that edit: nine differ in hook, end card and caption text, the
tenth in rhythm (clips 1 and 2 swapped). Measured in the same run:

* ``one_full_render_s``: :func:`shortfilm.media.render.render` of the first variant, the whole
  film encoded (the named baseline: what rendering each variant costs without the delta);
* ``ten_variants_s``: all ten with :func:`shortfilm.media.delta_render.render_delta`, the text
  variants re-encoding only the GOPs their texts touch and copying the rest (picture and sound)
  from the approved film, the rhythm variant re-encoding the GOPs from clip 1 to the join into
  clip 3 and copying the title card's and clips 3-4's (its sound mixed again);
* ``ratio_ten_vs_one``: the two divided (ten full renders would be about 10; the goal is 2);
* ``frames_identical_outside_windows``: the first variant's delta and the rhythm variant's, each
  against a full render of it, decoded frame by frame: equal at every frame outside the delta's
  encoded windows (the rhythm's full render is made after the timing);
* ``encoded_share``: frames encoded / frames of the ten films;
* ``peak_mb``: the largest resident size of this process or any ffmpeg it ran (``ru_maxrss``).

No render cache is named (``SHORTFILM_RENDER_CACHE`` is removed), so every film is encoded. Run:
``python bench/variants.py``; the last line is the JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import av

from shortfilm.domain.production import EndCard, Hook, Variant
from shortfilm.domain.variant import variant_timeline
from shortfilm.edit.versions import load_edit
from shortfilm.media.delta_render import DeltaRender, render_delta
from shortfilm.media.film import RenderPlan
from shortfilm.media.presets import PRESETS
from shortfilm.media.render import render
from shortfilm.store.repo import Store

SLUG = "wasteland-villa"
HOOKS = ["Who holds the coast?", "One blade. One house.", "The patrol comes at dusk",
         "She never runs", "The last white house", "Tonight someone answers",
         "Scrap firmware, no mercy", "Hold the line", "End of the world, day one"]  # fmt: skip
CARDS = ["Part two on Friday", "Follow for more", "Made with shortfilm", "Watch the full cut",
         "New film every week", "Which side are you on?", "Comment your ending",
         "Share it with a friend", "The coast is held"]  # fmt: skip


def _frames(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [hashlib.md5(f.to_ndarray(format="gray").tobytes()).hexdigest()
                for f in c.decode(video=0)]  # fmt: skip


def _identical_outside(made: DeltaRender, full: Path) -> bool:
    """Whether ``made`` and ``full`` decode to the same frame wherever ``made`` copied."""
    inside = {f for a, b in made.windows for f in range(a, b)}
    delta, whole = _frames(made.result.path), _frames(full)
    return len(delta) == len(whole) and all(
        delta[i] == whole[i] for i in range(len(delta)) if i not in inside
    )


def main() -> None:
    os.environ.pop("SHORTFILM_RENDER_CACHE", None)
    os.environ.pop("SHORTFILM_ANIMATIC_CACHE", None)
    root = Path(tempfile.mkdtemp(prefix="shortfilm-bench-variants-"))
    home = root / "demo"
    subprocess.run([sys.executable, "-m", "shortfilm", "demo", "--out", str(home), "--json"],
                   check=True, capture_output=True)  # fmt: skip
    store = Store(home)
    edit = load_edit(store, SLUG, 1)
    assert edit is not None
    preset = PRESETS["vertical"]
    base_film = home / "library" / SLUG / "renders" / f"{SLUG}__edit-v1__vertical.mp4"
    clips = [store.artifact_path(s.media_sha256) for s in edit.timeline.segments]
    base = RenderPlan(edit.timeline, clips, loudness_lufs=preset.loudness_lufs)
    variants = [
        Variant(f"text-{i}", "tt-main", hook=Hook(HOOKS[i], 0, 2), end_card=EndCard(CARDS[i], 3))
        for i in range(9)
    ] + [Variant("rhythm", "tt-main", order=(2, 1, 3, 4))]
    plans = []
    for v in variants:
        tl = variant_timeline(edit.timeline, v)
        takes = [store.artifact_path(s.media_sha256) for s in tl.segments]
        plans.append(replace(base, timeline=tl, clips=takes))

    started = time.perf_counter()
    full = render(plans[0], preset, root / "full.mp4", root / "work-full")
    one_full = time.perf_counter() - started

    started = time.perf_counter()
    made = [
        render_delta(plan, base, base_film, preset, root / f"v{i}.mp4", root / f"work-{i}")
        for i, plan in enumerate(plans)
    ]
    ten = time.perf_counter() - started

    rhythm_full = render(plans[-1], preset, root / "rhythm-full.mp4", root / "work-rhythm").path
    identical = _identical_outside(made[0], full.path) and _identical_outside(made[-1], rhythm_full)
    frames = sum(m.encoded_frames + m.copied_frames for m in made)
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # fmt: skip
    store.close()
    print(json.dumps({
        "film_frames": edit.timeline.total_frames,
        "variants": len(variants),
        "rendered_whole": [m.whole for m in made].count(True),
        "one_full_render_s": round(one_full, 2),
        "ten_variants_s": round(ten, 2),
        "ratio_ten_vs_one": round(ten / one_full, 2),
        "frames_identical_outside_windows": identical,
        "first_variant_windows": [list(w) for w in made[0].windows],
        "rhythm_windows": [list(w) for w in made[-1].windows],
        "encoded_share": round(sum(m.encoded_frames for m in made) / frames, 3),
        "peak_mb": round(peak_kb / 1024, 1),
        "cpus": os.cpu_count(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
