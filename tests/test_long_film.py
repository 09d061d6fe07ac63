"""Films of any length: a 3-minute film of 14 takes with every kind of join and effect renders
and passes the render checks (on the vertical preset: what orientation changes is tested on
short films in test_render, what length changes is the same for both), drawn in pieces whose
ffmpeg runs each open a bounded number of inputs (what keeps memory flat, see
bench/long_film.py for the figures); and
an export whose AAC encode lifts a peak past the ceiling is mastered again until it holds.

The loudness asserted here is measured on the written files by ``ebur128`` (independently of the
normaliser's own figures) and by the render checks (:func:`shortfilm.media.verify.verify`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from long_film import JOINS, long_spec
from render_plans import spec_plan
from test_render import TINY_H, TINY_V, make_clip

from shortfilm.examples import example_dir
from shortfilm.media import mix, pieces
from shortfilm.media.film import RenderPlan, film_timeline
from shortfilm.media.loudness import measure
from shortfilm.media.render import RenderResult, render
from shortfilm.media.verify import MAX_TRUE_PEAK_DBTP, verify
from shortfilm.spec import load_spec

pytestmark = pytest.mark.media


@pytest.fixture(scope="module")
def long_films(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, bool], RenderPlan]:
    """Plans of the example grown to ``n`` clips, played by testsrc2 takes: every other one with
    a tone, the rest with a silent track as the animatic's (``silent``: all of them silent, so
    the sound is the effects and the music alone, loud hits over a quiet bed)."""
    folder = tmp_path_factory.mktemp("long")
    shutil.copytree(example_dir("wasteland-villa"), folder / "spec")
    takes = [
        make_clip(folder / f"take{i}.mp4", seconds=12.5, tone_hz=150 + 70 * i) for i in range(4)
    ]
    quiet = [make_clip(folder / f"quiet{i}.mp4", seconds=12.5, silent_track=True) for i in (0, 1)]

    def plan(n: int, silent: bool = False) -> RenderPlan:
        production = load_spec(long_spec(folder / "spec" / "production.yaml", n, name=f"{n}.yaml"))
        clips = [quiet[i % 2] if silent or i % 2 else takes[i % len(takes)] for i in range(n)]
        return spec_plan(clips, production.edit)

    return plan


def _counting_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> list[int]:
    """Record how many inputs each ffmpeg run of the picture's pieces opens."""
    opened: list[int] = []
    real = pieces.run_ffmpeg

    def run(args: Sequence[str | Path], **kwargs: object) -> str:
        opened.append(sum(1 for a in args if a == "-i"))
        return real(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pieces, "run_ffmpeg", run)
    return opened


def test_a_three_minute_film_with_every_join_and_effect_passes_the_render_checks(
    long_films: Callable[[int, bool], RenderPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_plan = long_films(14, False)
    tl = film_timeline(long_plan)
    edit = tl.timeline
    assert len(edit.segments) == 14 and float(tl.duration) > 160
    assert {t.kind.value for t in edit.transitions} == set(JOINS)
    assert any(seg.speed_ratio != 1 for seg in edit.segments)
    kinds = {t.kind.value for t in edit.texts}
    assert {"title_card", "caption", "lower_third", "hook", "end_card"} <= kinds
    assert {c.kind for c in edit.audio.sfx} == {"ambience", "whoosh", "impact"}

    opened = _counting_runs(monkeypatch)
    work = tmp_path / "work"
    results: list[tuple[RenderResult, object]] = []
    for preset in (TINY_V,):
        runs_before = len(opened)
        result = render(long_plan, preset, tmp_path / f"{preset.name}.mp4", work)
        results.append((result, preset))
        runs = opened[runs_before:]
        # the picture is drawn in several bounded runs, never one graph of every take
        assert len(runs) >= 4, runs
        assert max(runs) <= pieces.MAX_BATCH_INPUTS, runs

    for result, preset in results:
        checked = verify(
            result.path,
            preset,
            duration=tl.duration,
            fps=tl.fps,
            lufs=-14.0,  # type: ignore[arg-type]
        )
        assert checked.passed, (preset, checked.reasons)
        heard = measure(result.path)
        assert abs(heard.integrated_lufs - -14.0) <= 1.0, heard
        assert heard.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP, heard


def test_an_export_whose_aac_lifts_a_peak_past_the_ceiling_is_mastered_again(
    long_films: Callable[[int, bool], RenderPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A master aimed above the ceiling (-0.3 dBTP instead of -1.5) comes back from AAC above
    it; the render measures what it wrote, masters again under the ceiling by what the encode
    added, and re-joins the same pictures."""
    monkeypatch.setattr(mix, "TARGET", replace(mix.TARGET, true_peak_dbtp=-0.3))
    work = tmp_path / "work"
    result = render(long_films(3, True), TINY_H, tmp_path / "film.mp4", work)
    masters = sorted(work.glob("audio-*/master.wav"))
    assert len(masters) >= 2, "the first export held the ceiling: nothing was retried"
    assert measure(masters[0]).true_peak_dbtp != measure(masters[1]).true_peak_dbtp
    assert result.loudness.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP
    assert measure(result.path).true_peak_dbtp <= MAX_TRUE_PEAK_DBTP
    assert abs(result.loudness.integrated_lufs - -14.0) <= 1.0
    assert not list(work.glob("video-*/*.mp4")), "the pieces are removed once the film is out"
