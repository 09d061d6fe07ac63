"""A variant rendered from the demo's approved film, on each database: the hook and end card
drawn where the variant says, the rest of the film as approved; refused, with nothing rendered,
when its platform would refuse the post or the edit is not approved."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import early
import numpy as np
import pytest
from conftest import pg_database
from media_facts import frames_at, luma
from PIL import Image
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.media.probe import probe

SLUG = "wasteland-villa"


@pytest.fixture(params=early.DEMO_KINDS)
def home(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A copy of the session's demo home (its database copied too), whose edit v1 the local
    owner approved in advance."""
    demo = early.demo_home(request.param)
    proc = early.result(f"demo:{request.param}", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with ExitStack() as stack:
        monkeypatch.delenv("SHORTFILM_DATABASE_URL", raising=False)
        if demo.database:
            url = stack.enter_context(pg_database(demo.database))[1]
            monkeypatch.setenv("SHORTFILM_DATABASE_URL", url)
        dest = tmp_path / "home"
        shutil.copytree(demo.out, dest, symlinks=True)
        yield dest


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.output


def _differ(a: Path, b: Path, times_s: list[float]) -> list[float]:
    """Mean luma difference of the two films' frames at each time, at the smaller one's size
    (PostgreSQL's demo renders its film at a quarter of the size: tests/small_cli.py)."""
    out = []
    for x, y in zip(frames_at(a, times_s), frames_at(b, times_s), strict=True):
        size = min((x.shape[1], x.shape[0]), (y.shape[1], y.shape[0]))
        x2, y2 = (np.asarray(Image.fromarray(f).resize(size, Image.BILINEAR)) for f in (x, y))
        out.append(float(np.abs(luma(x2) - luma(y2)).mean()))
    return out


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
    assert (facts.width, facts.height) == (1080, 1920)
    assert abs(facts.duration_s - base_facts.duration_s) < 0.05  # the approved film's length
    assert made["encoded_frames"] + made["copied_frames"] == 1220
    if (base_facts.width, base_facts.height) == (1080, 1920):
        # the approved film in this frame exists: only the GOPs under the hook and the end
        # card (with the caption on screen beside it) are encoded, the rest is copied
        assert made["copied_frames"] > 800, made
    else:  # PostgreSQL's demo film is a quarter of the size: nothing of it can be copied
        assert made["copied_frames"] == 0, made
    # the hook is drawn over the opening, the end card over the close; the middle is the film
    opening, middle, close = _differ(film, base, [1.0, 30.0, base_facts.duration_s - 1.0])
    # (PostgreSQL's base is a quarter-size encode: its middle differs by the scaling alone)
    noise = 0.5 if (base_facts.width, base_facts.height) == (1080, 1920) else 1.6
    assert middle < noise and opening > 2 * noise and close > 2 * noise, (opening, middle, close)


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
