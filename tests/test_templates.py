"""``shortfilm new SLUG --from OTHER``: a second production reuses the example's board version
by reference (no new board row, the lineage recorded), its approval holds, the takes made from
it point at that row, and a board version of its own ends the reference. Bad input names what
is wrong, exits 2, and writes nothing.

On the web tests' prepared example (imported takes, board approved), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner
from web_home import PASSWORD, SLUG, make_video

from shortfilm import review
from shortfilm.board.references import add_reference
from shortfilm.cli import app
from shortfilm.domain.template import DEFAULT_KEEP
from shortfilm.errors import GateError
from shortfilm.production.templates import new_from_template
from shortfilm.production.trace import trace_thing
from shortfilm.review import local_owner
from shortfilm.review.gates import require_board_approved
from shortfilm.spec.limits import MAX_SPEC_BYTES
from shortfilm.store import repo
from shortfilm.store.boards import newest_board_row
from shortfilm.store.repo import Store, count
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    EventRow,
    ProductionRow,
    PromptRow,
    ScriptRow,
    TakeRow,
)
from shortfilm.store.template_tables import TemplateRow
from shortfilm.store.templates import template_of
from shortfilm.takes.external import import_take
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

SCRIPT = """# The Return

Kestrel comes back to the villa a year later and finds the gate open.

- Kestrel walks the wasteland road at dawn, the villa white on the cliff.
- She finds the gate open and the patrol unit rusting in the yard.
- She climbs to the roof and lights the old signal lamp.
"""


def _source_board(store: Store) -> BoardRow:
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        board = newest_board_row(s, prod.id)
        assert board is not None and board.status == "approved"
        s.expunge(board)
        return board


def test_a_production_from_the_example_reuses_its_board_version(
    web_store: Store, tmp_path: Path
) -> None:
    script = tmp_path / "the-return.md"
    script.write_text(SCRIPT, encoding="utf-8")
    board = _source_board(web_store)
    with web_store.session() as s:
        boards_before = count(s, BoardRow)

    made = new_from_template(web_store, "the-return", SLUG, DEFAULT_KEEP, script_file=script)

    assert made.template.source == SLUG and made.template.board_id == board.id
    assert made.template.referencing and made.template.kept == ("board", "style", "characters")
    assert not any(v.startswith("board") for v in made.new_versions)
    with web_store.session() as s:
        assert count(s, BoardRow) == boards_before  # by reference: no copy
        prod = repo.production_by_slug(s, "the-return")
        assert prod is not None
        assert prod.title == "The Return"  # the script's heading, not the source's title
        row = s.get_one(TemplateRow, prod.id)
        assert (row.board_id, row.kept) == (board.id, ["board", "style", "characters"])
        assert s.get_one(ProductionRow, row.source_production_id).slug == SLUG
        newest = newest_board_row(s, prod.id)
        assert newest is not None and newest.id == board.id
        script_row = repo.latest(s, ScriptRow, ScriptRow.production_id, prod.id)
        assert script_row is not None and "gate open" in script_row.logline
        clips = repo.clips(s, prod.id)
        assert len(clips) == made.clips >= 1
        prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clips[0].id)
        assert prompt is not None and "Kestrel" in prompt.text  # planned with the kept board
    # the source's approval is the board version's: the new production may generate from it
    require_board_approved(web_store, "the-return")

    take = make_video(tmp_path / "take.mp4", hue=90)
    import_take(web_store, "the-return", 1, take, select=True, selected_by="auto")
    with web_store.session() as s:
        made_from = s.scalars(
            select(TakeRow.board_id)
            .join(ClipRow, TakeRow.clip_id == ClipRow.id)
            .join(ProductionRow, ClipRow.production_id == ProductionRow.id)
            .where(ProductionRow.slug == "the-return")
        ).all()
        assert made_from == [board.id]  # the take points at the source's board row

    traced = trace_thing(web_store, SLUG, "board")
    takes = {(n.production, n.name) for n in traced.used_by if n.kind == "take"}
    assert ("the-return", "clip-01:take:1") in takes
    assert {(SLUG, f"clip-0{p}:take:{n}") for p in (1, 2, 3, 4) for n in (1, 2)} <= takes
    assert ("production", "the-return") in {(n.kind, n.name) for n in traced.used_by}
    assert trace_thing(web_store, "the-return", "board").thing == traced.thing
    take_trace = trace_thing(web_store, "the-return", "clip-01:take:1")
    assert (SLUG, f"board:{board.version}") in {
        (n.production, n.name) for n in take_trace.made_from
    }

    # a decision on the shared version is the version's: made from either production, both see it
    review.decide(
        web_store, "the-return", "board", board.id, review.local_owner(), "request-changes",
        changes="warmer light",
    )  # fmt: skip
    for slug in (SLUG, "the-return"):
        with pytest.raises(GateError, match="request"):
            require_board_approved(web_store, slug)


def test_a_board_version_of_its_own_ends_the_reference(web_store: Store, tmp_path: Path) -> None:
    board = _source_board(web_store)
    new_from_template(web_store, "sequel", SLUG, DEFAULT_KEEP)  # the source's script
    image = tmp_path / "mood.png"
    Image.new("RGB", (64, 64), (200, 120, 40)).save(image)

    add_reference(web_store, "sequel", image, role="board", label="mood", actor=local_owner())

    with web_store.session() as s:
        prod = repo.production_by_slug(s, "sequel")
        assert prod is not None
        own = newest_board_row(s, prod.id)
        assert own is not None and own.production_id == prod.id
        assert own.version == board.version + 1 and own.status == "draft"
        lineage = template_of(s, prod.id)
        assert lineage is not None and not lineage.referencing
        assert lineage.board_id == board.id  # the lineage is kept
        assert s.get_one(BoardRow, board.id).status == "approved"  # the source's is untouched
    assert "uses" not in lineage.describe() and SLUG in lineage.describe()
    versions = [n.name for n in (trace_thing(web_store, "sequel", "board").used_by)]
    assert versions == []  # no take made from the new version yet
    older = trace_thing(web_store, "sequel", f"board:{board.version}")
    assert older.thing.production == SLUG

    # the board page says which version is the source's, beside the version itself
    made = create_app(web_store, Settings(max_upload_bytes=2_000_000))
    try:
        client = TestClient(made, follow_redirects=False, headers={"accept": "text/html"})
        assert client.post("/login", data={"name": "ines", "password": PASSWORD}).is_redirect
        page = client.get("/p/sequel/board").text
        source = page.split(f'id="board-v{board.version}"')[1]
        assert f'belongs to <a href="/p/{SLUG}/board">{SLUG}</a>' in source
        own = page.split(f'id="board-v{board.version + 1}"')[1].split("</article>")[0]
        assert "belongs to" not in own
        assert "belongs to" not in client.get(f"/p/{SLUG}/board").text
    finally:
        made.state.qc_queue.close()


def test_without_board_the_kept_parts_make_a_board_of_its_own(web_store: Store) -> None:
    board = _source_board(web_store)
    made = new_from_template(web_store, "new-world", SLUG, ("characters",))
    assert made.template.board_id is None and "board v1" in made.new_versions
    with web_store.session() as s:
        prod = repo.production_by_slug(s, "new-world")
        assert prod is not None
        own = newest_board_row(s, prod.id)
        assert own is not None and (own.production_id, own.version) == (prod.id, 1)
        assert own.status == "draft"  # its own board needs its own review
        assert own.blocks["world"] == "" and own.blocks["characters"] == board.blocks["characters"]
        roles = {r["role"] for r in own.references}
        assert roles == {"character"}  # the characters' images, by the source's bytes
        source_shas = {r["sha256"] for r in board.references}
        assert {r["sha256"] for r in own.references} <= source_shas


def _rows(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {
            m.__name__: count(s, m)
            for m in (ProductionRow, TemplateRow, BoardRow, ScriptRow, ClipRow, PromptRow, EventRow)
        }


BAD_INPUTS = [
    (["new", "sequel", "--from", "nowhere"], "'nowhere'"),
    (["new", SLUG, "--from", SLUG], f"'{SLUG}' already exists"),
    (["new", "sequel", "--from", SLUG, "--keep", "accounts"], "accounts"),
    (["new", "sequel", "--from", SLUG, "--keep", "board,wardrobe"], "'wardrobe'"),
    (["new", "sequel", "--from", SLUG, "--keep", ""], "--keep"),
    (["new", "sequel", "--from", SLUG, "--script", "{missing}"], "missing.md"),
    (["new", "sequel", "--from", SLUG, "--script", "{big}"], "too large"),
    (["new", "sequel", "--from", SLUG, "--script", "{list}"], "list.yaml"),
    (["new", "Not A Slug", "--from", SLUG], "slug"),
    (["new", "sequel", "--from", SLUG, "--keep", "style"], "characters"),
]
"""Each refusal's arguments and what its message must name."""


def test_bad_input_names_it_exits_2_and_writes_nothing(
    web_database: tuple[Path, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, url = web_database
    if url:
        monkeypatch.setenv("SHORTFILM_DATABASE_URL", url)
    big = tmp_path / "big.md"
    big.write_text("Logline.\n\n- " + "x" * (MAX_SPEC_BYTES + 1), encoding="utf-8")
    listed = tmp_path / "list.yaml"
    listed.write_text("- not\n- a script\n", encoding="utf-8")
    files = {"missing": str(tmp_path / "missing.md"), "big": str(big), "list": str(listed)}
    store = Store(home, url)
    try:
        before = _rows(store)
        for args, named in BAD_INPUTS:
            argv = [a.format(**files) for a in args] + ["--home", str(home)]
            result = CliRunner().invoke(app, argv)
            assert result.exit_code == 2, (args, result.output)
            assert named in result.output, (args, result.output)
            assert _rows(store) == before, args
    finally:
        store.close()
