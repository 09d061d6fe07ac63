"""Media limits: a small file that claims a huge picture, hours of video or a giant image is
refused from its headers, before anything is decoded (bench/refusals.py times the refusals); a
header that says nothing (or less than the truth) is stopped during the decode at the same
limits.

The crafted files (:mod:`crafted_media`) state sizes that would cost hundreds of megabytes to
gigabytes to decode; none is ever decoded in full here. The command line takes its limits from
``SHORTFILM_MEDIA_LIMITS``, so the cases that a decode on the old code would also refuse are
made small and the limits smaller.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals import approve_board
from crafted_media import long_video, mp4_claiming, png_claiming, streamed_mkv
from home_snapshot import snapshot
from PIL import Image
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.errors import InputError
from shortfilm.media.analysis import analyse
from shortfilm.media.limits import ENV_LIMITS, MediaLimits, MediaTooLarge, limits_from_env
from shortfilm.media.presets import PRESETS
from shortfilm.media.probe import probe
from shortfilm.media.video_check import check_video
from shortfilm.production.importing import import_spec
from shortfilm.store.repo import Store

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crafted")
    return {
        "16000x16000": mp4_claiming(folder / "huge.mp4", 16000, 16000),
        "65520x65520": mp4_claiming(folder / "absurd.mp4", 65520, 65520),
        "2048x2048": mp4_claiming(folder / "big.mp4", 2048, 2048),
        "long": long_video(folder / "long.mp4", 130),
        "many frames": long_video(folder / "many.mp4", 12, rate="50"),
        "streamed": streamed_mkv(folder / "streamed.mkv", 300),
        "png 13000": png_claiming(folder / "bomb.png", 13000, 13000),
        "wide pixels": mp4_claiming(folder / "wide.mp4", 32, 32, frames=4, sar=(1000, 1)),
    }


def _refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(MediaTooLarge) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(caught.value)


def test_every_film_a_channel_takes_can_be_read_back() -> None:
    """The render probes its own export, and publishing and variants read it again: the command
    line's limits must hold the longest film any preset allows, at 60 fps (a 10-minute YouTube
    film was refused by its own render at 600 s)."""
    longest = max(preset.max_duration_s for preset in PRESETS.values())
    assert MediaLimits().max_duration_s >= longest
    assert MediaLimits().max_frames >= longest * 60
    assert max(p.width * p.height for p in PRESETS.values()) <= MediaLimits().max_frame_pixels


def test_limits_read_and_written_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = MediaLimits.parse("width=640, seconds=12.5,frames=300")
    assert (limits.max_width, limits.max_duration_s, limits.max_frames) == (640, 12.5, 300)
    assert limits.max_height == MediaLimits().max_height
    assert MediaLimits.parse(limits.to_text()) == limits
    monkeypatch.setenv(ENV_LIMITS, "image_pixels=1000")
    assert limits_from_env().max_image_pixels == 1000
    for text, says in (("depth=3", "no limit 'depth'"), ("width=wide", "'wide' is not a number")):
        with pytest.raises(InputError, match=says):
            MediaLimits.parse(text, where=ENV_LIMITS)
    with pytest.raises(InputError, match="frames: must be more than 0"):
        MediaLimits.parse("frames=0")


def test_a_picture_claimed_by_the_header_is_refused_before_any_decode(
    crafted: dict[str, Path],
) -> None:
    """FFmpeg itself decodes H.264 frames while opening a file (to learn its delay): for the
    16000x16000 claim that alone took 1.5 s and 700 MB; with the limits it takes milliseconds."""
    huge = crafted["16000x16000"]
    message = _refused(check_video, huge, name="take.mp4")
    assert message == (
        "take.mp4: the video is 16000x16000, larger than the 8192x8192 this server decodes"
    )
    assert str(huge) not in message
    assert "16000x16000" in _refused(probe, huge)
    assert "16000x16000" in _refused(analyse, huge)
    # 65520x65520 is over what libavcodec sizes at all: refused as undecodable
    with pytest.raises(InputError, match="absurd.mp4: has a video stream, but its first frame"):
        check_video(crafted["65520x65520"], name="absurd.mp4")
    # and the pixel count of a frame is a limit of its own
    square = MediaLimits(max_width=4096, max_height=4096, max_frame_pixels=2_000_000)
    assert "more than the 2.0 M" in _refused(check_video, crafted["2048x2048"], limits=square)


def test_pixels_the_container_says_are_shown_wide_count_as_shown(
    crafted: dict[str, Path], home: Path
) -> None:
    """A 32x32 take whose container says each pixel is shown 1000 wide would have its last
    frame drawn 32000 wide (at 65535:1, two million): that is the size it is held to."""
    wide = crafted["wide pixels"]
    message = _refused(check_video, wide, name="wide.mp4")
    assert message == (
        "wide.mp4: the video is 32000x32, larger than the 8192x8192 this server decodes "
        "(as shown: its pixels are 1000 wide)"
    )
    before = snapshot(home)
    code, said = _cli("take", "import", SLUG, "clip-01", str(wide))
    assert code == 2 and "the video is 32000x32" in said, said
    assert snapshot(home) == before


def test_length_claimed_by_the_header_is_refused_before_any_decode(
    crafted: dict[str, Path],
) -> None:
    limits = MediaLimits(max_duration_s=120, max_frames=400)
    message = _refused(check_video, crafted["long"], limits=limits, name="long.mp4")
    assert message.startswith("long.mp4: the video runs 130.0 s, longer than the 120 s")
    assert "has 600 frames, more than the 400" in _refused(
        check_video, crafted["many frames"], limits=limits
    )
    assert "130.0 s" in _refused(analyse, crafted["long"], limits=limits)


def test_a_header_that_states_no_length_is_stopped_during_the_decode(
    crafted: dict[str, Path],
) -> None:
    """A Matroska stream written to a pipe says nothing of its length: the check decodes it
    from the start, and stops at the limit instead of at the end."""
    streamed = crafted["streamed"]
    assert probe(streamed, decode_first=False).video_frames is None
    limits = MediaLimits(max_frames=50)
    assert "more than the 50" in _refused(check_video, streamed, limits=limits)
    assert "more than the 50" in _refused(analyse, streamed, limits=limits)
    assert check_video(streamed).video_duration_s == pytest.approx(12.0, abs=0.1)


# the command line -------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, example_spec: Path, db_env: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example with its board approved, the commands pointed at it, on either database."""
    folder = tmp_path / "home"
    store = Store(folder)
    import_spec(store, example_spec)
    approve_board(store, SLUG)
    store.close()
    monkeypatch.setenv("SHORTFILM_HOME", str(folder))
    return folder


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_commands_refuse_over_limit_video_with_exit_2_and_store_nothing(
    home: Path, crafted: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``qc``, ``keyframes`` and ``take import`` read the header first. The 2048x2048 claim is
    over the limits set here (a decode of it, as the old code did, costs little)."""
    monkeypatch.setenv(ENV_LIMITS, "width=1000,height=1000")
    big = crafted["2048x2048"]
    before = snapshot(home)
    for args in (
        ("qc", str(big)),
        ("keyframes", str(big), "--out", str(tmp_path / "thumbs")),
        ("take", "import", SLUG, "clip-01", str(big)),
        ("take", "import", SLUG, "clip-01", str(big), "--select"),
    ):
        code, said = _cli(*args)
        assert code == 2, (args, said)
        assert f"{big}: the video is 2048x2048, larger than the 1000x1000" in said, said
    assert snapshot(home) == before
    assert not (tmp_path / "thumbs").exists()

    monkeypatch.setenv(ENV_LIMITS, "seconds=60")
    code, said = _cli("take", "import", SLUG, "clip-01", str(crafted["long"]))
    assert code == 2 and "runs 130.0 s, longer than the 60 s" in said, said
    assert snapshot(home) == before


def test_board_add_reference_reads_the_image_size_from_its_header(
    home: Path, crafted: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(home)
    args = ("board", "add-reference", SLUG, "--role", "board", "--label", "dusk")
    code, said = _cli(*args[:3], str(crafted["png 13000"]), *args[3:])
    assert code == 2, said
    assert "the image is 13000x13000 (169.0 M pixels), more than the 64.0 M" in said, said
    # a real image, whole and small, over a limit set lower
    real = tmp_path / "real.png"
    Image.new("RGB", (400, 300), (10, 120, 200)).save(real)
    monkeypatch.setenv(ENV_LIMITS, "image_pixels=100000")
    code, said = _cli(*args[:3], str(real), *args[3:])
    assert code == 2 and "the image is 400x300 (120000 pixels)" in said, said
    assert snapshot(home) == before
    monkeypatch.delenv(ENV_LIMITS)
    code, said = _cli(*args[:3], str(real), *args[3:])
    assert code == 0, said


def test_code_that_decodes_frames_itself_opens_through_the_same_check(
    crafted: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keyframe fallback (the clearest frame of the last 1.5 s) and the full-size frame
    writer decode with PyAV directly: they are held to the limits too."""
    from shortfilm.media.keyframe import pick_keyframe
    from shortfilm.takes.keyframes import write_frame

    monkeypatch.setenv(ENV_LIMITS, "width=1000,height=1000")
    big = crafted["2048x2048"]
    assert "2048x2048" in _refused(pick_keyframe, big, tmp_path / "kf.png")
    assert "2048x2048" in _refused(write_frame, big, 0, 2.0, tmp_path / "frame.png")
    assert not list(tmp_path.glob("*.png"))
