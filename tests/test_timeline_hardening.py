"""``import-timeline`` and ``export-timeline`` with hostile files: every refusal is one line naming
the file and the field, exit 2, nothing stored; no file can crash the process or smuggle an absurd
edit in.

The value checks work on a timeline written by shortfilm and then hand-edited as JSON (what an
attacker or a careless script does); the checks that need stored takes use the example home.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import timeline_database
from timeline_home import SLUG, edit_versions
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.edit_version import TakeIdentity
from shortfilm.domain.production import TransitionKind
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
from shortfilm.edit import otio_limits as handoff
from shortfilm.edit.otio_export import timeline_to_otio, write_otio
from shortfilm.edit.otio_import import timeline_from_otio
from shortfilm.edit.otio_limits import MAX_OTIO_DEPTH, json_shape, read_otio
from shortfilm.edit.otio_mapping import TakeMedia
from shortfilm.errors import InputError

SEGMENTS = (
    Segment(1, 1, 11, "a" * 64, 0, 100, speed=1.5),
    Segment(2, 1, 12, "b" * 64, 10, 110),
)
TIMELINE = Timeline(
    rate=Fraction(24),
    segments=SEGMENTS,
    transitions=(Transition(TransitionKind.CUT, 0), Transition(TransitionKind.CROSSFADE, 8)),
    texts=(
        TextItem(TextKind.TITLE_CARD, "Title", 0, 24),
        TextItem(TextKind.CAPTION, "one", 30, 60),
    ),
    audio=AudioPlan(sfx=(SoundCue("impact", 40, -3.0),), music=MusicBed("bed.wav", -20.0)),
)
BY_ID = {s.take_id: TakeIdentity(s.clip, s.take, s.take_id, s.media_sha256) for s in SEGMENTS}


def by_metadata(facts: Any) -> TakeIdentity:
    return BY_ID[facts.metadata["take_id"]]


@pytest.fixture
def written(tmp_path: Path) -> dict[str, Any]:
    """The timeline as shortfilm writes it, as a JSON document to edit."""
    media = {s.media_sha256: TakeMedia(tmp_path / f"{s.clip}.mp4", 200) for s in SEGMENTS}
    path = tmp_path / "cut.otio"
    write_otio(timeline_to_otio(TIMELINE, media, name="cut"), path, "otio")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def video(data: dict[str, Any]) -> list[dict[str, Any]]:
    track = next(t for t in data["tracks"]["children"] if t["name"] == "Video")
    return list(track["children"])


def clips(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in video(data) if c["OTIO_SCHEMA"].startswith("Clip")]


def imported(data: dict[str, Any], tmp_path: Path, name: str = "edited.otio") -> Timeline:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return timeline_from_otio(read_otio(path), by_metadata, file=path)


def test_the_unedited_file_reads_back_equal(written: dict[str, Any], tmp_path: Path) -> None:
    assert imported(written, tmp_path) == TIMELINE


def speed_text(data: dict[str, Any]) -> None:
    clips(data)[0]["metadata"]["shortfilm"]["speed"] = "abc"


def huge_rate(data: dict[str, Any]) -> None:
    data["metadata"]["shortfilm"]["rate"] = "1e308"


def text_rate(data: dict[str, Any]) -> None:
    data["metadata"]["shortfilm"]["rate"] = "fast"


def zero_warp(data: dict[str, Any]) -> None:
    clips(data)[0]["effects"][0]["time_scalar"] = 0.0


def huge_duration(data: dict[str, Any]) -> None:
    clips(data)[1]["source_range"]["duration"]["value"] = 1e300


def huge_start(data: dict[str, Any]) -> None:
    clips(data)[1]["source_range"]["start_time"]["value"] = 1e300


def zero_time_rate(data: dict[str, Any]) -> None:
    clips(data)[1]["source_range"]["duration"]["rate"] = 0.0


def unknown_transition(data: dict[str, Any]) -> None:
    tr = next(x for x in video(data) if x["OTIO_SCHEMA"].startswith("Transition"))
    tr["metadata"]["shortfilm"]["kind"] = "explode"


def audio_text(data: dict[str, Any]) -> None:
    clips(data)[1]["metadata"]["shortfilm"]["audio"] = "no"


def huge_gain(data: dict[str, Any]) -> None:
    clips(data)[1]["metadata"]["shortfilm"]["gain_db"] = 1e308


def out_text(data: dict[str, Any]) -> None:
    clips(data)[1]["metadata"]["shortfilm"]["out"] = "end"


def markers_only(data: dict[str, Any]) -> None:
    """The file as written before texts were title clips: its texts are in its markers."""
    tracks = data["tracks"]["children"]
    tracks[:] = [t for t in tracks if not t["name"].startswith("Text ")]
    del data["metadata"]["shortfilm"]["texts"]


def unknown_marker(data: dict[str, Any]) -> None:
    markers_only(data)
    data["tracks"]["markers"][1]["metadata"]["shortfilm"]["kind"] = "banner"


def long_marker(data: dict[str, Any]) -> None:
    markers_only(data)
    data["tracks"]["markers"][1]["metadata"]["shortfilm"]["text"] = "x" * 5000


def title_clip(data: dict[str, Any]) -> dict[str, Any]:
    track = next(t for t in data["tracks"]["children"] if t["name"] == "Text 1")
    return next(c for c in track["children"] if c["OTIO_SCHEMA"].startswith("Clip"))


def unknown_title(data: dict[str, Any]) -> None:
    title_clip(data)["metadata"]["shortfilm"]["kind"] = "banner"


def long_title(data: dict[str, Any]) -> None:
    reference = title_clip(data)["media_references"]["DEFAULT_MEDIA"]
    reference["parameters"]["text"] = "x" * 5000


def loudness_text(data: dict[str, Any]) -> None:
    data["metadata"]["shortfilm"]["loudness"] = [{"channel": "youtube", "lufs": "loud"}]


def music_fade_text(data: dict[str, Any]) -> None:
    music = next(t for t in data["tracks"]["children"] if t["name"] == "Music")
    music["children"][0]["metadata"]["shortfilm"]["fade_in"] = "slow"


def cue_gain_huge(data: dict[str, Any]) -> None:
    sfx = next(t for t in data["tracks"]["children"] if t["name"] == "SFX 1")
    sfx["children"][-1]["metadata"]["shortfilm"]["gain_db"] = -1e308


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (speed_text, "clip 'clip-01 take-001' metadata shortfilm.speed: must be a number"),
        (huge_rate, "metadata shortfilm.rate: must be 1 to 240 frames per second"),
        (text_rate, "metadata shortfilm.rate: is not a frame rate: 'fast'"),
        (zero_warp, "clip 'clip-01 take-001' time warp (time_scalar): must be 0.25 to 4"),
        (huge_duration, "'clip-02 take-001' source range duration: must be 0 to 10800 s"),
        (huge_start, "clip 'clip-02 take-001' source range start: must be -10800 s to 10800 s"),
        (zero_time_rate, "'clip-02 take-001' source range duration: has a rate of 0"),
        (unknown_transition, "metadata kind: 'explode' is not one of"),
        (audio_text, "clip 'clip-02 take-001' metadata shortfilm.audio: must be true or false"),
        (huge_gain, "clip 'clip-02 take-001' metadata shortfilm.gain_db: must be -96 to 24"),
        (out_text, "clip 'clip-02 take-001' metadata shortfilm.out: must be a number"),
        (unknown_marker, "metadata shortfilm.kind: 'banner' is not"),
        (long_marker, "text: is over 1000 characters"),
        (unknown_title, "metadata shortfilm.kind: 'banner' is not"),
        (long_title, "text: is over 1000 characters"),
        (loudness_text, "metadata shortfilm.loudness[0].lufs: must be a number"),
        (music_fade_text, "metadata shortfilm.fade_in: must be a number"),
        (cue_gain_huge, "metadata shortfilm.gain_db: must be -96 to 24"),
    ],
)
def test_a_bad_value_is_refused_naming_the_file_and_the_field(
    written: dict[str, Any], tmp_path: Path, edit: Callable[[dict[str, Any]], None], field: str
) -> None:
    edit(written)
    with pytest.raises(InputError) as caught:
        imported(written, tmp_path, "hostile.otio")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'hostile.otio'}: "), message
    assert field in message, message


def test_the_depth_scan_counts_brackets_outside_strings_only() -> None:
    assert json_shape(b'{"a": [1, {"b": "[[[{{{\\"[["}]}') == (3, 3)
    assert json_shape(b"[" * 50_000) == (50_000, 50_000)
    assert json_shape(b'"' + b"[" * 100 + b'"') == (0, 0)
    assert json_shape(b"[][][]") == (1, 3)
    # an unterminated string runs to the end, as for a parser; the scan stays linear on inputs
    # that make a backtracking string pattern quadratic (an open quote, then escaped quotes)
    assert json_shape(b'[{"a": "[[[') == (2, 2)
    assert json_shape(b'"' + b'\\"' * 2_000_000 + b"[[") == (0, 0)


def test_a_deeply_nested_file_is_refused_before_the_reader_crashes(
    tmp_path: Path, db_env: str
) -> None:
    """OpenTimelineIO's reader recurses per level in C++: 50,000 levels killed the process."""
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    deep = tmp_path / "deep.otio"
    deep.write_text(
        '{"OTIO_SCHEMA": "Timeline.1", "metadata": ' + "[" * 50_000 + "]" * 50_000 + "}"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "shortfilm", "import-timeline", "film", str(deep)]
        + ["--home", str(home)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    message = " ".join(proc.stderr.split())
    assert "deep.otio: nested 50001 levels deep" in message
    assert f"at most {MAX_OTIO_DEPTH}" in message


def test_an_oversized_file_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff, "MAX_OTIO_BYTES", 1024)
    big = tmp_path / "big.otio"
    big.write_text('{"OTIO_SCHEMA": "Timeline.1", "name": "' + "x" * 2000 + '"}')
    with pytest.raises(InputError, match=r"big\.otio: over .* too large for a timeline"):
        read_otio(big)


def test_a_file_of_many_small_objects_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """Within the size cap, tiny objects made OpenTimelineIO's reader use ~30x the file."""
    crowd = tmp_path / "crowd.otio"
    gaps = ",".join(['{"OTIO_SCHEMA": "Gap.1"}'] * (handoff.MAX_OTIO_CONTAINERS + 1))
    crowd.write_text('{"OTIO_SCHEMA": "Track.1", "children": [' + gaps + "]}")
    with pytest.raises(InputError, match=r"crowd\.otio: 50003 JSON objects and arrays"):
        read_otio(crowd)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    with timeline_database(request, tmp_path_factory.mktemp("hard") / "home") as home:
        yield home


def cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.media
def test_a_trim_past_the_end_of_the_take_is_refused(home: Path, tmp_path: Path) -> None:
    exported = tmp_path / "cut.otio"
    code, output = cli(home, "export-timeline", SLUG, "--out", str(exported))
    assert code == 0, output
    data = json.loads(exported.read_text())
    last = clips(data)[-1]
    last["source_range"]["duration"]["value"] = 5000.0  # 208 s of a take a few seconds long
    last["metadata"]["shortfilm"].pop("out")
    hostile = tmp_path / "long.otio"
    hostile.write_text(json.dumps(data))
    before = edit_versions(home)
    code, output = cli(home, "import-timeline", SLUG, str(hostile))
    assert code == 2, output
    assert "long.otio: clip-" in output and "past the end of the take" in output
    assert edit_versions(home) == before


@pytest.mark.media
def test_export_to_a_folder_is_refused_in_one_line(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    code, output = cli(home, "export-timeline", SLUG, "--out", str(folder))
    assert code == 2, output
    assert "exports: is a folder; --out takes the name of the file to write" in output
    assert list(folder.iterdir()) == []


def test_a_file_with_thousands_of_markers_is_refused(
    written: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff, "MAX_OTIO_ITEMS", 5)
    marker = written["tracks"]["markers"][1]
    written["tracks"]["markers"] = [marker] * 6
    with pytest.raises(InputError, match=r"many\.otio: markers: 6 items, more than the 5"):
        imported(written, tmp_path, "many.otio")


@pytest.mark.parametrize(
    "body",
    [
        '{"OTIO_SCHEMA": "Marker.2"}',  # the reader raises KeyError for a missing field
        '{"OTIO_SCHEMA": "Timeline.1", "tracks": "x"}',
        '{"OTIO_SCHEMA": "Timeline.99"}',
        "\xff\xfe not text",
    ],
)
def test_a_malformed_file_is_refused_in_one_line(tmp_path: Path, body: str) -> None:
    bad = tmp_path / "bad.otio"
    bad.write_bytes(body.encode("latin-1"))
    with pytest.raises(InputError, match=r"bad\.otio: not an OpenTimelineIO file"):
        read_otio(bad)
