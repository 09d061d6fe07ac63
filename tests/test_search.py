"""The library: every production of the home searchable, alike on SQLite and PostgreSQL.

One home of two productions is filled the same way on both databases (prompts and board from
the example spec, takes with notes and failure reasons, reviews, comments, a performance note);
the same queries, ordinary and hostile, must give the same lists. Other tests write and search
at once: the index follows every write, in the same transaction.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import database_for
from fastapi.testclient import TestClient
from sqlalchemy import text as sql_text
from typer.testing import CliRunner
from web_home import PASSWORD
from web_home import SLUG as WEB_SLUG

from shortfilm.cli import app
from shortfilm.domain.library import EntryKind, LibraryQuery
from shortfilm.domain.metrics import NOTE_EVENT
from shortfilm.domain.search_text import query_terms, snippet
from shortfilm.errors import InputError
from shortfilm.examples import example_dir
from shortfilm.library.search import search
from shortfilm.production.importing import import_spec
from shortfilm.prompts.linting import LESSON_CODE, lint_with_lessons
from shortfilm.review.comments import add_comment
from shortfilm.review.decisions import local_owner
from shortfilm.spec import load_spec
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    CommentRow,
    KeyframeRow,
    PromptRow,
    ReviewRow,
    TakeRow,
)
from shortfilm.takes.notes import note_take
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

runner = CliRunner()
SECOND = "night-harbour"

NOTES = [
    ("failed", "robots read as toys; the patrol looks like plastic", "OutputVideoSensitive"),
    ("succeeded", "coat colour drifts to orange in shot 3", None),
    ("rejected", "Café crème light, l'éclair trop jaune; Kestrel's face soft", None),
    ("failed", "", "timeout after 600 s waiting for the provider (job 7f3a)"),
    ("succeeded", "日本語のノート: 波が強すぎる", None),
    ("cancelled", 'she said "NEAR the wall" -- (quotes) * and OR', None),
]
"""(status, notes, error) of each clip's takes, in order."""

QUERIES = [
    "robot", "robots toys", "coat", "cafe", "CAFÉ", "éclair", "eclair jaune", "日本語",
    "kestrel blade", "patrol road dust", "spark", "views", "a", "the", "timeout 600",
    "villa", "wall",
    # hostile: syntax of either database, injections, nothing, too much
    '"', '"robot', "robot*", "*", "NEAR(robot arm)", "robot NEAR arm", "-robot",
    "robot -arm", "robot AND arm", "robot OR arm", "NOT robot", "((robot", "robot)",
    "", "   ", "x" * 10_000, "robot " * 2_000, "'; DROP TABLE takes; --", "\\", "%", "_",
    "robot:*", "a & b | !c", "nul\x00byte", "🤖 robot", "ⅱ ﬁre", "col:robot", "^robot",
]  # fmt: skip


def _fill(store: Store, spec_dir: Path) -> None:
    """Two productions (the example, and a copy of it as a hook film) with takes, reviews,
    comments and a performance note, written through the ORM and the stages."""
    import_spec(store, spec_dir / "production.yaml")
    second = spec_dir.parent / SECOND
    shutil.copytree(spec_dir, second)
    text = (second / "production.yaml").read_text()
    text = text.replace("slug: wasteland-villa", f"slug: {SECOND}")
    text = text.replace("title: Wasteland Villa", "title: Night Harbour")
    text = text.replace("campaign_role: top-of-funnel", "campaign_role: hook")
    (second / "production.yaml").write_text(text)
    import_spec(store, second / "production.yaml")
    with store.session() as s:
        for slug in ("wasteland-villa", SECOND):
            prod = repo.production_by_slug(s, slug)
            assert prod is not None
            latest_board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
            assert latest_board is not None
            board_sha = latest_board.references[0]["sha256"]
            for clip in repo.clips(s, prod.id):
                prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
                board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
                assert prompt is not None and board is not None
                for number, (status, notes, error) in enumerate(NOTES, 1):
                    take = TakeRow(
                        clip_id=clip.id, number=number, prompt_id=prompt.id, board_id=board.id,
                        provider="animatic", model="animatic-1", request_hash=f"{clip.id}-{number}",
                        status=status, params={}, references=[], notes=notes, error=error,
                    )  # fmt: skip
                    s.add(take)
                    s.flush()
                    if status == "succeeded":
                        s.add(KeyframeRow(take_id=take.id, time_ms=400, sha256=board_sha,
                                          chosen=True, chosen_by="auto"))  # fmt: skip
                    if number == 2:
                        s.add(ReviewRow(
                            production_id=prod.id, checkpoint="clip", subject_kind="take",
                            subject_id=take.id, decision="request-changes", reviewer="mara",
                            role="editor", notes="the coat reads orange", changes="match the board",
                            rubric={"visual_continuity": {"value": 2, "note": "coat drifts"}},
                        ))  # fmt: skip
                        s.add(CommentRow(
                            production_id=prod.id, subject_kind="take", subject_id=take.id,
                            at_ms=1200, author="gus", role="growth-operator",
                            body="the hook lands at 1.2 s; keep the spark",
                        ))  # fmt: skip
            note = "variant tiktok-a v1 on tiktok-main: 12,400 views, 41% completion"
            repo.event(s, prod.id, NOTE_EVENT, "variant tiktok-a v1", note=note)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The same library on each database: ``{"sqlite": store, "postgres": store}``."""
    opened: dict[str, Store] = {}
    homes = {kind: tmp_path_factory.mktemp(f"library-{kind}") for kind in ("sqlite", "postgres")}
    with (
        database_for("sqlite", homes["sqlite"] / "home") as lite,
        database_for("postgres", homes["postgres"] / "home") as pg,
    ):
        for kind, url in (("sqlite", lite), ("postgres", pg)):
            spec = homes[kind] / "spec" / "wasteland-villa"
            shutil.copytree(example_dir("wasteland-villa"), spec,
                            ignore=shutil.ignore_patterns("__pycache__", "*.py"))  # fmt: skip
            opened[kind] = Store(homes[kind] / "home", url)
            _fill(opened[kind], spec)
        yield opened
        for store in opened.values():
            store.close()


def _listed(store: Store, query: LibraryQuery) -> list[tuple[Any, ...]]:
    return [
        (f.hit.kind, f.hit.slug, f.hit.title, f.hit.subject_kind, f.hit.subject_id,
         f.hit.clip_position, f.hit.failed, f.hit.score, f.hit.snippet, f.hit.thumbnail_sha256)
        for f in search(store, query)
    ]  # fmt: skip


def test_the_same_queries_give_the_same_lists_on_both_databases(stores: dict[str, Store]) -> None:
    filters: list[dict[str, Any]] = [
        {}, {"kind": EntryKind.TAKE, "failed": True}, {"role": "editor"}, {"role": "hook"},
        {"production": SECOND}, {"kind": EntryKind.BOARD}, {"limit": 200},
    ]  # fmt: skip
    found_something = 0
    for n, text in enumerate(QUERIES):
        for extra in filters if n < 12 else filters[:2]:
            query = LibraryQuery(text, **extra)
            lite, pg = _listed(stores["sqlite"], query), _listed(stores["postgres"], query)
            assert lite == pg, (text[:40], extra)
            found_something += bool(lite)
    assert found_something > 60


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, stores: dict[str, Store]) -> Store:
    return stores[request.param]


def test_words_match_by_prefix_across_productions_best_first(store: Store) -> None:
    found = search(store, LibraryQuery("toy robo"))
    assert {f.hit.slug for f in found} == {"wasteland-villa", SECOND}
    best = found[0].hit
    assert best.kind is EntryKind.TAKE and best.failed and best.title.endswith("take 1")
    assert best.snippet.text.startswith("robots read as toys")
    marked = [best.snippet.text[a:b] for a, b in best.snippet.marks]
    assert marked == ["robots", "toys"]
    # accents and case fold alike; a word inside another is not a prefix of it
    assert search(store, LibraryQuery("CAFE eclair"))[0].hit.title.endswith("take 3")
    assert search(store, LibraryQuery("obots")) == []


def test_hostile_queries_are_searches_never_errors(store: Store) -> None:
    assert search(store, LibraryQuery('"NEAR" the wall -- (quotes) *'))[0].hit.title.endswith(
        "take 6"
    )
    for text in ("", "   ", '"', "((", "*", "-", "x" * 10_000, "'; DROP TABLE takes; --"):
        assert search(store, LibraryQuery(text)) == []
    assert len(query_terms("robot " * 2_000 + "".join(f" w{i}" for i in range(50)))) <= 8
    with store.session() as s:
        assert repo.count(s, TakeRow) == 2 * 4 * len(NOTES)


def test_the_filters(store: Store) -> None:
    failed = search(store, LibraryQuery("t", kind=EntryKind.TAKE, failed=True, limit=200))
    assert failed and all(f.hit.failed and f.hit.kind is EntryKind.TAKE for f in failed)
    assert len(failed) == 2 * 4 * 4  # failed, rejected, failed, cancelled, in 4 clips of 2 films
    editor = search(store, LibraryQuery("coat", role="editor", limit=200))
    assert {f.hit.kind for f in editor} == {EntryKind.REVIEW}
    assert all("by mara" in f.hit.title for f in editor)
    hooks = search(store, LibraryQuery("coat", role="hook", limit=200))
    assert hooks and {f.hit.slug for f in hooks} == {SECOND}
    one = search(store, LibraryQuery("views", production="wasteland-villa"))
    assert [(f.hit.kind, f.hit.title) for f in one] == [
        (EntryKind.METRIC, "performance of variant tiktok-a v1")
    ]
    notes = search(store, LibraryQuery("spark", kind=EntryKind.NOTE))
    assert notes and all(f.hit.title == f"note on clip-{f.hit.clip_position:02d} take 2 by gus"
                         for f in notes)  # fmt: skip
    boards = search(store, LibraryQuery("scar eyebrow", kind=EntryKind.BOARD))
    assert {f.hit.title for f in boards} >= {"board v1 · characters"}
    assert all(f.hit.title.startswith("board v1 · ") for f in boards)
    assert len(search(store, LibraryQuery("a", limit=3))) == 3
    for bad in (LibraryQuery("a", role="boss"), LibraryQuery("a", production="nope"),
                LibraryQuery("a", limit=0), LibraryQuery("a", limit=201)):  # fmt: skip
        with pytest.raises(InputError):
            search(store, bad)


def test_a_take_with_a_chosen_keyframe_shows_its_thumbnail(store: Store) -> None:
    found = search(store, LibraryQuery("coat orange", kind=EntryKind.TAKE))
    assert found and found[0].thumbnail is not None and found[0].thumbnail.is_file()
    assert all(f.thumbnail is None for f in search(store, LibraryQuery("toys")))


def test_the_index_follows_every_write(tmp_path: Path, db_url: str, example_spec: Path) -> None:
    store = Store(tmp_path / "home", db_url)
    import_spec(store, example_spec)
    slug = "wasteland-villa"

    def titles(text: str, **extra: Any) -> list[str]:
        return [f.hit.title for f in search(store, LibraryQuery(text, **extra))]

    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        assert prod is not None
        clip = repo.clips(s, prod.id)[1]
        prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        assert prompt is not None and board is not None
        s.add(TakeRow(clip_id=clip.id, number=1, prompt_id=prompt.id, board_id=board.id,
                      provider="animatic", model="m", request_hash="h", status="succeeded",
                      params={}, references=[]))  # fmt: skip
    assert titles("zanzibar") == []
    # a new take note, and the take marked failed
    note_take(store, slug, 2, 1, "zanzibar light kills the palette", failed=True)
    assert titles("zanzi", failed=True) == ["clip-02 take 1"]
    # a note changed: the old words are gone at once
    with store.session() as s:
        take = stored.clip_takes(s, clip.id)[0]
        stored.update_take(s, take.id, notes="quokka grin")
    assert titles("zanzibar") == [] and titles("quokka") == ["clip-02 take 1"]
    # a write rolled back is never found
    with pytest.raises(RuntimeError), store.session() as s:
        stored.update_take(s, take.id, notes="wombat")
        raise RuntimeError("abandoned")
    assert titles("wombat") == []
    # a new prompt version (an edited spec), found beside the old one
    old_action = load_spec(example_spec).clips[1].shots[0].action
    text = example_spec.read_text()
    assert titles("vaults") == [] and text.count(old_action) == 1
    example_spec.write_text(text.replace(old_action, "She vaults the low wall, blade folded"))
    import_spec(store, example_spec)
    assert titles("vaults") == ["clip-02 prompt v2"]
    assert "clip-02 prompt v1" in titles("wall", kind=EntryKind.PROMPT, limit=50)
    # a comment added, then deleted
    comment = add_comment(store, slug, "take", take.id, local_owner(), "ocelot at 3 s")
    assert titles("ocelot") == ["note on clip-02 take 1 by " + local_owner().name]
    with store.session() as s:
        row = s.get(CommentRow, comment.id)
        assert row is not None
        s.delete(row)
    assert titles("ocelot") == []
    store.close()


def test_snippets_mark_the_matched_words_and_cut_long_bodies() -> None:
    body = "word " * 100 + "the Robots read as toys " + "tail " * 100
    cut = snippet(body, query_terms("robot toy"))
    assert cut.text.startswith("…") and cut.text.endswith("…") and len(cut.text) <= 202
    assert [cut.text[a:b] for a, b in cut.marks] == ["Robots", "toys"]


def test_the_search_command(stores: dict[str, Store]) -> None:
    home = stores["sqlite"].home
    result = runner.invoke(app, ["search", "robot toys", "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["kind"] == "take" and rows[0]["failed"] is True
    assert rows[0]["what"] == "clip-04 take 1" and rows[0]["production"] in (
        SECOND,
        "wasteland-villa",
    )
    assert set(rows[0]) >= {"snippet", "marks", "thumbnail", "score", "clip", "subject"}
    shown = runner.invoke(app, ["search", "coat orange", "--kind", "take", "--home", str(home)])
    assert shown.exit_code == 0 and "thumbnail: " in shown.output and "clip-" in shown.output
    hostile = runner.invoke(app, ["search", '"NEAR(-*', "--home", str(home), "--json"])
    assert hostile.exit_code == 0, hostile.output
    assert {r["what"][-6:] for r in json.loads(hostile.output)} == {"take 6"}  # "NEAR the wall"
    none = runner.invoke(app, ["search", "zzzzqqq", "--home", str(home)])
    assert none.exit_code == 0 and "nothing found" in none.output
    for bad in (["--kind", "poem"], ["--role", "boss"], ["--production", "nope"], ["--limit", "0"]):
        refused = runner.invoke(app, ["search", "robot", "--home", str(home), *bad])
        assert refused.exit_code == 2, bad
    assert runner.invoke(app, ["search", "robot", "--home", str(home / "nowhere")]).exit_code == 2


def test_the_search_page_and_api_are_behind_the_login(web_store: Store) -> None:
    note_take(web_store, WEB_SLUG, 1, 1, "gull feathers drift through shot 2")
    app = create_app(web_store, Settings(max_upload_bytes=2_000_000))
    try:
        anonymous = TestClient(app, follow_redirects=False)
        assert anonymous.get("/search?q=gull").status_code == 303
        assert anonymous.get("/api/search?q=gull").status_code == 401
        client = TestClient(app, follow_redirects=False)
        login = client.post("/login", data={"name": "mara", "password": PASSWORD})
        assert login.status_code == 303
        found = client.get("/api/search", params={"q": "GULL feath", "kind": "take"}).json()
        assert [(h["what"], h["production"], h["link"]) for h in found] == [
            ("clip-01 take 1", WEB_SLUG, f"/p/{WEB_SLUG}/clips/1")
        ]
        sha = found[0]["thumbnail_sha256"]
        assert sha and client.get(f"/media/{sha}").status_code == 200
        page = client.get("/search", params={"q": "gull"})
        assert page.status_code == 200
        assert "<mark>gull</mark> feathers" in page.text and f'src="/media/{sha}"' in page.text
        assert 'action="/search"' in client.get("/").text  # the box in the nav
        for hostile in ('"NEAR(*', "'; DROP TABLE takes; --", "x" * 10_000):
            assert client.get("/api/search", params={"q": hostile}).json() == []
            assert client.get("/search", params={"q": hostile}).status_code == 200
        assert client.get("/api/search", params={"q": "a", "kind": "poem"}).status_code == 400
        assert client.get("/api/search", params={"q": "a", "role": "boss"}).status_code == 400
    finally:
        app.state.qc_queue.close()


def test_lint_lessons_come_from_failed_takes_of_any_production(
    store: Store, example_spec: Path
) -> None:
    """L501 reads the whole library: linting the example names a failed take of the other
    production (its prompts are the same), in the format lint always printed."""
    findings = lint_with_lessons(load_spec(example_spec), store=store)
    lessons = [f for f in findings if f.code == LESSON_CODE]
    assert {f.place for f in lessons} == {f"clips[{i}]" for i in range(4)}
    first = next(f for f in lessons if f.place == "clips[0]")
    assert first.message.startswith(
        f"a prior take of a prompt like this failed ({SECOND}/clip-01/take-001, 9"
    )
    assert first.message.endswith("% alike): robots read as toys; the patrol looks like plastic")


def test_two_transactions_indexing_one_take_at_once_both_commit_and_both_count(
    tmp_path: Path, pg_url: str, example_spec: Path
) -> None:
    """A keyframe chosen in one transaction while another notes the same take (PostgreSQL, where
    both run at once): the second waits for the first, then its entry holds both."""
    store = Store(tmp_path / "home", pg_url)
    try:
        _note_while_a_keyframe_is_chosen(store, example_spec)
    finally:
        store.close()


def _note_while_a_keyframe_is_chosen(store: Store, example_spec: Path) -> None:
    import_spec(store, example_spec)
    with store.session() as s:
        prod = repo.production_by_slug(s, "wasteland-villa")
        assert prod is not None
        clip = repo.clips(s, prod.id)[0]
        prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        assert prompt is not None and board is not None
        take = TakeRow(clip_id=clip.id, number=1, prompt_id=prompt.id, board_id=board.id,
                       provider="animatic", model="m", request_hash="h", status="succeeded",
                       params={}, references=[], notes="first look")  # fmt: skip
        s.add(take)
        s.flush()
        take_id, sha = take.id, board.references[0]["sha256"]
    failures: list[BaseException] = []

    def note_it() -> None:
        try:
            note_take(store, "wasteland-villa", 1, 1, "pelican in shot 2")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    with store.session() as s:
        s.add(KeyframeRow(take_id=take_id, time_ms=400, sha256=sha, chosen=True, chosen_by="auto"))
        s.flush()
        other = threading.Thread(target=note_it)
        other.start()
        for _ in range(500):  # until the other transaction waits for this one's lock
            waiting = s.scalar(
                sql_text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            if waiting:
                break
            time.sleep(0.01)
        assert waiting, "the second transaction never waited"
    other.join(timeout=30)
    assert not failures and not other.is_alive()
    found = search(store, LibraryQuery("pelican first"))
    assert [(f.hit.title, f.hit.thumbnail_sha256) for f in found] == [("clip-01 take 1", sha)]
