"""Review checkpoints: the rules, who may decide what, the gates, overrides, conflicts between
reviewers, the second pair of eyes, comments, the checklist, publishing, and ``run``.

Takes come from a fake provider delivering a small real clip, so a production with four
generated clips is made in seconds; the store-bound rules run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_providers import TimedProvider
from sqlalchemy import select
from typer.testing import CliRunner

from shortfilm import review
from shortfilm.cli import app
from shortfilm.domain.checklist import StepState
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.review import (
    Checkpoint,
    Decision,
    Standing,
    SubjectKind,
    check_decision,
    standing,
)
from shortfilm.domain.rubric import CRITERIA, CRITERION_KEYS, Score
from shortfilm.edit.assemble import assemble_edit
from shortfilm.edit.versions import record_edit
from shortfilm.errors import ConflictError, GateError, InputError, PermissionDenied
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.production.importing import import_spec
from shortfilm.publish.final import publish
from shortfilm.review.checklist import checklist
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import BoardRow, ClipRow, EditRow, RenderRow, ReviewRow, TakeRow
from shortfilm.takes.generate import generate_takes

SLUG = "wasteland-villa"
OWNER = Actor("ines", Role.OWNER, 1)
WRITER = Actor("wren", Role.WRITER, 2)
VISUAL = Actor("vic", Role.VISUAL_OPERATOR, 3)
AI = Actor("ari", Role.AI_OPERATOR, 4)
EDITOR = Actor("mara", Role.EDITOR, 5)
GROWTH = Actor("gus", Role.GROWTH_OPERATOR, 6)
EVERYONE = (OWNER, WRITER, VISUAL, AI, EDITOR, GROWTH)
FULL_RUBRIC = tuple(Score(key, 4, "fine") for key in CRITERION_KEYS)


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A take as long as the example's clips (12.5 s), small enough to make in a second."""
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=12.5", "-f", "lavfi", "-i",
         "sine=frequency=330:duration=12.5", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", out],
        what="test clip",
    )  # fmt: skip
    return out


@pytest.fixture
def store(
    tmp_path: Path, db_url: str, example_spec: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """The example imported (board v1, a draft) by ``ari``, on SQLite and PostgreSQL."""
    monkeypatch.setenv("SHORTFILM_USER", "ari")
    made = Store(tmp_path / "home", db_url)
    import_spec(made, example_spec)
    yield made
    made.close()


def _generate(store: Store, clip: Path) -> None:
    result = generate_takes(
        store, SLUG, TimedProvider(clip, latency_s=0.01), poll_interval_s=0.01, review=False
    )
    assert [o.status for o in result.outcomes] == ["succeeded"] * 4


def _board_id(store: Store) -> int:
    return review.subject_id(store, SLUG, SubjectKind.BOARD)


def _take_id(store: Store, clip: int, take: int | None = None) -> int:
    return review.subject_id(store, SLUG, SubjectKind.TAKE, clip=clip, take=take)


def _fake_renders(store: Store, video: Path, *, failed: str | None = None) -> dict[str, int]:
    """Edit v1 and a render row per preset over a small real video (a real render is not what
    these tests are about), with caption sidecars and a cover. ``failed`` names a preset
    recorded as failing its checks."""
    record_edit(store, SLUG)
    side = video.with_suffix(".srt")
    side.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    ids: dict[str, int] = {}
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        assert edit is not None
        for preset in ("vertical", "horizontal"):
            sha = store.put_artifact(s, video, f"{SLUG}/renders/test-{preset}.mp4")
            srt = store.put_artifact(s, side, f"{SLUG}/renders/test-{preset}.srt")
            row = RenderRow(
                edit_id=edit.id, preset=preset, sha256=sha, duration_s=2.0, width=160,
                height=90, integrated_lufs=-14.0, true_peak_dbtp=-1.5,
                status="failed" if preset == failed else "passed",
                checks={"reasons": ["too quiet"] if preset == failed else [], "measured": {}},
                srt_sha256=srt, vtt_sha256=srt, cover_sha256=srt,
            )  # fmt: skip
            s.add(row)
            s.flush()
            ids[preset] = row.id
    return ids


# -- the rules, pure --------------------------------------------------------------------------


def test_the_rubric_is_the_source_workflows_seven_criteria() -> None:
    assert [c.label for c in CRITERIA] == [
        "Visual continuity",
        "Story clarity",
        "Caption fit",
        "Sound quality",
        "Export format",
        "Account match",
        "Reuse potential",
    ]
    assert all(c.question.endswith("?") for c in CRITERIA)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("story-clarity=6", "6 is outside 1-5"),
        ("story-clarity=0", "0 is outside 1-5"),
        ("plot=3", "'plot' is not a rubric criterion"),
        ("story-clarity", "write criterion=N"),
    ],
)
def test_a_bad_score_names_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        Score.parse(text)


def test_a_score_carries_its_note() -> None:
    assert Score.parse("caption-fit=3: too fast at 0:04") == Score(
        "caption-fit", 3, "too fast at 0:04"
    )


@pytest.mark.parametrize(
    ("kind", "decision", "fields", "says"),
    [
        (SubjectKind.TAKE, Decision.REQUEST_CHANGES, {}, "changes: must not be empty"),
        (SubjectKind.BOARD, Decision.REQUEST_CHANGES, {"changes": "  "}, "changes: must not"),
        (SubjectKind.TAKE, Decision.REJECT, {}, "note: must not be empty"),
        (SubjectKind.RENDER, Decision.APPROVE, {}, "missing visual-continuity, story-clarity"),
        (
            SubjectKind.RENDER,
            Decision.APPROVE,
            {"scores": FULL_RUBRIC[:-1]},
            "missing reuse-potential",
        ),
        (
            SubjectKind.TAKE,
            Decision.APPROVE,
            {"scores": (Score("sound-quality", 3), Score("sound-quality", 4))},
            "scored twice",
        ),
    ],
)
def test_a_decision_must_carry_what_it_needs(
    kind: SubjectKind, decision: Decision, fields: dict[str, Any], says: str
) -> None:
    args: dict[str, Any] = {"scores": (), "note": "", "changes": ""} | fields
    with pytest.raises(InputError, match=says):
        check_decision(kind, decision, **args)


def test_what_a_decision_needs_is_enough() -> None:
    check_decision(SubjectKind.RENDER, Decision.APPROVE, scores=FULL_RUBRIC, note="", changes="")
    check_decision(SubjectKind.TAKE, Decision.REJECT, scores=(), note="toy robots", changes="")
    check_decision(SubjectKind.EDIT, Decision.REQUEST_CHANGES, scores=(), note="", changes="x")
    # an approval given ahead by run --yes records that nobody scored it
    check_decision(
        SubjectKind.RENDER, Decision.APPROVE, scores=(), note="", changes="", in_advance=True
    )


def test_the_latest_decision_stands() -> None:
    assert standing([]) is Standing.UNREVIEWED
    assert standing(["approve"]) is Standing.APPROVED
    assert standing(["approve", "request-changes"]) is Standing.CHANGES_REQUESTED
    assert standing(["reject", "override"]) is Standing.OVERRIDDEN
    assert standing(["request-changes", "approve"]).passes
    assert not standing(["approve", "reject"]).passes


# -- who may decide what ----------------------------------------------------------------------

MAY = {
    (SubjectKind.BOARD, Decision.REQUEST_CHANGES): {"ines", "wren", "vic"},
    (SubjectKind.TAKE, Decision.REQUEST_CHANGES): {"ines", "ari", "mara"},
    (SubjectKind.EDIT, Decision.REQUEST_CHANGES): {"ines", "mara"},
    (SubjectKind.RENDER, Decision.APPROVE): {"ines"},
    (SubjectKind.RENDER, Decision.REQUEST_CHANGES): {"ines", "mara", "gus"},
    (SubjectKind.RENDER, Decision.REJECT): {"ines", "mara", "gus"},
}
"""Who may take each decision: the role table of :mod:`shortfilm.domain.review`."""


def test_every_role_check_of_every_decision(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), VISUAL, "approve")
    _generate(store, small_clip)
    renders = _fake_renders(store, small_clip)
    subjects = {
        SubjectKind.BOARD: _board_id(store),
        SubjectKind.TAKE: _take_id(store, 2),
        SubjectKind.EDIT: review.subject_id(store, SLUG, "edit"),
        SubjectKind.RENDER: renders["vertical"],
    }
    for (kind, decision), allowed in MAY.items():
        for actor in EVERYONE:
            args = (store, SLUG, kind, subjects[kind], actor, decision)
            fields: dict[str, Any] = {"scores": FULL_RUBRIC, "note": "why", "changes": "what"}
            if actor.name in allowed:
                review.decide(*args, **fields)
            else:
                with pytest.raises(PermissionDenied, match=f"{actor.name} .* may not"):
                    review.decide(*args, **fields)
    with store.session() as s:
        made = list(s.scalars(select(ReviewRow).order_by(ReviewRow.id)))
    # one row per allowed decision (plus the board approval), each with the reviewer's role
    assert len(made) == 1 + sum(len(v) for v in MAY.values())
    assert {(r.reviewer, r.role) for r in made} <= {(a.name, a.role.value) for a in EVERYONE}


def test_selecting_a_take_and_commenting_are_checked_too(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    for actor in (WRITER, VISUAL, GROWTH):
        with pytest.raises(PermissionDenied, match="may not select a take: only ai-operator"):
            review.select_take(store, SLUG, 1, 1, actor)
    for actor in (AI, EDITOR, OWNER):
        review.select_take(store, SLUG, 1, 1, actor)
    for actor in EVERYONE:
        review.add_comment(store, SLUG, "board", _board_id(store), actor, f"seen by {actor.name}")
    with store.session() as s:
        clip = s.scalars(select(ClipRow).where(ClipRow.position == 1)).one()
        assert clip.selected_by == "ines" and clip.revision == 3


def test_only_the_owner_overrides_and_only_with_a_reason(store: Store) -> None:
    for actor in (WRITER, VISUAL, AI, EDITOR, GROWTH):
        with pytest.raises(PermissionDenied, match="override a checkpoint: only owner"):
            review.override(store, SLUG, "board", actor, "deadline")
    with pytest.raises(InputError, match="reason: must not be empty"):
        review.override(store, SLUG, "board", OWNER, "   ")
    review.override(store, SLUG, Checkpoint.BOARD, OWNER, "client signed it off by phone")
    (row,) = review.reviews_of(store, SLUG, "board", _board_id(store))
    assert (row.decision, row.reviewer, row.note) == (
        "override",
        "ines",
        "client signed it off by phone",
    )
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        kinds = [e.kind for e in repo.events(s, prod.id)]
        board = s.get(BoardRow, _board_id(store))
        assert board is not None and board.status == "overridden"
    assert kinds[-1] == "review.override"
    with pytest.raises(InputError, match="nothing waits at the board checkpoint"):
        review.override(store, SLUG, "board", OWNER, "again")


def test_publishing_needs_the_owner_or_the_growth_operator(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    renders = _fake_renders(store, small_clip)
    for actor in (WRITER, VISUAL, AI, EDITOR):
        with pytest.raises(PermissionDenied, match="may not publish: only growth-operator, owner"):
            publish(store, SLUG, actor)
    with pytest.raises(GateError, match="the final of edit v1 is not approved"):
        publish(store, SLUG, GROWTH)
    review.decide(store, SLUG, "render", renders["vertical"], OWNER, "approve", scores=FULL_RUBRIC)
    files = publish(store, SLUG, GROWTH, preset="vertical")
    assert {f.name for f in files} >= {"manifest.json", f"{SLUG}__edit-v1__vertical.mp4"}


# -- the gates --------------------------------------------------------------------------------


def test_generation_waits_for_an_approved_board(store: Store, small_clip: Path) -> None:
    provider = TimedProvider(small_clip, latency_s=0.01)
    with pytest.raises(GateError) as refused:
        generate_takes(store, SLUG, provider, poll_interval_s=0.01)
    assert "board v1 is not approved yet, so nothing was generated" in str(refused.value)
    assert f"shortfilm review board {SLUG} --approve" in str(refused.value)
    assert provider.started == {}
    review.decide(store, SLUG, "board", _board_id(store), WRITER, "request-changes", changes="x")
    with pytest.raises(GateError, match="board v1 is changes-requested"):
        generate_takes(store, SLUG, provider, poll_interval_s=0.01)
    review.decide(store, SLUG, "board", _board_id(store), VISUAL, "approve")
    _generate(store, small_clip)
    with store.session() as s:
        board = s.get(BoardRow, _board_id(store))
        assert board is not None and board.status == "approved"


def test_a_new_board_version_is_a_draft_again(
    store: Store, example_spec: Path, small_clip: Path
) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    first = _board_id(store)
    data = yaml.safe_load(example_spec.read_text())
    data["board"]["world"] += " Dust storms at dusk."
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    assert import_spec(store, example_spec).new_versions == ["board v2"]
    assert _board_id(store) != first
    assert review.reviews_of(store, SLUG, "board", _board_id(store)) == []
    with pytest.raises(GateError, match="board v2 is not approved yet"):
        generate_takes(store, SLUG, TimedProvider(small_clip, latency_s=0.01))
    review.override(store, SLUG, "board", OWNER, "same world, one line more")
    _generate(store, small_clip)


def test_the_edit_is_not_rendered_with_unapproved_takes(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    review.decide(store, SLUG, "take", _take_id(store, 1), EDITOR, "approve")
    review.decide(store, SLUG, "take", _take_id(store, 3), AI, "request-changes", changes="x")
    review.decide(store, SLUG, "take", _take_id(store, 4), AI, "reject", note="toy robots")
    with pytest.raises(GateError) as refused:
        assemble_edit(store, SLUG)
    message = str(refused.value)
    assert "nothing was rendered" in message
    assert f"clip-02/take-001 waits for review (`shortfilm review take {SLUG} clip-02 1" in message
    assert "clip-03/take-001 is changes-requested" in message
    assert "clip-04 has no selected take" in message
    assert "clip-01" not in message
    with store.session() as s:
        assert repo.count(s, EditRow) == 0, "nothing was recorded either"
        rejected = s.get(TakeRow, _take_id(store, 4, 1))
        assert rejected is not None and rejected.status == "rejected"
        assert rejected.notes == "toy robots", "the reason teaches the next prompt"
    with pytest.raises(InputError, match="clip-04 has no selected take: an override passes"):
        review.override(store, SLUG, "clip", OWNER, "ship it")


def test_approving_a_take_selects_it_as_the_reviewers_pick(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    with store.session() as s:
        clip = s.scalars(select(ClipRow).where(ClipRow.position == 2)).one()
        assert clip.selected_by == "auto"
    record = review.decide(store, SLUG, "take", _take_id(store, 2), EDITOR, "approve")
    assert (record.subject, record.checkpoint) == ("clip-02/take-001", Checkpoint.CLIP)
    with store.session() as s:
        clip = s.scalars(select(ClipRow).where(ClipRow.position == 2)).one()
        assert clip.selected_by == "mara"
        take = s.get(TakeRow, clip.selected_take_id)
        assert take is not None and take.created_by == "ari", "who asked for the take"


def test_a_failed_render_cannot_be_approved_and_shows_as_failed(
    store: Store, small_clip: Path
) -> None:
    from shortfilm.production.status import production_status

    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    review.override(store, SLUG, "clip", OWNER, "animatic takes stand in")
    renders = _fake_renders(store, small_clip, failed="horizontal")
    with pytest.raises(GateError, match="horizontal render failed its checks"):
        review.decide(
            store, SLUG, "render", renders["horizontal"], OWNER, "approve", scores=FULL_RUBRIC
        )
    (status,) = production_status(store)
    assert status.renders["horizontal"] == "failed: too quiet"
    edit = next(step for step in status.checklist if step["key"] == "edit")
    assert edit["state"] == "todo" and "render failed: horizontal" in edit["detail"]


# -- two reviewers at once --------------------------------------------------------------------


def test_two_reviewers_deciding_at_once_one_is_told_it_changed(
    store: Store, small_clip: Path, db_url: str
) -> None:
    other = Store(store.home, db_url)  # a second process's connections: another web worker
    try:
        board = _board_id(store)
        barrier = threading.Barrier(2)
        outcomes: list[object] = []

        def decide(where: Store, actor: Actor, decision: str, **kw: str) -> None:
            barrier.wait()
            try:
                outcomes.append(
                    review.decide(where, SLUG, "board", board, actor, decision,
                                  expected_revision=0, **kw)
                )  # fmt: skip
            except ConflictError as exc:
                outcomes.append(exc)

        threads = [
            threading.Thread(target=decide, args=(store, VISUAL, "approve")),
            threading.Thread(
                target=decide, args=(other, WRITER, "request-changes"), kwargs={"changes": "x"}
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
        assert len(outcomes) == 2 and len(conflicts) == 1, outcomes
        assert "board v1 changed since you saw it (revision 0, now 1)" in str(conflicts[0])
        (kept,) = review.reviews_of(store, SLUG, "board", board)
        assert f"{kept.decision} on board v1 by {kept.reviewer}" in str(conflicts[0])
        # the form of whoever lost is stale: deciding again on what it showed is refused too
        with pytest.raises(ConflictError):
            review.decide(other, SLUG, "board", board, OWNER, "approve", expected_revision=0)
        review.decide(other, SLUG, "board", board, OWNER, "approve", expected_revision=1)
        # a take's decisions and selections share its clip's revision
        _generate(store, small_clip)
        take = _take_id(store, 1)
        review.select_take(store, SLUG, 1, 1, EDITOR, expected_revision=0)
        with pytest.raises(ConflictError, match="clip-01 changed since you saw it"):
            review.decide(other, SLUG, "take", take, AI, "approve", expected_revision=0)
    finally:
        other.close()


# -- the second pair of eyes ------------------------------------------------------------------


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_a_second_pair_of_eyes_approves_what_someone_made(
    tmp_path: Path, example_spec: Path, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.safe_load(example_spec.read_text())
    data["review"] = {"second_pair_of_eyes": True}
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("SHORTFILM_USER", "vic")
    store = Store(tmp_path / "home")
    try:
        import_spec(store, example_spec)
        board = _board_id(store)
        with pytest.raises(PermissionDenied, match="vic made board v1 and the production requires"):
            review.decide(store, SLUG, "board", board, VISUAL, "approve")
        # objecting to one's own work is always allowed
        review.decide(store, SLUG, "board", board, VISUAL, "request-changes", changes="palette")
        review.decide(store, SLUG, "board", board, WRITER, "approve")
        monkeypatch.setenv("SHORTFILM_USER", "ari")
        _generate(store, small_clip)
        with pytest.raises(PermissionDenied, match="ari made clip-01/take-001"):
            review.decide(store, SLUG, "take", _take_id(store, 1), AI, "approve")
        # run --yes as the person who made them is refused the same way
        with pytest.raises(PermissionDenied, match="ari made clip-01/take-001"):
            review.approve_pending(store, SLUG, Actor("ari", Role.OWNER), "clip")
        review.decide(store, SLUG, "take", _take_id(store, 1), EDITOR, "approve")
    finally:
        store.close()


def test_without_the_policy_a_maker_may_approve_their_own_work(store: Store) -> None:
    record = review.decide(
        store, SLUG, "board", _board_id(store), Actor("ari", Role.OWNER), "approve"
    )
    assert record.decision == "approve"


# -- comments ---------------------------------------------------------------------------------


def test_comments_are_time_coded_on_takes_and_renders_only(store: Store, small_clip: Path) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    take = _take_id(store, 2)
    note = review.add_comment(store, SLUG, "take", take, GROWTH, "the blade flickers", at_s=4.0)
    assert (note.at_s, note.author, note.subject) == (4.0, "gus", "clip-02/take-001")
    with pytest.raises(InputError, match="at_s: a board has no time"):
        review.add_comment(store, SLUG, "board", _board_id(store), OWNER, "x", at_s=1.0)
    with pytest.raises(InputError, match="at_s: -1 is not a time"):
        review.add_comment(store, SLUG, "take", take, OWNER, "x", at_s=-1)
    with pytest.raises(InputError, match="past the end of clip-02/take-001"):
        review.add_comment(store, SLUG, "take", take, OWNER, "x", at_s=99.0)
    with pytest.raises(InputError, match="body: must not be empty"):
        review.add_comment(store, SLUG, "take", take, OWNER, " ")
    with pytest.raises(InputError, match="has no take with id 9999"):
        review.add_comment(store, SLUG, "take", 9999, OWNER, "x")
    assert [c.body for c in review.comments_of(store, SLUG, "take", take)] == ["the blade flickers"]


def test_the_review_history_lists_what_was_looked_at_in_workflow_order(
    store: Store, small_clip: Path
) -> None:
    assert review.review_history(store, SLUG) == []
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve", note="clear")
    _generate(store, small_clip)
    first, second = _take_id(store, 1), _take_id(store, 3)
    review.add_comment(store, SLUG, "take", second, GROWTH, "cut earlier", at_s=2.5)
    review.decide(store, SLUG, "take", first, EDITOR, "request-changes", changes="steadier camera")
    review.decide(store, SLUG, "take", first, OWNER, "approve")
    history = review.review_history(store, SLUG)
    assert [(h.name, h.standing) for h in history] == [
        ("board v1", Standing.APPROVED),
        ("clip-01/take-001", Standing.APPROVED),
        ("clip-03/take-001", Standing.UNREVIEWED),
    ]
    assert [(r.decision, r.reviewer) for r in history[1].reviews] == [
        ("request-changes", "mara"),
        ("approve", "ines"),
    ]
    assert history[1].reviews[0].changes == "steadier camera"
    assert [(c.body, c.at_s) for c in history[2].comments] == [("cut earlier", 2.5)]
    # one subject's history is the same records
    assert review.reviews_of(store, SLUG, "take", first) == list(history[1].reviews)
    assert review.comments_of(store, SLUG, "take", second) == list(history[2].comments)
    assert review.reviews_of(store, SLUG, "take", _take_id(store, 2)) == []
    with pytest.raises(InputError, match="has no take with id 9999"):
        review.reviews_of(store, SLUG, "take", 9999)


# -- the checklist ----------------------------------------------------------------------------


def test_the_checklist_advances_and_says_who_it_waits_for(store: Store, small_clip: Path) -> None:
    def states() -> dict[str, tuple[str, tuple[str, ...]]]:
        return {
            step.key: (step.state.value, tuple(r.value for r in step.waiting_for))
            for step in checklist(store, SLUG)
        }

    first = states()
    assert list(first) == [
        "script", "asset-board", "prompt-set", "clip-generation", "keyframe-reuse", "edit",
        "publish",
    ]  # fmt: skip
    assert first["asset-board"] == ("waiting-review", ("writer", "visual-operator", "owner"))
    assert first["clip-generation"][0] == "blocked"
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    now = states()
    assert now["clip-generation"] == ("waiting-review", ("ai-operator", "editor", "owner"))
    assert now["keyframe-reuse"] == ("done", ())
    review.override(store, SLUG, "clip", OWNER, "animatic only")
    renders = _fake_renders(store, small_clip)
    assert states()["publish"] == ("waiting-review", ("owner",))
    review.decide(
        store, SLUG, "render", renders["vertical"], GROWTH, "request-changes", changes="hook"
    )
    assert states()["publish"] == ("changes-requested", ("editor",))
    for render in renders.values():
        review.decide(store, SLUG, "render", render, OWNER, "approve", scores=FULL_RUBRIC)
    assert states()["publish"] == ("todo", ("growth-operator",))
    publish(store, SLUG, GROWTH)
    steps = checklist(store, SLUG)
    assert all(step.state is StepState.DONE for step in steps), steps


# -- publishing -------------------------------------------------------------------------------


def test_publish_copies_the_approved_final_with_its_sidecars_and_a_manifest(
    store: Store, small_clip: Path
) -> None:
    review.decide(store, SLUG, "board", _board_id(store), OWNER, "approve")
    _generate(store, small_clip)
    renders = _fake_renders(store, small_clip)
    for render in renders.values():
        review.decide(store, SLUG, "render", render, OWNER, "approve", scores=FULL_RUBRIC)
    files = publish(store, SLUG, GROWTH)
    folder = store.home / "publish" / SLUG
    assert all(f.parent == folder and f.is_file() for f in files)
    assert {f.name for f in files} == {
        "manifest.json",
        *(f"{SLUG}__edit-v1__{p}{end}" for p in renders
          for end in (".mp4", ".srt", ".vtt", "__cover.jpg")),
    }  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["edit_version"] == 1 and manifest["published_by"] == "gus"
    vertical = next(r for r in manifest["renders"] if r["preset"] == "vertical")
    assert vertical["approval"]["by"] == "ines"
    assert vertical["approval"]["rubric"]["story-clarity"] == {"value": 4, "note": "fine"}
    assert (folder / vertical["file"]).read_bytes() == small_clip.read_bytes()
    # again, with one preset: the folder is replaced whole, never left half-written
    again = publish(store, SLUG, OWNER, preset="horizontal")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in again)
    assert [p.name for p in folder.parent.iterdir()] == [SLUG]


# -- run ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_run_without_yes_stops_at_the_board_and_says_how_to_approve(example_spec: Path) -> None:
    home = example_spec.parent.parent / "home"
    result = CliRunner().invoke(app, ["run", str(example_spec), "--home", str(home)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "board v1 is not approved yet, so nothing was generated" in text
    assert f"shortfilm review board {SLUG} --approve" in text
    approved = CliRunner().invoke(app, ["review", "board", SLUG, "--approve", "--home", str(home)])
    assert approved.exit_code == 0, approved.output
    assert "board v1: approved by" in approved.output and "(owner)" in approved.output


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_the_review_command_refuses_bad_input_with_exit_2(example_spec: Path) -> None:
    home = example_spec.parent.parent / "home"
    store = Store(home)
    import_spec(store, example_spec)
    store.close()
    runner = CliRunner()
    both = runner.invoke(
        app, ["review", "board", SLUG, "--approve", "--reject", "--home", str(home)]
    )
    assert both.exit_code == 2 and "give one of --approve" in both.output
    bad = runner.invoke(
        app, ["review", "board", SLUG, "--approve", "--score", "story=9", "--home", str(home)]
    )
    assert bad.exit_code == 2 and "'story' is not a rubric criterion" in bad.output
    gate = runner.invoke(app, ["override", SLUG, "bored", "--reason", "x", "--home", str(home)])
    assert gate.exit_code == 2 and "gate: 'bored' is not one of board, clip, final" in gate.output


@pytest.mark.media
def test_run_goes_end_to_end_with_the_local_owners_approvals_and_stops_without_them(
    tmp_path: Path,
    example_spec: Path,
    small_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_env: str,
) -> None:
    from shortfilm.media.presets import CHANNELS, VERTICAL
    from shortfilm.production.pipeline import run_production

    monkeypatch.setenv("SHORTFILM_USER", "ines")
    small = dataclasses.replace(VERTICAL, width=270, height=480)
    for channel in list(CHANNELS):
        monkeypatch.setitem(CHANNELS, channel, small)
    data = yaml.safe_load(example_spec.read_text())
    data["channels"] = ["tiktok"]
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    provider = TimedProvider(small_clip, latency_s=0.01)
    store = Store(tmp_path / "home")
    try:
        with pytest.raises(GateError, match="board v1 is not approved yet"):
            run_production(store, example_spec, provider)
        review.decide(store, SLUG, "board", _board_id(store), VISUAL, "approve")
        with pytest.raises(GateError, match="clip-01/take-001 waits for review"):
            run_production(store, example_spec, provider)
        result = run_production(store, example_spec, provider, approve_as=review.local_owner())
        assert [r.status for r in result.edit.renders] == ["passed"]
        assert [step.key for step in result.waiting] == ["publish"]
        with store.session() as s:
            rows = list(s.scalars(select(ReviewRow).order_by(ReviewRow.id)))
        # the board keeps vic's approval; the takes and the final are the local owner's, ahead
        assert [(r.subject_kind, r.reviewer, r.role) for r in rows] == [
            ("board", "vic", "visual-operator"),
            *[("take", "ines", "owner")] * 4,
            ("render", "ines", "owner"),
        ]
        assert all(r.rubric == {"in_advance": True} for r in rows[1:])
        assert (store.home / "publish").exists() is False
        files = publish(store, SLUG, review.local_owner())
        manifest = json.loads(files[-1].read_text())
        assert manifest["renders"][0]["approval"]["in_advance"] is True
    finally:
        store.close()


@pytest.mark.usefixtures("db_env")  # on SQLite and on PostgreSQL
def test_the_commands_select_comment_override_and_publish(
    tmp_path: Path, example_spec: Path, small_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTFILM_USER", "ines")
    home = tmp_path / "home"
    store = Store(home)
    try:
        import_spec(store, example_spec)
        review.override(store, SLUG, "board", review.local_owner(), "animatic only")
        _generate(store, small_clip)
        renders = _fake_renders(store, small_clip)
    finally:
        store.close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--home", str(home)])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert "clip-02: take-001 selected" in run("take", "select", SLUG, "clip-02", "1")
    said = run("comment", SLUG, "take", "too dark", "--clip", "2", "--at", "4")
    assert "clip-02/take-001 at 4 s: comment saved" in said
    refused = runner.invoke(app, ["publish", SLUG, "--home", str(home)])
    assert refused.exit_code == 1 and "is not approved" in refused.output
    run("override", SLUG, "clip", "--reason", "animatic only")
    scores = [arg for key in CRITERION_KEYS for arg in ("--score", f"{key}=4")]
    approved = run("review", "final", SLUG, "--preset", "vertical", "--approve", *scores)
    assert "edit v1 vertical render: approved by ines (owner)" in approved
    published = run("publish", SLUG, "--preset", "vertical")
    assert str(home / "publish" / SLUG / "manifest.json") in published
    store = Store(home)
    try:
        (comment,) = review.comments_of(store, SLUG, "take", _take_id(store, 2))
        assert (comment.at_s, comment.author) == (4.0, "ines")
        decided = review.reviews_of(store, SLUG, "render", renders["vertical"])
        assert [r.decision for r in decided] == ["approve"]
    finally:
        store.close()
    shown = run("review", "show", SLUG)
    order = [shown.index(name) for name in ("board v1", "clip-02/take-001", "vertical render")]
    assert order == sorted(order), shown
    assert "comment at 4.0 s by ines (owner): too dark" in shown
    assert "visual-continuity 4" in shown and "override by ines (owner): animatic only" in shown
    data = json.loads(
        runner.invoke(app, ["review", "show", SLUG, "--json", "--home", str(home)]).output
    )
    subjects = {h["name"]: h for h in data["subjects"]}
    assert subjects["board v1"]["standing"] == "overridden"
    assert subjects["edit v1 vertical render"]["standing"] == "approved"
    assert [c["body"] for c in subjects["clip-02/take-001"]["comments"]] == ["too dark"]
