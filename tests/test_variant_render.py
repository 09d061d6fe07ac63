"""A variant rendered from the demo's approved film, on each database: the hook and end card
drawn where the variant says, the rest of the film as approved; refused, with nothing rendered,
when its platform would refuse the post or the edit is not approved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from approved_demo import SLUG, home, run
from media_facts import frames_at, luma

from shortfilm.media.probe import probe

__all__ = ["home"]  # the fixture, on each database

pytestmark = pytest.mark.media


def _differ(a: Path, b: Path, times_s: list[float]) -> list[float]:
    """Mean luma difference of the two films' frames at each time."""
    return [
        float(np.abs(luma(x) - luma(y)).mean())
        for x, y in zip(frames_at(a, times_s), frames_at(b, times_s), strict=True)
    ]


def test_a_variant_is_rendered_with_its_texts_over_the_approved_film(home: Path) -> None:
    for args in (
        ("account", "add", "tt-main", "--platform", "tiktok", "--handle", "@wv"),
        ("variant", "add", SLUG, "tt-hook-a", "--account", "tt-main",
         "--hook", "WHO HOLDS THE COAST", "--end-card", "PART TWO FRIDAY",
         "--caption", "One blade. One house.", "--hashtag", "shortfilm"),
    ):  # fmt: skip
        code, said = run(home, *args)
        assert code == 0, said
    code, said = run(home, "variant", "render", SLUG, "tt-hook-a", "--json")
    assert code == 0, said
    made = json.loads(said)
    assert (made["variant"], made["version"], made["edit_version"], made["preset"]) == (
        "tt-hook-a", 1, 1, "vertical")  # fmt: skip
    film = Path(made["path"])
    assert film.name == f"{SLUG}__edit-v1__tt-hook-a-v1__vertical.mp4"
    base = home / "library" / SLUG / "renders" / f"{SLUG}__edit-v1__vertical.mp4"
    facts, base_facts = probe(film), probe(base)
    # in the approved film's frame (PostgreSQL's demo is made at a quarter of the size)
    assert (facts.width, facts.height) == (base_facts.width, base_facts.height)
    assert base_facts.height in (1920, 1920 // 4) and base_facts.width * 16 == base_facts.height * 9
    assert abs(facts.duration_s - base_facts.duration_s) < 0.05  # the approved film's length
    assert made["encoded_frames"] + made["copied_frames"] == 1220
    # only the GOPs under the hook and the end card (with the caption on screen beside it) are
    # encoded, the rest is copied from the approved film
    assert made["copied_frames"] > 800, made
    # the hook is drawn over the opening, the end card over the close; the middle is the film
    opening, middle, close = _differ(film, base, [1.0, 30.0, base_facts.duration_s - 1.0])
    assert middle < 0.5 and opening > 1 and close > 1, (opening, middle, close)


def test_a_variant_its_platform_or_the_gate_would_refuse_is_not_rendered(home: Path) -> None:
    code, said = run(home, "account", "add", "fb-main", "--platform", "facebook", "--handle", "@wv")
    assert code == 0, said
    # stored before a rule changed its figures is no defence: render checks the film it makes
    slow = [a for c in ("1", "2", "3", "4") for a in ("--speed", f"{c}=0.5")]
    code, said = run(home, "variant", "add", SLUG, "fb-slow", "--account", "fb-main", *slow)
    assert code != 0 and "Facebook Reels allows 90 s" in " ".join(said.split()), said
    # an edit changed after the approval: its new version is not approved, so no variant
    code, said = run(home, "variant", "add", SLUG, "fb-ok", "--account", "fb-main")
    assert code == 0, said
    code, said = run(home, "edit", "trim", SLUG, "clip-02", "--out", "10")
    assert code == 0, said
    code, said = run(home, "variant", "render", SLUG, "fb-ok")
    flat = " ".join(said.split())
    assert code != 0 and "edit v2 of wasteland-villa is not approved" in flat, flat
    assert not list((home / "library" / SLUG).glob("variants/*.mp4"))
