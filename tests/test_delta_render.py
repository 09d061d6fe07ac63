"""A variant rendered as a delta of the approved film: only the GOPs its texts change are
encoded, and outside them the film is frame-identical to a full render of the variant."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from media_facts import SAMPLE_RATE, mono_audio
from render_plans import spec_plan
from test_render import TINY_V, make_clip

from shortfilm.domain.production import (
    Caption,
    EditIntent,
    EndCard,
    Hook,
    RhythmClip,
    TitleCard,
    Variant,
)
from shortfilm.domain.variant import variant_timeline
from shortfilm.media.delta_render import (
    changed_pictures,
    changed_texts,
    changed_windows,
    placements,
    render_delta,
)
from shortfilm.media.draft_plan import take_packets
from shortfilm.media.pieces import gop_frames
from shortfilm.media.render import render
from shortfilm.media.render_cache import ENV_RENDER_CACHE

EDIT = EditIntent(
    title_card=TitleCard("THE COAST", duration_s=1.0),
    crossfade_s=0.5,
    captions=(Caption("Every dusk", 4.0, 6.0), Caption("The patrol comes", 16.0, 18.5)),
    hook=Hook("Who holds it?", 0, 2),
    end_card=EndCard("Follow", 1.5),
)


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("delta-takes")
    return [make_clip(folder / f"t{i}.mp4", seconds=8.0, tone_hz=220 * i) for i in (1, 2, 3)]


def _gray(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [
            hashlib.md5(f.to_ndarray(format="gray").tobytes()).hexdigest()
            for f in c.decode(video=0)
        ]


def _tone(path: Path, start_s: float, end_s: float) -> int:
    """The loudest frequency (Hz, to 10 Hz) of ``path``'s sound over ``[start_s, end_s)``."""
    sound = mono_audio(path)[round(start_s * SAMPLE_RATE) : round(end_s * SAMPLE_RATE)]
    spectrum = np.abs(np.fft.rfft(sound))
    peak = float(np.fft.rfftfreq(len(sound), 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])
    return round(peak / 10) * 10


def test_a_text_variant_encodes_only_its_gops_and_matches_a_full_render_elsewhere(
    takes: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_RENDER_CACHE, raising=False)  # every film here is encoded
    base = spec_plan(takes, EDIT)
    approved = render(base, TINY_V, tmp_path / "approved.mp4", tmp_path / "w0").path
    variant = Variant(
        "v", "tt", hook=Hook("She never runs", 0, 1.5), end_card=EndCard("Part 2", 1.5)
    )
    plan = replace(base, timeline=variant_timeline(base.timeline, variant))
    full = render(plan, TINY_V, tmp_path / "full.mp4", tmp_path / "w1").path
    made = render_delta(plan, base, approved, TINY_V, tmp_path / "delta.mp4", tmp_path / "w2")

    total = plan.timeline.total_frames
    assert not made.whole and made.encoded_frames + made.copied_frames == total
    assert made.copied_frames > total / 3, made.windows
    keyframes = take_packets(approved).keyframes
    for a, b in made.windows:  # whole GOPs of the approved film
        assert a in keyframes and (b == total or b in keyframes), (made.windows, keyframes)
    for a, b in changed_texts(placements(base, TINY_V), placements(plan, TINY_V)):
        assert any(wa <= a and b <= wb for wa, wb in made.windows)
    inside = {i for a, b in made.windows for i in range(a, b)}
    delta, whole = _gray(made.result.path), _gray(full)
    assert len(delta) == len(whole) == total
    outside = [i for i in range(total) if i not in inside and delta[i] != whole[i]]
    assert outside == []
    # the sound is the approved film's, copied: the same loudness
    assert abs(made.result.loudness.integrated_lufs - -14.0) < 1.0


def test_a_rhythm_variant_copies_the_gops_its_new_order_leaves_alone(
    takes: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clips 1 and 2 swapped (both 8 s): clip 3's GOPs after its join are the approved film's;
    the sound, mixed again, is mastered like any render's."""
    monkeypatch.delenv(ENV_RENDER_CACHE, raising=False)
    base = spec_plan(takes, EDIT)
    approved = render(base, TINY_V, tmp_path / "approved.mp4", tmp_path / "w0").path
    total = base.timeline.total_frames
    gop = gop_frames(base.timeline.rate)
    # every render's IDR frames are the timeline's grid, whatever its pictures hold
    assert take_packets(approved).keyframes == tuple(range(0, total, gop))
    reordered = variant_timeline(base.timeline, Variant("r", "tt", order=(2, 1, 3)))
    plan = replace(base, timeline=reordered, clips=[takes[1], takes[0], takes[2]])
    changes = changed_pictures(base, plan)
    # the title card is drawn over a frame of the first take, so it changes with clip 1 and 2
    starts = base.timeline.starts  # title card, clip 1, 2, 3
    assert changes == [(0, starts[3] + base.timeline.transitions[2].frames)], changes
    made = render_delta(plan, base, approved, TINY_V, tmp_path / "r.mp4", tmp_path / "w1")
    full = render(plan, TINY_V, tmp_path / "full.mp4", tmp_path / "w2").path
    assert not made.whole and made.copied_frames >= total // 4, made.windows
    inside = {i for a, b in made.windows for i in range(a, b)}
    delta, whole = _gray(made.result.path), _gray(full)
    assert len(delta) == len(whole) == total
    assert [i for i in range(total) if i not in inside and delta[i] != whole[i]] == []
    assert abs(made.result.loudness.integrated_lufs - -14.0) < 1.0
    # the sound follows the pictures: clip 2's tone now plays where clip 1's did
    assert (_tone(approved, 3.0, 5.0), _tone(made.result.path, 3.0, 5.0)) == (220, 440)
    assert _tone(made.result.path, 18.0, 20.0) == 660  # clip 3's, where it was


def test_a_variant_with_nothing_to_share_is_rendered_whole(
    takes: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_RENDER_CACHE, raising=False)
    base = spec_plan(takes, EDIT)
    approved = render(base, TINY_V, tmp_path / "approved.mp4", tmp_path / "w0").path
    # clip 1 a second shorter: every frame after the title card moves
    trimmed = variant_timeline(
        base.timeline, Variant("t", "tt", clips=(RhythmClip(1, out_s=7.0),), hook=Hook("Go", 0, 1))
    )
    made = render_delta(replace(base, timeline=trimmed), base, approved, TINY_V,
                        tmp_path / "t.mp4", tmp_path / "w1")  # fmt: skip
    assert made.whole and made.copied_frames == 0
    assert made.result.duration_s == pytest.approx(float(trimmed.duration), abs=0.05)
    # the approved film at another size cannot lend its GOPs
    bigger = replace(TINY_V, width=360, height=640)
    made = render_delta(base, base, approved, bigger, tmp_path / "b.mp4", tmp_path / "w2")
    assert made.whole and made.result.width == 360


def test_a_text_moved_by_a_new_one_is_changed_and_one_left_in_place_is_not(
    takes: list[Path],
) -> None:
    base = spec_plan(takes, EDIT)
    placed = placements(base, TINY_V)
    # the hook's words change, its place may not: only its own frames are changed
    hook = replace(
        base, timeline=variant_timeline(base.timeline, Variant("h", "t", hook=Hook("Hi", 0, 2)))
    )
    changes = changed_texts(placed, placements(hook, TINY_V))
    assert changes and all(b <= base.timeline.frames_at(2.0) for _, b in changes), changes
    assert changed_texts(placed, placements(base, TINY_V)) == []


def test_changed_windows_widen_to_whole_gops() -> None:
    assert changed_windows([(0, 48)], (0, 158, 350), 500) == [(0, 158)]
    assert changed_windows([(100, 160), (170, 200)], (0, 158, 350), 500) == [(0, 350)]
    assert changed_windows([(400, 500)], (0, 158, 350), 500) == [(350, 500)]
