"""A long film made of the example's clips: the spec a user writes when the 50 s example grows to
a few minutes (the clips repeated, the captions and effects spread over the whole length, every
kind of join), for the lint, render and benchmark checks of films of any length."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

JOINS = ("cut", "crossfade", "dip", "whip", "slide")
"""Every kind of join between clips, used in turn."""


def long_spec(example_spec: Path, clips: int, *, name: str = "long.yaml") -> Path:
    """Write beside ``example_spec`` a spec of ``clips`` clips (the example's four in turn).

    Every join kind follows every other; captions, a lower third, whooshes and impacts recur in
    each clip; a hook, an end card, the music bed with fades and ducking under the effects. Clip
    ``n`` (1-based) is a copy of the example's clip ``(n - 1) % 4 + 1``, renamed; the last is the
    example's last, the close.
    """
    data: dict[str, Any] = yaml.safe_load(example_spec.read_text(encoding="utf-8"))
    base = data["clips"]
    order = [base[i % len(base)] for i in range(clips - 1)] + [base[-1]]  # it ends on the close
    data["clips"] = [{**clip, "name": f"{clip['name']}-{i + 1}"} for i, clip in enumerate(order)]
    edit = data["edit"]
    title_s = float(edit["title_card"]["duration_s"])
    starts, at = [], title_s
    for clip in data["clips"]:
        starts.append(at)
        at += float(clip["duration_s"]) - 0.5  # about what each join takes back
    data["target_duration_s"] = round(at)
    captions = ("The last white house on a dead coast.", "Every dusk, the patrol comes.")
    edit["captions"] = [
        {"text": captions[i % 2], "start_s": round(s + 1.5, 2), "end_s": round(s + 4.5, 2)}
        for i, s in enumerate(starts)
    ]
    guard = starts[1] + 6
    edit["lower_thirds"] = [
        {"text": "Kestrel, the last guard", "start_s": guard, "end_s": guard + 3}
    ]
    edit["sfx"] = [{"kind": "ambience", "at_s": 0, "gain_db": -14}]
    for s in starts[1:]:
        edit["sfx"] += [
            {"kind": "whoosh", "at_s": round(s - 0.4, 2), "gain_db": -6},
            {"kind": "impact", "at_s": round(s + 7.5, 2), "gain_db": -1},
        ]
    edit["music"] = {"gain_db": -20, "fade_in_s": 1.0, "fade_out_s": 2.0, "duck_db": 6}
    edit["hook"] = {"text": "One blade. One house.", "start_s": 0.0, "end_s": 2.0}
    edit["end_card"] = {"text": "The coast is held.", "duration_s": 3.0}
    edit["clips"] = [
        {"clip": n, **({"transition": JOINS[(n - 2) % len(JOINS)]} if n > 1 else {})}
        for n in range(1, clips + 1)
    ]
    edit["clips"][2]["speed"] = 1.25  # a re-timed take (its sound time-stretched)
    out = example_spec.with_name(name)
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out
