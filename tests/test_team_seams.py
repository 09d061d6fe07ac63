"""A team's seams, worked as a team works them: the spec file, the command line and the web app
changing one production in turn, with the store's facts asserted after each step.

The four scenarios of the integrity issue, each on SQLite and PostgreSQL, each through the real
entry points (``shortfilm ...`` through Typer, the web app through HTTP with a logged-in user):

(a) a reference uploaded in the web app and approved there survives ``run SPEC``; a conflicting
    change in the spec file stops with the conflict and writes nothing;
(b, c) a published film, then the person's edit decisions at the command line, then a new take
    uploaded and selected in the web app: ``status``, the dashboard and the checklist say what
    is stale, ``publish`` refuses, ``run`` redoes only what is stale (no take is made, the Edit
    carries every decision or names what it could not), and ``publish`` brings it back to done;
(d) a production changed every way (every ``shortfilm edit`` command, a web reference upload,
    a web take upload and selection) exported and imported again: no new version of anything.

The production is the example, cut short so a render takes seconds: one channel, and takes
imported from small real videos of 2-6 s.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_providers import RefusingProvider
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from shortfilm import review
from shortfilm.cli import app as cli_app
from shortfilm.domain.people import Role
from shortfilm.edit.versions import load_edit
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.presets import CHANNELS
from shortfilm.providers import registry
from shortfilm.review.checklist import checklist
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    EditRow,
    PromptRow,
    RenderRow,
    ReviewRow,
    ScriptRow,
    TakeRow,
)
from shortfilm.team.accounts import add_user
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

SLUG = "wasteland-villa"
PASSWORD = "review pass 1"
TEAM = {
    "ines": Role.OWNER,
    "mara": Role.EDITOR,
    "ari": Role.AI_OPERATOR,
    "vic": Role.VISUAL_OPERATOR,
}

pytestmark = pytest.mark.media


def _video(path: Path, seconds: float, hue: int = 0) -> Path:
    """A small silent H.264 clip (``hue`` tells takes apart): the example's clips keep no sound
    of their own, so a take's sound would only be muted again."""
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc2=s=160x90:r=24:d={seconds}", "-vf", f"hue=h={hue}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
        what="test clip",
    )  # fmt: skip
    return path


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (48, 64), colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Team:
    """One production home, worked on from the command line and the web app."""

    home: Path
    url: str
    spec: Path
    store: Store
    media: Path

    def cli(self, *args: str, code: int = 0, user: str = "ines") -> str:
        """``shortfilm ARGS --home HOME`` as ``user``; the output with its lines joined."""
        result = CliRunner().invoke(
            cli_app,
            [*args, "--home", str(self.home)],
            env={"SHORTFILM_DATABASE_URL": self.url, "SHORTFILM_USER": user},
        )
        assert result.exit_code == code, (args, result.output)
        return " ".join(result.output.split())

    def pasted(self, command: str) -> str:
        """A command the tool printed, run as printed (from another folder than the home: the
        printed command must name the home itself)."""
        words = shlex.split(command)
        assert words[0] == "shortfilm", command
        result = CliRunner().invoke(
            cli_app, words[1:], env={"SHORTFILM_DATABASE_URL": self.url, "SHORTFILM_USER": "ines"}
        )
        assert result.exit_code == 0, (command, result.output)
        return " ".join(result.output.split())

    def web(self, name: str) -> Web:
        client = TestClient(create_app(self.store, Settings()), follow_redirects=False)
        login = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/"})
        assert login.status_code == 303, login.text
        return Web(client, client.get("/api/me").json()["csrf_token"])

    def counts(self) -> dict[str, int]:
        """How many versions of each versioned thing, and reviews, the store holds."""
        tables = (ScriptRow, BoardRow, PromptRow, TakeRow, EditRow, RenderRow, ReviewRow)
        with self.store.session() as s:
            return {
                t.__name__: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in tables
            }

    def boards(self) -> list[tuple[int, str, list[str]]]:
        with self.store.session() as s:
            rows = s.scalars(select(BoardRow).order_by(BoardRow.version))
            return [(b.version, b.status, sorted(r["label"] for r in b.references)) for b in rows]

    def states(self) -> dict[str, str]:
        return {step.key: step.state.value for step in checklist(self.store, SLUG)}


@dataclass
class Web:
    """A logged-in browser session: the client and its CSRF token."""

    client: TestClient
    csrf: str

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/productions/{SLUG}{path}", json=body, headers={"X-CSRF-Token": self.csrf}
        )

    def upload(self, path: str, name: str, data: bytes, **fields: str) -> Any:
        return self.client.post(
            f"/api/productions/{SLUG}{path}",
            files={"file": (name, data, "application/octet-stream")},
            data=fields,
            headers={"X-CSRF-Token": self.csrf},
        )

    def get(self, path: str) -> Any:
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json() if path.startswith("/api/") else answer.text


@pytest.fixture
def team(
    tmp_path: Path, db_url: str, example_spec: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Team]:
    """The example imported with ``shortfilm import`` (one channel, so a render takes seconds),
    its board approved by the owner, and the team's logins."""
    data = yaml.safe_load(example_spec.read_text())
    data["channels"] = ["youtube"]
    data["edit"] = {"title_card": {"text": "Held", "duration_s": 1}, "crossfade_s": 0.25}
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    home = tmp_path / "home"
    monkeypatch.setenv("SHORTFILM_DATABASE_URL", db_url)
    monkeypatch.delenv("SHORTFILM_HOME", raising=False)
    monkeypatch.chdir(tmp_path)  # the team works from a folder of its own, naming the home
    for channel, preset in list(CHANNELS.items()):  # the seams, not the pixels: small exports
        monkeypatch.setitem(
            CHANNELS, channel, replace(preset, width=preset.width // 4, height=preset.height // 4)
        )
    media = tmp_path / "media"
    media.mkdir()
    opened = Team(home, db_url, example_spec, Store(home, db_url), media)
    try:
        opened.cli("import", str(example_spec))
        opened.cli("review", "board", SLUG, "--approve")
        for name, role in TEAM.items():
            add_user(opened.store, name, role, PASSWORD)
        yield opened
    finally:
        opened.store.close()


def _with_takes(team: Team) -> None:
    """Each clip's take, as an editor brings them in: 2, 3, 6 and 2 s."""
    for clip, seconds in ((1, 2), (2, 3), (3, 6), (4, 2)):
        video = _video(team.media / f"take{clip}.mp4", seconds, 40 * clip)
        team.cli("take", "import", SLUG, str(clip), str(video), "--select", user="mara")


# -- (a) ------------------------------------------------------------------------------------------


def test_a_reference_uploaded_in_the_web_app_survives_run_and_a_conflict_writes_nothing(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    vic, ines = team.web("vic"), team.web("ines")
    added = vic.upload(
        "/board/references", "keeper.png", _png((20, 180, 60)), role="character",
        label="The Keeper",
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["board_version"] == 2 and added.json()["spec_path"] == "refs/the-keeper.png"
    assert team.boards()[-1][:2] == (2, "draft")
    board = review.subject_id(team.store, SLUG, "board")
    approved = ines.post("/reviews", {"kind": "board", "subject_id": board, "decision": "approve"})
    assert approved.status_code == 201, approved.text

    # run SPEC re-imports the file, which never named the image: the image stays, v2 stays
    # approved, and the gate lets every clip be sent with it
    provider = RefusingProvider()  # every take is refused: the run stops after generating
    monkeypatch.setattr(registry, "get", lambda name, work: provider)
    said = team.cli("run", str(team.spec), code=1)
    assert "refused" in said or "failed" in said, said
    labels = ["Kestrel", "Patrol unit", "Villa exterior", "Wasteland road", "palette"]
    assert team.boards() == [
        (1, "approved", labels),
        (2, "approved", sorted([*labels, "The Keeper"])),
    ]
    assert provider.submitted
    assert all("The Keeper" in [r.label for r in q.references] for q in provider.submitted)
    page = ines.get(f"/api/productions/{SLUG}/board")
    assert "The Keeper" in json.dumps(page)

    # someone changes the same reference in the spec file: a conflict, and nothing written
    refs = team.spec.parent / "refs"
    (refs / "keeper-old.png").write_bytes(_png((200, 30, 30)))
    data = yaml.safe_load(team.spec.read_text())
    keeper = next(c for c in data["board"]["characters"] if c["name"] == "The Keeper")
    keeper["reference"] = "refs/keeper-old.png"
    team.spec.write_text(yaml.safe_dump(data, sort_keys=False))
    before = (team.counts(), team.boards(), _files(team.home))
    refused = team.cli("run", str(team.spec), code=1)
    assert "reference (The Keeper)" in refused, refused
    assert "'refs/the-keeper.png'" in refused and "'refs/keeper-old.png'" in refused
    assert "nothing was imported" in refused
    assert (team.counts(), team.boards(), _files(team.home)) == before
    # the command the message names takes the file's side, as a new draft to review
    command = re.search(r"`(shortfilm import [^`]*--prefer-spec[^`]*)`", refused)
    assert command is not None, refused
    assert command.group(1).endswith(f"--prefer-spec --home {team.home}")
    team.pasted(command.group(1))
    assert team.boards()[-1][:2] == (3, "draft")


def _files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if "reports" not in p.parts)


# -- (b) and (c) ----------------------------------------------------------------------------------


def test_decisions_survive_a_take_chosen_in_the_web_app_and_run_redoes_only_what_is_stale(
    team: Team,
) -> None:
    _with_takes(team)
    team.cli("run", str(team.spec), "--yes")
    team.cli("publish", SLUG)
    assert set(team.states().values()) == {"done"}, team.states()
    published = _published(team)

    # the editor's decisions at the command line
    for command in (
        ["edit", "audio", SLUG, "1", "off"],
        ["edit", "speed", SLUG, "2", "1.5"],
        ["edit", "trim", SLUG, "3", "--in", "1", "--out", "5"],
        ["edit", "transition", SLUG, "3", "whip", "--duration", "0.4"],
        ["edit", "caption", "add", SLUG, "Over three", "--at", "4.5", "--until", "6"],
    ):
        team.cli(*command, user="mara")
    edited = load_edit(team.store, SLUG)
    assert edited is not None and edited.version == 6 and edited.edited_by == "mara"
    # what is out there is edit v1: the publication is behind the person's edit
    assert team.states()["publish"] == "stale"

    # the AI operator brings a shorter take of clip 3 in the web app; the editor picks it there
    ari, mara = team.web("ari"), team.web("mara")
    video = _video(team.media / "take3b.mp4", 3, 200)
    uploaded = ari.upload("/clips/3/takes", "take3b.mp4", video.read_bytes(), note="reshot")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["take"] == 2 and uploaded.json()["qc"] == "queued"
    picked = mara.post("/clips/3/selection", {"take": 2})
    assert picked.status_code == 204, picked.text

    # stale everywhere: status, the dashboard, the checklist; publish refuses on both sides
    changed = "clip-03 selects take-002, the edit plays take-001"
    text = team.cli("status")
    assert changed in text and "pending: nothing" not in text
    dashboard = mara.get(f"/api/productions/{SLUG}")
    assert {s["kind"] for s in dashboard["stale"]} >= {"edit", "publication"}
    assert changed in mara.get(f"/p/{SLUG}")
    assert team.states()["edit"] == "stale" and team.states()["publish"] == "stale"
    refused = team.cli("publish", SLUG, code=1)
    assert "nothing was published" in refused and changed in refused
    ines = team.web("ines")
    answer = ines.post("/publish", {})
    assert answer.status_code == 409 and changed in answer.json()["detail"], answer.text
    assert _published(team) == published

    # run: no take is made (each clip has a person's pick under its current prompt), the Edit
    # carries every decision (clip 3's trim clamped to the new take, named), and it renders
    before = team.counts()
    said = team.cli("run", str(team.spec), "--yes")
    after = team.counts()
    assert after["TakeRow"] == before["TakeRow"], "run made a take nothing asked for"
    assert after["EditRow"] == before["EditRow"] + 1
    assert after["RenderRow"] == before["RenderRow"] + 1
    assert (
        "edit v7: clamped trim clip-03 1.000-3.000 s: was 1.000-5.000 s of take 1 (6.000 s); "
        "take 2 is 3.000 s"
    ) in said
    assert "whip 0.42 s into clip-03" in said and "caption 'Over three' 4.50-6.00 s" in said
    assert "speed clip-02 x1.5" in said
    latest = load_edit(team.store, SLUG)
    assert latest is not None and latest.version == 7
    three = next(seg for seg in latest.timeline.segments if seg.clip == 3)
    assert (three.take, three.source_in, three.source_out) == (2, 24, 72)

    # only the publication is behind now, and its fix is publish; publishing makes it done
    states = team.states()
    assert states["publish"] == "stale" and states["edit"] == "done", states
    status = team.cli("status")
    assert f"`shortfilm publish {SLUG} --home {team.home}`" in status, status
    team.pasted(f"shortfilm publish {SLUG} --home {team.home}")
    assert set(team.states().values()) == {"done"}, team.states()
    [st] = json.loads(team.cli("status", "--json"))
    assert st["stale"] == [] and st["pending"] == []
    manifest = json.loads((team.home / "publish" / SLUG / "manifest.json").read_text())
    assert manifest["edit_version"] == 7
    # and run again: nothing is stale, so nothing is made
    again = team.counts()
    team.cli("run", str(team.spec), "--yes")
    assert team.counts() == again


def _published(team: Team) -> dict[str, bytes]:
    folder = team.home / "publish" / SLUG
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- (d) ------------------------------------------------------------------------------------------


def test_export_then_import_of_a_production_changed_every_way_makes_no_version(
    team: Team, tmp_path: Path
) -> None:
    # the music bed arrives in the spec file, imported before anyone works on the film
    music = team.spec.parent / "music.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=220:duration=14", "-c:a", "aac", music],
               what="music")  # fmt: skip
    data = yaml.safe_load(team.spec.read_text())
    data["edit"]["music"] = {"path": "music.m4a", "gain_db": -20}
    team.spec.write_text(yaml.safe_dump(data, sort_keys=False))
    team.cli("import", str(team.spec))
    _with_takes(team)
    vic, ari, mara = team.web("vic"), team.web("ari"), team.web("mara")
    for role, label, colour in (("character", "The Keeper", (20, 180, 60)),
                                ("board", "dusk", (200, 90, 20))):  # fmt: skip
        added = vic.upload("/board/references", f"{label}.png", _png(colour), role=role,
                           label=label)  # fmt: skip
        assert added.status_code == 201, added.text
    team.cli("review", "board", SLUG, "--approve")
    video = _video(team.media / "take2b.mp4", 4, 160)
    assert ari.upload("/clips/2/takes", "t.mp4", video.read_bytes()).status_code == 201
    assert mara.post("/clips/2/selection", {"take": 2}).status_code == 204
    for command in (
        ["edit", "trim", SLUG, "3", "--in", "1", "--out", "5"],
        ["edit", "move", SLUG, "4", "--to", "3"],
        ["edit", "speed", SLUG, "2", "1.25"],
        ["edit", "transition", SLUG, "2", "dip", "--duration", "0.5"],
        ["edit", "audio", SLUG, "1", "off"],
        ["edit", "caption", "add", SLUG, "The coast is held", "--at", "4", "--until", "6"],
        ["edit", "text", "add", SLUG, "Hold the line", "--kind", "hook", "--at", "0",
         "--until", "1.5"],
        ["edit", "music", SLUG, "--gain", "-16", "--fade-in", "1", "--duck", "6"],
        ["edit", "loudness", SLUG, "youtube", "--lufs", "-16"],
    ):  # fmt: skip
        team.cli(*command, user="mara")
    assert team.cli("edit", "show", SLUG)  # the person's timeline, as they see it

    before = team.counts()
    exported = tmp_path / "exported"
    team.cli("export", SLUG, str(exported))
    spec = exported / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    assert data["edit"] and "refs/the-keeper.png" in spec.read_text()
    said = team.cli("import", str(spec))
    assert team.counts() == before, said
    # and the export of that is the same file
    again = tmp_path / "again"
    team.cli("export", SLUG, str(again))
    assert (again / "production.yaml").read_text() == spec.read_text()
    # the exported spec states the person's work: their timeline and both uploaded images
    latest = load_edit(team.store, SLUG)
    assert latest is not None and latest.edited_by == "mara"
    assert (exported / "refs" / "the-keeper.png").read_bytes() == _png((20, 180, 60))
    assert "Hold the line" in spec.read_text() and "The coast is held" in spec.read_text()
