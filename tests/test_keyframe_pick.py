"""A person picks a take's keyframe: the frame is stored full size under their name, the one it
replaces is kept, and the clip continuing it is generated again from the new frame.

Takes come from the timed fake provider, which delivers the same 2 s testsrc2 clip (160x90,
24 fps) for every clip; in the example film clip 3 continues clip 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from approvals import approve_board
from fake_providers import TimedProvider
from home_snapshot import snapshot
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.errors import InputError
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.production.importing import import_spec
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ClipRow, KeyframeRow, TakeRow
from shortfilm.takes.generate import generate_takes
from shortfilm.takes.keyframes import pick_keyframe

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kf-clip") / "clip.mp4"
    run_ffmpeg(
        ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=2", "-f", "lavfi",
         "-i", "sine=frequency=330:sample_rate=48000:duration=2", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)],
        what="test clip",
    )  # fmt: skip
    return out


@pytest.fixture
def made(
    tmp_path: Path,
    db_url: str,
    example_spec: Path,
    small_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Store, TimedProvider]]:
    """The example film generated once by the timed fake provider, on the database under test."""
    monkeypatch.setenv("SHORTFILM_USER", "ines")
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    provider = TimedProvider(small_clip, latency_s=0.02)
    approve_board(store, SLUG)
    result = generate_takes(store, SLUG, provider, poll_interval_s=0.01)
    assert [o.status for o in result.outcomes] == ["succeeded"] * 4
    yield store, provider
    store.close()


def _clip(store: Store, position: int) -> ClipRow:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        return next(c for c in repo.clips(s, prod.id) if c.position == position)


def _decoded_frame(video: Path, index: int) -> np.ndarray:
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return np.asarray(frame.to_ndarray(format="rgb24"))
    raise AssertionError(f"no frame {index}")


def test_a_persons_pick_is_kept_and_the_continuing_clip_is_made_again_from_it(
    made: tuple[Store, TimedProvider], small_clip: Path
) -> None:
    store, provider = made
    clip2 = _clip(store, 2)
    assert clip2.selected_take_id is not None
    with store.session() as s:
        auto = repo.chosen_keyframe(s, clip2.selected_take_id)
        assert auto is not None and auto.chosen_by == "auto"
        third = next(t for t in repo.takes(s, _clip(store, 3).id))
        assert third.keyframe_id == auto.id
        old_hash = third.request_hash
    auto_id, auto_ms = auto.id, auto.time_ms

    choice = pick_keyframe(store, SLUG, 2, at_s=1.0)
    assert choice.changed and choice.selected and choice.by == "ines"
    assert (choice.time_ms, choice.replaced_ms) == (1000, auto_ms)
    assert choice.path.name == "take-001__kf-1000ms.png" and choice.path.exists()
    with store.session() as s:
        picked = repo.chosen_keyframe(s, clip2.selected_take_id)
        assert picked is not None and picked.id != auto_id
        assert (picked.time_ms, picked.chosen_by) == (1000, "ines")
        kept = s.get(KeyframeRow, auto_id)
        assert kept is not None and not kept.chosen and kept.chosen_by == "auto"
        event = repo.events(s, clip2.production_id)[-1]
        assert event.kind == "keyframe.overridden" and event.data["by"] == "ines"
        assert (event.data["time_ms"], event.data["replaced_ms"]) == (1000, auto_ms)
        image = store.artifact_path(picked.sha256)
    # the frame on screen at 1.0 s (frame 24 at 24 fps), full size and exact
    with Image.open(image) as im:
        assert im.size == (160, 90) and im.format == "PNG"
        assert np.array_equal(np.asarray(im.convert("RGB")), _decoded_frame(small_clip, 24))

    submitted = len(provider.started)
    result = generate_takes(store, SLUG, provider, poll_interval_s=0.01)
    assert [o.reused for o in result.outcomes] == [True, True, False, True]
    assert result.outcomes[2].take_number == 2 and len(provider.started) == submitted + 1
    with store.session() as s:
        takes = repo.takes(s, _clip(store, 3).id)
        assert [t.number for t in takes] == [1, 2]
        assert takes[1].keyframe_id == picked.id and takes[1].request_hash != old_hash
        assert takes[1].references[0] == {
            "role": "keyframe",
            "label": "clip-02 keyframe at 1000 ms",
            "sha256": picked.sha256,
        }
        # the person's pick stands through the run
        again = repo.chosen_keyframe(s, clip2.selected_take_id)
        assert again is not None and again.id == picked.id
        # the new take of clip 3 was checked against the frame it continues from
        row = repo.take_analysis(s, takes[1].id)
        assert row is not None
        continuity = next(c for c in row.report["checks"] if c["name"] == "continuity")
        assert continuity["expected"]["opens_on"] == "the clip-02 keyframe at 1000 ms"
    # nothing changed since: a third run asks for nothing
    generate_takes(store, SLUG, provider, poll_interval_s=0.01)
    assert len(provider.started) == submitted + 1


def test_picking_by_candidate_again_and_refusals(made: tuple[Store, TimedProvider]) -> None:
    store, _ = made
    clip2 = _clip(store, 2)
    assert clip2.selected_take_id is not None
    with store.session() as s:
        candidates = repo.keyframe_candidates(s, clip2.selected_take_id)
        auto = repo.chosen_keyframe(s, clip2.selected_take_id)
        assert candidates and auto is not None
        second = candidates[min(1, len(candidates) - 1)]
        second_ms = second.time_ms
        auto_ms = auto.time_ms
    by_number = pick_keyframe(store, SLUG, 2, candidate=min(2, len(candidates)), by="ana")
    assert by_number.time_ms == second_ms and by_number.by == "ana"
    same = pick_keyframe(store, SLUG, 2, candidate=min(2, len(candidates)), by="ana")
    assert not same.changed
    # going back to the automatic frame chooses the row kept for it: no duplicate
    back = pick_keyframe(store, SLUG, 2, at_s=auto_ms / 1000, by="ana")
    assert back.changed and back.time_ms == auto_ms
    with store.session() as s:
        picked = repo.picked_keyframes(s, clip2.selected_take_id)
        assert sorted(k.time_ms for k in picked) == sorted({auto_ms, second_ms})
        assert [k.chosen_by for k in picked if k.chosen] == ["ana"]
    for kwargs, words in (
        ({"candidate": 99}, "has no candidate 99"),
        ({"at_s": 2.5}, "runs from 0 to 2.00 s"),
        ({"at_s": -0.1}, "runs from 0 to 2.00 s"),
        ({}, "say which frame"),
        ({"at_s": 1.0, "candidate": 1}, "say which frame"),
        ({"at_s": 1.0, "take": 4}, "has no take 4"),
    ):
        with pytest.raises(InputError, match=words):
            pick_keyframe(store, SLUG, 2, **kwargs)


def test_the_command_records_a_pick_and_refuses_bad_ones(
    made: tuple[Store, TimedProvider], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = made
    home = store.home
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    runner = CliRunner()
    args = ["keyframe", "pick", SLUG, "clip-02", "--home", str(home)]
    done = runner.invoke(app, [*args, "--at", "0.5", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["time_ms"] == 500 and data["by"] == "ines" and data["changed"] is True
    text = runner.invoke(app, [*args, "--at", "0.25"])
    assert text.exit_code == 0, text.output
    said = " ".join(text.output.split())  # as a reader sees it, at any terminal's width
    assert "chosen by ines" in said and "replacing 0.500 s (kept)" in said
    before = snapshot(home, db_url)
    for bad in (["--at", "9"], ["--candidate", "0"], [], ["--take", "3", "--at", "1"]):
        refused = runner.invoke(app, [*args, *bad])
        assert refused.exit_code == 2, (bad, refused.output)
        assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert snapshot(home, db_url) == before
    with store.session() as s:
        take = s.get(TakeRow, _clip(store, 2).selected_take_id)
        assert take is not None
        kf = repo.chosen_keyframe(s, take.id)
        assert kf is not None and kf.chosen_by == "ines"


def test_keyframes_chosen_before_the_migration_count_as_automatic(
    made: tuple[Store, TimedProvider],
) -> None:
    """Down to the first schema and up again: the chosen keyframes (the only ones that existed
    then) come back marked ``auto``; candidates, unchosen, come back as candidates."""
    from alembic import command
    from alembic.config import Config

    from shortfilm.store.db import MIGRATIONS

    store, _ = made
    with store.session() as s:
        before = {k.id: (k.chosen, k.chosen_by) for k in s.scalars(select(KeyframeRow))}
    assert sorted(set(before.values())) == [(False, None), (True, "auto")]
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    for step, target in ((command.downgrade, "0001"), (command.upgrade, "head")):
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, target)
    with store.session() as s:
        after = {k.id: (k.chosen, k.chosen_by) for k in s.scalars(select(KeyframeRow))}
        assert repo.count(s, TakeRow) == 4
    assert after == before
