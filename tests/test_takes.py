"""Takes that fail are kept and teach: provider failures, notes, rejection, lessons."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvals import approve_board
from fake_providers import RefusingProvider, TimedProvider

from shortfilm.production.importing import import_spec
from shortfilm.prompts.lessons import lessons_for
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.takes.generate import generate_takes
from shortfilm.takes.notes import note_take

pytestmark = pytest.mark.usefixtures("db_env")  # every test on SQLite and on PostgreSQL


def test_failed_takes_are_kept_with_their_error(tmp_path: Path, example_spec: Path) -> None:
    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    provider = RefusingProvider()
    approve_board(store, "wasteland-villa")
    result = generate_takes(store, "wasteland-villa", provider, poll_interval_s=0)
    statuses = [o.status for o in result.outcomes]
    # clip 3 continues clip 2, which has no keyframe: it is blocked, not sent
    assert statuses == ["failed", "failed", "blocked", "failed"]
    assert len(provider.submitted) == 3
    assert provider.submitted[0].prompt_text.startswith("[Image 1] is Kestrel")
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        take = repo.takes(s, repo.clips(s, prod.id)[0].id)[0]
        assert take.status == "failed" and take.job_id in {"job-1", "job-2", "job-3"}
        assert take.error == "OutputVideoSensitiveContentDetected"
        assert take.params["prompt_form"] == "reference-mode"
    # a second run retries (a failed request is not "already made"), keeping the first take
    generate_takes(store, "wasteland-villa", provider, poll_interval_s=0)
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        assert [t.number for t in repo.takes(s, repo.clips(s, prod.id)[0].id)] == [1, 2]
    store.close()


def test_a_similar_prompt_shows_the_lesson_of_a_failed_take(
    tmp_path: Path, example_spec: Path
) -> None:
    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    approve_board(store, "wasteland-villa")
    generate_takes(store, "wasteland-villa", RefusingProvider(), poll_interval_s=0)
    note_take(store, "wasteland-villa", 1, 1, "robots read as toys; ask for rust and scale")
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        clip1 = repo.clips(s, prod.id)[0]
        from shortfilm.store.tables import PromptRow

        text = repo.latest(s, PromptRow, PromptRow.clip_id, clip1.id).text  # type: ignore[union-attr]
    lessons = lessons_for(store, text)
    assert lessons and lessons[0].take == "wasteland-villa/clip-01/take-001"
    assert "robots read as toys" in lessons[0].note
    unrelated = "A baker folds butter into dough on a marble counter, close-up, static."
    assert lessons_for(store, unrelated) == []
    store.close()


def test_rejecting_the_selected_take_frees_the_clip(
    tmp_path: Path, example_spec: Path, small_clip: Path
) -> None:
    store = Store(tmp_path / "home")
    import_spec(store, example_spec)
    approve_board(store, "wasteland-villa")
    result = generate_takes(store, "wasteland-villa", TimedProvider(small_clip, latency_s=0))
    assert [o.status for o in result.outcomes] == ["succeeded"] * 4
    subject = note_take(store, "wasteland-villa", 2, 1, "blade on the wrong arm", failed=True)
    assert subject == "clip-02/take-001"
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        clip2 = repo.clips(s, prod.id)[1]
        assert clip2.selected_take_id is None
        (take,) = repo.takes(s, clip2.id)
        assert take.status == "rejected" and "wrong arm" in take.notes
    store.close()
