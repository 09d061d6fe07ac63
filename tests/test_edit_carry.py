"""A person's edit decisions survive upstream changes (issue 15 b).

A person cuts the film with ``shortfilm edit`` (sound off on clip 1, clip 2 faster, a whip into
clip 3, a trim and a caption on clip 3); then clip 3 gets a new take. The next run keeps every
decision that still applies, cuts the trim at the end of the shorter new take and says so, and
never drops anything without a word. The pure rule (:func:`carry_edits`) is tested without
media; the scenarios run on a small production of imported test-pattern takes, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.carry import carry_edits
from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_changes import add_text, set_audio, set_speed, set_transition, trim
from shortfilm.domain.timeline_parts import (
    AudioPlan,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    Transition,
)
from shortfilm.media.presets import CHANNELS
from shortfilm.store.repo import Store

R = Fraction(24)
XF = Transition(TransitionKind.CROSSFADE, 6)
WHIP = Transition(TransitionKind.WHIP, 10, "left")
SLUG = "wasteland-villa"


def seg(clip: int, frames: int, take: int = 1) -> Segment:
    return Segment(clip, take, 100 * take + clip, f"{take:032x}{clip:032x}", 0, frames)


def cut(*segments: Segment) -> Timeline:
    """The spec's cut: a 24-frame title card, then the segments, joined by 6-frame crossfades."""
    title = TextItem(TextKind.TITLE_CARD, "T", 0, 24)
    return Timeline(R, segments, (XF,) * len(segments), (title,))


LENGTHS = {seg(c, n).media_sha256: n for c, n in ((1, 48), (2, 72), (3, 144), (4, 48))}


def frames_of(sha: str) -> int:
    return LENGTHS[sha]


def persons_edit(base: Timeline) -> Timeline:
    """The decisions of the scenario, made on ``base`` as ``shortfilm edit`` makes them."""
    tl = set_audio(base, 1, False, -3.0)
    tl = set_speed(tl, 2, 1.5)
    tl = trim(tl, 3, 24, 120)
    tl = set_transition(tl, 3, WHIP)
    return add_text(tl, TextItem(TextKind.CAPTION, "Over three", 108, 144))


def new_take(clip: int, frames: int) -> Segment:
    LENGTHS[seg(clip, frames, take=2).media_sha256] = frames
    return seg(clip, frames, take=2)


# -- the rule, without media ------------------------------------------------------------------


def test_a_new_take_long_enough_keeps_every_decision_about_its_clip() -> None:
    base = cut(seg(1, 48), seg(2, 72), seg(3, 144), seg(4, 48))
    edited = persons_edit(base)
    new = cut(seg(1, 48), seg(2, 72), new_take(3, 130), seg(4, 48))
    carried = carry_edits(new, edited, base, frames_of)
    tl = carried.timeline
    one, two, three = tl.segments[:3]
    assert (one.audio, one.gain_db, two.speed) == (False, -3.0, 1.5)
    assert (three.take, three.source_in, three.source_out) == (2, 24, 120)
    assert tl.transitions[tl.join_into(3) or 0] == WHIP
    assert [(t.text, t.start, t.end) for t in tl.texts_of(TextKind.CAPTION)] == [
        ("Over three", 108, 144)
    ]
    assert carried.clamped == () and carried.dropped == ()
    kept = {str(d) for d in carried.kept}
    assert {
        "audio clip-01 off",
        "gain clip-01 -3 dB",
        "speed clip-02 x1.5",
        "trim clip-03 1.000-5.000 s",
        "whip 0.42 s into clip-03",
        "caption 'Over three' 4.50-6.00 s",
    } <= kept
    assert carried.new_takes == ("clip-03 take 1 -> take 2",)


def test_a_trim_past_the_end_of_a_shorter_new_take_is_clamped_and_named() -> None:
    base = cut(seg(1, 48), seg(2, 72), seg(3, 144), seg(4, 48))
    edited = persons_edit(base)
    new = cut(seg(1, 48), seg(2, 72), new_take(3, 72), seg(4, 48))
    carried = carry_edits(new, edited, base, frames_of)
    three = carried.timeline.segments[2]
    assert (three.take, three.source_in, three.source_out) == (2, 24, 72)
    assert carried.timeline.transitions[2] == WHIP, "the whip still joins into clip 3"
    assert [str(d) for d in carried.clamped] == [
        "trim clip-03 1.000-3.000 s: was 1.000-5.000 s of take 1 (6.000 s); take 2 is 3.000 s"
    ]
    assert carried.clamped[0].clip == 3 and carried.dropped == ()
    assert "clamped trim clip-03 1.000-3.000 s" in carried.summary()
    assert carried.summary().startswith("spec or selections changed (clip-03 take 1 -> take 2)")


def test_what_cannot_carry_over_is_dropped_with_the_reason() -> None:
    base = cut(seg(1, 48), seg(2, 72), seg(3, 144), seg(4, 48))
    edited = trim(persons_edit(base), 3, 100, 140)
    edited = set_transition(edited, 4, Transition(TransitionKind.DIP, 20))
    edited = add_text(edited, TextItem(TextKind.LOWER_THIRD, "Late", 158, 164))
    edited = add_text(edited, TextItem(TextKind.CAPTION, "Tail", 146, 157))
    edited = replace(edited, audio=AudioPlan(sfx=(SoundCue("impact", 160),)))
    # clip 3 now a 2 s take, clip 4 a 16-frame one: the trim starts after the new take ends, a
    # 20-frame dip does not fit the new clip 4, and the film ends before the lower third starts
    new = cut(seg(1, 48), seg(2, 72), new_take(3, 48), new_take(4, 16))
    carried = carry_edits(new, edited, base, frames_of)
    tl = carried.timeline
    assert (tl.segments[2].source_in, tl.segments[2].source_out) == (0, 48), "the spec's cut"
    assert tl.transitions[2] == WHIP and tl.transitions[3] == XF
    assert tl.total_frames == 156 and not tl.texts_of(TextKind.LOWER_THIRD)
    dropped = {d.what: d.reason for d in carried.dropped}
    assert dropped["trim clip-03 4.167-5.833 s"] == (
        "it starts at 4.167 s of take 1 (6.000 s); take 2 is only 2.000 s"
    )
    assert "no longer fits beside the new take" in dropped["dip 0.83 s into clip-04"]
    assert "longer than clip-04" in dropped["dip 0.83 s into clip-04"]
    assert dropped["lower third 'Late' 6.58-6.83 s"] == "the film now ends at 6.500 s"
    assert dropped["sound impact at 6.67 s"] == "the film now ends at 6.500 s"
    assert [str(d) for d in carried.clamped] == [
        "caption 'Tail' 6.08-6.50 s: was caption 'Tail' 6.08-6.54 s; the film now ends at 6.500 s"
    ]
    assert "whip 0.42 s into clip-03" in {d.what for d in carried.kept}
    assert len(carried.dropped) == 4


def test_decisions_about_a_clip_the_spec_no_longer_has_are_reported() -> None:
    base = cut(seg(1, 48), seg(2, 72), seg(3, 144), seg(4, 48))
    edited = persons_edit(base)
    new = cut(seg(1, 48), seg(2, 72), seg(4, 48))
    carried = carry_edits(new, edited, base, frames_of)
    assert [s.clip for s in carried.timeline.segments] == [1, 2, 4]
    assert [str(d) for d in carried.dropped] == [
        "changes to clip-03: clip-03 is no longer in the spec's cut"
    ]


def test_an_unchanged_cut_gives_the_persons_timeline_back() -> None:
    base = cut(seg(1, 48), seg(2, 72), seg(3, 144), seg(4, 48))
    edited = persons_edit(base)
    carried = carry_edits(base, edited, base, frames_of)
    assert carried.timeline == edited
    assert carried.clamped == carried.dropped == carried.new_takes == ()


# -- as a person works: CLI edits, a new take, the next run -----------------------------------


def cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.output


def _video(path: Path, seconds: float) -> Path:
    from shortfilm.media.ffmpeg import run_ffmpeg

    source = f"testsrc2=size=160x90:rate=24:duration={seconds}"
    run_ffmpeg(["-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", path], what="take", file=path)
    return path


def _production(
    db_url: str, example_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Four clips of 2, 3, 6 and 2 s, Edit v1 the spec's cut, then the person's decisions."""
    from shortfilm.edit.versions import record_edit
    from shortfilm.production.importing import import_spec
    from shortfilm.takes.external import import_take

    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    for channel, preset in list(CHANNELS.items()):  # what is carried, not the pixels: small
        monkeypatch.setitem(
            CHANNELS, channel, replace(preset, width=preset.width // 4, height=preset.height // 4)
        )
    data = yaml.safe_load(example_spec.read_text())
    data["channels"] = ["youtube"]
    data["edit"] = {"title_card": {"text": "T", "duration_s": 1}, "crossfade_s": 0.25}
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    home = tmp_path / "home"
    store = Store(home, db_url)
    try:
        import_spec(store, example_spec)
        for clip, seconds in ((1, 2), (2, 3), (3, 6), (4, 2)):
            video = _video(tmp_path / f"take{clip}.mp4", seconds)
            import_take(store, SLUG, clip, video, select=True)
        assert record_edit(store, SLUG).version == 1
    finally:
        store.close()
    cli(home, "edit", "audio", SLUG, "1", "off")
    cli(home, "edit", "speed", SLUG, "2", "1.5")
    cli(home, "edit", "trim", SLUG, "3", "--in", "1", "--out", "5")
    cli(home, "edit", "transition", SLUG, "3", "whip", "--duration", "0.4")
    cli(home, "edit", "caption", "add", SLUG, "Over three", "--at", "4.5", "--until", "6")
    # clip 3 gets a new, shorter take (3 s), which the person picks
    cli(home, "take", "import", SLUG, "3", str(_video(tmp_path / "take3b.mp4", 3)))
    cli(home, "take", "select", SLUG, "3", "2")
    return home


def _assert_kept(tl: Timeline) -> None:
    one, two, three = tl.segments[:3]
    assert tl.transitions[tl.join_into(3) or 0] == WHIP, "the whip into clip 3 is kept"
    assert (one.audio, two.speed) == (False, 1.5)
    assert (three.take, three.source_in, three.source_out) == (2, 24, 72), "trim clamped to 3 s"
    assert [(t.text, t.start, t.end) for t in tl.texts_of(TextKind.CAPTION)] == [
        ("Over three", 108, 144)
    ]


@pytest.mark.media
def test_a_new_take_keeps_the_persons_decisions_on_each_database(
    db_url: str, example_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.edit.versions import load_edit, record_edit

    home = _production(db_url, example_spec, tmp_path, monkeypatch)
    store = Store(home, db_url)
    try:
        before = load_edit(store, SLUG)
        assert before is not None and before.version == 6
        after = record_edit(store, SLUG)
        assert after.version == 7 and after.edited_by == before.edited_by
        _assert_kept(after.timeline)
        clamp = (
            "clamped trim clip-03 1.000-3.000 s: was 1.000-5.000 s of take 1 (6.000 s); "
            "take 2 is 3.000 s"
        )
        assert after.carried is not None
        assert after.carried.lines()[0] == clamp
        assert after.carried.dropped == ()
        stored = load_edit(store, SLUG)
        assert stored is not None and stored.timeline == after.timeline
        assert "clip-03 take 1 -> take 2" in stored.what and clamp in stored.what
        assert "whip 0.42 s into clip-03" in stored.what
        # the next run changes nothing: same version, nothing more to say
        again = record_edit(store, SLUG)
        assert again.version == 7 and again.carried is None
    finally:
        store.close()
    shown: dict[str, Any] = json.loads(cli(home, "edit", "show", SLUG, "--json"))
    assert shown["version"] == 7 and "clamped trim clip-03" in shown["what"]


@pytest.mark.media
def test_run_says_what_it_kept_and_what_it_clamped(
    example_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    home = _production(db_url, example_spec, tmp_path, monkeypatch)
    said = " ".join(cli(home, "run", str(example_spec), "--yes").split())
    assert (
        "edit v7: clamped trim clip-03 1.000-3.000 s: was 1.000-5.000 s of take 1 (6.000 s); "
        "take 2 is 3.000 s"
    ) in said
    assert "edit v7: kept " in said and "whip 0.42 s into clip-03" in said
    assert "speed clip-02 x1.5" in said and "caption 'Over three' 4.50-6.00 s" in said
    # run again: nothing changed upstream, so nothing more to tell
    again = json.loads(cli(home, "run", str(example_spec), "--yes", "--json").splitlines()[-1])
    assert again["edit"] == {"version": 7, "carried": []}
    store = Store(home, db_url)
    try:
        from shortfilm.edit.versions import load_edit

        stored = load_edit(store, SLUG)
        assert stored is not None
        _assert_kept(stored.timeline)
    finally:
        store.close()


def test_a_transition_into_a_clip_that_now_opens_the_film_is_reported() -> None:
    base = Timeline(R, (seg(1, 48), seg(2, 72), seg(3, 144)), (XF, XF))
    edited = set_transition(base, 2, WHIP)
    new = Timeline(R, (seg(2, 72), seg(3, 144)), (XF,))
    carried = carry_edits(new, edited, base, frames_of)
    assert carried.timeline == new
    assert [str(d) for d in carried.dropped] == [
        "whip 0.42 s into clip-02: clip-02 now opens the film: there is nothing before it to join"
    ]


@pytest.mark.media
def test_a_draft_render_says_what_it_carried_too(
    example_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """``shortfilm render`` records the Edit as run does, so it tells the same story."""
    home = _production(db_url, example_spec, tmp_path, monkeypatch)
    said = " ".join(cli(home, "render", SLUG, "--draft").split())
    assert f"{SLUG}: edit v7: clamped trim clip-03 1.000-3.000 s: was 1.000-5.000 s" in said
    assert f"{SLUG}: edit v7: kept " in said and "whip 0.42 s into clip-03" in said
