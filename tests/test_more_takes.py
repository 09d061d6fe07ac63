"""More takes of a clip (``take new``, the TAKES job) and a clip's plan revised outside the spec
file, on the generated example (animatic takes, QC on), on SQLite and PostgreSQL.

- Two more takes get seeds none of the clip's takes used, are stored and QC'd beside the others,
  and leave the selection alone; asked again with the same seeds (a job delivered twice), they
  are found, not made again.
- A revised plan becomes the production's spec for that clip and the clip's next prompt version;
  the takes name that version. A plan that does not validate, lint refuses, or changes a frame
  path is refused naming the line or field, with nothing written.
- The revision is a change made outside the file: importing the unchanged file keeps it, and a
  file that changed the same clip is a conflict, nothing imported.
- The role rule and a stale page's revision (the plan changed since it was shown) are refused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.take_strategy import TakeStrategy
from shortfilm.errors import ConflictError, PermissionDenied
from shortfilm.jobs.requests import request_takes
from shortfilm.production.clip_revision import clip_plan_text, plan_digest, revise_clip
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import PromptRow

pytestmark = pytest.mark.media

SLUG = "wasteland-villa"
runner = CliRunner()


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _clip_state(home: Path, position: int) -> dict[str, object]:
    store = Store(home)
    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clip = next(c for c in repo.clips(s, prod.id) if c.position == position)
            takes = repo.takes(s, clip.id)
            versions = {p.id: p.version for p in s.query(PromptRow).filter_by(clip_id=clip.id)}
            prompts = len(versions)
            return {
                "selected": clip.selected_take_id,
                "takes": [(t.number, t.params.get("seed"), t.status) for t in takes],
                "prompt_of": {t.number: versions[t.prompt_id] for t in takes},
                "prompts": prompts,
                "spec": prod.spec["clips"][position - 1],
                "qc": {t.number: repo.take_analysis(s, t.id) is not None for t in takes},
            }
    finally:
        store.close()


def _leading_take_ids(home: Path, position: int) -> set[int]:
    """The ids of the clip's takes that share the best score (an equal newcomer does not take
    the selection from the take the edit plays)."""
    from shortfilm.takes.ranking import clip_ranking

    store = Store(home)
    try:
        ranking = clip_ranking(store, SLUG, position)
        best = {r.number for r in ranking if r.score == ranking[0].score}
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clip = next(c for c in repo.clips(s, prod.id) if c.position == position)
            return {t.id for t in repo.takes(s, clip.id) if t.number in best}
    finally:
        store.close()


def test_more_takes_select_the_best_and_are_never_made_twice(timeline_home: Path) -> None:
    home = str(timeline_home)
    before = _clip_state(timeline_home, 3)
    code, out = _cli("take", "new", SLUG, "clip-03", "-n", "2", "--home", home, "--json")
    assert code == 0, out
    said = json.loads(out.strip().splitlines()[-1])
    assert said["seeds"] == [1, 2] and said["provider"] == "animatic"  # run's take used seed 0
    assert [t["status"] for t in said["takes"]] == ["succeeded", "succeeded"]
    after = _clip_state(timeline_home, 3)
    # nobody chose clip 3's take (run did): the best of the three by its QC evidence is selected
    assert after["selected"] in _leading_take_ids(timeline_home, 3)
    new = [t for t in after["takes"] if t not in before["takes"]]  # type: ignore[operator]
    # made side by side: which seed got which number is the order they were stored in
    assert sorted(n for n, _, _ in new) == [2, 3] and sorted(s for _, s, _ in new) == [1, 2]
    assert all(after["qc"][n] for n, _, _ in new)  # type: ignore[index]

    # the same seeds again (a job delivered twice): found by their requests, nothing made
    from shortfilm.providers import registry
    from shortfilm.takes.more import more_takes, next_seeds

    store = Store(timeline_home)
    try:
        provider = registry.get("animatic", timeline_home / "work" / "animatic")
        again = more_takes(store, SLUG, 3, provider, [1, 2])
        # asked from seed 1 up, the used ones are skipped (and those of requests still queued)
        assert next_seeds(store, SLUG, 3, 2, first=1) == [3, 4]
        assert next_seeds(store, SLUG, 3, 1, first=1, reserved={3}) == [4]
    finally:
        store.close()
    assert sorted((o.take_number, o.reused) for o in again) == [(2, True), (3, True)]
    assert len(_clip_state(timeline_home, 3)["takes"]) == 3  # type: ignore[arg-type]


def test_a_revised_plan_is_checked_linted_and_becomes_the_next_prompt(
    timeline_home: Path, tmp_path: Path
) -> None:
    home = str(timeline_home)
    code, plan = _cli("take", "new", SLUG, "2", "--show-plan", "--home", home)
    assert code == 0 and "shots:" in plan, plan
    before = _clip_state(timeline_home, 2)

    refusals = {
        "broken.yaml": ("name: x\n  bad: [\n", 2, "clip-02's plan:2: not YAML"),
        "typo.yaml": (
            plan.replace("movement:", "movment:", 1),
            2,
            "shots[0].movment: unknown field 'movment' (did you mean 'movement'?)",
        ),
        "long.yaml": (
            plan.replace("duration_s: 12.5", "duration_s: 45"),
            1,
            "C201 clips[1].duration_s: clip is 45 s",
        ),
        "frame.yaml": (plan + "first_frame: keyframe\n", 2, "first_frame: names an image"),
        "list.yaml": ("- just\n- a list\n", 2, "must be a mapping"),
    }
    for name, (text, exit_code, message) in refusals.items():
        (tmp_path / name).write_text(text)
        code, out = _cli("take", "new", SLUG, "2", "--plan", str(tmp_path / name), "--home", home)
        assert code == exit_code, (name, out)
        assert message in " ".join(out.split()), (name, out)
    assert _clip_state(timeline_home, 2) == before  # nothing written by any of them

    first_action = next(line for line in plan.splitlines() if "action:" in line)
    revised = plan.replace(first_action, first_action.split("action:")[0] + "action: She lands.")
    (tmp_path / "revised.yaml").write_text(revised)
    code, out = _cli(
        "take", "new", SLUG, "2", "--plan", str(tmp_path / "revised.yaml"), "--home", home
    )
    assert code == 0, out
    assert "clip-02: prompt v2 (new from revised.yaml)" in out
    after = _clip_state(timeline_home, 2)
    assert after["prompts"] == before["prompts"] + 1  # type: ignore[operator]
    assert after["spec"]["shots"][0]["action"] == "She lands."  # type: ignore[index]
    assert after["prompt_of"][2] == 2  # type: ignore[index]
    # the same text again: no new version
    store = Store(timeline_home)
    try:
        again = revise_clip(store, SLUG, 2, revised)
    finally:
        store.close()
    assert (again.prompt_version, again.changed) == (2, False)
    assert _clip_state(timeline_home, 2)["prompts"] == after["prompts"]


def test_an_import_keeps_the_revision_or_names_the_conflict(
    timeline_home: Path, tmp_path: Path
) -> None:
    home = str(timeline_home)
    spec = timeline_home / "spec" / "production.yaml"
    plan = clip_plan_text_of(timeline_home, 4)
    line = next(x for x in plan.splitlines() if "action:" in x)
    store = Store(timeline_home)
    try:
        revise_clip(store, SLUG, 4, plan.replace(line, line.split("action:")[0] + "action: Up."))
    finally:
        store.close()
    # the file did not change clip-04: importing it keeps the revision
    code, out = _cli("import", str(spec), "--home", home)
    assert code == 0, out
    assert _clip_state(timeline_home, 4)["spec"]["shots"][0]["action"] == "Up."  # type: ignore[index]
    # the file changes clip-04 too: a conflict, nothing imported
    text = spec.read_text()
    edited = tmp_path / "spec"
    shutil.copytree(timeline_home / "spec", edited)
    words = "The cliff edge crumbles."
    (edited / "production.yaml").write_text(text.replace(line.split("action:")[1].strip(), words))
    code, out = _cli("import", str(edited / "production.yaml"), "--home", home)
    assert code != 0 and "both changed" in " ".join(out.split()), out
    assert _clip_state(timeline_home, 4)["spec"]["shots"][0]["action"] == "Up."  # type: ignore[index]


def clip_plan_text_of(home: Path, position: int) -> str:
    store = Store(home)
    try:
        return clip_plan_text(store, SLUG, position)
    finally:
        store.close()


class _Later:
    """A queue no worker reads yet: the job stays queued until the test carries it out."""

    def submit(self, store: Store, job: object) -> None:
        pass


def test_requests_follow_the_role_rule_and_refuse_a_stale_revision(timeline_home: Path) -> None:
    from shortfilm.jobs.runner import execute

    store = Store(timeline_home)
    queue = _Later()
    try:
        editor = Actor("mara", Role.EDITOR)
        with pytest.raises(PermissionDenied):
            request_takes(store, SLUG, editor, 1, 2, queue=queue)
        operator = Actor("ari", Role.AI_OPERATOR)
        shown = clip_plan_text(store, SLUG, 1)
        stale = plan_digest(shown.replace("shots:", "shots: # old\n", 1))
        with pytest.raises(ConflictError, match="changed since you opened it"):
            request_takes(
                store, SLUG, operator, 1, 1, plan_text=shown + "\n", plan_was=stale, queue=queue
            )
        asked = request_takes(store, SLUG, operator, 1, 1, queue=queue)
        # a second request while the first is queued or running asks for other seeds
        second = request_takes(store, SLUG, operator, 1, 1, queue=queue)
        assert asked.seeds == [1] and second.seeds == [2], (asked.seeds, second.seeds)
        done = execute(store, asked.job.id)  # as a worker would
        assert done.state.value == "done", done.error
        assert [t["status"] for t in done.result["takes"]] == ["succeeded"]
        # until-pass travels with the job: the first take passes QC, the second is not asked
        until = request_takes(
            store, SLUG, operator, 1, 2, queue=queue, strategy=TakeStrategy.UNTIL_PASS
        )
        assert until.job.args["strategy"] == "until-pass"
        done = execute(store, until.job.id)
        assert done.state.value == "done", done.error
        assert len(done.result["takes"]) == 1 and done.result["not_asked"] == 1, done.result
    finally:
        store.close()


def test_more_takes_continue_from_the_take_picked_upstream(timeline_home: Path) -> None:
    """Clip 3 continues clip 2 from its keyframe. A take of clip 2 picked by hand has no
    hand-off keyframe until one is chosen: more takes of clip 3 choose its default one first
    (as run does), and continue from it, not from the take it replaced."""
    home = str(timeline_home)
    code, out = _cli("take", "new", SLUG, "2", "--home", home, "--json")
    assert code == 0, out
    code, out = _cli("take", "select", SLUG, "2", "2", "--home", home)
    assert code == 0, out
    code, out = _cli("take", "new", SLUG, "3", "--home", home, "--json")
    assert code == 0, out
    assert json.loads(out.strip().splitlines()[-1])["takes"][0]["status"] == "succeeded"
    store = Store(timeline_home)
    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clips = {c.position: c for c in repo.clips(s, prod.id)}
            picked = next(t for t in repo.takes(s, clips[2].id) if t.number == 2)
            handed = repo.chosen_keyframe(s, picked.id)
            assert handed is not None  # chosen when clip 3 needed it
            new = next(t for t in repo.takes(s, clips[3].id) if t.number == 2)
            old = next(t for t in repo.takes(s, clips[3].id) if t.number == 1)
            assert new.keyframe_id == handed.id != old.keyframe_id
    finally:
        store.close()
