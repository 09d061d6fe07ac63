"""Staleness, as a person meets it: something approved or published on top of something that
changed since is marked stale everywhere -- ``status`` (text and JSON), the web dashboard (API and
page), the checklist, the review page and the report -- naming what changed and the command that
brings it up to date; ``publish`` refuses a stale render; a draft is never listed as a render.

The production is made cheaply: the example imported, its takes from a fake provider delivering a
small real clip, and each edit's renders recorded over a small real video (a real render takes a
minute and is not what these tests are about). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_providers import TimedProvider
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shortfilm import review
from shortfilm.cli import app as cli_app
from shortfilm.domain.checklist import StepState
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.rubric import CRITERION_KEYS, Score
from shortfilm.domain.staleness import (
    ClipFacts,
    PublicationFacts,
    RenderFacts,
    StaleKind,
    StalenessFacts,
    staleness,
)
from shortfilm.edit.versions import record_edit
from shortfilm.errors import GateError
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.production.importing import import_spec
from shortfilm.production.report import report_path, write_report
from shortfilm.production.status import production_status
from shortfilm.publish.final import publish
from shortfilm.review.checklist import checklist
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import EditRow, RenderRow
from shortfilm.takes.external import import_take
from shortfilm.takes.generate import generate_takes
from shortfilm.team.accounts import add_user
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

SLUG = "wasteland-villa"
OWNER = Actor("ines", Role.OWNER, 1)
PASSWORD = "review pass 1"
RUBRIC = tuple(Score(key, 4, "fine") for key in CRITERION_KEYS)


def _video(path: Path, seconds: float, hue: int) -> Path:
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc2=s=160x90:r=24:d={seconds}", "-f", "lavfi", "-i",
         f"sine=frequency={330 + hue}:duration={seconds}", "-vf", f"hue=h={hue}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", path],
        what="test clip",
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A take as long as the example's clips, another take to switch to, and a 'render'."""
    folder = tmp_path_factory.mktemp("media")
    return {
        "take": _video(folder / "take.mp4", 12.5, 0),
        "other": _video(folder / "other.mp4", 12.5, 120),
        "render": _video(folder / "render.mp4", 2.0, 200),
        "rerender": _video(folder / "rerender.mp4", 2.0, 280),
    }


@pytest.fixture
def home(
    tmp_path: Path,
    db_url: str,
    example_spec: Path,
    media: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Store]:
    """The example published by its owner: board, takes and final approved, edit v1 rendered,
    published, and the report written (as ``run`` leaves it). The CLI finds the same database
    (``SHORTFILM_DATABASE_URL``)."""
    monkeypatch.setenv("SHORTFILM_USER", "ines")
    if not db_url.startswith("sqlite"):
        monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    review.approve_pending(store, SLUG, OWNER, "board")
    _generate(store, media["take"])
    review.approve_pending(store, SLUG, OWNER, "clip")
    _render(store, media["render"])
    review.approve_pending(store, SLUG, OWNER, "final")
    publish(store, SLUG, OWNER)
    write_report(store, SLUG, report_path(store, SLUG))
    for name, role in (("ines", Role.OWNER), ("mara", Role.EDITOR)):
        add_user(store, name, role, PASSWORD)
    assert _states(store) == {step: "done" for step in _states(store)}
    yield store
    store.close()


def _generate(store: Store, clip: Path) -> None:
    result = generate_takes(
        store, SLUG, TimedProvider(clip, latency_s=0.01), poll_interval_s=0.01, review=False
    )
    assert all(o.status == "succeeded" for o in result.outcomes), result.outcomes


def _render(store: Store, video: Path, *, draft_first: bool = False) -> int:
    """The edit of the current selections, and a passed render row per preset stored under its
    own name (``draft_first``: a review draft of the same bytes was stored before it)."""
    stored = record_edit(store, SLUG)
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        edit = s.get(EditRow, stored.edit_id)
        assert edit is not None
        for preset in ("vertical", "horizontal"):
            if draft_first:
                store.put_artifact(s, video, naming.render(SLUG, edit.version, f"{preset}-draft"))
            sha = store.put_artifact(s, video, naming.render(SLUG, edit.version, preset))
            s.add(
                RenderRow(
                    edit_id=edit.id, preset=preset, sha256=sha, duration_s=2.0, width=160,
                    height=90, integrated_lufs=-14.0, true_peak_dbtp=-1.5, status="passed",
                    checks={"reasons": [], "measured": {}},
                )
            )  # fmt: skip
            repo.event(s, prod.id, "render.done", preset)
    return stored.version


def _states(store: Store) -> dict[str, str]:
    return {step.key: step.state.value for step in checklist(store, SLUG)}


def _cli(store: Store, *args: str, code: int = 0) -> str:
    """``shortfilm ARGS`` in the production home (``SHORTFILM_HOME``): the commands it suggests
    are bare, as they print for a person working there."""
    home = str(store.home)
    result = CliRunner().invoke(cli_app, [*args, "--home", home], env={"SHORTFILM_HOME": home})
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def _web(store: Store, name: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(store, Settings()), follow_redirects=False)
    login = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/"})
    assert login.status_code == 303, login.text
    return client, client.get("/api/me").json()["csrf_token"]


def _published(store: Store) -> dict[str, bytes]:
    folder = store.home / "publish" / SLUG
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- the rules, pure ----------------------------------------------------------------------------


def test_the_rules_say_what_is_stale_why_and_the_command_that_fixes_it() -> None:
    clips = (
        ClipFacts(1, 1, 1, 1, selected_passes=True),
        ClipFacts(2, 2, 1, 1, selected_passes=True),
    )
    facts = StalenessFacts(
        SLUG,
        clips,
        edit_version=1,
        edit_plays={1: 1, 2: 1},
        renders=(RenderFacts("vertical", "a" * 64, True),),
        publication=PublicationFacts(1, {"vertical": "a" * 64}),
    )
    found = staleness(facts)
    assert found.takes == ()
    assert found.edit is not None and found.edit.fix == f"shortfilm render {SLUG}"
    assert "clip-02 selects take-002, the edit plays take-001" in found.edit.because
    assert [s.kind for s in found.all] == [StaleKind.EDIT, StaleKind.RENDER, StaleKind.PUBLICATION]
    # nothing changed: nothing is stale
    same = StalenessFacts(SLUG, clips[:1], 1, {1: 1}, facts.renders, facts.publication)
    assert not staleness(same)
    # the published render was replaced since
    redone = StalenessFacts(
        SLUG, clips[:1], 1, {1: 1}, (RenderFacts("vertical", "b" * 64, True),), facts.publication
    )
    [published] = staleness(redone).all
    assert published.because == "the vertical render changed since"
    assert published.fix == f"shortfilm publish {SLUG}"
    # a take made from an older prompt, with a newer take to approve instead
    old = ClipFacts(3, 1, 1, 2, newer_take=4, selected_passes=True)
    [take, render] = staleness(StalenessFacts(SLUG, (old,), 1, {3: 1}, facts.renders)).all
    assert take.subject == "clip-03/take-001"
    assert take.because == "made from prompt v1, and clip-03's prompt is v2 now"
    assert take.fix == f"shortfilm review take {SLUG} clip-03 4 --approve"
    assert render.kind is StaleKind.RENDER and "it plays clip-03/take-001" in render.because


# -- a selection changes after publishing ---------------------------------------------------------


def test_a_selection_changed_after_publishing_is_stale_everywhere_until_rendered_again(
    home: Store, media: dict[str, Path]
) -> None:
    store = home
    before = _published(store)
    # the editor brings a better take for clip-02 and picks it
    import_take(store, SLUG, 2, media["other"], select=False)
    _cli(store, "take", "select", SLUG, "clip-02", "2")
    changed = "clip-02 selects take-002, the edit plays take-001"

    text = _cli(store, "status")
    assert "pending: nothing" not in text
    assert f"stale: edit v1 is stale: the selection changed: {changed}" in text
    assert f"`shortfilm review take {SLUG} clip-02 2 --approve`" in text
    [st] = json.loads(_cli(store, "status", "--json"))
    states = {step["key"]: step["state"] for step in st["checklist"]}
    assert states["edit"] == states["publish"] == "stale"
    assert any(line.startswith("the publication of edit v1 is stale") for line in st["stale"])
    assert all(changed in line for line in st["stale"])

    # the report was rewritten by the selection, not only by run
    report = report_path(store, SLUG).read_text()
    assert "## Stale" in report and changed in report

    # the dashboard: API and page
    client, csrf = _web(store, "ines")
    board = client.get(f"/api/productions/{SLUG}").json()
    publish_step = next(s for s in board["checklist"] if s["key"] == "publish")
    assert publish_step["state"] == "stale" and changed in publish_step["detail"]
    assert {s["kind"] for s in board["stale"]} == {"edit", "render", "publication"}
    page = client.get(f"/p/{SLUG}").text
    assert 'data-state="stale"' in page and "Nothing is waiting." not in page
    assert changed in page and f"shortfilm review take {SLUG} clip-02 2 --approve" in page
    edit_page = client.get(f"/api/productions/{SLUG}/edit").json()
    assert {s["kind"] for s in edit_page["stale"]} == {"edit", "render", "publication"}
    assert changed in client.get(f"/p/{SLUG}/edit").text

    # publishing refuses, exits non-zero, and leaves the published folder as it was
    refused = _cli(store, "publish", SLUG, code=1)
    assert "nothing was published" in refused and changed in refused
    with pytest.raises(GateError, match="is stale"):
        publish(store, SLUG, OWNER)
    assert _published(store) == before

    # the owner approves the new take in the web app: now the fix is the render
    take = review.subject_id(store, SLUG, "take", clip=2, take=2)
    approved = client.post(
        f"/api/productions/{SLUG}/reviews",
        json={"kind": "take", "subject_id": take, "decision": "approve"},
        headers={"X-CSRF-Token": csrf},
    )
    assert approved.status_code == 201, approved.text
    board = client.get(f"/api/productions/{SLUG}").json()
    assert {s["fix"] for s in board["stale"]} == {f"shortfilm render {SLUG}"}
    assert f"`shortfilm render {SLUG}`" in report_path(store, SLUG).read_text()

    # the new take hands its own keyframe on (the checklist's keyframe step asks for it), it is
    # rendered again and the final approved: nothing is stale; publishing brings it back to done
    _cli(store, "keyframe", "pick", SLUG, "clip-02", "--at", "12")
    assert _render(store, media["render"]) == 2
    for preset in ("vertical", "horizontal"):
        render = review.subject_id(store, SLUG, "render", preset=preset)
        review.decide(store, SLUG, "render", render, OWNER, "approve", scores=RUBRIC)
    states_now = _states(store)
    assert states_now["edit"] == "done"
    assert states_now["publish"] == "stale"  # edit v1 is what is out there; v2 is newer
    assert f"shortfilm publish {SLUG}" in _cli(store, "status")
    _cli(store, "publish", SLUG)
    steps = checklist(store, SLUG)
    assert all(step.state is StepState.DONE for step in steps), steps
    [st] = json.loads(_cli(store, "status", "--json"))
    assert st["stale"] == [] and st["pending"] == []
    assert "## Stale" not in report_path(store, SLUG).read_text()
    assert (
        json.loads((store.home / "publish" / SLUG / "manifest.json").read_text())["edit_version"]
        == 2
    )


# -- a prompt changes under an approved take ------------------------------------------------------


def test_a_prompt_edit_makes_the_clips_approved_take_stale(
    home: Store, example_spec: Path, media: dict[str, Path]
) -> None:
    store = home
    # the owner looked at clip-02's take and approved it: their pick, which run never undoes
    _cli(store, "review", "take", SLUG, "clip-02", "1", "--approve")
    assert all(state == "done" for state in _states(store).values())
    data: dict[str, Any] = yaml.safe_load(example_spec.read_text())
    data["clips"][1]["sound_rule"] = "Only the wind. The fight is heard as thuds, far away."
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    import_spec(store, example_spec)
    _generate(store, media["other"])  # the new prompt's take is made ...
    [st] = production_status(store)
    clip = next(c for c in st.clips if c.clip == "clip-02")
    assert (clip.prompt_version, clip.takes, clip.selected_take) == (2, 2, 1)  # ... not selected
    why = "clip-02/take-001 is stale: made from prompt v1, and clip-02's prompt is v2 now"
    fix = f"`shortfilm review take {SLUG} clip-02 2 --approve`"
    assert _states(store)["clip-generation"] == "stale"
    assert clip.stale.startswith(why) and fix in clip.stale
    assert st.pending and any(why in line for line in st.pending)
    text = _cli(store, "status")
    assert why in text and fix in text and "pending: nothing" not in text

    # the review page marks the selected take
    client, _ = _web(store, "mara")
    overview = client.get(f"/api/productions/{SLUG}/review").json()
    clip02 = next(c for c in overview["clips"] if c["position"] == 2)
    assert clip02["stale"].startswith(why)
    assert [t["stale"] != "" for t in clip02["takes"]] == [True, False]
    assert "made from prompt v1" in client.get(f"/p/{SLUG}/review").text
    assert client.get(f"/api/productions/{SLUG}/clips/2").json()["stale"].startswith(why)
    assert "made from prompt v1" in client.get(f"/p/{SLUG}/clips/2").text

    # the published render plays the stale take: publishing refuses
    refused = _cli(store, "publish", SLUG, code=1)
    assert "nothing was published" in refused and "made from prompt v1" in refused

    # approving the new take brings the take back to done
    _cli(store, "review", "take", SLUG, "clip-02", "2", "--approve")
    assert _states(store)["clip-generation"] == "done"
    assert _states(store)["edit"] == "stale"


# -- drafts ---------------------------------------------------------------------------------------


def test_status_lists_renders_by_their_own_name_never_a_draft(
    home: Store, media: dict[str, Path]
) -> None:
    store = home
    import_take(store, SLUG, 1, media["other"], select=True)
    review.approve_pending(store, SLUG, OWNER, "clip")
    # a review draft of edit v2 was stored first, and the full render has the same bytes
    _render(store, media["rerender"], draft_first=True)
    [st] = production_status(store)
    assert set(st.renders) == {"vertical", "horizontal"}
    for preset, path in st.renders.items():
        assert Path(path).name == f"{SLUG}__edit-v2__{preset}.mp4", path
    text = _cli(store, "status")
    assert "-draft.mp4" not in text


# -- the report -----------------------------------------------------------------------------------


def test_the_report_is_rewritten_by_each_command_that_changes_its_facts(
    home: Store, media: dict[str, Path]
) -> None:
    store = home
    report = report_path(store, SLUG)
    assert "- nothing" in report.read_text()  # as run left it: published, nothing pending
    import_take(store, SLUG, 3, media["other"], select=False)
    _cli(store, "review", "take", SLUG, "clip-03", "2", "--approve")  # approving selects it
    text = report.read_text()
    assert "| clip-03 " in text and "take-002" in text
    assert "clip-03 selects take-002, the edit plays take-001" in text
    assert "- nothing" not in text
    _cli(store, "publish", SLUG, code=1)  # refused: nothing changed, the report neither
    assert report.read_text() == text
