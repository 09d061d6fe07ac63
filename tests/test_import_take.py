"""Importing a video made elsewhere as a take: any file ffmpeg reads, and bad files refused.

Real media made once per session with the wheel's ffmpeg: the frame rates, shapes, audio
layouts and codecs takes arrive in (generators, stock footage, phones), plus the broken files
people actually hand over (empty, an image renamed .mp4, audio only, a cut-off download).
Every refusal must exit 2 with one line naming the file and leave the store exactly as it was.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from home_snapshot import snapshot
from PIL import Image
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.errors import InputError
from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from shortfilm.media.probe import probe
from shortfilm.media.video_check import check_video
from shortfilm.production.importing import import_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow, TakeRow
from shortfilm.takes import external
from shortfilm.takes.external import import_take

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"
SECONDS = 1.0


@dataclass(frozen=True)
class Case:
    """A file to make and the facts a person would check in a player."""

    name: str
    make: Callable[[Path], None]
    fps: Fraction | None
    display: tuple[int, int]
    codec: str
    container: str
    channels: int | None = None
    layout: str | None = None
    seconds: float = SECONDS
    vfr: bool = False
    rotation: int = 0
    sar: Fraction | None = field(default=Fraction(1))


def _encoders() -> str:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout


def _ff(*args: str, out: Path) -> None:
    run_ffmpeg(["-loglevel", "error", *args, str(out)], what=f"make {out.name}", file=out)


def _video(size: str, rate: str, seconds: float = SECONDS) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]


def _audio(layout: str, seconds: float = SECONDS) -> list[str]:
    return [
        "-f", "lavfi", "-i", f"sine=f=440:sample_rate=48000:d={seconds}",
        "-af", f"aformat=channel_layouts={layout}",
    ]  # fmt: skip


def _h264(size: str, rate: str, layout: str | None) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        audio = [*_audio(layout), "-c:a", "aac"] if layout else []
        _ff(*_video(size, rate), *audio, "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-t", str(SECONDS), out=out)  # fmt: skip

    return make


def _make_hevc(out: Path) -> None:
    _ff(*_video("192x108", "30"), "-c:v", "libx265", "-preset", "ultrafast",
        "-x265-params", "log-level=error", "-tag:v", "hvc1", out=out)  # fmt: skip


def _make_mpeg4_avi(out: Path) -> None:
    _ff(*_video("160x120", "25"), *_audio("mono"), "-c:v", "mpeg4", "-q:v", "5",
        "-c:a", "pcm_s16le", "-t", str(SECONDS), out=out)  # fmt: skip


def _make_mjpeg_avi(out: Path) -> None:
    _ff(*_video("160x120", "24"), "-c:v", "mjpeg", "-q:v", "5", out=out)


def _make_vp9_webm(out: Path) -> None:
    _ff(*_video("192x108", "30"), *_audio("stereo"), "-c:v", "libvpx-vp9", "-deadline",
        "realtime", "-cpu-used", "8", "-b:v", "200k", "-c:a", "libopus", "-t", str(SECONDS),
        out=out)  # fmt: skip


def _make_prores_mov(out: Path) -> None:
    _ff(*_video("192x108", "24000/1001"), *_audio("stereo"), "-c:v", "prores_ks",
        "-profile:v", "0", "-c:a", "pcm_s16le", "-t", str(SECONDS), out=out)  # fmt: skip


def _make_vfr(out: Path) -> None:
    # 30 fps for the first second, then every third frame (10 fps): a phone-style variable rate
    _ff(*_video("192x108", "30", 3.0), "-vf", r"select='lt(n\,30)+not(mod(n\,3))'",
        "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", out=out)  # fmt: skip


def _make_anamorphic(out: Path) -> None:
    # 144x108 stored with 4:3 pixels: shown 192x108 (16:9), like HDV's 1440x1080
    _ff(*_video("144x108", "25"), "-vf", "setsar=4/3", "-c:v", "libx264", "-preset",
        "ultrafast", out=out)  # fmt: skip


def _make_phone(out: Path) -> None:
    # stored landscape with a display matrix turning it upright, as phones record portrait
    flat = out.with_name("phone-flat.mp4")
    _h264("192x108", "30", "stereo")(flat)
    _ff("-display_rotation:v:0", "90", "-i", str(flat), "-c", "copy", out=out)
    flat.unlink()


CASES = [
    Case("h264-23.976-16x9-stereo.mp4", _h264("192x108", "24000/1001", "stereo"),
         Fraction(24000, 1001), (192, 108), "h264", "mp4", 2, "stereo"),
    Case("h264-29.97-9x16-mono.mp4", _h264("108x192", "30000/1001", "mono"),
         Fraction(30000, 1001), (108, 192), "h264", "mp4", 1, "mono"),
    Case("h264-60-1x1-5.1.mp4", _h264("128x128", "60", "5.1"),
         Fraction(60), (128, 128), "h264", "mp4", 6, "5.1"),
    Case("hevc-30-16x9.mp4", _make_hevc, Fraction(30), (192, 108), "hevc", "mp4"),
    Case("mpeg4-25-4x3-mono.avi", _make_mpeg4_avi,
         Fraction(25), (160, 120), "mpeg4", "avi", 1, "mono"),
    Case("mjpeg-24-4x3.avi", _make_mjpeg_avi, Fraction(24), (160, 120), "mjpeg", "avi"),
    Case("vp9-30-16x9-stereo.webm", _make_vp9_webm,
         Fraction(30), (192, 108), "vp9", "webm", 2, "stereo"),
    Case("prores-23.976-16x9-stereo.mov", _make_prores_mov,
         Fraction(24000, 1001), (192, 108), "prores", "mov", 2, "stereo"),
    Case("vfr-30-then-10.mp4", _make_vfr, None, (192, 108), "h264", "mp4",
         seconds=88 / 30, vfr=True),
    Case("anamorphic-4x3-pixels.mp4", _make_anamorphic,
         Fraction(25), (192, 108), "h264", "mp4", sar=Fraction(4, 3)),
    Case("phone-portrait-rotated.mp4", _make_phone,
         Fraction(30), (108, 192), "h264", "mp4", 2, "stereo", rotation=90),
]  # fmt: skip
NEEDS = {"hevc": "libx265", "vp9": "libvpx-vp9", "prores": "prores_ks", "h264": "libx264"}


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every good case, made once (files the build cannot encode are left out, with a skip)."""
    folder = tmp_path_factory.mktemp("takes")
    encoders = _encoders()
    made: dict[str, Path] = {}
    for case in CASES:
        if f" {NEEDS.get(case.codec, case.codec)} " not in encoders:
            continue
        case.make(folder / case.name)
        made[case.name] = folder / case.name
    return made


@pytest.fixture(scope="session")
def bad(tmp_path_factory: pytest.TempPathFactory, media: dict[str, Path]) -> dict[str, Path]:
    """The broken files people hand over, each with the words its refusal must use."""
    folder = tmp_path_factory.mktemp("bad")
    whole = folder / "whole.mp4"  # a plain MP4 writes its index (moov) at the end
    _ff(*_video("192x108", "24", 2.0), "-c:v", "libx264", "-preset", "ultrafast", out=whole)
    fast = folder / "faststart.mp4"  # index first: a cut file still opens, its frames stop
    _ff("-i", str(whole), "-c", "copy", "-movflags", "+faststart", out=fast)
    files = {
        "zero-bytes.mp4": b"",
        "truncated-40pct.mp4": whole.read_bytes()[: int(whole.stat().st_size * 0.4)],
        "truncated-faststart.mp4": fast.read_bytes()[: int(fast.stat().st_size * 0.4)],
        "random-bytes.mp4": bytes((i * 7919 + 13) % 251 for i in range(40_000)),
        "notes.mp4": b"shot list: clip 1 wide, clip 2 close\n" * 50,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    _ff(*_video("64x36", "24"), "-frames:v", "1", "-c:v", "libx264", out=folder / "one-frame.mp4")
    png = folder / "still.mp4"
    Image.new("RGB", (64, 36), (200, 40, 40)).save(png, format="PNG")
    audio = folder / "voice-memo.m4a"
    _ff(*_audio("stereo"), "-c:a", "aac", out=audio)
    whole.unlink()
    fast.unlink()
    return {p.name: p for p in folder.iterdir()}


BAD_WORDS = {
    "zero-bytes.mp4": "is empty (0 bytes)",
    "truncated-40pct.mp4": "incomplete or damaged MP4/MOV",
    "truncated-faststart.mp4": "is truncated or damaged",
    "random-bytes.mp4": "is not a video ffmpeg can read",
    "notes.mp4": "is a text file, not a video",
    "still.mp4": "is an image (PNG), not a video",
    "one-frame.mp4": "holds a single frame (a still image), not a video",
    "voice-memo.m4a": "has no video stream (audio only: aac, stereo)",
}


def _case(media: dict[str, Path], name: str) -> Path:
    if name not in media:
        pytest.skip(f"this ffmpeg build cannot encode {name}")
    return media[name]


# probing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_video_measures_what_a_player_shows(media: dict[str, Path], case: Case) -> None:
    path = _case(media, case.name)
    info = check_video(path)
    assert info.video_codec == case.codec and info.container == case.container
    assert info.display_size == case.display
    assert info.rotation == case.rotation
    assert info.sample_aspect_ratio == case.sar
    assert info.variable_frame_rate is case.vfr
    if case.fps is not None:
        assert info.fps == case.fps
    frame = 1 / float(case.fps or 10)  # the VFR clip ends at 10 fps
    assert info.video_duration_s is not None
    assert abs(info.video_duration_s - case.seconds) <= frame + 1e-6, info.video_duration_s
    assert info.channels == case.channels and info.channel_layout == case.layout
    assert info.pixel_format and info.bit_rate and info.bit_rate > 0
    # the cheap probe agrees on the header facts
    quick = probe(path)
    assert (quick.width, quick.height, quick.rotation) == (info.width, info.height, info.rotation)


@pytest.mark.parametrize("name", sorted(BAD_WORDS))
def test_check_video_refuses_bad_files_in_plain_words(bad: dict[str, Path], name: str) -> None:
    with pytest.raises(InputError) as caught:
        check_video(bad[name])
    message = str(caught.value)
    assert message.startswith(f"{bad[name]}: ") and BAD_WORDS[name] in message
    assert caught.value.exit_code == 2


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere.mp4: no such file"):
        check_video(tmp_path / "nowhere.mp4")


# importing into the store -----------------------------------------------------------------------


def _clip(s: Any, position: int) -> ClipRow:
    prod = repo.production_by_slug(s, SLUG)
    assert prod is not None
    return next(c for c in repo.clips(s, prod.id) if c.position == position)


@pytest.fixture
def home(tmp_path: Path, db_url: str, example_spec: Path) -> Path:
    """A production home holding the example film, on the database under test."""
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    store.close()
    return tmp_path / "home"


def test_every_kind_of_file_imports_as_a_take(
    home: Path, db_url: str, media: dict[str, Path]
) -> None:
    store = Store(home, db_url)
    clip_count = 4
    imported = []
    for i, case in enumerate(c for c in CASES if c.name in media):
        position = i % clip_count + 1
        result = import_take(store, SLUG, position, media[case.name], note=f"from {case.name}")
        assert not result.already and result.status == "succeeded"
        assert result.video.name.endswith(f".{case.container}") and result.video.exists()
        imported.append((case, position, result))
    with store.session() as s:
        for case, position, result in imported:
            take = s.get(TakeRow, result.take_id)
            assert take is not None and take.provider == "external"
            assert take.status == "succeeded" and take.cost == 0 and take.notes.endswith(case.name)
            assert take.model.startswith(f"{case.container} {case.codec}")
            facts = take.meta["probe"]
            assert (facts["display_width"], facts["display_height"]) == case.display
            assert facts["channels"] == case.channels and facts["channel_layout"] == case.layout
            assert facts["variable_frame_rate"] is case.vfr
            if case.fps is not None:
                assert Fraction(facts["fps"]) == case.fps
            assert take.meta["source"]["name"] == case.name
            assert take.video_sha256 and take.last_frame_sha256
            assert store.artifact_path(take.video_sha256).read_bytes() == (
                media[case.name].read_bytes()
            )
            # the last frame is stored as a person sees it: upright, square pixels
            with Image.open(store.artifact_path(take.last_frame_sha256)) as last:
                assert last.size == case.display
            stem = f"{SLUG}/clip-{position:02d}/take-{result.take:03d}__board-v1__prompt-v1"
            assert (home / "library" / f"{stem}__last.png").exists()
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        kinds = [e.kind for e in repo.events(s, prod.id)]
        assert kinds.count("take.imported") == len(imported)
        # nobody chose: each clip's best take by its QC evidence is selected, by nobody
        assert all(c.selected_by in (None, "auto") for c in repo.clips(s, prod.id))
    store.close()


def test_reimporting_the_same_file_adds_nothing_and_select_picks_it(
    home: Path, db_url: str, media: dict[str, Path]
) -> None:
    video = _case(media, "h264-23.976-16x9-stereo.mp4")
    store = Store(home, db_url)
    first = import_take(store, SLUG, 2, video)
    before = snapshot(home, db_url)
    again = import_take(store, SLUG, 2, video)
    # selected as it landed (the clip's best take, nobody chose one)
    assert again.already and again.take == first.take and again.selected
    assert snapshot(home, db_url) == before
    # the same bytes for another clip are a take of that clip (stored once)
    other = import_take(store, SLUG, 3, video)
    assert not other.already and other.take == 1
    picked = import_take(store, SLUG, 2, video, select=True, selected_by="ana")
    assert picked.already and picked.selected
    with store.session() as s:
        clip = _clip(s, 2)
        assert clip.selected_take_id == first.take_id and clip.selected_by == "ana"
        assert len(repo.takes(s, clip.id)) == 1
    store.close()


def test_a_failure_half_way_leaves_the_store_as_it_was(
    home: Path, db_url: str, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects and links are written before the commit: a later failure must take them back."""
    video = _case(media, "prores-23.976-16x9-stereo.mov")
    before = snapshot(home, db_url)
    real_event = repo.event

    def failing_event(s: Any, production_id: int | None, kind: str, *a: Any, **k: Any) -> None:
        if kind == "take.imported":
            raise RuntimeError("disk unplugged")
        real_event(s, production_id, kind, *a, **k)

    monkeypatch.setattr(external.repo, "event", failing_event)
    store = Store(home, db_url)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        import_take(store, SLUG, 1, video, select=True)
    store.close()
    assert snapshot(home, db_url) == before


@pytest.mark.parametrize(
    ("slug", "clip", "says"),
    [("nope", 1, "no production 'nope'"), (SLUG, 9, "has no clip-09 (it has clip-01 to clip-04)")],
)
def test_an_unknown_production_or_clip_writes_nothing(
    home: Path, db_url: str, media: dict[str, Path], slug: str, clip: int, says: str
) -> None:
    video = _case(media, "h264-60-1x1-5.1.mp4")
    before = snapshot(home, db_url)
    store = Store(home, db_url)
    with pytest.raises(InputError, match=re.escape(says)):
        import_take(store, slug, clip, video)
    store.close()
    assert snapshot(home, db_url) == before


# the command ------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(home: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI pointed at ``home`` on the database under test, with a private temp folder."""
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    monkeypatch.setenv("SHORTFILM_HOME", str(home))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def test_the_command_refuses_bad_files_with_exit_2_and_writes_nothing(
    home: Path, db_url: str, bad: dict[str, Path], cli_env: Path
) -> None:
    before = snapshot(home, db_url)
    for name, says in BAD_WORDS.items():
        result = CliRunner().invoke(app, ["take", "import", SLUG, "clip-02", str(bad[name])])
        assert result.exit_code == 2, (name, result.output)
        message = result.output.strip()
        assert len(message.splitlines()) == 1, message
        assert str(bad[name]) in message and says in message, message
        assert snapshot(home, db_url) == before, f"{name} changed the store"
        assert list(cli_env.iterdir()) == [], f"{name} left temp files"


def test_the_command_imports_selects_and_says_already_imported(
    home: Path, db_url: str, media: dict[str, Path], cli_env: Path
) -> None:
    video = _case(media, "vp9-30-16x9-stereo.webm")
    runner = CliRunner()
    args = ["take", "import", SLUG, "2", str(video), "--note", "stock plate", "--select"]
    made = runner.invoke(app, args)
    assert made.exit_code == 0, made.output
    assert f"{SLUG}/clip-02/take-001: imported {video.name}" in made.output
    assert "selected for clip-02" in made.output
    before = snapshot(home, db_url)
    again = runner.invoke(app, ["take", "import", SLUG, "clip-02", str(video)])
    assert again.exit_code == 0, again.output
    assert "already imported as take 1" in again.output
    assert snapshot(home, db_url) == before
    as_json = runner.invoke(app, ["take", "import", SLUG, "clip-02", str(video), "--json"])
    assert '"already_imported": true' in as_json.output
    # the clip names the note command takes are the same
    noted = runner.invoke(app, ["note", SLUG, "clip-02", "1", "grade it warmer"])
    assert noted.exit_code == 0, noted.output
    store = Store(home, db_url)
    with store.session() as s:
        clip = _clip(s, 2)
        (take,) = repo.takes(s, clip.id)
        assert take.notes == "stock plate\ngrade it warmer"
        assert clip.selected_take_id == take.id and clip.selected_by not in (None, "auto")
    store.close()
    assert list(cli_env.iterdir()) == []


def test_the_real_command_line_refuses_a_truncated_mp4(
    home: Path, db_url: str, bad: dict[str, Path]
) -> None:
    """Through ``python -m shortfilm``: one line on stderr, exit 2, no traceback."""
    before = snapshot(home, db_url)
    video = bad["truncated-faststart.mp4"]
    env = os.environ | {"SHORTFILM_DATABASE_URL": db_url, "COLUMNS": "300"}
    proc = subprocess.run(
        [sys.executable, "-m", "shortfilm", "take", "import", SLUG, "3", str(video),
         "--home", str(home)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert str(video) in proc.stderr and "is truncated or damaged" in proc.stderr
    assert snapshot(home, db_url) == before


def test_a_clip_that_is_not_a_clip_name_is_bad_input(tmp_path: Path) -> None:
    video = tmp_path / "any.mp4"
    result = CliRunner().invoke(
        app, ["take", "import", SLUG, "second", str(video), "--home", str(tmp_path / "h")]
    )
    assert result.exit_code == 2 and "'second': not a clip" in result.output
    assert not (tmp_path / "h").exists()
