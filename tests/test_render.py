"""The edit render on real media: small clips made with ffmpeg lavfi, checked frame by frame.

Most tests use tiny presets (180x320 / 320x180) so a film renders in about a second; one test
renders the real 1080x1920 and 1920x1080 presets to prove the full-size graph works.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from media_facts import frames, luma, mono_audio, rms
from render_plans import spec_plan

from shortfilm.domain.production import (
    Caption,
    EditIntent,
    Music,
    SoundEffectCue,
    SoundKind,
    TitleCard,
)
from shortfilm.domain.timeline import TextItem, TextKind
from shortfilm.errors import InputError, MediaError
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import RenderPlan, film_timeline
from shortfilm.media.loudness import measure
from shortfilm.media.overlays import film_layout
from shortfilm.media.presets import (
    HORIZONTAL,
    VERTICAL,
    Preset,
    preset_for_channel,
    presets_for_channels,
)
from shortfilm.media.probe import probe
from shortfilm.media.render import RenderResult, render
from shortfilm.media.verify import read_streams, verify

pytestmark = pytest.mark.media

FPS = 24
TINY_V = replace(VERTICAL, name="tiny-vertical", width=180, height=320)
TINY_H = replace(HORIZONTAL, name="tiny-horizontal", width=320, height=180)

TITLE_S = 1.5
CAPTION = Caption("She hears the sea.", 2.0, 3.5)
IMPACT_AT = 5.0


def make_clip(
    path: Path,
    *,
    size: str = "320x180",
    seconds: float = 3.0,
    rate: int = FPS,
    tone_hz: int | None = 440,
    silent_track: bool = False,
) -> Path:
    """A testsrc2 clip with a sine tone, no audio (``tone_hz=None``), or a stereo track of
    digital silence (``silent_track``: what the offline animatic delivers)."""
    args: list[str | Path] = [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}:duration={seconds}",
    ]
    if silent_track:
        args += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
    elif tone_hz is not None:
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
        ]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if tone_hz is not None or silent_track:
        args += ["-c:a", "aac", "-ac", "2"]
    run_ffmpeg([*args, "-t", str(seconds), path], what="test clip", file=path)
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    return [make_clip(folder / f"clip{i}.mp4", tone_hz=220 * i) for i in (1, 2, 3)]


FILM = EditIntent(
    title_card=TitleCard("The Lighthouse", "a short film", TITLE_S),
    captions=(CAPTION,),
    sfx=(SoundEffectCue(SoundKind.IMPACT, IMPACT_AT, 0.0),),
    music=Music(None, -18.0),
    crossfade_s=0.4,
)


def film_plan(clips: list[Path], **changes: object) -> RenderPlan:
    return spec_plan(clips, replace(FILM, **changes))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="session")
def films(clips: list[Path], workdir: Path) -> dict[str, RenderResult]:
    out = workdir.parent / "exports"
    plan = film_plan(clips)
    targets = [(TINY_V, out / "film-v.mp4"), (TINY_H, out / "film-h.mp4")]
    results = [render(plan, preset, path, workdir) for preset, path in targets]
    return {r.path.name: r for r in results}


# ---------------------------------------------------------------------------------- presets


def test_channels_map_to_presets_deduplicated_in_order() -> None:
    assert presets_for_channels(["tiktok", "youtube", "reels", "Shorts", "x"]) == [
        VERTICAL,
        HORIZONTAL,
    ]
    assert presets_for_channels(["web", "instagram"]) == [HORIZONTAL, VERTICAL]
    assert preset_for_channel(" TikTok ") is VERTICAL
    with pytest.raises(InputError, match="myspace"):
        presets_for_channels(["youtube", "myspace"])


def test_presets_encode_h264_high_faststart_and_aac() -> None:
    assert (VERTICAL.width, VERTICAL.height, HORIZONTAL.width, HORIZONTAL.height) == (
        1080,
        1920,
        1920,
        1080,
    )
    args = VERTICAL.video_args() + VERTICAL.audio_args()
    for pair in (
        ("-c:v", "libx264"),
        ("-preset", "veryfast"),
        ("-crf", "21"),
        ("-profile:v", "high"),
        ("-pix_fmt", "yuv420p"),
        ("-movflags", "+faststart"),
        ("-c:a", "aac"),
        ("-b:a", "192k"),
        ("-ar", "48000"),
        ("-ac", "2"),
    ):
        i = args.index(pair[0])
        assert args[i + 1] == pair[1]
    with pytest.raises(ValueError):
        Preset("odd", 1081, 1920)


# --------------------------------------------------------------------------------- timeline


def test_film_timeline_lays_out_title_clips_and_cues(clips: list[Path]) -> None:
    tl = film_timeline(film_plan(clips))
    assert tl.segment_frames == (36, 72, 72, 72) and tl.joins == (10, 10, 10)
    whats = [e.what for e in tl.entries]
    assert whats[:4] == [
        "title: The Lighthouse",
        "clip 1: clip1.mp4",
        "clip 2: clip2.mp4",
        "clip 3: clip3.mp4",
    ]
    title, clip1 = tl.entries[0], tl.entries[1]
    assert (title.start_s, title.end_s) == (0.0, 1.5)
    assert clip1.start_s == pytest.approx(26 / 24)
    assert tl.entries[3].end_s == pytest.approx(9.25)
    assert ("caption: She hears the sea.", 2.0, 3.5) in tl.entries
    assert ("sfx: impact", IMPACT_AT, IMPACT_AT + 1.2) in tl.entries


def test_plan_validation(clips: list[Path]) -> None:
    plan = spec_plan(clips)
    with pytest.raises(InputError, match="one file per segment"):
        RenderPlan(plan.timeline, [])
    with pytest.raises(InputError, match="after the film"):
        spec_plan(clips, EditIntent(sfx=(SoundEffectCue(SoundKind.IMPACT, 60.0),)))
    with pytest.raises(InputError, match="crossfade"):
        spec_plan(clips, EditIntent(crossfade_s=3.0))


# ------------------------------------------------------------------------------ the exports


@pytest.mark.parametrize(("name", "preset"), [("film-v.mp4", TINY_V), ("film-h.mp4", TINY_H)])
def test_export_streams_size_and_duration(
    films: dict[str, RenderResult], name: str, preset: Preset
) -> None:
    result = films[name]
    info = probe(result.path)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.sample_rate, info.channels) == (48_000, 2)
    assert (info.width, info.height) == (preset.width, preset.height)
    assert (result.width, result.height) == (preset.width, preset.height)
    expected = TITLE_S + 3 * 3.0 - 3 * (10 / FPS)
    assert result.duration_s == pytest.approx(expected)
    assert info.fps == FPS
    assert info.video_frames == round(expected * FPS)
    assert abs(info.duration_s - expected) <= 1 / FPS
    assert result.timeline[0].what.startswith("title")
    assert not list(result.path.parent.glob(".*.part"))


@pytest.mark.parametrize("name", ["film-v.mp4", "film-h.mp4"])
def test_export_loudness_is_on_target(films: dict[str, RenderResult], name: str) -> None:
    got = measure(films[name].path)
    assert got.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert got.true_peak_dbtp <= -1.0
    assert films[name].loudness == got


def test_title_card_comes_first_dark_with_bright_text(
    films: dict[str, RenderResult], clips: list[Path]
) -> None:
    film = frames(films["film-h.mp4"].path)
    clip_first = frames(clips[0])[0]  # same size as the tiny horizontal preset
    for i in (0, 12):  # inside the title card, before the crossfade into clip 1
        card = film[i]
        assert np.abs(card.astype(float) - clip_first).mean() > 40
        y = luma(card)
        assert y.mean() < 70  # a dark card ...
        assert (y > 200).sum() > 50  # ... with bright text on it
    clip_frame = film[round(5.0 * FPS)]
    assert luma(clip_frame).mean() > luma(film[0]).mean() + 30


def test_vertical_export_blur_fills_a_wide_clip(films: dict[str, RenderResult]) -> None:
    frame = frames(films["film-v.mp4"].path)[round(5.0 * FPS)]  # inside clip 2
    h, w = frame.shape[:2]
    fg_h = round(w * 9 / 16)
    top_band = frame[: (h - fg_h) // 2 - 4]
    assert luma(top_band).mean() > 25  # blurred picture, not black bars
    rows = luma(top_band)
    assert np.abs(np.diff(rows, axis=1)).mean() < 6  # ... and blurred: no hard edges
    middle = luma(frame[(h - fg_h) // 2 + 4 : (h + fg_h) // 2 - 4])
    assert np.abs(np.diff(middle, axis=1)).mean() > np.abs(np.diff(rows, axis=1)).mean() * 2


def test_caption_is_visible_only_in_its_window(
    films: dict[str, RenderResult], clips: list[Path], workdir: Path
) -> None:
    # The same film without captions; any difference in the bottom third is the caption.
    bare = render(
        film_plan(clips, captions=[]), TINY_V, workdir.parent / "bare-v.mp4", workdir
    ).path
    with_caption, without = frames(films["film-v.mp4"].path), frames(bare)
    h = with_caption[0].shape[0]
    caption = TextItem(TextKind.CAPTION, CAPTION.text, 0, 1)
    (placed,) = film_layout([caption], TINY_V, [(320, 180)])
    box = placed.box
    assert box.top >= 2 * h // 3  # in the bottom third ...
    assert box.bottom <= h - TINY_V.safe.bottom * h  # ... above the platform UI

    def diff_at(t: float) -> float:
        i = round(t * FPS)
        region = (slice(box.top, box.bottom), slice(box.left, box.right))
        return float(np.abs(with_caption[i][region].astype(float) - without[i][region]).mean())

    inside = [diff_at(t) for t in (2.1, 2.75, 3.4)]
    outside = [diff_at(t) for t in (1.7, 3.7, 6.0)]
    assert min(inside) > 25, (inside, outside)
    assert max(outside) < 3, (inside, outside)


def test_impact_sfx_is_clearly_audible(films: dict[str, RenderResult]) -> None:
    audio = mono_audio(films["film-h.mp4"].path)

    hit = rms(audio, IMPACT_AT, IMPACT_AT + 0.4)
    before = rms(audio, IMPACT_AT - 1.0, IMPACT_AT)
    after = rms(audio, IMPACT_AT + 1.3, IMPACT_AT + 2.3)
    assert hit > 3.0 * before  # ~10 dB above the surrounding second
    assert hit > 3.0 * after


def test_progress_reports_each_stage(clips: list[Path], workdir: Path) -> None:
    seen: list[tuple[str, float]] = []
    render(
        film_plan(clips),
        TINY_H,
        workdir.parent / "progress.mp4",
        workdir,
        progress=lambda stage, f: seen.append((stage, f)),
    )
    stages = list(dict.fromkeys(s for s, _ in seen))
    assert stages == ["probe", "audio", "video:tiny-horizontal", "measure"]
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    assert seen[-1] == ("measure", 1.0)


def test_mixed_inputs_other_rate_size_and_no_audio(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    odd = make_clip(tmp_path / "odd.mp4", size="240x240", seconds=2.0, rate=30, tone_hz=None)
    plan = spec_plan([clips[0], odd], EditIntent(crossfade_s=0.25), rate=Fraction(24))
    result = render(plan, TINY_H, tmp_path / "mixed.mp4", workdir)
    info = probe(result.path)
    assert info.video_frames == 72 + 48 - 6
    assert info.audio_codec == "aac"
    assert result.duration_s == pytest.approx(114 / 24)


def test_a_film_with_no_sound_at_all_renders_a_silent_track_that_passes_its_checks(
    tmp_path: Path, workdir: Path
) -> None:
    mute = [make_clip(tmp_path / f"mute{i}.mp4", seconds=2.0, tone_hz=None) for i in (1, 2)]
    quiet = EditIntent(title_card=TitleCard("Quiet", "", 1.0), crossfade_s=0.25)
    plan = spec_plan(mute, quiet)
    tl = film_timeline(plan)
    assert tl.silent
    impact = (SoundEffectCue(SoundKind.IMPACT, 1.0),)
    assert not film_timeline(spec_plan(mute, replace(quiet, sfx=impact))).silent
    result = render(plan, TINY_H, tmp_path / "silent.mp4", workdir)
    assert result.silent
    facts = read_streams(result.path)
    # a stereo AAC track of digital silence, as long as the picture
    assert (facts.audio_codec, facts.channels, facts.sample_rate) == ("aac", 2, 48_000)
    assert facts.video_frames == tl.total_frames
    assert abs(facts.audio_s - facts.video_s) <= Fraction(1024, 48_000)
    assert float(np.abs(mono_audio(result.path)).max()) == 0.0
    passed = verify(result.path, TINY_H, duration=tl.duration, fps=tl.fps, lufs=-14, silent=True)
    assert passed.passed, passed.reasons
    assert passed.measured["silent"] and passed.measured["true_peak_dbtp"] is None
    # the same file where sound was expected fails: silence is not -14 LUFS
    failed = verify(result.path, TINY_H, duration=tl.duration, fps=tl.fps, lufs=-14)
    assert any("integrated loudness" in r for r in failed.reasons), failed.reasons


def test_takes_whose_tracks_are_silence_render_a_silent_film(tmp_path: Path, workdir: Path) -> None:
    # the animatic's takes carry a stereo track of zeros: with no effect and no music the mix
    # has nothing above the loudness gate, and normalising it once wrote NaN samples that
    # the AAC encoder refused ("Qavg: nan", exit 234)
    takes = [make_clip(tmp_path / f"hush{i}.mp4", seconds=1.5, silent_track=True) for i in (1, 2)]
    plan = spec_plan(takes, EditIntent(title_card=TitleCard("Hush", "", 0.5), crossfade_s=0.25))
    tl = film_timeline(plan)
    assert not tl.silent  # the takes do have sound tracks: only measuring finds them empty
    result = render(plan, TINY_H, tmp_path / "hush.mp4", workdir)
    assert result.silent and result.loudness.digital_silence
    assert float(np.abs(mono_audio(result.path)).max()) == 0.0
    facts = read_streams(result.path)
    assert facts.audio_codec == "aac" and facts.video_frames == tl.total_frames
    checked = verify(result.path, TINY_H, duration=tl.duration, fps=tl.fps, lufs=-14, silent=True)
    assert checked.passed, checked.reasons


def test_a_sound_where_the_film_has_none_fails_the_silence_check(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    result = render(spec_plan(clips[:1]), TINY_H, tmp_path / "tone.mp4", workdir)
    tl = film_timeline(spec_plan(clips[:1]))
    checked = verify(result.path, TINY_H, duration=tl.duration, fps=tl.fps, lufs=-14, silent=True)
    assert any("has no sound" in r for r in checked.reasons), checked.reasons


@pytest.mark.parametrize(
    ("plan_args", "expected_frames"),
    [
        ({"crossfade_s": 0.0, "title_card": TitleCard("Cut", "", 1.0)}, 24 + 72 + 72),
        ({"crossfade_s": 0.4}, 72),  # one clip, nothing to fade
    ],
)
def test_hard_cuts_and_a_single_clip(
    clips: list[Path],
    tmp_path: Path,
    workdir: Path,
    plan_args: dict[str, object],
    expected_frames: int,
) -> None:
    n_clips = 2 if "title_card" in plan_args else 1
    plan = spec_plan(clips[:n_clips], EditIntent(**plan_args))  # type: ignore[arg-type]
    result = render(plan, TINY_H, tmp_path / "cut.mp4", workdir)
    info = probe(result.path)
    assert info.video_frames == expected_frames
    assert abs(info.duration_s - expected_frames / FPS) <= 1 / FPS


def test_music_file_is_looped_under_the_film(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    music = tmp_path / "loop.wav"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=1", music],
        what="music",
        file=music,
    )
    plan = spec_plan(clips[:2], EditIntent(music=Music("loop.wav", -12.0)), music_file=music)
    result = render(plan, TINY_H, tmp_path / "music.mp4", workdir)
    audio = mono_audio(result.path)
    tail = audio[-48_000 * 2 : -48_000]  # past the 1 s music file: still playing (looped)
    assert np.sqrt(np.mean(tail**2)) > 0.01
    assert result.timeline[-1].what == "music: loop.wav"


# --------------------------------------------------------------------------------- failures


def test_missing_clip_is_a_media_error_naming_it(clips: list[Path], tmp_path: Path) -> None:
    missing = tmp_path / "take-07.mp4"
    plan = replace(spec_plan(clips[:2]), clips=[clips[0], missing])
    with pytest.raises(MediaError, match="take-07.mp4") as err:
        render(plan, TINY_H, tmp_path / "out.mp4", tmp_path / "work")
    assert err.value.file == str(missing)
    assert not (tmp_path / "out.mp4").exists()


def test_missing_music_is_a_media_error_naming_it(clips: list[Path], tmp_path: Path) -> None:
    score = EditIntent(music=Music("score.wav"))
    plan = spec_plan(clips[:1], score, music_file=tmp_path / "score.wav")
    with pytest.raises(MediaError, match="score.wav"):
        render(plan, TINY_H, tmp_path / "out.mp4", tmp_path / "work")
    assert not (tmp_path / "out.mp4").exists()


def test_unreadable_clip_is_a_media_error_naming_it(clips: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 4096)
    with pytest.raises(MediaError, match="broken.mp4"):
        plan = replace(spec_plan(clips[:1]), clips=[broken])
        render(plan, TINY_H, tmp_path / "out.mp4", tmp_path / "work")


def test_failed_render_leaves_no_half_written_export(
    clips: list[Path], tmp_path: Path, workdir: Path
) -> None:
    out = tmp_path / "film.mp4"
    out.write_bytes(b"previous export")
    bad = replace(TINY_H, name="bad", x264_preset="no-such-preset")
    with pytest.raises(MediaError, match="film.mp4"):
        render(film_plan(clips), bad, out, workdir)
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["film.mp4"]

    fresh = tmp_path / "fresh.mp4"
    with pytest.raises(MediaError):
        render(film_plan(clips), bad, fresh, workdir)
    assert not fresh.exists()


# ------------------------------------------------------------------------ real-size presets


def test_real_presets_render_a_short_film(tmp_path: Path) -> None:
    wide = [
        make_clip(tmp_path / f"hd{i}.mp4", size="1280x720", seconds=1.5, tone_hz=300 * i)
        for i in (1, 2)
    ]
    plan = spec_plan(
        wide,
        EditIntent(
            title_card=TitleCard("Real size", "1080x1920 and 1920x1080", 1.0),
            captions=(Caption("A caption", 1.2, 2.0),),
            sfx=(SoundEffectCue(SoundKind.WHOOSH, 0.8),),
            music=Music(None, -18.0),
        ),
    )
    targets = [(VERTICAL, tmp_path / "v.mp4"), (HORIZONTAL, tmp_path / "h.mp4")]
    results = [render(plan, preset, path, tmp_path / "w") for preset, path in targets]
    for result, preset in zip(results, (VERTICAL, HORIZONTAL), strict=True):
        info = probe(result.path)
        assert (info.width, info.height) == preset.size
        assert info.video_frames == 24 + 36 + 36 - 2 * 10
        assert result.loudness.true_peak_dbtp <= -1.0


# ------------------------------------------------------------------------------ render cache


def test_a_render_cache_gives_the_same_film_for_the_same_plan_and_a_new_one_otherwise(
    clips: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.media.render_cache import ENV_RENDER_CACHE, render_key

    cache = tmp_path / "cache"
    monkeypatch.setenv(ENV_RENDER_CACHE, str(cache))
    plan = film_plan(clips)
    first = render(plan, TINY_V, tmp_path / "a" / "film.mp4", tmp_path / "work-a")
    (entry,) = cache.glob("*.mp4")
    assert entry.stem == render_key(plan, TINY_V, "full")
    # a second home, another folder: the film is copied, byte for byte, with the same facts
    second = render(plan, TINY_V, tmp_path / "b" / "film.mp4", tmp_path / "work-b")
    assert second.path.read_bytes() == first.path.read_bytes()
    assert (second.duration_s, second.loudness, second.timeline, second.silent) == (
        first.duration_s, first.loudness, first.timeline, first.silent,
    )  # fmt: skip
    assert not (tmp_path / "work-b").exists() or not any((tmp_path / "work-b").iterdir())
    # anything that decides the bytes is in the key: a changed take, the loudness, the preset
    other = [*clips[:2], make_clip(tmp_path / "other.mp4", tone_hz=880)]
    keys = {
        render_key(plan, TINY_V, "full"),
        render_key(film_plan(other), TINY_V, "full"),
        render_key(replace(plan, loudness_lufs=-16.0), TINY_V, "full"),
        render_key(plan, TINY_H, "full"),
        render_key(plan, TINY_V, "draft"),
    }
    assert len(keys) == 5
    third = render(replace(plan, loudness_lufs=-16.0), TINY_V, tmp_path / "c.mp4", tmp_path / "w")
    assert len(list(cache.glob("*.mp4"))) == 2
    assert abs(third.loudness.integrated_lufs - -16.0) < 1.0


def test_without_a_render_cache_nothing_is_kept(
    clips: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.media.render_cache import ENV_RENDER_CACHE, cache_folder

    monkeypatch.delenv(ENV_RENDER_CACHE, raising=False)
    assert cache_folder() is None
    monkeypatch.setenv(ENV_RENDER_CACHE, "  ")
    assert cache_folder() is None
