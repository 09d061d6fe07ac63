"""The edit timeline: exact layout, validation, JSON and its upgrade, the spec's cut, a person's
edits from the CLI, and how those edits survive the next run.

The pure parts need no media. The CLI part works on a copy of the example generated once per
session with the offline animatic provider (see ``timeline_home.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import timeline_database
from timeline_home import SLUG, edit_versions
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.carry import carry_edits
from shortfilm.domain.production import (
    Caption,
    ChannelLoudness,
    ClipEdit,
    EditIntent,
    EndCard,
    Hook,
    Music,
    SoundEffectCue,
    SoundKind,
    TitleCard,
    TransitionKind,
)
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_changes import move, set_transition, trim
from shortfilm.domain.timeline_json import (
    SCHEMA,
    read_timeline,
    timeline_from_json,
    timeline_to_json,
    upgrade_timeline_json,
)
from shortfilm.domain.timeline_parts import (
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)
from shortfilm.domain.timeline_view import RULER_MARKS, timeline_view
from shortfilm.errors import InputError, SpecError
from shortfilm.spec import dump_spec, load_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import EditRow

R = Fraction(24)
XF = Transition(TransitionKind.CROSSFADE, 10)


def seg(clip: int, frames: int = 300, **changes: Any) -> Segment:
    base = Segment(clip, 1, 100 + clip, f"{clip:064x}", 0, frames)
    return replace(base, **changes)


def film(**changes: Any) -> Timeline:
    """Title card (60 frames) + three 300-frame clips, crossfades of 10 frames."""
    parts: dict[str, Any] = {
        "rate": R,
        "segments": (seg(1), seg(2), seg(3)),
        "transitions": (XF, XF, XF),
        "texts": (TextItem(TextKind.TITLE_CARD, "T", 0, 60, "sub"),),
    }
    parts.update(changes)
    return Timeline(**parts)


# -- layout ----------------------------------------------------------------------------------


def test_layout_is_exact_in_frames_with_mixed_joins_trims_and_speed() -> None:
    tl = film(
        segments=(seg(1, source_in=12, source_out=252), seg(2, speed=2.0), seg(3, speed=0.5)),
        transitions=(XF, Transition(TransitionKind.CUT, 0), Transition(TransitionKind.DIP, 12)),
    )
    assert tl.picture_frames == (60, 240, 150, 600)
    assert tl.starts == (0, 50, 290, 428)
    assert tl.total_frames == 60 + 240 + 150 + 600 - 10 - 0 - 12
    assert tl.duration == Fraction(1028, 24)
    assert tl.join_into(1) == 0 and tl.join_into(3) == 2
    assert film(texts=(), transitions=(XF, XF)).join_into(1) is None


@pytest.mark.parametrize(
    ("clips", "step"), [(4, 5), (14, 15), (50, 60)]
)  # the example's 50 s, 3 and 10 minutes
def test_the_rulers_marks_stay_legible_on_a_film_of_any_length(clips: int, step: int) -> None:
    """A 170 s film's ruler marked every 5 s ran its time codes into each other at a phone's
    width, a 10-minute film's at a desktop's."""
    tl = film(segments=tuple(seg(1 + i) for i in range(clips)), transitions=(XF,) * clips)
    ticks = timeline_view(tl).ticks
    seconds = float(tl.duration)
    assert [at for at, _ in ticks] == [float(at) for at in range(0, int(seconds) + 1, step)]
    assert len(ticks) <= RULER_MARKS
    assert all(
        b - a >= 100 / RULER_MARKS - 1 for (_, a), (_, b) in zip(ticks, ticks[1:], strict=False)
    )


def test_texts_and_cues_are_kept_in_a_canonical_order() -> None:
    a = TextItem(TextKind.CAPTION, "a", 100, 120)
    b = TextItem(TextKind.CAPTION, "b", 70, 90)
    title = TextItem(TextKind.TITLE_CARD, "T", 0, 60)
    cues = (SoundCue("impact", 300), SoundCue("whoosh", 100))
    one = film(texts=(a, title, b), audio=AudioPlan(sfx=cues))
    two = film(texts=(b, a, title), audio=AudioPlan(sfx=cues[::-1]))
    assert one == two
    assert content_hash(timeline_to_json(one)) == content_hash(timeline_to_json(two))


# -- validation: one clear sentence per impossible timeline ---------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"segments": ()}, "at least one clip"),
        ({"segments": (seg(1), seg(2, source_in=300), seg(3))}, "clip-02: in .* before out"),
        ({"segments": (seg(1), seg(2, speed=8.0), seg(3))}, "clip-02: speed must be 0.25-4.0"),
        ({"segments": (seg(1), seg(1), seg(3))}, "clip-01 is in the edit twice"),
        ({"transitions": (XF, XF)}, "4 pictures need 3 transitions"),
        (
            {"transitions": (XF, Transition(TransitionKind.CROSSFADE, 400), XF)},
            "crossfade into clip-02 \\(400 frames\\) is longer than clip-01",
        ),
        (
            {
                "transitions": (
                    XF,
                    Transition(TransitionKind.CROSSFADE, 150),
                    Transition(TransitionKind.CROSSFADE, 150),
                )
            },
            "clip-02 is 300 frames .* too short for its transitions",
        ),
        ({"transitions": (XF, Transition(TransitionKind.CUT, 5), XF)}, "a cut has no length"),
        ({"transitions": (XF, Transition(TransitionKind.DIP, 0), XF)}, "dip into clip-02 needs"),
        (
            {"transitions": (XF, Transition(TransitionKind.WHIP, 6, "sideways"), XF)},
            "direction must be one of",
        ),
        (
            {"texts": (TextItem(TextKind.TITLE_CARD, "T", 12, 60),)},
            "the title card opens the film, so it starts at 0",
        ),
        (
            {
                "texts": (
                    TextItem(TextKind.TITLE_CARD, "T", 0, 60),
                    TextItem(TextKind.CAPTION, "late", 2000, 2100),
                )
            },
            "caption 'late' starts at 83.333 s, after the film ends",
        ),
        (
            {
                "texts": (
                    TextItem(TextKind.TITLE_CARD, "T", 0, 60),
                    TextItem(TextKind.CAPTION, "long", 800, 2000),
                )
            },
            "caption 'long' ends at 83.333 s, after the film ends",
        ),
        (
            {
                "texts": (
                    TextItem(TextKind.TITLE_CARD, "T", 0, 60),
                    TextItem(TextKind.CAPTION, "one", 100, 200),
                    TextItem(TextKind.LOWER_THIRD, "two", 150, 250),
                )
            },
            "lower third 'two' .* overlaps caption 'one'",
        ),
        (
            {
                "texts": (
                    TextItem(TextKind.TITLE_CARD, "T", 0, 60),
                    TextItem(TextKind.HOOK, "late hook", 100, 150),
                )
            },
            "a hook is on screen within the first 3 s",
        ),
        ({"audio": AudioPlan(sfx=(SoundCue("impact", 5000),))}, "sound impact at .* after the"),
        ({"audio": AudioPlan(sfx=(SoundCue("boing", 5),))}, "unknown kind"),
        ({"audio": AudioPlan(music=MusicBed(duck_db=60))}, "ducking must be 0-40 dB"),
        (
            {"audio": AudioPlan(loudness=(ChannelLoudness("tiktok", -3),))},
            "loudness of tiktok: -3 LUFS is outside",
        ),
    ],
)
def test_impossible_timelines_are_refused_with_a_clear_message(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TimelineError, match=message) as error:
        film(**changes)
    assert isinstance(error.value, InputError)  # bad input: exit 2


# -- JSON --------------------------------------------------------------------------------------


def rich_timeline() -> Timeline:
    return Timeline(
        rate=Fraction(24000, 1001),
        segments=(
            seg(2, source_in=12, source_out=260, speed=1.5, audio=False, gain_db=-3.0),
            seg(1),
            seg(3),
        ),
        transitions=(
            Transition(TransitionKind.DIP, 12),
            Transition(TransitionKind.WHIP, 6, "right"),
            Transition(TransitionKind.CUT, 0),
        ),
        texts=(
            TextItem(TextKind.TITLE_CARD, "Title", 0, 60, "the sub"),
            TextItem(TextKind.HOOK, "Watch this", 0, 72),
            TextItem(TextKind.CAPTION, "line", 100, 160),
            TextItem(TextKind.LOWER_THIRD, "Kestrel", 200, 260),
            TextItem(TextKind.END_CARD, "@us", 600, 672),
        ),
        audio=AudioPlan(
            sfx=(SoundCue("impact", 300, -2.0), SoundCue("ambience", 0, -14.0, 500)),
            music=MusicBed("bed.wav", -20.0, 24, 48, 6.0),
            loudness=(ChannelLoudness("youtube", -16.0),),
        ),
    )


def test_json_round_trip_is_lossless_and_labelled() -> None:
    tl = rich_timeline()
    data = timeline_to_json(tl)
    assert data["schema"] == SCHEMA == "shortfilm.timeline/1"
    assert data["rate"] == "24000/1001"
    again = json.loads(json.dumps(data))
    assert timeline_from_json(again) == tl
    assert upgrade_timeline_json(again, lambda sha: 0) == again


def test_json_errors_name_the_problem() -> None:
    data = timeline_to_json(rich_timeline())
    with pytest.raises(TimelineError, match="schema 'shortfilm.timeline/9'"):
        timeline_from_json(data | {"schema": "shortfilm.timeline/9"})
    del data["segments"][0]["in"]
    with pytest.raises(TimelineError, match="lacks the key 'in'"):
        timeline_from_json(data)
    with pytest.raises(TimelineError, match="unknown timeline shape"):
        upgrade_timeline_json({"schema": "other/1"}, lambda sha: 0)


def legacy_dict(crossfade_s: float = 0.4) -> dict[str, Any]:
    """What ``assemble_edit`` stored before timelines had a schema."""
    return {
        "clips": [
            {"position": i, "take": 1, "take_id": 100 + i, "video_sha256": f"{i:064x}"}
            for i in (1, 2, 3)
        ],
        "crossfade_s": crossfade_s,
        "title_card": {"text": "T", "subtitle": "sub", "duration_s": 2.5},
        "captions": [["hello", 3.5, 7.0], ["past the end", 36.0, 50.0], ["never shown", 60, 61]],
        "sfx": [["ambience", 0.0, -14.0, 51.0], ["impact", 22.8, -2.0, None]],
        "music": {"path": None, "gain_db": -20.0},
    }


def intent_of_legacy() -> EditIntent:
    return EditIntent(
        title_card=TitleCard("T", "sub", 2.5),
        captions=(Caption("hello", 3.5, 7.0), Caption("past the end", 36.0, 50.0)),
        sfx=(
            SoundEffectCue(SoundKind.AMBIENCE, 0.0, -14.0, 51.0),
            SoundEffectCue(SoundKind.IMPACT, 22.8, -2.0),
        ),
        music=Music(None, -20.0),
        crossfade_s=0.4,
    )


def sources() -> list[TakeSource]:
    return [TakeSource(i, 1, 100 + i, f"{i:064x}", 300) for i in (1, 2, 3)]


def test_old_edit_dicts_upgrade_to_the_film_they_made() -> None:
    upgraded = read_timeline(legacy_dict(), lambda sha: 300, R)
    assert upgraded.total_frames == 60 + 3 * 300 - 3 * 10
    assert [t.text for t in upgraded.texts_of(TextKind.CAPTION)] == ["hello", "past the end"]
    assert upgraded.texts_of(TextKind.CAPTION)[1].end == upgraded.total_frames  # cut at the end
    # ... which is exactly the spec's cut of the same intent today
    assert upgraded == default_timeline(intent_of_legacy(), sources(), R)
    cut = read_timeline(legacy_dict(0.0), lambda sha: 300, R)
    assert {t.kind for t in cut.transitions} == {TransitionKind.CUT}


# -- the spec's cut --------------------------------------------------------------------------


def test_the_spec_cut_honours_per_clip_edits_hook_end_card_and_lower_thirds() -> None:
    intent = replace(
        intent_of_legacy(),
        captions=(Caption("hello", 3.5, 7.0),),
        clips=(
            ClipEdit(2, in_s=0.5, out_s=11.0, speed=2.0, audio=False, gain_db=-6.0),
            ClipEdit(3, transition=TransitionKind.DIP, transition_s=0.5),
            ClipEdit(1, transition=TransitionKind.CUT),
        ),
        hook=Hook("Watch", 0.0, 2.0),
        end_card=EndCard("@us", 3.0),
        lower_thirds=(Caption("Kestrel", 8.0, 10.0),),
        music=Music(None, -20.0, fade_in_s=1.0, fade_out_s=2.0, duck_db=9.0),
        loudness=(ChannelLoudness("youtube", -16.0),),
    )
    tl = default_timeline(intent, sources(), R)
    two = tl.segments[1]
    assert (two.source_in, two.source_out, two.speed, two.audio, two.gain_db) == (
        12,
        264,
        2.0,
        False,
        -6.0,
    )
    assert tl.transitions == (
        Transition(TransitionKind.CUT, 0),
        XF,
        Transition(TransitionKind.DIP, 12),
    )
    end = tl.texts_of(TextKind.END_CARD)[0]
    assert (end.start, end.end) == (tl.total_frames - 72, tl.total_frames)
    assert tl.texts_of(TextKind.HOOK)[0].end == 48
    assert tl.audio.music == MusicBed(None, -20.0, 24, 48, 9.0)
    assert tl.audio.lufs_for("YouTube") == -16.0 and tl.audio.lufs_for("tiktok") == -14.0
    with pytest.raises(TimelineError, match="clip-02: out_s 13 s is past the end of take 1"):
        default_timeline(replace(intent, clips=(ClipEdit(2, out_s=13.0),)), sources(), R)


def test_spec_edit_settings_load_and_errors_point_at_the_line(example_spec: Path) -> None:
    data = yaml.safe_load(example_spec.read_text())
    data["edit"]["clips"] = [
        {"clip": 2, "in_s": 0.5, "out_s": 11.0, "transition": "dip", "transition_s": 0.5},
        {"clip": 3, "speed": 1.25, "audio": False, "gain_db": -3},
    ]
    data["edit"]["hook"] = {"text": "Watch the door", "end_s": 2.5}
    data["edit"]["end_card"] = {"text": "@wasteland"}
    data["edit"]["lower_thirds"] = [{"text": "Kestrel", "start_s": 4, "end_s": 6}]
    data["edit"]["music"] |= {"fade_in_s": 1, "duck_db": 6}
    data["edit"]["loudness"] = [{"channel": "youtube", "lufs": -16}]
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    production = load_spec(example_spec)
    assert production.edit.clips[0] == ClipEdit(2, 0.5, 11.0, 1.0, TransitionKind.DIP, 0.5)
    assert production.edit.hook == Hook("Watch the door", 0.0, 2.5)
    dumped = example_spec.with_name("again.yaml")
    dump_spec(production, dumped)
    assert load_spec(dumped) == production

    good = example_spec.read_text()

    def error_for(change: dict[str, Any]) -> str:
        bad = yaml.safe_load(good)
        bad["edit"].update(change)
        example_spec.write_text(yaml.safe_dump(bad, sort_keys=False))
        with pytest.raises(SpecError) as info:
            load_spec(example_spec)
        return str(info.value)

    message = error_for({"clips": [{"clip": 9}]})
    assert re.search(r"production\.yaml:\d+: edit\.clips\[0\]\.clip: there is no clip 9", message)
    message = error_for({"clips": [{"clip": 2, "transition": "spin"}]})
    assert re.search(r"production\.yaml:\d+: edit\.clips\[0\]\.transition: ", message)
    message = error_for({"clips": [{"clip": 2, "transition": "cut", "transition_s": 0.5}]})
    assert "edit.clips[0].transition_s: a cut has no length" in message
    message = error_for({"clips": [{"clip": 2, "in_s": 5, "out_s": 4}]})
    assert "edit.clips[0].out_s: must be after in_s" in message
    message = error_for({"loudness": [{"channel": "vimeo"}]})
    assert "edit.loudness[0].channel: 'vimeo' is not one of this production's channels" in message


# -- a person's edits, carried into the next run ---------------------------------------------


def test_carry_edits_keeps_what_a_person_changed_even_on_a_new_take() -> None:
    base = film()
    mine = TextItem(TextKind.CAPTION, "mine", 100, 150)
    edited = trim(base, 2, 24, 240)
    edited = set_transition(edited, 3, Transition(TransitionKind.DIP, 12))
    edited = trim(edited, 3, 0, 200)
    edited = Timeline(R, edited.segments, edited.transitions, (*edited.texts, mine))
    # the spec changed: a caption added, clip 3 has a new take, crossfade into clip 1 now a cut
    new_take = seg(3, frames=280, take=2, take_id=999, media_sha256="f" * 64)
    spec_caption = TextItem(TextKind.CAPTION, "spec", 400, 450)
    new = film(
        segments=(seg(1), seg(2), new_take),
        transitions=(Transition(TransitionKind.CUT, 0), XF, XF),
        texts=(*base.texts, spec_caption),
    )
    merged = carry_edits(new, edited, base).timeline
    two, three = merged.segments[1], merged.segments[2]
    assert (two.source_in, two.source_out) == (24, 240), "same take: the person's trim stays"
    assert three == replace(new_take, source_out=200), "a new take long enough keeps the trim"
    assert merged.transitions[2] == Transition(TransitionKind.DIP, 12), "... and the dip into it"
    assert merged.transitions[0] == Transition(TransitionKind.CUT, 0), "untouched: spec wins"
    assert {t.text for t in merged.texts_of(TextKind.CAPTION)} == {"mine", "spec"}
    # the same inputs again give the same timeline (so the same Edit version)
    assert carry_edits(new, edited, base).timeline == merged
    # a reorder survives; a clip removed by the person stays out
    moved = move(base, 3, 1)
    assert [s.clip for s in carry_edits(film(), moved, base).timeline.segments] == [3, 1, 2]


# -- the CLI against a real production -------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    with timeline_database(request, tmp_path_factory.mktemp("tl") / "home") as home:
        yield home


def cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.output


@pytest.mark.media
def test_cli_edits_make_new_versions_and_repeats_do_not(home: Path) -> None:
    before = edit_versions(home)
    steps = [
        (("edit", "trim", SLUG, "2", "--in", "0.5", "--out", "11"), "trim clip-02"),
        (("edit", "move", SLUG, "clip-04", "--to", "2"), "move clip-04 to 2"),
        (("edit", "speed", SLUG, "3", "1.5"), "speed clip-03 x1.5"),
        (("edit", "transition", SLUG, "clip-03", "dip", "--duration", "0.5"), "dip 0.5 s"),
        (("edit", "audio", SLUG, "1", "off"), "audio clip-01 off"),
        (("edit", "caption", "add", SLUG, "Mine", "--at", "20", "--until", "22"), "add caption"),
        (
            ("edit", "text", "add", SLUG, "Look", "--kind", "hook", "--at", "0", "--until", "2"),
            "hook",
        ),
        (("edit", "caption", "remove", SLUG, "Mine"), "remove caption"),
        (("edit", "music", SLUG, "--duck", "6"), "music duck 6"),
        (("edit", "loudness", SLUG, "youtube", "--lufs", "-16"), "loudness youtube -16"),
    ]
    for number, (args, what) in enumerate(steps, start=before + 1):
        code, output = cli(home, *args)
        assert code == 0, output
        assert f"{SLUG}: edit v{number} (" in output and what in output, output
    code, output = cli(home, "edit", "trim", SLUG, "clip-02", "--in", "0.5", "--out", "11")
    assert code == 0 and f"unchanged, still edit v{before + len(steps)}" in output
    assert edit_versions(home) == before + len(steps)

    code, output = cli(home, "edit", "show", SLUG, "--json")
    shown = json.loads(output)
    tl = timeline_from_json(shown["timeline"])
    assert [s.clip for s in tl.segments] == [1, 4, 2, 3]
    assert (tl.segments[2].source_in, tl.segments[2].source_out) == (12, 264)
    assert tl.segments[3].speed == 1.5 and not tl.segments[0].audio
    assert tl.transitions[tl.join_into(3) or 0] == Transition(TransitionKind.DIP, 12)
    assert [t.text for t in tl.texts_of(TextKind.HOOK)] == ["Look"]
    assert shown["edited_by"] and shown["version"] == before + len(steps)
    code, output = cli(home, "edit", "show", SLUG)
    assert code == 0 and "clip-04" in output and "dip 0.50 s" in output


@pytest.mark.media
def test_text_that_looks_like_markup_is_printed_as_typed(home: Path) -> None:
    """A caption is a person's text: ``[/b]`` in it is neither Rich markup nor a crash."""
    text = "[/b] Tom & [bold]Jerry[/bold]"
    code, output = cli(home, "edit", "caption", "add", SLUG, text, "--at", "20", "--until", "22")
    assert code == 0, output
    assert text in output
    code, output = cli(home, "edit", "show", SLUG)
    assert code == 0, output
    assert repr(text) in output


@pytest.mark.media
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("edit", "trim", SLUG, "2", "--out", "99"), "clip-02: --out 99 s is past the end"),
        (("edit", "trim", SLUG, "2", "--in", "5", "--out", "4"), "clip-02: in (5.000 s) must"),
        (("edit", "speed", SLUG, "2", "9"), "clip-02: speed must be 0.25-4.0, got 9"),
        (("edit", "transition", SLUG, "clip-9", "dip"), "clip-09 is not in this edit"),
        (("edit", "transition", SLUG, "2", "spin"), "'spin' is not a transition"),
        (("edit", "move", SLUG, "2", "--to", "7"), "--to must be 1-4"),
        (("edit", "trim", SLUG, "second", "--in", "1"), "'second': not a clip"),
        (("edit", "caption", "remove", SLUG, "Nope"), "no caption reads 'Nope'"),
        (("edit", "loudness", SLUG, "vimeo", "--lufs", "-16"), "'vimeo' is not one of"),
        (("edit", "show", "no-such-film"), "no production 'no-such-film'"),
    ],
)
def test_bad_edits_exit_2_with_one_line_and_store_nothing(
    home: Path, args: tuple[str, ...], message: str
) -> None:
    before = edit_versions(home)
    code, output = cli(home, *args)
    assert code == 2, output
    assert message in " ".join(output.split()), output
    assert edit_versions(home) == before


@pytest.mark.media
def test_a_run_keeps_a_persons_edits_across_a_new_take(timeline_home: Path, tmp_path: Path) -> None:
    from shortfilm.edit.versions import load_edit, record_edit
    from shortfilm.media.ffmpeg import run_ffmpeg
    from shortfilm.production.importing import import_spec
    from shortfilm.takes.external import import_take

    home = timeline_home
    assert cli(home, "edit", "trim", SLUG, "2", "--in", "1", "--out", "10")[0] == 0
    assert cli(home, "edit", "trim", SLUG, "3", "--in", "1", "--out", "10")[0] == 0
    store = Store(home)
    edited = load_edit(store, SLUG)
    assert edited is not None
    # an unchanged run keeps the person's version as it is
    assert record_edit(store, SLUG).version == edited.version
    # clip 3 gets a new take, and the spec gains a caption
    video = tmp_path / "new-take.mp4"
    source = "testsrc2=size=320x180:rate=24:duration=12"
    run_ffmpeg(["-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", video], what="take", file=video)
    import_take(store, SLUG, 3, video, select=True)
    spec = home / "spec" / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    data["edit"]["captions"].append({"text": "Added later", "start_s": 24, "end_s": 26})
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    import_spec(store, spec)
    after = record_edit(store, SLUG)
    assert after.version == edited.version + 1
    two, three = after.timeline.segments[1], after.timeline.segments[2]
    assert (two.source_in, two.source_out) == (24, 240), "same take: the trim is kept"
    assert (three.source_in, three.source_out, three.take) == (24, 240, 2), "trim fits: kept"
    assert "Added later" in {t.text for t in after.timeline.texts}
    assert after.edited_by == edited.edited_by
    store.close()


@pytest.mark.media
def test_old_edit_rows_still_read_and_are_not_repeated(timeline_home: Path) -> None:
    from shortfilm.edit.versions import load_edit, record_edit, spec_timeline

    home = timeline_home
    store = Store(home)
    cut = spec_timeline(store, SLUG)
    e = load_spec(home / "spec" / "production.yaml").edit
    assert e.title_card is not None and e.music is not None
    old = {
        "clips": [
            {
                "position": s.clip,
                "take": s.take,
                "take_id": s.take_id,
                "video_sha256": s.media_sha256,
            }
            for s in cut.segments
        ],
        "crossfade_s": e.crossfade_s,
        "title_card": {
            "text": e.title_card.text,
            "subtitle": e.title_card.subtitle,
            "duration_s": 2.5,
        },
        "captions": [[c.text, c.start_s, c.end_s] for c in e.captions],
        "sfx": [[str(c.kind), c.at_s, c.gain_db, c.duration_s] for c in e.sfx],
        "music": {"path": None, "gain_db": e.music.gain_db},
    }
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        version = repo.next_version(s, EditRow, EditRow.production_id, prod.id)
        row = EditRow(
            production_id=prod.id, version=version, timeline=old, content_hash=content_hash(old)
        )
        s.add(row)
    stored = load_edit(store, SLUG)
    assert stored is not None and stored.version == version
    assert stored.timeline == cut
    assert record_edit(store, SLUG).version == version, "same film: no new version"
    store.close()


@pytest.mark.media
def test_edit_versions_on_each_database(db_url: str, example_spec: Path, tmp_path: Path) -> None:
    from shortfilm.edit.changes import trim_clip
    from shortfilm.edit.versions import record_edit
    from shortfilm.media.ffmpeg import run_ffmpeg
    from shortfilm.production.importing import import_spec
    from shortfilm.takes.external import import_take

    data = yaml.safe_load(example_spec.read_text())
    data["edit"] = {"title_card": {"text": "T", "duration_s": 1}, "crossfade_s": 0.25}
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    store = Store(tmp_path / "home", db_url)
    try:
        import_spec(store, example_spec)
        for clip in (1, 2, 3, 4):
            video = tmp_path / f"take{clip}.mp4"
            source = f"testsrc2=size=160x90:rate=24:duration={clip}"
            run_ffmpeg(["-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", video], what="t")
            import_take(store, SLUG, clip, video, select=True)
        first = record_edit(store, SLUG)
        assert first.version == 1 and first.edited_by is None
        assert first.timeline.picture_frames == (24, 24, 48, 72, 96)
        assert record_edit(store, SLUG).version == 1
        change = trim_clip(store, SLUG, 4, 1.0, None)
        assert (change.version, change.created) == (2, True)
        again = trim_clip(store, SLUG, 4, 1.0, None)
        assert (again.version, again.created) == (2, False)
        kept = record_edit(store, SLUG)
        assert kept.version == 2 and kept.timeline.segments[3].source_in == 24
    finally:
        store.close()


@pytest.mark.media
def test_an_edit_saved_at_the_same_moment_as_another_is_a_conflict(
    timeline_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people's edit commands both numbered their version the same: the second is told the
    edit changed (exit 1, a 409 on the web), nothing half-saved."""
    from shortfilm.store import edits as timeline_edit

    private = timeline_home
    before = edit_versions(private)
    real = timeline_edit.repo.next_version
    monkeypatch.setattr(timeline_edit.repo, "next_version", lambda *args: real(*args) - 1)
    code, output = cli(private, "edit", "speed", SLUG, "3", "1.5")
    monkeypatch.undo()
    assert code == 1 and "got a new version while this one was being saved" in output, output
    assert edit_versions(private) == before
    code, output = cli(private, "edit", "speed", SLUG, "3", "1.5")
    assert code == 0 and f"edit v{before + 1}" in output, output
