"""Every render is checked, captioned and given a cover: the channel presets, text kept out of the
platforms' buttons, SRT / WebVTT sidecars, the cover, and verification that keeps a bad render
but marks it failed.

The example is rendered at quarter size (the presets' own frames divided by four, same safe areas,
limits and loudness), which keeps the module near a minute; the safe-area pixel test uses the
real 1080x1920 frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from approvals import approve_takes
from conftest import timeline_database
from timeline_home import SLUG

from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import CUT, Segment, TextItem, TextKind
from shortfilm.edit.assemble import assemble_edit
from shortfilm.edit.results import EditResult, RenderCheckError
from shortfilm.edit.versions import load_edit
from shortfilm.errors import InputError
from shortfilm.media import verify as verify_module
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import RenderPlan
from shortfilm.media.overlays import grab_frame
from shortfilm.media.presets import (
    CHANNELS,
    HORIZONTAL,
    SQUARE,
    VERTICAL,
    Preset,
    preset_for_channel,
)
from shortfilm.media.render import render
from shortfilm.media.subtitles import frames_to_ms, srt, webvtt
from shortfilm.media.verify import verify
from shortfilm.production.importing import import_spec
from shortfilm.store.repo import Store
from shortfilm.store.tables import RenderRow
from shortfilm.takes.external import import_take

pytestmark = pytest.mark.media


def quarter(preset: Preset) -> Preset:
    return replace(preset, width=preset.width // 4, height=preset.height // 4)


SMALL = {p.name: quarter(p) for p in (VERTICAL, HORIZONTAL, SQUARE)}


@pytest.fixture
def small_presets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every channel renders at a quarter of its preset's size."""
    for channel, preset in list(CHANNELS.items()):
        monkeypatch.setitem(CHANNELS, channel, SMALL[preset.name])


def set_channels(store: Store, home: Path, channels: list[str]) -> None:
    spec = home / "spec" / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    data["channels"] = channels
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    import_spec(store, spec)


def rows(store: Store) -> dict[str, RenderRow]:
    with store.session() as s:
        found = s.query(RenderRow).all()
        s.expunge_all()
    return {r.preset: r for r in found}


# -- presets --------------------------------------------------------------------------------


def test_presets_name_their_channels_limits_and_safe_areas() -> None:
    assert preset_for_channel("feed") is SQUARE and SQUARE.size == (1080, 1080)
    assert preset_for_channel("shorts") is VERTICAL and preset_for_channel("youtube") is HORIZONTAL
    assert (VERTICAL.max_duration_s, HORIZONTAL.max_duration_s, SQUARE.max_duration_s) == (
        180.0,
        900.0,
        60.0,
    )
    assert VERTICAL.safe.box(1080, 1920) == (65, 269, 918, 1440)
    assert {p.loudness_lufs for p in (VERTICAL, HORIZONTAL, SQUARE)} == {-14.0}
    with pytest.raises(InputError, match=r"preset square: the film is 61.00 s .* at most 60 s"):
        SQUARE.check_duration(61.0)
    SQUARE.check_duration(60.0)


def test_a_timeline_longer_than_its_preset_allows_is_refused(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24:duration=2", "-pix_fmt", "yuv420p",
         clip],
        what="clip", file=clip,
    )  # fmt: skip
    tl = Timeline(Fraction(24), (Segment(1, 1, 0, "", 0, 48),), ())
    short = replace(SMALL["square"], max_duration_s=1.5)
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError, match="preset square: the film is 2.00 s"):
        render(RenderPlan(tl, [clip]), short, out, tmp_path / "work")
    assert not out.exists()


def test_caption_pixels_stay_inside_the_vertical_safe_area(tmp_path: Path) -> None:
    """On black footage only the text is bright: every bright pixel of the rendered frame lies in
    the safe area, none in the bands the platform's buttons cover."""
    clip = tmp_path / "black.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=black:size=540x960:rate=24:duration=1",
         "-f", "lavfi", "-i", "sine=sample_rate=48000:duration=1",
         "-pix_fmt", "yuv420p", "-c:a", "aac", clip],
        what="clip", file=clip,
    )  # fmt: skip
    long = "A caption long enough to wrap over several lines on a phone held upright " * 2
    texts = (
        TextItem(TextKind.CAPTION, long, 0, 24),
        TextItem(TextKind.HOOK, "WAIT FOR THE LAST HOUSE ON THE COAST", 0, 24),
    )
    tl = Timeline(Fraction(24), (Segment(1, 1, 0, "", 0, 24),), (), texts)
    out = tmp_path / "v.mp4"
    render(RenderPlan(tl, [clip]), VERTICAL, out, tmp_path / "work")
    luma = np.asarray(grab_frame(out, 0.5).convert("L"), dtype=np.int16)
    assert luma.shape == (1920, 1080)
    bright = luma > 60
    left, top, right, bottom = VERTICAL.safe.box(1080, 1920)
    assert bright[top:bottom, left:right].sum() > 2000, "the texts were drawn"
    outside = bright.copy()
    outside[top:bottom, left:right] = False
    assert outside.sum() == 0, np.argwhere(outside)[:5]
    # the caption sits in the bottom part of the safe area, the hook in the top part
    ys = np.nonzero(bright.any(axis=1))[0]
    assert ys.min() >= top and ys.max() < bottom


# -- sidecars (no rendering) ----------------------------------------------------------------

SRT_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$")
VTT_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def parse(text: str, timing: re.Pattern[str]) -> list[tuple[int, int, int, str]]:
    """(index, start ms, end ms, text) of each cue; asserts the block structure."""
    cues = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        assert lines[0].isdigit(), block
        match = timing.match(lines[1])
        assert match, lines[1]
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups())
        start = ((h1 * 60 + m1) * 60 + s1) * 1000 + ms1
        end = ((h2 * 60 + m2) * 60 + s2) * 1000 + ms2
        assert 0 <= start < end and lines[2:], block
        cues.append((int(lines[0]), start, end, "\n".join(lines[2:])))
    assert [c[0] for c in cues] == list(range(1, len(cues) + 1))
    return cues


def test_sidecar_times_are_the_timeline_frames_in_milliseconds() -> None:
    rate = Fraction(24000, 1001)
    texts = (
        TextItem(TextKind.TITLE_CARD, "Title", 0, 60),
        TextItem(TextKind.HOOK, "Wait — for it", 10, 70),
        TextItem(TextKind.CAPTION, "Ça commence\n\nici", 84, 168),
        TextItem(TextKind.CAPTION, "Last", 86_000, 86_400),
        TextItem(TextKind.LOWER_THIRD, "Ines", 200, 240),
    )
    tl = Timeline(rate, (Segment(1, 1, 0, "", 0, 90_000),), (CUT,), texts)
    expected = [
        (1, frames_to_ms(10, rate), frames_to_ms(70, rate), "Wait — for it"),
        (2, 3504, 7007, "Ça commence\nici"),
        (3, frames_to_ms(86_000, rate), frames_to_ms(86_400, rate), "Last"),
    ]
    assert parse(srt(tl), SRT_TIME) == expected
    vtt = webvtt(tl)
    assert vtt.startswith("WEBVTT\n\n")
    assert parse(vtt.removeprefix("WEBVTT\n"), VTT_TIME) == expected
    assert "00:59:46,917 --> 01:00:03,600" in srt(tl)  # past the hour
    assert frames_to_ms(1, Fraction(24)) == 42 and frames_to_ms(3, Fraction(24)) == 125


def decoded_vtt(path: Path) -> list[str]:
    """Cue texts as ffmpeg's WebVTT decoder reads them (markup becomes ASS override codes such as
    ``{\\b1}``; character references become the characters)."""
    out = path.with_suffix(".ass")
    run_ffmpeg(["-v", "error", "-i", path, out], what="read WebVTT", file=path)
    dialogue = [
        line for line in out.read_text("utf-8").splitlines() if line.startswith("Dialogue:")
    ]
    return [line.split(",", 9)[9].replace("\\N", "\n") for line in dialogue]


def test_webvtt_cue_text_is_escaped_so_it_reads_as_written(tmp_path: Path) -> None:
    texts = (
        TextItem(TextKind.HOOK, "Tom & Jerry <b>", 0, 24),
        TextItem(TextKind.CAPTION, "a<i>b</i> &amp; c --> d", 48, 96),
    )
    tl = Timeline(Fraction(24), (Segment(1, 1, 0, "", 0, 240),), (), texts)
    vtt = webvtt(tl)
    assert "\nTom &amp; Jerry &lt;b&gt;\n" in vtt
    assert "\na&lt;i&gt;b&lt;/i&gt; &amp;amp; c --&gt; d\n" in vtt
    path = tmp_path / "captions.vtt"
    path.write_text(vtt, encoding="utf-8")
    assert decoded_vtt(path) == ["Tom & Jerry <b>", "a<i>b</i> &amp; c --> d"]
    # SubRip has no escapes: the text is written as it is (only "-->" is kept off the cue line)
    assert "\nTom & Jerry <b>\n" in srt(tl)


# -- the example, every preset ----------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    with timeline_database(request, tmp_path_factory.mktemp("rc") / "home") as home:
        yield home


@pytest.fixture(scope="module")
def example(home: Path) -> tuple[EditResult, dict[str, RenderRow]]:
    with pytest.MonkeyPatch.context() as mp:
        for channel, preset in list(CHANNELS.items()):
            mp.setitem(CHANNELS, channel, SMALL[preset.name])
        store = Store(home)
        try:
            set_channels(store, home, ["tiktok", "youtube", "feed"])
            approve_takes(store, SLUG)
            result = assemble_edit(store, SLUG)
            return result, rows(store)
        finally:
            store.close()


def test_the_example_passes_verification_for_every_preset(
    example: tuple[EditResult, dict[str, RenderRow]],
) -> None:
    result, found = example
    assert [r.preset for r in result.renders] == ["vertical", "horizontal", "square"]
    for outcome in result.renders:
        row = found[outcome.preset]
        assert outcome.status == row.status == "passed", row.checks
        assert row.checks["reasons"] == []
        measured = row.checks["measured"]
        small = SMALL[outcome.preset]
        assert measured["size"] == f"{small.width}x{small.height}"
        assert abs(measured["integrated_lufs"] + 14) <= 1 and measured["true_peak_dbtp"] <= -1
        assert abs(measured["video_s"] - measured["timeline_s"]) <= 1 / 24
        assert (measured["video_codec"], measured["audio_codec"]) == ("h264", "aac")
        assert (measured["channels"], measured["sample_rate"]) == (2, 48_000)
        assert outcome.path.exists()


def test_every_render_has_parsable_sidecars_and_a_cover(
    home: Path, example: tuple[EditResult, dict[str, RenderRow]]
) -> None:
    result, found = example
    store = Store(home)
    edit = load_edit(store, SLUG)
    store.close()
    assert edit is not None
    tl = edit.timeline
    want = [
        (t.text, frames_to_ms(t.start, tl.rate), frames_to_ms(t.end, tl.rate))
        for t in tl.texts
        if t.kind in (TextKind.CAPTION, TextKind.HOOK)
    ]
    assert len(want) >= 4
    for outcome in result.renders:
        srt_path, vtt_path = outcome.sidecars
        stem = f"{SLUG}__edit-v{result.edit_version}__{outcome.preset}"
        assert (srt_path.name, vtt_path.name) == (f"{stem}.srt", f"{stem}.vtt")
        srt_cues = parse(srt_path.read_bytes().decode("utf-8"), SRT_TIME)
        vtt_text = vtt_path.read_bytes().decode("utf-8")
        assert vtt_text.startswith("WEBVTT\n\n")
        vtt_cues = parse(vtt_text.removeprefix("WEBVTT\n"), VTT_TIME)
        assert [c[:3] for c in srt_cues] == [c[:3] for c in vtt_cues]
        # the published WebVTT is valid: a real WebVTT reader gives back each caption's text
        assert decoded_vtt(vtt_path) == [c[3] for c in srt_cues]
        assert sorted((c[3], c[1], c[2]) for c in srt_cues) == sorted(want)
        assert outcome.cover is not None and outcome.cover.name == f"{stem}__cover.jpg"
        from PIL import Image

        with Image.open(outcome.cover) as cover:
            assert cover.format == "JPEG"
            assert cover.size == SMALL[outcome.preset].size
        row = found[outcome.preset]
        assert row.srt_sha256 and row.vtt_sha256 and row.cover_sha256


# -- mixed footage, and a render that fails -------------------------------------------------

TAKES = [
    # (clip, lavfi video, size, audio input or None, channel layout)
    (1, "testsrc2=size=320x240:rate=30", None, None),
    (2, "testsrc2=size=320x240:rate=24000/1001", "sine=frequency=330:sample_rate=44100", "mono"),
    (3, "testsrc2=size=180x320:rate=25", "sine=frequency=440:sample_rate=48000", "5.1"),
    (4, "testsrc2=size=320x180:rate=30000/1001", "sine=frequency=550:sample_rate=48000", "mono"),
]


@pytest.mark.usefixtures("small_presets")
def test_mixed_footage_renders_and_passes_then_a_failing_render_is_kept(
    timeline_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = timeline_home
    store = Store(home)
    try:
        for clip, video, audio, layout in TAKES:
            path = tmp_path / f"take-{clip}.mp4"
            args = ["-f", "lavfi", "-i", f"{video}:duration=12.5"]
            if audio is not None:
                args += ["-f", "lavfi", "-i", f"{audio}:duration=12.5", "-af",
                         f"aformat=channel_layouts={layout}", "-c:a", "aac"]  # fmt: skip
            args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path]
            run_ffmpeg(args, what="take", file=path)
            import_take(store, SLUG, clip, path, select=True, selected_by="t")
        set_channels(store, home, ["feed"])
        approve_takes(store, SLUG)
        passed = assemble_edit(store, SLUG)
        assert [(r.preset, r.status) for r in passed.renders] == [("square", "passed")]
        square = rows(store)["square"]
        assert square.status == "passed", square.checks

        # the vertical render cannot meet an impossible peak ceiling: kept, marked failed
        monkeypatch.setattr(verify_module, "MAX_TRUE_PEAK_DBTP", -60.0)
        set_channels(store, home, ["feed", "tiktok"])
        with pytest.raises(
            RenderCheckError, match=r"vertical: true peak .* above -60 dBTP"
        ) as failure:
            assemble_edit(store, SLUG)
        assert failure.value.exit_code == 1, "the command exits non-zero"
        statuses = [(r.preset, r.status, r.reused) for r in failure.value.result.renders]
        assert statuses == [("square", "passed", True), ("vertical", "failed", False)]
        found = rows(store)
        assert found["square"].id == square.id, "the passed render is reused"
        failed = found["vertical"]
        assert failed.status == "failed"
        assert any("true peak" in reason for reason in failed.checks["reasons"])
        assert store.artifact_path(failed.sha256).exists(), "the failed render is kept"
    finally:
        store.close()


def test_audio_cut_short_fails_verification(tmp_path: Path) -> None:
    clip = tmp_path / "short-audio.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=270x270:rate=24:duration=3",
         "-f", "lavfi", "-i", "sine=sample_rate=48000:duration=1.5",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", clip],
        what="clip", file=clip,
    )  # fmt: skip
    checked = verify(clip, SMALL["square"], duration=Fraction(3), fps=Fraction(24), lufs=-14.0)
    assert checked.status == "failed"
    assert any(r.startswith("audio lasts 1.5") for r in checked.reasons), checked.reasons
    assert checked.measured["video_frames"] == 72
