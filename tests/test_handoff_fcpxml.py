"""FCPXML keeps what OTIO's ``fcpx_xml`` adapter cannot write: transitions where they are, and
23.976 fps as 1001/24000 s frames (the film's exact rate), checked with an XML parser and read
back by OTIO's own FCPXML reader.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(24)])
def test_fcpxml_keeps_transitions_and_the_exact_rate(tmp_path: Path, rate: Fraction) -> None:
    from xml.etree import ElementTree

    from shortfilm.domain.timeline_parts import Segment, TextItem, TextKind, Transition
    from shortfilm.edit.fcpxml import CROSS_DISSOLVE_UID
    from shortfilm.edit.otio_export import timeline_to_otio, write_otio
    from shortfilm.edit.otio_mapping import TakeMedia

    segments = (
        Segment(1, 1, 11, "a" * 64, 0, 100),
        Segment(2, 1, 12, "b" * 64, 10, 110),
        Segment(3, 1, 13, "c" * 64, 0, 100),
    )
    tl = Timeline(
        rate,
        segments,
        (
            Transition(TransitionKind.CROSSFADE, 10),
            Transition(TransitionKind.DIP, 12),
            Transition(TransitionKind.CUT, 0),
        ),
        texts=(TextItem(TextKind.TITLE_CARD, "T", 0, 48),),
    )
    media = {s.media_sha256: TakeMedia(tmp_path / f"{s.clip}.mp4", 150) for s in segments}
    path = tmp_path / "cut.fcpxml"
    write_otio(timeline_to_otio(tl, media, name="cut", generators=False), path, "fcpxml")

    def seconds(frames: int) -> Fraction:
        return Fraction(frames) / rate

    def time(value: str | None) -> Fraction:
        assert value is not None and value.endswith("s")
        return Fraction(value[:-1])

    root = ElementTree.parse(path).getroot()
    assert [time(f.get("frameDuration")) for f in root.iter("format")] == [seconds(1)]
    spine = root.find("./project/sequence/spine")
    assert spine is not None
    laid = [(e.tag, time(e.get("offset")), time(e.get("duration"))) for e in spine]
    # the film: title card 48 frames, clips of 100 (5 | 6 under the joins), 100 (6 | 0), 100
    assert laid == [
        ("gap", 0, seconds(43)),
        ("transition", seconds(38), seconds(10)),
        ("clip", seconds(43), seconds(89)),
        ("transition", seconds(132 - 6), seconds(12)),
        ("clip", seconds(132), seconds(94)),
        ("clip", seconds(226), seconds(100)),
    ]
    if rate != 24:  # written as NLEs write it
        assert {f.get("frameDuration") for f in root.iter("format")} == {"1001/24000s"}
    # each transition is named for its kind and drawn by its own effect: the crossfade by the
    # Cross Dissolve, the dip by Fade To Color
    effects = {e.get("id"): (e.get("name"), e.get("uid")) for e in root.iter("effect")}
    drawn = [
        (t.get("name"), effects[f.get("ref")][0])
        for t in spine.iter("transition")
        for f in t.iter("filter-video")
    ]
    assert drawn == [("Cross Dissolve", "Cross Dissolve"), ("Dip to Black", "Fade To Color")]
    assert ("Cross Dissolve", CROSS_DISSOLVE_UID) in effects.values()
    # OTIO's own FCPXML reader accepts it and finds the clips, in order, with their lengths (it
    # counts frames at whole rates only, so 23.976 comes back within a frame, at 23)
    read = otio.adapters.read_from_file(str(path), adapter_name="fcpx_xml")
    if isinstance(read, otio.schema.SerializableCollection):
        read = next(x for x in read if isinstance(x, otio.schema.Timeline))
    clips = list(read.find_clips())
    assert [c.name for c in clips] == [f"clip-0{i} take-001" for i in (1, 2, 3)]
    for clip, frames in zip(clips, (89, 94, 100), strict=True):
        got = clip.source_range.duration.to_seconds()
        assert abs(got - frames / float(rate)) < 1 / 23, (clip.name, got)
