"""The hand-off keeps the words: every title, caption and lower third reaches the editor as text
it can edit (OTIO title clips, FCPXML Basic Titles, FCP 7 Text generators), at its frames, and a
dip or a whip arrives named as such. Each exported file is opened by its own parser and checked
against the timeline it came from; the ``.otio`` is read back to the same texts.

Works on timelines built here (no store): what is tested is the translation, at 23.976 and 24
fps. The export of a stored example through the CLI is in ``test_handoff.py``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import opentimelineio as otio
import pytest

from shortfilm.domain.edit_version import TakeIdentity
from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import Segment, TextItem, TextKind, Transition
from shortfilm.edit.fcpxml_titles import BASIC_TITLE_UID
from shortfilm.edit.otio_export import timeline_to_otio, write_otio
from shortfilm.edit.otio_import import timeline_from_otio
from shortfilm.edit.otio_limits import read_otio
from shortfilm.edit.otio_mapping import TakeMedia
from shortfilm.edit.otio_text import TEXT_GENERATOR, is_title_clip
from shortfilm.edit.transition_names import TRANSITION_NAMES, kind_named
from shortfilm.errors import InputError

FRAME = (1080, 1920)
SEGMENTS = (
    Segment(1, 1, 11, "a" * 64, 0, 120),
    Segment(2, 1, 12, "b" * 64, 10, 130),
    Segment(3, 1, 13, "c" * 64, 0, 120),
    Segment(4, 1, 14, "d" * 64, 20, 140),
    Segment(5, 1, 15, "e" * 64, 0, 120),
)
TEXTS = (
    TextItem(TextKind.TITLE_CARD, "WASTELAND VILLA", 0, 48, "a film by nobody"),
    TextItem(TextKind.HOOK, "Who lives here?", 0, 40),
    TextItem(TextKind.CAPTION, "The wind never stops.", 60, 110),
    TextItem(TextKind.LOWER_THIRD, "Kestrel, keeper", 130, 190),
    TextItem(TextKind.CAPTION, "Nobody comes back & nobody <leaves>", 200, 260),
    TextItem(TextKind.END_CARD, "@wasteland", 540, 600),
)
JOINS = (
    Transition(TransitionKind.CUT, 0),  # the title card to the first clip
    Transition(TransitionKind.CROSSFADE, 10),
    Transition(TransitionKind.DIP, 12),
    Transition(TransitionKind.WHIP, 6, "right"),
    Transition(TransitionKind.SLIDE, 8, "up"),
)


def _timeline(rate: Fraction) -> Timeline:
    return Timeline(rate, SEGMENTS, JOINS, texts=TEXTS)


def _media(tmp: Path) -> dict[str, TakeMedia]:
    return {s.media_sha256: TakeMedia(tmp / f"{s.clip}.mp4", 200) for s in SEGMENTS}


@pytest.fixture(scope="module", params=[Fraction(24000, 1001), Fraction(24)], ids=["23.976", "24"])
def written(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Timeline, dict[str, Path]]:
    tl = _timeline(request.param)
    folder = tmp_path_factory.mktemp("text")
    media = _media(folder)
    out = {}
    for fmt, name in (("otio", "cut.otio"), ("fcpxml", "cut.fcpxml"), ("fcp7", "cut.xml")):
        nle = timeline_to_otio(tl, media, name="cut", generators=fmt == "otio", frame=FRAME)
        write_otio(nle, folder / name, fmt)
        out[fmt] = folder / name
    return tl, out


def _by_id(facts: Any) -> TakeIdentity:
    seg = next(s for s in SEGMENTS if s.take_id == facts.metadata["take_id"])
    return TakeIdentity(seg.clip, seg.take, seg.take_id, seg.media_sha256)


def _title_clips(timeline: Any) -> list[Any]:
    return [item for track in timeline.tracks for item in track if is_title_clip(item)]


def test_otio_has_every_text_as_a_title_clip_at_its_frames(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    tl, files = written
    opened = otio.adapters.read_from_file(str(files["otio"]))
    videos = [t for t in opened.tracks if t.kind == otio.schema.TrackKind.Video]
    # the picture first, then the text tracks above it: the hook overlaps the card, so two
    assert [t.name for t in videos] == ["Video", "Text 1", "Text 2"]
    clips = _title_clips(opened)
    assert all(c.media_reference.generator_kind == TEXT_GENERATOR for c in clips)
    got = sorted(
        (
            c.metadata["shortfilm"]["kind"],
            c.media_reference.parameters["text"],
            c.range_in_parent().start_time.value,
            c.range_in_parent().end_time_exclusive().value,
        )
        for c in clips
    )
    assert got == sorted((t.kind.value, t.text, t.start, t.end) for t in tl.texts)
    card = next(c for c in clips if c.metadata["shortfilm"]["kind"] == "title_card")
    assert card.media_reference.parameters["subtitle"] == "a film by nobody"
    assert card.name == "title card: WASTELAND VILLA"
    # the look travels with the words: captions centred low, the lower third at the left
    look = {c.metadata["shortfilm"]["kind"]: dict(c.media_reference.parameters) for c in clips}
    assert look["caption"]["align"] == "center" and look["caption"]["position"][1] < -FRAME[1] / 4
    assert look["lower_third"]["align"] == "left" and look["lower_third"]["position"][0] < 0
    assert look["hook"]["position"][1] > FRAME[1] / 4
    assert look["hook"]["size"] > look["caption"]["size"] > look["lower_third"]["size"] > 0
    # the markers still name every text, for tools that show markers and not generators
    assert len(opened.tracks.markers) == len(tl.texts)


def test_otio_transitions_are_named_for_their_kind(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    _, files = written
    video = otio.adapters.read_from_file(str(files["otio"])).tracks[0]
    named = [(t.name, t.transition_type) for t in video if isinstance(t, otio.schema.Transition)]
    assert named == [
        ("Cross Dissolve", otio.schema.TransitionTypes.SMPTE_Dissolve),
        ("Dip to Black", otio.schema.TransitionTypes.Custom),
        ("Whip Pan", otio.schema.TransitionTypes.Custom),
        ("Slide", otio.schema.TransitionTypes.Custom),
    ]


def test_otio_round_trip_keeps_the_texts_and_their_times(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    tl, files = written
    back = timeline_from_otio(read_otio(files["otio"]), _by_id, file=files["otio"])
    assert back.texts == tl.texts
    assert back == tl


def test_a_title_edited_in_the_nle_comes_back_as_edited(
    written: tuple[Timeline, dict[str, Path]], tmp_path: Path
) -> None:
    """The title clip is the text: retype a caption and move it 12 frames later (as an editor
    would, by lengthening the gap before it), and import gives the new words and frames, not
    what the markers still say."""
    tl, files = written
    edited = otio.adapters.read_from_file(str(files["otio"]))
    first_caption = next(
        c for c in _title_clips(edited) if c.media_reference.parameters["text"].startswith("The")
    )
    track = first_caption.parent()
    before = track[track.index(first_caption) - 1]
    assert isinstance(before, otio.schema.Gap)
    rate = before.source_range.duration.rate
    before.source_range = otio.opentime.TimeRange(
        before.source_range.start_time,
        before.source_range.duration + otio.opentime.RationalTime(12, rate),
    )
    first_caption.media_reference.parameters["text"] = "The wind has stopped."
    # and the clip after it on that track moves with it: shorten the next gap to keep it put
    after = track[track.index(first_caption) + 1]
    if isinstance(after, otio.schema.Gap):
        after.source_range = otio.opentime.TimeRange(
            after.source_range.start_time,
            after.source_range.duration - otio.opentime.RationalTime(12, rate),
        )
    path = tmp_path / "edited.otio"
    otio.adapters.write_to_file(edited, str(path))
    back = timeline_from_otio(read_otio(path), _by_id, file=path)
    captions = back.texts_of(TextKind.CAPTION)
    assert (captions[0].text, captions[0].start, captions[0].end) == (
        "The wind has stopped.",
        72,
        122,
    )
    assert [t for t in back.texts if t.text != captions[0].text] == [
        t for t in tl.texts if t.text != "The wind never stops."
    ]


def test_an_otio_without_title_clips_reads_its_texts_from_the_markers(
    written: tuple[Timeline, dict[str, Path]], tmp_path: Path
) -> None:
    """A file written before texts were clips, or by a tool that drops generators."""
    tl, files = written
    bare = otio.adapters.read_from_file(str(files["otio"]))
    for index in reversed(range(len(bare.tracks))):
        if bare.tracks[index].name.startswith("Text "):
            del bare.tracks[index]
    del bare.metadata["shortfilm"]["texts"]  # written before texts were clips
    path = tmp_path / "markers.otio"
    otio.adapters.write_to_file(bare, str(path))
    assert timeline_from_otio(read_otio(path), _by_id, file=path).texts == tl.texts


def test_titles_deleted_in_the_nle_stay_deleted(
    written: tuple[Timeline, dict[str, Path]], tmp_path: Path
) -> None:
    """Delete every title but the card in the editor: the markers it leaves behind do not bring
    them back."""
    tl, files = written
    edited = otio.adapters.read_from_file(str(files["otio"]))
    for clip in _title_clips(edited):
        if clip.metadata["shortfilm"]["kind"] != "title_card":
            track = clip.parent()
            gap = otio.schema.Gap(source_range=clip.source_range)
            track[track.index(clip)] = gap
    path = tmp_path / "deleted.otio"
    otio.adapters.write_to_file(edited, str(path))
    back = timeline_from_otio(read_otio(path), _by_id, file=path)
    assert back.texts == tl.texts_of(TextKind.TITLE_CARD)
    # and with the card's title gone too, its leader is left without a card: said so, rather
    # than the card coming back from its marker
    (card,) = _title_clips(edited)
    card.parent()[card.parent().index(card)] = otio.schema.Gap(source_range=card.source_range)
    otio.adapters.write_to_file(edited, str(path))
    with pytest.raises(InputError, match="deleted.otio: the video track opens with a gap"):
        timeline_from_otio(read_otio(path), _by_id, file=path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.metadata["shortfilm"].__setitem__("kind", "banner"), "'banner' is not"),
        (lambda c: c.media_reference.parameters.__setitem__("text", 42), "text: must be text"),
    ],
    ids=["kind", "text"],
)
def test_a_bad_title_clip_is_refused_naming_the_file_and_field(
    written: tuple[Timeline, dict[str, Path]], tmp_path: Path, change: Any, message: str
) -> None:
    bad = otio.adapters.read_from_file(str(written[1]["otio"]))
    change(next(c for c in _title_clips(bad) if c.metadata["shortfilm"]["kind"] == "caption"))
    path = tmp_path / "bad.otio"
    otio.adapters.write_to_file(bad, str(path))
    with pytest.raises(InputError) as error:
        timeline_from_otio(read_otio(path), _by_id, file=path)
    assert "bad.otio: title clip 'caption: The wind never stops.'" in str(error.value)
    assert message in str(error.value)


def _seconds(value: str | None) -> Fraction:
    assert value is not None and value.endswith("s"), value
    return Fraction(value[:-1])


def test_fcpxml_has_every_text_as_a_basic_title_at_its_time(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    tl, files = written
    root = ElementTree.parse(files["fcpxml"]).getroot()
    assert root.tag == "fcpxml"
    effects = {e.get("id"): e for e in root.iter("effect")}
    assert len({e.get("id") for e in root.find("resources") or []}) == len(
        list(root.find("resources") or [])
    ), "resource ids are unique"
    (fmt,) = root.iter("format")
    assert (fmt.get("width"), fmt.get("height")) == ("1080", "1920")
    spine = root.find("./project/sequence/spine")
    assert spine is not None
    found = []
    style_ids: list[str] = []
    for parent in spine:
        for title in parent.findall("title"):
            effect = effects[title.get("ref")]
            assert (effect.get("name"), effect.get("uid")) == ("Basic Title", BASIC_TITLE_UID)
            assert int(title.get("lane", "0")) >= 1
            # a connected title's offset is in its parent's time: back to film seconds
            at = _seconds(parent.get("offset")) + _seconds(title.get("offset"))
            at -= _seconds(parent.get("start", "0s"))
            length = _seconds(title.get("duration"))
            runs = title.findall("./text/text-style")
            defs = {d.get("id"): d.find("text-style") for d in title.findall("text-style-def")}
            assert [r.get("ref") for r in runs] == list(defs)  # every run has its style here
            style_ids += list(defs)
            words = "".join(r.text or "" for r in runs)
            first = defs[runs[0].get("ref")]
            assert first is not None and first.get("font") and int(first.get("fontSize", 0)) > 0
            found.append((words, at * tl.rate, (at + length) * tl.rate, first.get("alignment")))
    assert len(style_ids) == len(set(style_ids)), "text-style-def ids are unique"
    wanted = [
        (
            t.text + (f"\n{t.subtitle}" if t.subtitle else ""),
            t.start,
            t.end,
            "left" if t.kind is TextKind.LOWER_THIRD else "center",
        )
        for t in tl.texts
    ]
    assert sorted(found) == sorted(wanted)
    # OTIO's own FCPXML reader still opens the file and finds the five picture clips
    read = otio.adapters.read_from_file(str(files["fcpxml"]), adapter_name="fcpx_xml")
    if isinstance(read, otio.schema.SerializableCollection):
        read = next(x for x in read if isinstance(x, otio.schema.Timeline))
    assert [c.name for c in read.find_clips()] == [f"{s.name} take-001" for s in SEGMENTS]


def test_fcpxml_transitions_are_named_and_drawn_by_their_effects(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    _, files = written
    root = ElementTree.parse(files["fcpxml"]).getroot()
    effects = {e.get("id"): (e.get("name"), e.get("uid")) for e in root.iter("effect")}
    drawn = []
    for transition in root.iter("transition"):
        (video,) = transition.findall("filter-video")
        drawn.append((transition.get("name"), *effects[video.get("ref")]))
    assert drawn == [
        (names.otio, names.fcpxml_effect, names.fcpxml_uid)
        for names in (TRANSITION_NAMES[j.kind] for j in JOINS[1:])
    ]
    assert [d[1] for d in drawn] == ["Cross Dissolve", "Fade To Color", "Push", "Slide"]


def test_fcp7_has_every_text_as_a_text_generator(
    written: tuple[Timeline, dict[str, Path]],
) -> None:
    tl, files = written
    root = ElementTree.parse(files["fcp7"]).getroot()
    assert root.tag == "xmeml"
    found = []
    for item in root.iter("generatoritem"):
        effect = item.find("effect")
        assert effect is not None
        assert (effect.findtext("effectid"), effect.findtext("effecttype")) == (
            "Text",
            "generator",
        )
        params = {p.findtext("parameterid"): p for p in effect.iter("parameter")}
        words = params["str"].findtext("value") or ""
        assert int(params["fontsize"].findtext("value") or 0) > 0
        found.append((words, int(item.findtext("start") or -1), int(item.findtext("end") or -1)))
    wanted = [
        (t.text + (f"\n{t.subtitle}" if t.subtitle else ""), t.start, t.end) for t in tl.texts
    ]
    assert sorted(found) == sorted(wanted)
    names = [e.findtext("effect/name") for e in root.iter("transitionitem")]
    assert names == ["Cross Dissolve", "Dip to Color Dissolve", "Push Slide", "Slide"]
    # OTIO's FCP 7 reader gives the titles back as Text generators with their names
    read = otio.adapters.read_from_file(str(files["fcp7"]), adapter_name="fcp_xml")
    if isinstance(read, otio.schema.SerializableCollection):
        read = next(x for x in read if isinstance(x, otio.schema.Timeline))
    titles = [c for c in read.find_clips() if is_title_clip(c)]
    assert sorted(c.name for c in titles) == sorted(
        f"{t.kind.value.replace('_', ' ')}: {t.text}" for t in tl.texts
    )


def test_the_transition_table_reads_back_to_its_kind() -> None:
    for kind, names in TRANSITION_NAMES.items():
        for name in (kind.value, names.otio, names.fcpxml_effect, names.fcp7_effect):
            assert kind_named(name) is kind, name
            assert kind_named(name.upper()) is kind, name
    assert kind_named("Iris Box") is None
    assert set(TRANSITION_NAMES) == set(TransitionKind) - {TransitionKind.CUT}


def test_a_transition_named_by_another_tool_imports_as_its_kind(
    written: tuple[Timeline, dict[str, Path]], tmp_path: Path
) -> None:
    """Resolve keeps a transition's name and drops shortfilm's metadata: the name decides."""
    tl, files = written
    opened = otio.adapters.read_from_file(str(files["otio"]))
    joins = [t for t in opened.tracks[0] if isinstance(t, otio.schema.Transition)]
    for join, name in zip(joins, ("Cross Dissolve", "Fade To Color", "Push", "Slide"), strict=True):
        del join.metadata["shortfilm"]
        join.name = name
    path = tmp_path / "renamed.otio"
    otio.adapters.write_to_file(opened, str(path))
    back = timeline_from_otio(read_otio(path), _by_id, file=path)
    # the direction of a whip or slide is shortfilm's: without its metadata, the default
    assert [t.kind for t in back.transitions] == [t.kind for t in tl.transitions]
