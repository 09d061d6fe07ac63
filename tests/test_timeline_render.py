"""The renderer plays the timeline: trims, speed, transition kinds, muted takes, texts over the
film, music ducking and per-channel loudness, checked on the rendered file.

Small clips made with ffmpeg lavfi and tiny presets keep each render around a second; every
assertion is a fact a person could check in a player (frame counts, a black frame, silence).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from media_facts import frames, frames_at, luma, mono_audio, rms
from render_plans import spec_plan

from shortfilm.domain.production import ClipEdit, EditIntent, TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import (
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    Transition,
)
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import RenderPlan, film_timeline
from shortfilm.media.loudness import measure
from shortfilm.media.mix import _duck_expression
from shortfilm.media.overlays import film_layout
from shortfilm.media.presets import HORIZONTAL, VERTICAL
from shortfilm.media.probe import probe
from shortfilm.media.render import RenderResult, render

pytestmark = pytest.mark.media

FPS = 24
R = Fraction(FPS)
TINY_V = replace(VERTICAL, name="tiny-vertical", width=180, height=320)
TINY_H = replace(HORIZONTAL, name="tiny-horizontal", width=320, height=180)
SECONDS = 3
CLIP_FRAMES = SECONDS * FPS


def make_clip(path: Path, tone_hz: int, pattern: str = "testsrc2") -> Path:
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"{pattern}=size=320x180:rate={FPS}:duration={SECONDS}",
         "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=48000:duration={SECONDS}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-ac", "2", "-t", str(SECONDS), path],
        what="test clip",
        file=path,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("tl-clips")
    return [make_clip(folder / f"c{i}.mp4", 220 * i) for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tl-work")


def seg(clip: int, **changes: object) -> Segment:
    return replace(Segment(clip, 1, clip, "", 0, CLIP_FRAMES), **changes)  # type: ignore[arg-type]


def timeline(*segments: Segment, joins: tuple[Transition, ...], **parts: object) -> Timeline:
    return Timeline(R, segments, joins, **parts)  # type: ignore[arg-type]


def play(tl: Timeline, clips: list[Path], out: Path, workdir: Path, **plan: object) -> RenderResult:
    files = [clips[s.clip - 1] for s in tl.segments]
    made = RenderPlan(tl, files, **plan)  # type: ignore[arg-type]
    return render(made, TINY_H, out, workdir)


CUT = Transition(TransitionKind.CUT, 0)


def test_trims_and_speed_give_the_timeline_length_to_the_frame(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    tl = timeline(
        seg(1, source_in=12, source_out=60),  # 48 frames
        seg(2, speed=2.0),  # 36 frames
        seg(3, source_in=24, source_out=48, speed=0.5),  # 48 frames
        joins=(Transition(TransitionKind.CROSSFADE, 6), CUT),
    )
    assert tl.total_frames == 48 + 36 + 48 - 6
    result = play(tl, clips, tmp_path / "trim.mp4", workdir)
    info = probe(result.path)
    assert abs((info.video_frames or 0) - tl.total_frames) <= 1
    assert abs(info.duration_s - tl.total_frames / FPS) <= 1 / FPS
    assert result.duration_s == pytest.approx(float(tl.duration))
    # the trimmed first clip starts on its 12th frame: testsrc2 draws a moving frame counter,
    # so the first film frame equals frame 12 of the untrimmed clip, not frame 0
    whole = timeline(seg(1), joins=())
    untrimmed = frames(play(whole, clips, tmp_path / "whole.mp4", workdir).path)
    first = frames(result.path)[0].astype(float)
    assert np.abs(first - untrimmed[12]).mean() < np.abs(first - untrimmed[0]).mean()


def test_a_dip_goes_through_black_at_its_midpoint(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    dip = Transition(TransitionKind.DIP, 12)
    tl = timeline(seg(1), seg(2), joins=(dip,))
    result = play(tl, clips, tmp_path / "dip.mp4", workdir)
    mid = (tl.starts[1] + 6) / FPS
    before = luma(frames_at(result.path, [1.0])[0]).mean()
    at_mid = luma(frames_at(result.path, [mid])[0]).mean()
    assert before > 60, "testsrc2 is bright"
    assert at_mid < 12, at_mid


@pytest.mark.parametrize("kind", [TransitionKind.WHIP, TransitionKind.SLIDE])
def test_directional_transitions_render_to_length(
    clips: list[Path], tmp_path: Path, workdir: Path, kind: TransitionKind
) -> None:
    tl = timeline(
        seg(1), seg(2), seg(3), joins=(Transition(kind, 8, "right"), Transition(kind, 8, "up"))
    )
    result = play(tl, clips, tmp_path / f"{kind.value}.mp4", workdir)
    assert probe(result.path).video_frames == 3 * CLIP_FRAMES - 16


def test_a_muted_take_is_silent_over_its_segment(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    tl = timeline(seg(1), seg(2, audio=False), seg(3, gain_db=-6.0), joins=(CUT, CUT))
    result = play(tl, clips, tmp_path / "mute.mp4", workdir)
    audio = mono_audio(result.path)
    assert rms(audio, 0.5, 2.5) > 0.05
    assert rms(audio, 3.3, 5.7) < 0.002, "clip 2's sound is off"
    assert rms(audio, 6.5, 8.5) > 0.02


def test_hook_lower_third_and_end_card_are_drawn_in_their_windows(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    texts = (
        TextItem(TextKind.HOOK, "Wait for it", 0, 48),
        TextItem(TextKind.LOWER_THIRD, "Kestrel, courier", 72, 120),
        TextItem(TextKind.END_CARD, "@wasteland", 168, 216),
    )
    tl = timeline(seg(1), seg(2), seg(3), joins=(CUT, CUT), texts=texts)
    bare = timeline(seg(1), seg(2), seg(3), joins=(CUT, CUT))
    drawn = frames(play(tl, clips, tmp_path / "texts.mp4", workdir).path)
    plain = frames(play(bare, clips, tmp_path / "bare.mp4", workdir).path)
    layout = film_layout(texts, TINY_H, [(320, 180)])
    for text, placed in zip(texts, layout, strict=True):
        box = placed.box
        region = (slice(box.top, box.bottom), slice(box.left, box.right))

        def diff(i: int, region: tuple[slice, slice] = region) -> float:
            return float(np.abs(drawn[i][region].astype(float) - plain[i][region]).mean())

        inside = [diff(i) for i in (text.start + 2, (text.start + text.end) // 2, text.end - 2)]
        outside = [diff(i) for i in (text.start - 10, text.end + 10) if 0 <= i < len(drawn)]
        assert min(inside) > 20, (text.kind, inside)
        assert max(outside, default=0.0) < 3, (text.kind, outside)
    hook = layout[0].box
    # the top of the safe area, under the slot kept for the takes' shot tags (media/take_tags)
    assert hook.bottom <= TINY_H.height // 2, "the hook sits in the top half"


def test_the_music_ducks_under_an_impact(clips: list[Path], tmp_path: Path, workdir: Path) -> None:
    music = tmp_path / "bed.wav"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=10", music],
        what="music",
        file=music,
    )

    def tone_level(audio: np.ndarray, start: float, end: float) -> float:
        part = audio[round(start * 48_000) : round(end * 48_000)]
        t = np.arange(len(part)) / 48_000
        return float(abs(np.mean(part * np.exp(-2j * np.pi * 1000 * t))))

    def mix(duck_db: float, name: str) -> np.ndarray:
        bed = MusicBed("bed.wav", -6.0, 0, 0, duck_db)
        tl = timeline(
            seg(1, audio=False),
            seg(2, audio=False),
            joins=(CUT,),
            audio=AudioPlan(sfx=(SoundCue("impact", 72, -12.0),), music=bed),
        )
        return mono_audio(play(tl, clips, tmp_path / name, workdir, music_file=music).path)

    ducked, level = mix(12.0, "ducked.mp4"), mix(0.0, "level.mp4")
    during = tone_level(ducked, 3.3, 3.8) / tone_level(ducked, 1.0, 2.5)
    steady = tone_level(level, 3.3, 3.8) / tone_level(level, 1.0, 2.5)
    assert steady == pytest.approx(1.0, abs=0.1)
    assert during < 0.4, during  # 12 dB is a quarter


def test_the_music_ducks_under_a_hundred_effects(clips: list[Path], tmp_path: Path) -> None:
    """A 10-minute film has about a hundred effects: the ducking expression ffmpeg evaluates must
    hold them all (a chain of ``max`` was refused at 98, past the parser's nesting limit)."""
    cues = tuple(SoundCue("impact", at, -12.0, frames=1) for at in range(0, 96))  # 0-4 s
    bed = MusicBed("bed.wav", -6.0, 0, 0, 12.0)
    tl = timeline(seg(1), seg(2), joins=(CUT,), audio=AudioPlan(sfx=cues, music=bed))
    music, out = tmp_path / "bed.wav", tmp_path / "ducked.wav"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=6", music],
        what="music",
        file=music,
    )
    film = film_timeline(RenderPlan(tl, [clips[0], clips[1]], music_file=music))
    expression = _duck_expression(film, 12.0)
    assert expression is not None and expression.count("max(") == len(cues) - 1
    run_ffmpeg(
        ["-i", music, "-af", f"volume='{expression}':eval=frame", out],
        what="ducked bed",
        file=out,
    )  # fmt: skip
    audio = mono_audio(out)
    assert rms(audio, 1.0, 3.5) / rms(audio, 4.8, 5.8) == pytest.approx(0.25, abs=0.03)


def test_each_channel_is_mastered_to_its_loudness_target(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    tl = timeline(seg(1), seg(2), joins=(CUT,))
    loud = play(tl, clips, tmp_path / "loud.mp4", workdir)
    quiet = play(tl, clips, tmp_path / "quiet.mp4", workdir, loudness_lufs=-20.0)
    assert measure(loud.path).integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert measure(quiet.path).integrated_lufs == pytest.approx(-20.0, abs=1.0)


def test_per_clip_settings_in_an_edit_intent_reach_the_render(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    intent = EditIntent(
        crossfade_s=0.0,
        clips=(ClipEdit(2, in_s=1.0, out_s=2.5, transition=TransitionKind.DIP, transition_s=0.25),),
    )
    result = render(spec_plan(clips[:2], intent), TINY_V, tmp_path / "i.mp4", workdir)
    assert probe(result.path).video_frames == CLIP_FRAMES + 36 - 6
