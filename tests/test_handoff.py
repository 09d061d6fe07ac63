"""Hand-off to editing tools: the Edit exported as OpenTimelineIO, FCP 7 XML and FCPXML, read
back by OTIO's own readers, and an edited ``.otio`` imported as a new Edit version.

Works on a copy of the example generated once per session with the offline animatic provider
(see ``timeline_home.py``), with a few edits made so trims, speed and transition kinds show.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest
from conftest import timeline_database
from timeline_home import SLUG, edit_versions
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.edit.otio_import import timeline_from_otio
from shortfilm.edit.otio_limits import read_otio
from shortfilm.edit.versions import load_edit
from shortfilm.store.repo import Store

pytestmark = pytest.mark.media


def cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    with timeline_database(request, tmp_path_factory.mktemp("ho") / "home") as home:
        _edit_the_cut(home)
        yield home


def _edit_the_cut(home: Path) -> None:
    """A few edits, so trims, speed and transition kinds show in the exports."""
    for args in (
        ("edit", "trim", SLUG, "2", "--in", "0.5", "--out", "11"),
        ("edit", "transition", SLUG, "3", "dip", "--duration", "0.5"),
        ("edit", "transition", SLUG, "4", "whip", "--duration", "0.25", "--direction", "right"),
        ("edit", "speed", SLUG, "4", "1.5"),
        ("edit", "audio", SLUG, "1", "off"),
        ("edit", "move", SLUG, "4", "--to", "3"),
    ):
        code, output = cli(home, *args)
        assert code == 0, output


def stored(home: Path) -> tuple[int, Timeline]:
    store = Store(home)
    edit = load_edit(store, SLUG)
    store.close()
    assert edit is not None
    return edit.version, edit.timeline


@pytest.fixture(scope="module")
def exports(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for fmt, name in (("otio", "cut.otio"), ("fcp7", "cut.xml"), ("fcpxml", "cut.fcpxml")):
        code, output = cli(
            home, "export-timeline", SLUG, "--format", fmt, "--out", str(folder / name)
        )
        assert code == 0, output
        assert f"written as {fmt}" in output
        out[fmt] = folder / name
    return out


def video_clips(timeline: Any) -> list[Any]:
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    return [item for item in video if isinstance(item, otio.schema.Clip)]


def test_otio_export_has_the_clips_in_order_with_their_trims(
    home: Path, exports: dict[str, Path]
) -> None:
    _, tl = stored(home)
    opened = otio.adapters.read_from_file(str(exports["otio"]))
    assert isinstance(opened, otio.schema.Timeline)
    clips = video_clips(opened)
    assert [c.metadata["shortfilm"]["clip"] for c in clips] == [s.clip for s in tl.segments]
    assert [c.name for c in clips] == [f"{s.name} take-{s.take:03d}" for s in tl.segments]
    for clip, seg in zip(clips, tl.segments, strict=True):
        path = Path(otio.url_utils.filepath_from_url(clip.media_reference.target_url))
        assert path.is_absolute() and path.is_file()
        assert "library" in path.parts and path.name.endswith(".mp4")
        available = clip.media_reference.available_range
        assert (available.start_time.value, available.duration.value) == (0, 300)
        assert clip.metadata["shortfilm"]["take_id"] == seg.take_id
        assert clip.metadata["shortfilm"]["media_sha256"] == seg.media_sha256
    # clip-02 is trimmed to 0.5-11 s (12-264) and faded into with 10 frames (5 before its cut)
    two = clips[[s.clip for s in tl.segments].index(2)]
    assert two.source_range.start_time.value == 12 + 5
    assert two.trimmed_range_in_parent() is not None
    video = next(t for t in opened.tracks if t.kind == otio.schema.TrackKind.Video)
    kinds = [
        item.metadata["shortfilm"]["kind"]
        for item in video
        if isinstance(item, otio.schema.Transition)
    ]
    assert kinds == [t.kind.value for t in tl.transitions]
    assert video.duration().value == tl.total_frames  # OTIO's layout is the film's
    assert any(isinstance(e, otio.schema.LinearTimeWarp) for e in clips[2].effects)
    names = [m.name for m in opened.tracks.markers]
    assert "title card: WASTELAND VILLA" in names
    assert any(n.startswith("caption: ") for n in names)
    audio = [t.name for t in opened.tracks if t.kind == otio.schema.TrackKind.Audio]
    assert audio[-1] == "Music" and audio[0].startswith("SFX")


@pytest.mark.parametrize(("fmt", "adapter"), [("fcp7", "fcp_xml"), ("fcpxml", "fcpx_xml")])
def test_fcp_exports_read_back_with_the_same_clips(
    home: Path, exports: dict[str, Path], fmt: str, adapter: str
) -> None:
    reference = video_clips(otio.adapters.read_from_file(str(exports["otio"])))
    back = otio.adapters.read_from_file(str(exports[fmt]), adapter_name=adapter)
    if isinstance(back, otio.schema.SerializableCollection):
        back = next(x for x in back if isinstance(x, otio.schema.Timeline))
    clips = video_clips(back)
    assert [c.name for c in clips] == [c.name for c in reference]
    assert [c.source_range.duration.value for c in clips] == [
        c.source_range.duration.value for c in reference
    ]
    assert [c.source_range.start_time.value for c in clips] == [
        c.source_range.start_time.value for c in reference
    ]


def test_the_exports_carry_the_films_words(home: Path, exports: dict[str, Path]) -> None:
    """Every text of the example reaches each format as text, and the FCPXML frame is the
    takes' own size."""
    from xml.etree import ElementTree

    from shortfilm.edit.otio_text import is_title_clip
    from shortfilm.media.probe import probe

    _, tl = stored(home)
    words = sorted(t.text for t in tl.texts)
    assert words, "the example has texts"
    opened = otio.adapters.read_from_file(str(exports["otio"]))
    clips = [c for t in opened.tracks for c in t if is_title_clip(c)]
    assert sorted(c.media_reference.parameters["text"] for c in clips) == words
    root = ElementTree.parse(exports["fcpxml"]).getroot()
    assert sorted(t.findtext("./text/text-style") or "" for t in root.iter("title")) == words
    take = Path(otio.url_utils.filepath_from_url(video_clips(opened)[0].media_reference.target_url))
    (fmt,) = root.iter("format")
    assert (int(fmt.get("width", 0)), int(fmt.get("height", 0))) == probe(take).display_size
    xmeml = ElementTree.parse(exports["fcp7"]).getroot()
    typed = [
        (p.findtext("value") or "").splitlines()[0]
        for g in xmeml.iter("generatoritem")
        for p in g.iter("parameter")
        if p.findtext("parameterid") == "str"
    ]
    assert sorted(typed) == words


def test_importing_the_otio_gives_back_an_equal_timeline(
    home: Path, exports: dict[str, Path]
) -> None:
    version, tl = stored(home)

    def by_metadata(facts: Any) -> Any:
        from shortfilm.domain.edit_version import TakeIdentity

        seg = next(s for s in tl.segments if s.take_id == facts.metadata["take_id"])
        return TakeIdentity(seg.clip, seg.take, seg.take_id, seg.media_sha256)

    back = timeline_from_otio(read_otio(exports["otio"]), by_metadata, file=exports["otio"])
    assert back == tl
    before = edit_versions(home)
    code, output = cli(home, "import-timeline", SLUG, str(exports["otio"]))
    assert code == 0, output
    assert f"unchanged, still edit v{version}" in output
    assert edit_versions(home) == before


def test_an_otio_edited_elsewhere_comes_back_as_a_new_version(
    home: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    version, tl = stored(home)
    edited = otio.adapters.read_from_file(str(exports["otio"]))
    video = next(t for t in edited.tracks if t.kind == otio.schema.TrackKind.Video)
    # in the NLE: swap the last two clips (and their join becomes a cut), trim the last one,
    # and strip shortfilm's metadata from one clip (another tool may drop it)
    last, cut_before, third = video[-1], video[-2], video[-3]
    assert isinstance(cut_before, otio.schema.Transition)
    for item in (last, cut_before, third):
        video.remove(item)
    last.source_range = otio.opentime.TimeRange(
        last.source_range.start_time, otio.opentime.RationalTime(200, 24)
    )
    del last.metadata["shortfilm"]
    video.append(last)
    video.append(third)
    changed = tmp_path / "edited.otio"
    otio.adapters.write_to_file(edited, str(changed))

    code, output = cli(home, "import-timeline", SLUG, str(changed))
    assert code == 0, output
    assert f"edit v{version + 1} (import edited.otio)" in output
    new_version, new = stored(home)
    assert new_version == version + 1
    order = [s.clip for s in tl.segments]
    assert [s.clip for s in new.segments] == [*order[:-2], order[-1], order[-2]]
    moved = new.segments[-2]
    assert moved.media_sha256 == tl.segments[-1].media_sha256, "found by its file"
    join_before = tl.transitions[-2]  # it now leads into the moved clip
    assert new.transitions[-2] == join_before
    # its picture: the 200 frames cut in the NLE plus the part of the join before the cut
    assert moved.source_out - moved.source_in == 200 + join_before.frames // 2
    assert new.transitions[-1].kind is TransitionKind.CUT


def test_bad_imports_exit_2_naming_the_file_and_store_nothing(
    home: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    before = edit_versions(home)
    text = tmp_path / "notes.otio"
    text.write_text("these are my notes, not a timeline")
    code, output = cli(home, "import-timeline", SLUG, str(text))
    assert code == 2 and "notes.otio: not an OpenTimelineIO file" in output

    stranger = tmp_path / "stranger.mp4"
    stranger.write_bytes(b"\x00" * 64)
    foreign = otio.adapters.read_from_file(str(exports["otio"]))
    clip = video_clips(foreign)[0]
    del clip.metadata["shortfilm"]
    clip.media_reference.target_url = otio.url_utils.url_from_filepath(str(stranger))
    bad = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(foreign, str(bad))
    code, output = cli(home, "import-timeline", SLUG, str(bad))
    assert code == 2, output
    assert "foreign.otio: clip 'clip-01 take-001'" in output
    assert f"not a take of {SLUG}" in output
    code, output = cli(home, "import-timeline", SLUG, str(tmp_path / "missing.otio"))
    assert code == 2 and "missing.otio: file not found" in output
    code, output = cli(home, "export-timeline", SLUG, "--format", "edl", "--out", "x.edl")
    assert code == 2 and "--format must be one of otio, fcp7, fcpxml" in output
    assert edit_versions(home) == before


def test_an_older_version_can_be_exported(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "v1.otio"
    code, output = cli(home, "export-timeline", SLUG, "--out", str(out), "--edit", "1")
    assert code == 0 and "edit v1 (4 clips)" in output
    clips = video_clips(otio.adapters.read_from_file(str(out)))
    assert [c.metadata["shortfilm"]["clip"] for c in clips] == [1, 2, 3, 4]
    code, output = cli(home, "export-timeline", SLUG, "--out", str(out), "--edit", "99")
    assert code == 2 and "has no edit v99" in output


def test_every_part_of_a_timeline_survives_the_otio_round_trip(tmp_path: Path) -> None:

    from shortfilm.domain.edit_version import TakeIdentity
    from shortfilm.domain.production import ChannelLoudness
    from shortfilm.domain.timeline_parts import (
        AudioPlan,
        MusicBed,
        Segment,
        SoundCue,
        TextItem,
        TextKind,
        Transition,
    )
    from shortfilm.edit.otio_export import timeline_to_otio, write_otio
    from shortfilm.edit.otio_mapping import TakeMedia

    segments = (
        Segment(2, 1, 12, "b" * 64, 13, 251, speed=1.5, audio=False, gain_db=-3.0),
        Segment(1, 2, 11, "a" * 64, 0, 300, speed=0.75),
        Segment(3, 1, 13, "c" * 64, 24, 200),
    )
    tl = Timeline(
        rate=Fraction(24000, 1001),
        segments=segments,
        transitions=(
            Transition(TransitionKind.DIP, 13),
            Transition(TransitionKind.WHIP, 7, "up"),
            Transition(TransitionKind.CUT, 0),
        ),
        texts=(
            TextItem(TextKind.TITLE_CARD, "Title", 0, 60, "sub"),
            TextItem(TextKind.HOOK, "Look", 0, 50),
            TextItem(TextKind.CAPTION, "one", 100, 150),
            TextItem(TextKind.LOWER_THIRD, "Kestrel", 160, 220),
            TextItem(TextKind.END_CARD, "@us", 500, 560),
        ),
        audio=AudioPlan(
            sfx=(
                SoundCue("ambience", 0, -14.0, 400),
                SoundCue("impact", 30, -2.0),
                SoundCue("whoosh", 40, -6.0),
                SoundCue("impact", 300),
            ),
            music=MusicBed("bed.wav", -20.0, 24, None, 6.0),
            loudness=(ChannelLoudness("youtube", -16.0),),
        ),
    )
    media = {s.media_sha256: TakeMedia(tmp_path / f"{s.clip}.mp4", 300) for s in segments}
    music = TakeMedia(tmp_path / "bed.wav", 240)
    path = tmp_path / "rich.otio"
    write_otio(timeline_to_otio(tl, media, name="rich", music_file=music), path, "otio")
    by_id = {s.take_id: TakeIdentity(s.clip, s.take, s.take_id, s.media_sha256) for s in segments}
    back = timeline_from_otio(read_otio(path), lambda f: by_id[f.metadata["take_id"]], file=path)
    assert back == tl
    opened = otio.adapters.read_from_file(str(path))
    assert [t.name for t in opened.tracks] == [
        "Video",
        "Text 1",
        "Text 2",
        "SFX 1",
        "SFX 2",
        "SFX 3",
        "Music",
    ]
    for fmt, adapter in (("fcp7", "fcp_xml"), ("fcpxml", "fcpx_xml")):
        out = tmp_path / f"rich.{fmt}"
        nle = timeline_to_otio(tl, media, name="rich", music_file=music, generators=False)
        write_otio(nle, out, fmt)
        read = otio.adapters.read_from_file(str(out), adapter_name=adapter)
        if isinstance(read, otio.schema.SerializableCollection):
            read = next(x for x in read if isinstance(x, otio.schema.Timeline))
        assert [c.name for c in video_clips(read)] == [c.name for c in video_clips(opened)]
