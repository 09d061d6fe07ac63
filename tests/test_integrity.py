"""A person's work is never silently lost: one rule for changes made in several places.

The spec file, the CLI and the web app all change one production. Each scenario runs on SQLite
and PostgreSQL and checks the store's facts after every step: a reference added with
``board add-reference`` (or the web upload, the same workflow function) survives ``run`` and
``import`` of a spec file that never named it, with its board version still the approved one;
a field changed in the file and in the store is a conflict naming the field, both values and
the commands that resolve it, with nothing written; and every next step a message suggests is
a complete command the CLI accepts.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from approvals import approve_board
from fake_providers import RefusingProvider, TimedProvider
from home_snapshot import snapshot
from PIL import Image
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

import shortfilm
from shortfilm.board.references import add_reference
from shortfilm.cli import app
from shortfilm.domain.carry import carry_edits
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.production import EditIntent, SoundEffectCue, SoundKind, TransitionKind
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.edit.versions import load_edit, record_edit, source_frames
from shortfilm.errors import ConflictError, ProviderError
from shortfilm.production.export import export_production
from shortfilm.production.importing import ImportConflict, import_spec
from shortfilm.production.pipeline import run_production
from shortfilm.spec import load_spec
from shortfilm.spec.merge import ABSENT, merge_specs
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    ArtifactNameRow,
    BoardRow,
    EditRow,
    EventRow,
    PromptRow,
    ReviewRow,
    ScriptRow,
)
from shortfilm.takes.generate import generate_takes

SLUG = "wasteland-villa"
KEEPER = "refs/the-keeper.png"
VIC = Actor("vic", Role.VISUAL_OPERATOR)


def png(path: Path, colour: tuple[int, int, int] = (20, 180, 60)) -> Path:
    Image.new("RGB", (48, 64), colour).save(path, "PNG")
    return path


@pytest.fixture
def store(tmp_path: Path, db_url: str, example_spec: Path) -> Any:
    """The example imported, its board v1 approved."""
    opened = Store(tmp_path / "home", db_url)
    import_spec(opened, example_spec)
    approve_board(opened, SLUG)
    yield opened
    opened.close()


def cli(store: Store, *args: str) -> Any:
    """Run ``shortfilm ARGS --home HOME`` on the store's database."""
    result = CliRunner().invoke(
        app,
        [*args, "--home", str(store.home)],
        env={
            "SHORTFILM_DATABASE_URL": store.url,
            "SHORTFILM_USER": "vic",
            "SHORTFILM_HOME": str(store.home),  # the commands it suggests print bare
        },
    )
    return result


def boards(store: Store) -> list[tuple[int, str, list[str]]]:
    """Each board version: number, status and the labels of its references."""
    with store.session() as s:
        rows = s.scalars(select(BoardRow).order_by(BoardRow.version))
        return [(b.version, b.status, [r["label"] for r in b.references]) for b in rows]


def stored_spec(store: Store) -> dict[str, Any]:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        return dict(prod.spec)


def keeper_reference(spec: dict[str, Any]) -> str | None:
    keeper = next(c for c in spec["board"]["characters"] if c["name"] == "The Keeper")
    return keeper.get("reference")


def versions(store: Store) -> dict[str, int]:
    """How many versions of each versioned thing, reviews and events the store holds."""
    with store.session() as s:
        return {
            t.__name__: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (ScriptRow, BoardRow, PromptRow, EditRow, ReviewRow, EventRow)
        }


# -- (a) a reference added elsewhere survives the spec file ---------------------------------------


def test_a_reference_added_with_the_workflow_survives_importing_the_spec(
    store: Store, example_spec: Path, tmp_path: Path
) -> None:
    added = add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    assert added.spec_path == KEEPER
    approve_board(store, SLUG)
    assert boards(store)[-1][:2] == (2, "approved")
    before = versions(store)

    again = import_spec(store, example_spec)  # the file never named the image

    assert again.new_versions == []
    assert again.kept == ["board.characters[2].reference"]
    assert versions(store)["BoardRow"] == before["BoardRow"]
    version, status, labels = boards(store)[-1]
    assert (version, status) == (2, "approved") and "The Keeper" in labels
    assert keeper_reference(stored_spec(store)) == KEEPER

    # the file changes something else: that change is applied, the image still kept
    text = example_spec.read_text("utf-8")
    example_spec.write_text(text.replace("Hard sun, dust", "Low sun, dust"), "utf-8")
    changed = import_spec(store, example_spec)
    assert "board v3" in changed.new_versions
    version, status, labels = boards(store)[-1]
    assert (version, status) == (3, "draft") and "The Keeper" in labels
    spec = stored_spec(store)
    assert keeper_reference(spec) == KEEPER and "Low sun, dust" in spec["board"]["world"]
    # and importing that same file again changes nothing
    assert import_spec(store, example_spec).new_versions == []
    assert boards(store)[-1][:2] == (3, "draft")


def test_run_keeps_a_reference_added_with_the_cli(
    store: Store, example_spec: Path, tmp_path: Path
) -> None:
    image = png(tmp_path / "keeper.png")
    added = cli(store, "board", "add-reference", SLUG, str(image), "--role", "character",
                "--label", "The Keeper")  # fmt: skip
    assert added.exit_code == 0, added.output
    approved = cli(store, "review", "board", SLUG, "--approve")
    assert approved.exit_code == 0, approved.output
    assert boards(store)[-1][:2] == (2, "approved")

    provider = RefusingProvider()  # every take is refused: the run stops after generating
    with pytest.raises(ProviderError):
        run_production(store, example_spec, provider)

    # the gate passed on the approved v2, and every clip was sent the added image
    assert boards(store) == [
        (1, "approved", ["Kestrel", "Patrol unit", "Villa exterior", "Wasteland road", "palette"]),
        (2, "approved", ["Kestrel", "Patrol unit", "The Keeper", "Villa exterior",
                         "Wasteland road", "palette"]),
    ]  # fmt: skip
    assert provider.submitted
    for request in provider.submitted:
        assert "The Keeper" in [r.label for r in request.references]
    assert keeper_reference(stored_spec(store)) == KEEPER


def test_a_production_imported_before_imports_were_kept_keeps_its_added_references(
    store: Store, example_spec: Path, tmp_path: Path
) -> None:
    """A store from an older version has no record of the last import: the references people
    added (the event log names them) are still kept by the first import now."""
    add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    add_reference(
        store, SLUG, png(tmp_path / "dusk.png", (200, 90, 20)), role="palette",
        label="dusk", actor=VIC,
    )  # fmt: skip
    approve_board(store, SLUG)
    with store.session() as s:  # as an older version left it
        s.execute(delete(ArtifactNameRow).where(ArtifactNameRow.name.endswith("last-import.json")))
    assert import_spec(store, example_spec).new_versions == []
    version, status, labels = boards(store)[-1]
    assert (version, status) == (3, "approved") and {"The Keeper", "dusk"} <= set(labels)
    spec = stored_spec(store)
    assert keeper_reference(spec) == KEEPER and "refs/dusk.png" in spec["board"]["references"]


# -- a field changed in both places is a conflict, with nothing written ---------------------------


def _keeper_in_file(example_spec: Path, reference: str) -> None:
    """Give The Keeper a reference image in the spec file itself."""
    shutil.copy(example_spec.parent / "refs" / "heroine.png", example_spec.parent / reference)
    text = example_spec.read_text("utf-8")
    old = "      outfit: Off-white linen shirt, wide straw hat.\n"
    assert text.count(old) == 1
    example_spec.write_text(text.replace(old, f"{old}      reference: {reference}\n"), "utf-8")


def test_the_same_field_changed_in_the_file_and_the_store_is_a_conflict(
    store: Store, example_spec: Path, tmp_path: Path
) -> None:
    add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    approve_board(store, SLUG)
    _keeper_in_file(example_spec, "refs/keeper.png")
    before = snapshot(store.home, store.url)

    with pytest.raises(ImportConflict) as raised:
        import_spec(store, example_spec)
    message = str(raised.value)
    assert isinstance(raised.value, ConflictError) and raised.value.exit_code == 1
    assert "board.characters[2].reference (The Keeper)" in message
    assert "the store has 'refs/the-keeper.png'" in message
    assert "the spec file has 'refs/keeper.png'" in message
    assert "nothing was imported" in message
    assert snapshot(store.home, store.url) == before

    # the CLI: exit 1, the same message, nothing written
    refused = cli(store, "import", str(example_spec))
    assert refused.exit_code == 1, refused.output
    assert "board.characters[2].reference" in refused.output
    assert snapshot(store.home, store.url) == before

    # the command the message names resolves it for the file
    command = re.search(r"`(shortfilm import [^`]*--prefer-spec)`", message)
    assert command is not None, message
    taken = cli(store, *shlex.split(command.group(1))[1:])
    assert taken.exit_code == 0, taken.output
    assert keeper_reference(stored_spec(store)) == "refs/keeper.png"
    version, status, labels = boards(store)[-1]
    assert (version, status) == (3, "draft") and labels.count("The Keeper") == 1
    assert import_spec(store, example_spec).new_versions == []


def test_the_same_change_in_both_places_is_no_conflict(
    store: Store, example_spec: Path, tmp_path: Path
) -> None:
    """The file names the image where add-reference put it: both agree, nothing to merge."""
    add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    approve_board(store, SLUG)
    _keeper_in_file(example_spec, KEEPER)
    shutil.copy(tmp_path / "keeper.png", example_spec.parent / KEEPER)
    assert import_spec(store, example_spec).new_versions == []
    assert boards(store)[-1][:2] == (2, "approved")


# -- (d) export -> import is a no-op --------------------------------------------------------------


def test_a_reference_added_while_an_import_writes_keeps_the_imports_change(
    store: Store, tmp_path: Path
) -> None:
    """The stored spec is read and written whole by both: a reference added while an import
    holds the production waits for it, then adds to what the import wrote (it used to write
    back the spec it had read before, undoing the import's change)."""
    import threading

    image = png(tmp_path / "keeper.png")
    done: list[Any] = []
    with store.session() as s:  # an import, mid-write: it holds the production
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        repo.lock_production(s, prod.id)
        s.refresh(prod)
        prod.spec = {**prod.spec, "title": "Wasteland Villa, recut"}
        s.flush()

        def add() -> None:
            try:
                done.append(add_reference(store, SLUG, image, role="character",
                                          label="The Keeper", actor=VIC))  # fmt: skip
            except Exception as exc:  # the assertion below shows it
                done.append(exc)

        adding = threading.Thread(target=add)
        adding.start()
        adding.join(0.5)
        assert adding.is_alive(), f"the reference was added past the import's hold: {done}"
    adding.join(60)
    assert len(done) == 1 and not isinstance(done[0], Exception), done
    spec = stored_spec(store)
    assert spec["title"] == "Wasteland Villa, recut"
    assert keeper_reference(spec) == KEEPER


def test_export_then_import_of_a_production_changed_elsewhere_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    add_reference(
        store, SLUG, png(tmp_path / "dusk.png", (200, 90, 20)), role="palette",
        label="dusk", actor=VIC,
    )  # fmt: skip
    approve_board(store, SLUG)
    before = versions(store)
    exported = export_production(store, SLUG, tmp_path / "export", with_artifacts=False)
    assert import_spec(store, exported).new_versions == []
    assert versions(store) == before
    assert boards(store)[-1][:2] == (3, "approved")


@pytest.fixture(scope="module")
def full_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A take as long as the example's clips (12.5 s of testsrc2 at 160x90, silent stereo), so
    the spec's captions and cues fall inside the film."""
    from shortfilm.media.ffmpeg import run_ffmpeg

    out = tmp_path_factory.mktemp("clip") / "full.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=12.5", "-f", "lavfi", "-i",
         "anullsrc=r=48000:cl=stereo", "-t", "12.5", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", out],
        what="test clip",
    )  # fmt: skip
    return out


@pytest.fixture
def edited(store: Store, full_clip: Path, tmp_path: Path) -> Store:
    """The example with every clip's take, the spec's cut as Edit v1, then a person's work: a
    reference added, a trim, a transition and a caption (``shortfilm edit``)."""
    generate_takes(store, SLUG, TimedProvider(full_clip, latency_s=0.0), review=False)
    record_edit(store, SLUG)
    add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    approve_board(store, SLUG)
    for command in (
        ["edit", "trim", SLUG, "2", "--in", "0.5", "--out", "11.75"],
        ["edit", "transition", SLUG, "3", "dip", "--duration", "0.5"],
        ["edit", "caption", "add", SLUG, "The coast is held", "--at", "7.5", "--until", "9"],
    ):
        done = cli(store, *command)
        assert done.exit_code == 0, done.output
    return store


def test_export_writes_the_persons_timeline_into_the_edit_section(
    edited: Store, tmp_path: Path
) -> None:
    latest = load_edit(edited, SLUG)
    assert latest is not None and latest.edited_by == "vic" and latest.version == 4
    exported = export_production(edited, SLUG, tmp_path / "export", with_artifacts=False)

    edit = load_spec(exported).edit
    clips = {c.clip: c for c in edit.clips}
    assert (clips[2].in_s, clips[2].out_s) == (0.5, 11.75)
    assert (clips[3].transition, clips[3].transition_s) == (TransitionKind.DIP, 0.5)
    assert ("The coast is held", 7.5, 9.0) in [(c.text, c.start_s, c.end_s) for c in edit.captions]
    lineage = json.loads((exported.parent / "lineage.json").read_text("utf-8"))
    assert lineage["edit"]["spec_states_it"] is True

    # another store: the template's cut of the same takes is the person's timeline
    other = Store(tmp_path / "other")
    try:
        import_spec(other, exported)
        production = spec_from_dict(stored_spec(other))
    finally:
        other.close()
    sources = [
        TakeSource(s.clip, s.take, s.take_id, s.media_sha256, source_frames(edited)(s.media_sha256))
        for s in latest.timeline.segments
    ]
    assert default_timeline(production.edit, sources, latest.timeline.rate) == latest.timeline


def test_export_then_import_of_an_edited_production_makes_no_version(
    edited: Store, tmp_path: Path
) -> None:
    before = versions(edited)
    exported = export_production(edited, SLUG, tmp_path / "export", with_artifacts=False)
    assert import_spec(edited, exported).new_versions == []
    # the run after it: the spec's cut is now the person's timeline, the Edit stays v4
    assert record_edit(edited, SLUG).version == 4
    after = versions(edited)
    assert {k: v for k, v in after.items() if k != "EventRow"} == {
        k: v for k, v in before.items() if k != "EventRow"
    }
    assert boards(edited)[-1][:2] == (2, "approved")
    # and exporting again gives the same spec
    again = export_production(edited, SLUG, tmp_path / "again", with_artifacts=False)
    assert again.read_text("utf-8") == exported.read_text("utf-8")


def test_a_cue_the_new_spec_already_holds_is_not_doubled() -> None:
    """A person's sound cue, exported into the spec and imported back, is in the spec's new cut
    *and* among the person's additions: the run after it plays it once, and keeps the Edit."""
    takes = [TakeSource(c, 1, c, f"{c}" * 64, 240) for c in (1, 2)]
    base = default_timeline(EditIntent(), takes, Fraction(24))
    with_cue = EditIntent(sfx=(SoundEffectCue(SoundKind.IMPACT, 2.0),))
    edited = default_timeline(with_cue, takes, Fraction(24))  # the person added the cue
    new = default_timeline(with_cue, takes, Fraction(24))  # the spec now states it too
    carried = carry_edits(new, edited, base)
    assert carried.timeline == edited
    assert [str(d) for d in carried.kept] == ["sound impact at 2.00 s"]
    assert not carried.clamped and not carried.dropped


# -- the merge rule itself ------------------------------------------------------------------------


def test_the_merge_applies_each_sides_changes_and_names_each_conflict() -> None:
    base = {
        "title": "A",
        "board": {
            "characters": [{"name": "K", "role": "main"}, {"name": "P", "role": "side"}],
            "references": ["refs/a.png"],
        },
        "script": {"beats": ["one"]},
    }
    ours = {
        "title": "A",
        "board": {
            "characters": [
                {"name": "K", "role": "main", "reference": "refs/k.png"},
                {"name": "P", "role": "side"},
            ],
            "references": ["refs/a.png", "refs/dusk.png"],
        },
        "script": {"beats": ["one", "two"]},
    }
    theirs = {
        "title": "B",
        "board": {
            "characters": [
                {"name": "P", "role": "side", "outfit": "coat"},
                {"name": "K", "role": "main"},
            ],  # fmt: skip
            "references": ["refs/b.png"],
        },
        "script": {"beats": ["one", "three"]},
    }
    merged = merge_specs(base, ours, theirs)
    assert merged.data["title"] == "B"
    assert merged.data["board"]["characters"] == [
        {"name": "P", "role": "side", "outfit": "coat"},
        {"name": "K", "role": "main", "reference": "refs/k.png"},
    ]
    assert merged.data["board"]["references"] == ["refs/b.png", "refs/dusk.png"]
    assert [(c.field, c.store, c.file) for c in merged.conflicts] == [
        ("script.beats", ["one", "two"], ["one", "three"])
    ]
    assert merged.data["script"]["beats"] == ["one", "two"]  # the store's, until decided
    assert merge_specs(base, ours, theirs, prefer_file=True).data["script"]["beats"] == [
        "one",
        "three",
    ]
    # removed in the file, changed in the store: a conflict on the whole entry
    gone = {**theirs, "board": {**theirs["board"], "characters": [{"name": "P", "role": "side"}]}}
    conflict = merge_specs(base, ours, gone).conflicts[0]
    assert (conflict.field, conflict.name, conflict.file) == ("board.characters[0]", "K", ABSENT)


# -- every suggested next step is a complete command ----------------------------------------------


SUGGESTED = re.compile(r"`(shortfilm [^`]+)`")

PLACEHOLDERS = [
    (r"\{[^}]*slug[^}]*\}", SLUG),
    (r"clip-\{[^}]*\}|\{clip[^}]*name\}", "clip-02"),
    (r"\{[^}]*(take|version)[^}]*\}", "1"),
    (r"\{scores\}", "--score story-clarity=4"),
    (r"\{[^}]*spec[^}]*\}|\bSPEC\b", "production.yaml"),
    (r"\bIMAGE\b", "image.png"),
    (r"\b(N|TAKE)\b", "1"),
    (r"\bROLE\b", "character"),
    (r"\{name\}|\{variant\.account\}", "tt-main"),  # an account
    (r"\{variant\.name\}", "tt-hook-a"),  # a variant
]
"""How a message's placeholders are filled to run it: f-string fields and the upper-case words
a person replaces (TEXT and PRESET stay as they are: any text will do)."""

MISSING = (
    "no production 'wasteland-villa'",
    "wasteland-villa: no such spec file or production",
    "no such production in this home",
    "production.yaml: file not found",
    "no such file",
    "needs a broker: set SHORTFILM_BROKER_URL",
    "no account named",
    "exists already",  # suggested by two messages: the second run finds the first's account
)
"""What a complete command may fail for on an empty production home (with no broker, where the
command hands work to the workers)."""


def _suggestions() -> list[tuple[str, str]]:
    """Each ```shortfilm ...``` a message of the workflow or the CLI suggests, placeholders
    filled: ``(module, command)``."""
    root = Path(shortfilm.__file__).parent
    found: list[tuple[str, str]] = []
    for module in sorted(p for p in root.rglob("*.py") if "testing" not in p.parts):
        text = module.read_text("utf-8")
        # messages only: the string literals outside docstrings and comments
        text = re.sub(r'"""(.|\n)*?"""', "", text)
        text = re.sub(r"#[^\n]*", "", text)
        joined = re.sub(r'"\s*\n\s*(\+\s*)?f?"', "", text)  # adjacent literals joined
        for match in SUGGESTED.finditer(joined):
            command = match.group(1)
            for pattern, value in PLACEHOLDERS:
                command = re.sub(pattern, value, command)
            found.append((module.name, command))
    return found


def test_every_suggested_command_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_env: str
) -> None:
    """Run each suggested command (placeholders filled) on an empty production home: it may
    fail for want of the production or its files, never for want of an argument, an option or
    a decision (``review board SLUG`` without ``--approve`` says "give one of --approve ...")."""
    suggestions = _suggestions()
    assert len(suggestions) >= 10, suggestions
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--home", str(home)]).exit_code == 0
    problems = []
    monkeypatch.chdir(tmp_path)  # an export suggested writes here
    for where, command in dict.fromkeys(suggestions):
        words = shlex.split(command)[1:]
        if "--help" in words:
            result = runner.invoke(app, words)
            ok = result.exit_code == 0
        else:
            result = runner.invoke(app, [*words, "--home", str(home)])
            flat = " ".join(result.output.split())
            ok = result.exit_code == 0 or any(reason in flat for reason in MISSING)
        if not ok:
            problems.append(f"{where}: {command}: {result.output[-300:]}")
    assert problems == []
    # a take refused at review names how to pick another one, not just "select or generate"
    assert ("gates.py", f"shortfilm take select {SLUG} clip-02 1") in suggestions


def test_the_run_and_add_reference_messages_say_how_to_approve(
    store: Store, tmp_path: Path
) -> None:
    added = cli(store, "board", "add-reference", SLUG, str(png(tmp_path / "k.png")), "--role",
                "character", "--label", "The Keeper")  # fmt: skip
    assert added.exit_code == 0, added.output
    flat = " ".join(added.output.split())
    assert f"`shortfilm review board {SLUG} --approve`" in flat
    assert "importing it again makes a version without it" not in flat
