"""A reference image a person adds to the board: a new draft version, reviewed before generation.

On the example production (5 references, a clip that continues the previous one): the new
version carries the previous references plus the new one where the spec would put it, waits for
its review (checkpoint 1), is what the next generation sends, survives ``shortfilm export``, and
a refused image leaves the store exactly as it was. The web routes are tested in
``test_web_api.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from approvals import approve_board
from fake_providers import RefusingProvider
from home_snapshot import snapshot
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from shortfilm import review
from shortfilm.board.placement import MAX_VIDEO_REFERENCES, reference_entries
from shortfilm.board.references import add_reference
from shortfilm.cli import app
from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.domain.people import Actor, Role
from shortfilm.errors import GateError, InputError
from shortfilm.production.export import export_production
from shortfilm.production.importing import board_references, import_spec
from shortfilm.providers import seedance
from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ArtifactNameRow, BoardRow, EventRow
from shortfilm.takes.generate import generate_takes

SLUG = "wasteland-villa"
VIC = Actor("vic", Role.VISUAL_OPERATOR)
INES = Actor("ines", Role.OWNER)


def png(path: Path, colour: tuple[int, int, int] = (20, 180, 60)) -> Path:
    Image.new("RGB", (48, 64), colour).save(path, "PNG")
    return path


@pytest.fixture
def store(tmp_path: Path, example_spec: Path, db_url: str) -> Any:
    """The example with its board approved, on SQLite and on PostgreSQL."""
    opened = Store(tmp_path / "home", db_url)
    import_spec(opened, example_spec)
    approve_board(opened, SLUG)
    yield opened
    opened.close()


def boards(store: Store) -> list[BoardRow]:
    with store.session() as s:
        rows = list(s.scalars(select(BoardRow).order_by(BoardRow.version)))
        s.expunge_all()
        return rows


def test_a_reference_makes_a_new_draft_version_with_the_previous_ones(
    store: Store, tmp_path: Path
) -> None:
    image = png(tmp_path / "keeper.png")
    added = add_reference(store, SLUG, image, role="character", label="the keeper", actor=VIC)
    assert (added.version, added.from_version, added.role) == (2, 1, "character")
    assert added.label == "The Keeper" and added.spec_path == "refs/the-keeper.png"
    assert added.path == store.home / "library" / SLUG / "board-v2" / "ref-03__the-keeper.png"
    assert added.path.read_bytes() == image.read_bytes()
    v1, v2 = boards(store)
    assert v1.status == "approved" and len(v1.references) == 5  # never changed in place
    assert v2.status == "draft" and v2.created_by == "vic" and v2.revision == 0
    labels = [(r["role"], r["label"]) for r in v2.references]
    assert labels == [
        ("character", "Kestrel"),
        ("character", "Patrol unit"),
        ("character", "The Keeper"),
        ("environment", "Villa exterior"),
        ("environment", "Wasteland road"),
        ("board", "palette"),
    ]
    old = [r for r in v2.references if r["label"] != "The Keeper"]
    assert old == v1.references
    assert v2.references[2]["sha256"] == added.sha256
    keeper = next(c for c in v2.blocks["characters"] if c["name"] == "The Keeper")
    assert keeper["reference"] == "refs/the-keeper.png"
    with store.session() as s:
        event = s.scalars(select(EventRow).where(EventRow.kind == "board.reference_added")).one()
        assert event.subject == "board v2"
        assert event.data["by"] == "vic" and event.data["sha256"] == added.sha256

    # a style image joins board.references, named by its file; a view gets its own image
    style = add_reference(
        store, SLUG, png(tmp_path / "dusk.png", (200, 90, 20)), role="palette",
        label="Dusk palette", actor=VIC,
    )  # fmt: skip
    assert (style.role, style.label) == ("board", "dusk-palette")
    assert style.spec_path == "refs/dusk-palette.png"
    view = add_reference(
        store, SLUG, png(tmp_path / "path.png", (90, 90, 90)), role="environment",
        label="CLIFF PATH", actor=INES,
    )  # fmt: skip
    assert view.label == "Cliff path" and view.version == 4 and view.from_version == 3
    assert [len(b.references) for b in boards(store)] == [5, 6, 7, 8]


def test_a_new_board_image_is_not_carried_onto_the_new_version(
    store: Store, tmp_path: Path
) -> None:
    from shortfilm.board.image import generate_board_image
    from shortfilm.providers.image_registry import get_image_provider

    made = generate_board_image(store, SLUG, get_image_provider("board-sheet", tmp_path / "w"))
    assert BOARD_IMAGE_KEY in boards(store)[-1].blocks
    add_reference(
        store, SLUG, png(tmp_path / "k.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    latest = boards(store)[-1]
    assert latest.version == made.version + 1 and BOARD_IMAGE_KEY not in latest.blocks


def test_generation_waits_for_the_review_then_sends_the_new_reference(
    store: Store, tmp_path: Path
) -> None:
    added = add_reference(
        store, SLUG, png(tmp_path / "keeper.png"), role="character", label="The Keeper",
        actor=VIC,
    )  # fmt: skip
    provider = RefusingProvider()
    with pytest.raises(GateError, match="board v2 is not approved"):
        generate_takes(store, SLUG, provider, poll_interval_s=0, review=False)
    assert provider.submitted == []
    approve_board(store, SLUG)
    generate_takes(store, SLUG, provider, poll_interval_s=0, review=False)
    assert provider.submitted, "nothing was sent once the board was approved"
    first = provider.submitted[0]
    sent = [(r.role, r.label, r.path) for r in first.references]
    assert ("character", "The Keeper", store.artifact_path(added.sha256)) in sent
    assert len(sent) == 6
    assert "The Keeper" in first.prompt_text


def test_export_writes_the_image_beside_the_spec_and_imports_back_unchanged(
    store: Store, tmp_path: Path
) -> None:
    image = png(tmp_path / "keeper.png")
    add_reference(store, SLUG, image, role="character", label="The Keeper", actor=VIC)
    spec = export_production(store, SLUG, tmp_path / "export", with_artifacts=False)
    assert (spec.parent / "refs" / "the-keeper.png").read_bytes() == image.read_bytes()
    assert "reference: refs/the-keeper.png" in spec.read_text()
    # the same store: the export states the latest version, so no new one
    assert import_spec(store, spec).new_versions == []
    # another store (SQLite): the same references, in the same order, by content
    other = Store(tmp_path / "other")
    try:
        import_spec(other, spec)
        assert boards(other)[0].references == boards(store)[-1].references
    finally:
        other.close()


def test_reference_entries_are_what_an_import_records(example_spec: Path) -> None:
    from shortfilm.spec import load_spec

    board = load_spec(example_spec).board
    imported = board_references(board, example_spec.parent)
    shas = {r["path"]: f"sha-of-{r['path']}" for r in imported}
    expected = [
        {"path": r["path"], "role": r["role"], "label": r["label"], "sha256": shas[r["path"]]}
        for r in imported
    ]
    assert reference_entries(board, shas) == expected


def test_the_limit_is_what_the_video_models_take() -> None:
    largest = max(m.max_reference_images for m in seedance.MODELS.values())
    assert largest == MAX_VIDEO_REFERENCES


@pytest.mark.parametrize(
    ("role", "label", "message"),
    [
        ("sky", "x", "role: 'sky' is not a board role"),
        ("character", "Nobody", "label: no character named 'Nobody'"),
        ("character", "kestrel", "label: Kestrel already has a reference image"),
        ("environment", "Moon base", "label: no environment view named 'Moon base'"),
        ("board", "   ", "label: give the character's name"),
        ("board", "x" * 81, "label: at most 80 characters"),
        ("board", "bell\x07", "label: .* holds control characters"),
    ],
)
def test_a_bad_role_or_label_is_refused_and_nothing_is_written(
    store: Store, tmp_path: Path, role: str, label: str, message: str
) -> None:
    image = png(tmp_path / "ref.png")
    before = snapshot(store.home, store.url)
    with pytest.raises(InputError, match=message):
        add_reference(store, SLUG, image, role=role, label=label, actor=VIC)
    assert snapshot(store.home, store.url) == before


def test_a_file_that_is_not_the_image_it_says_is_refused(store: Store, tmp_path: Path) -> None:
    text = tmp_path / "ref.png"
    text.write_text("not an image")
    jpeg = tmp_path / "photo.png"
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    gif = tmp_path / "anim.gif"
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    before = snapshot(store.home, store.url)
    for path, message in (
        (text, "not a readable image"),
        (jpeg, "the name says PNG, the bytes are JPEG"),
        (gif, "a reference image is a PNG, JPEG or WebP"),
        (tmp_path / "missing.png", "no such file"),
    ):
        with pytest.raises(InputError, match=f"image: .*{message}"):
            add_reference(store, SLUG, path, role="board", label="x", actor=VIC)
    assert snapshot(store.home, store.url) == before


def test_the_same_image_twice_in_one_role_is_refused(store: Store, tmp_path: Path) -> None:
    image = png(tmp_path / "mood.png")
    add_reference(store, SLUG, image, role="board", label="mood", actor=VIC)
    before = snapshot(store.home, store.url)
    with pytest.raises(InputError, match="image: already on board v2 as mood"):
        add_reference(store, SLUG, image, role="style", label="mood again", actor=VIC)
    assert snapshot(store.home, store.url) == before


def test_more_references_than_the_video_models_take_are_refused(
    store: Store, tmp_path: Path
) -> None:
    # 5 on the example board; clip 3 continues clip 2, so its keyframe takes one of the 9 places
    for n in range(3):
        add_reference(
            store, SLUG, png(tmp_path / f"m{n}.png", (n * 40, 10, 10)), role="board",
            label=f"mood {n}", actor=VIC,
        )  # fmt: skip
    assert len(boards(store)[-1].references) == MAX_VIDEO_REFERENCES - 1
    before = snapshot(store.home, store.url)
    with pytest.raises(InputError, match=r"has 8 reference images .* at most 9 per clip \(one"):
        add_reference(
            store, SLUG, png(tmp_path / "one-more.png", (1, 2, 3)), role="board",
            label="one more", actor=VIC,
        )  # fmt: skip
    assert snapshot(store.home, store.url) == before


def test_cli_board_add_reference(store: Store, tmp_path: Path) -> None:
    image = png(tmp_path / "keeper.png")
    home = str(store.home)
    runner = CliRunner()
    base = ["board", "add-reference", SLUG, str(image), "--home", home]
    env = {"SHORTFILM_DATABASE_URL": store.url}
    ok = runner.invoke(
        app,
        [*base, "--role", "character", "--label", "The Keeper"],
        env=env | {"SHORTFILM_USER": "vic"},
    )
    assert ok.exit_code == 0, ok.output
    assert "board v2" in ok.output and "refs/the-keeper.png" in ok.output
    assert boards(store)[-1].created_by == "vic"
    bad = runner.invoke(app, [*base, "--role", "sky", "--label", "x"], env=env)
    assert bad.exit_code == 2 and "role: 'sky' is not a board role" in bad.output
    assert len(boards(store)) == 2
    with pytest.raises(GateError, match="board v2 is not approved"):
        review.require_board_approved(store, SLUG)
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None and "the-keeper" in str(prod.spec["board"])


def test_two_people_adding_references_at_once_get_a_version_or_a_conflict(
    tmp_path: Path, example_spec: Path, db_url: str
) -> None:
    """Both adds read board v1 and number theirs v2: the first keeps it, the second is told the
    board changed (a 409 in the web app), never a database error; nothing half-written."""
    import threading

    from shortfilm.errors import ConflictError

    # Room for all six: when the threads happen to run one after the other, both of a round add.
    text = example_spec.read_text("utf-8")
    for ref in ("robot_patrol", "villa_exterior", "wasteland_road"):
        text = text.replace(f"      reference: refs/{ref}.png\n", "")
    example_spec.write_text(text, "utf-8")
    store = Store(tmp_path / "home", db_url)
    try:
        import_spec(store, example_spec)
        assert len(boards(store)[0].references) == 2
        outcomes: list[str] = []
        for trial in range(3):
            images = [png(tmp_path / f"s{trial}-{i}.png", (40 * trial, 90 * i, 7)) for i in (0, 1)]
            start = threading.Barrier(2)

            def add(
                i: int, images: list[Path] = images, trial: int = trial, start: Any = start
            ) -> None:
                start.wait()
                try:
                    add_reference(
                        store, SLUG, images[i], role="board", label=f"look {trial}{i}",
                        actor=VIC,
                    )  # fmt: skip
                    outcomes.append("added")
                except ConflictError as exc:
                    told = "got a new version while this one was being added" in str(exc)
                    outcomes.append("conflict" if told else repr(exc))
                except Exception as exc:  # noqa: BLE001 - shown in the assertion, not lost in a thread
                    outcomes.append(repr(exc))

            threads = [threading.Thread(target=add, args=(i,)) for i in (0, 1)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert len(outcomes) == 6 and outcomes.count("added") >= 3, outcomes
        rows = boards(store)
        assert [b.version for b in rows] == list(range(1, len(rows) + 1))
        assert len(rows) == 1 + outcomes.count("added")
        with store.session() as s:
            names = list(s.scalars(select(ArtifactNameRow.name)))
        # every readable name belongs to a version that exists
        versions = {f"board-v{b.version}/" for b in rows}
        assert all(any(v in n for v in versions) for n in names if "/board-v" in n), names
    finally:
        store.close()


def test_an_import_whose_board_number_was_taken_meanwhile_imports_nothing(
    store: Store, example_spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload took the next board number while the import ran: the import is refused as a
    conflict (not a database error) and leaves the store as it was."""
    from shortfilm.errors import ConflictError
    from shortfilm.production import importing

    text = example_spec.read_text("utf-8")
    example_spec.write_text(text.replace("Hard sun, dust", "Low sun, dust"), "utf-8")
    before = snapshot(store.home, store.url)
    real = importing.repo.next_version
    monkeypatch.setattr(importing.repo, "next_version", lambda *args: real(*args) - 1)
    with pytest.raises(ConflictError, match="nothing was imported"):
        import_spec(store, example_spec)
    monkeypatch.undo()
    assert snapshot(store.home, store.url) == before
    assert import_spec(store, example_spec).new_versions == ["board v2"]


def test_an_import_whose_prompt_number_was_taken_meanwhile_imports_nothing(
    store: Store, example_spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortfilm.errors import ConflictError
    from shortfilm.production import importing

    spec = yaml.safe_load(example_spec.read_text("utf-8"))
    spec["clips"][1]["shots"][0]["action"] += " Dust lifts."
    example_spec.write_text(yaml.safe_dump(spec, sort_keys=False), "utf-8")
    before = snapshot(store.home, store.url)
    real = importing.repo.next_version
    monkeypatch.setattr(importing.repo, "next_version", lambda *args: real(*args) - 1)
    with pytest.raises(ConflictError, match="clip-02 .* got a new prompt version"):
        import_spec(store, example_spec)
    monkeypatch.undo()
    assert snapshot(store.home, store.url) == before
    assert import_spec(store, example_spec).new_versions == ["clip-02 prompt v2"]
