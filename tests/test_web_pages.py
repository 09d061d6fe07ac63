"""What the web pages show and offer, as HTML: forms by role, the refusal page, confirmations
after a decision, the productions' cards, board briefs and their differences, prompt versions,
comment markers and the edit's timeline.

Each test gets its own copy of the web tests' production (:mod:`web_home`) once on SQLite and
once on PostgreSQL; the browser test (:mod:`test_web_browser`) looks at the same pages in
Chromium.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterator
from fractions import Fraction

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_home import PASSWORD, SLUG

from shortfilm.store import repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import BoardRow, EditRow, PromptRow
from shortfilm.web.app import create_app
from shortfilm.web.settings import Settings

pytestmark = pytest.mark.media

HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def app(web_store: Store) -> Iterator[FastAPI]:
    made = create_app(web_store, Settings(max_upload_bytes=2_000_000))
    yield made
    made.state.qc_queue.close()


class Browser:
    """A test client logged in as one user, asking for HTML as a browser does."""

    def __init__(self, app: FastAPI, name: str) -> None:
        self.client = TestClient(app, follow_redirects=False, headers=HTML)
        login = self.client.post("/login", data={"name": name, "password": PASSWORD})
        assert login.status_code == 303, login.text
        self.csrf = self.client.get("/api/me").json()["csrf_token"]

    def page(self, path: str) -> str:
        got = self.client.get(path)
        assert got.status_code == 200, (path, got.status_code, got.text[:300])
        text: str = got.text
        return text

    def post(self, path: str, data: dict[str, str], referer: str = "") -> object:
        headers = {"referer": referer} if referer else {}
        return self.client.post(path, data={"csrf_token": self.csrf, **data}, headers=headers)


def forms(html: str, action: str) -> int:
    return len(re.findall(rf'<form method="post" action="[^"]*{re.escape(action)}"', html))


# -- forms by role --------------------------------------------------------------------------------


def test_each_role_is_offered_only_the_forms_it_may_use(app: FastAPI) -> None:
    owner, editor, writer = Browser(app, "ines"), Browser(app, "mara"), Browser(app, "wren")
    edit = {who: b.page(f"/p/{SLUG}/edit") for who, b in (("owner", owner), ("editor", editor))}
    assert forms(edit["owner"], "/publish") == 1
    assert 'value="approve"' in edit["owner"]
    # the editor may object to a render but not approve it, and may not publish
    assert forms(edit["editor"], "/publish") == 0
    render_forms = re.findall(r'<form[^>]*data-kind="render".*?</form>', edit["editor"], re.S)
    assert render_forms and all('value="approve"' not in f for f in render_forms)
    assert all('value="request-changes"' in f for f in render_forms)
    assert "Only owner may approve the final." in edit["editor"]
    assert "Only growth-operator, owner may publish." in edit["editor"]
    # a writer decides boards, not takes
    clip = writer.page(f"/p/{SLUG}/clips/1")
    assert forms(clip, "/select") == 0 and 'data-kind="take"' not in clip
    assert forms(clip, "/takes") == 0
    assert "Only ai-operator, editor, owner may select or decide on a take." in clip
    assert forms(clip, "/comments") == 2  # everyone comments
    assert 'data-kind="board"' in writer.page(f"/p/{SLUG}/board")
    owner_clip = owner.page(f"/p/{SLUG}/clips/1")
    assert forms(owner_clip, "/select") == 1 and owner_clip.count('data-kind="take"') == 2
    assert forms(owner.page(f"/p/{SLUG}"), "/overrides") == 1
    assert forms(editor.page(f"/p/{SLUG}"), "/overrides") == 0


def test_a_refusal_says_what_why_who_can_and_links_back(app: FastAPI) -> None:
    editor = Browser(app, "mara")
    back = f"http://testserver/p/{SLUG}/edit"
    refused = editor.post(f"/p/{SLUG}/publish", {"back": f"/p/{SLUG}/edit"}, referer=back)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    page = refused.text  # type: ignore[attr-defined]
    assert "<h1>Not allowed: publish</h1>" in page
    assert "your role, editor, does not include it" in page
    assert "growth-operator, owner" in page
    people = re.search(r'<span class="people">(.*?)</span>', page)
    assert people and people[1] == "gus (growth-operator), ines (owner)"
    assert f'href="/p/{SLUG}/edit"' in page
    # a link back never leaves the site
    elsewhere = editor.post(f"/p/{SLUG}/publish", {}, referer="https://evil.example/p/x")
    assert elsewhere.status_code == 403  # type: ignore[attr-defined]
    assert 'class="back" href="/"' in elsewhere.text  # type: ignore[attr-defined]
    # the JSON API keeps its plain answer
    api = editor.client.post(
        f"/api/productions/{SLUG}/publish", json={}, headers={"x-csrf-token": editor.csrf}
    )
    assert api.status_code == 403 and "may not publish" in api.json()["detail"]


# -- confirmations --------------------------------------------------------------------------------


def _take_ids(app: FastAPI, position: int) -> list[int]:
    store: Store = app.state.store
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = next(c for c in repo.clips(s, prod.id) if c.position == position)
        return [t.id for t in repo.takes(s, clip.id)]


def test_every_decision_is_confirmed_once_on_the_page_it_came_from(app: FastAPI) -> None:
    ari, other = Browser(app, "ari"), Browser(app, "mara")
    back = f"/p/{SLUG}/clips/1"
    take_1, take_2 = _take_ids(app, 1)
    posts = [
        (
            f"/p/{SLUG}/reviews",
            {"kind": "take", "subject_id": str(take_2), "decision": "request-changes"}
            | {"changes": "hold the end frame", "revision": "0"},
            "Recorded: you asked for changes to clip-01/take-002.",
        ),
        (f"/p/{SLUG}/clips/1/select", {"take": "2"}, "Selected take-002 for clip-01."),
        (
            f"/p/{SLUG}/comments",
            {"kind": "take", "subject_id": str(take_1), "body": "late cut", "at_s": "4.5"},
            "Comment added at 00:04.5.",
        ),
    ]
    for path, data, confirmation in posts:
        posted = ari.post(path, data | {"back": back})
        assert posted.status_code == 303, (path, posted.text)  # type: ignore[attr-defined]
        assert posted.headers["location"] == back  # type: ignore[attr-defined]
        page = ari.page(back)
        assert f'<p class="flash" role="status">{confirmation}</p>' in page, path
        assert 'class="flash"' not in ari.page(back)  # shown once
        assert 'class="flash"' not in other.page(back)  # and only to who did it
    # the owner's override, confirmed on the dashboard it came from
    ines = Browser(app, "ines")
    posted = ines.post(
        f"/p/{SLUG}/overrides", {"gate": "clip", "reason": "festival cut", "back": f"/p/{SLUG}"}
    )
    assert posted.headers["location"] == f"/p/{SLUG}"  # type: ignore[attr-defined]
    confirmed = "Overrode the clip checkpoint, with your reason."
    assert f'<p class="flash" role="status">{confirmed}</p>' in ines.page(f"/p/{SLUG}")
    # a confirmation is text, whatever the cookie says
    ari.client.cookies.set("shortfilm_flash", "%3Cscript%3Ex%3C%2Fscript%3E")
    assert "&lt;script&gt;x&lt;/script&gt;" in ari.page("/")


# -- the productions' cards -----------------------------------------------------------------------


def test_each_production_card_shows_its_state_a_still_and_who_is_waiting(app: FastAPI) -> None:
    mara = Browser(app, "mara")
    page = mara.page("/")
    card = re.search(r'<article class="card production-card".*?</article>', page, re.S)
    assert card, page
    steps = mara.client.get(f"/api/productions/{SLUG}").json()["checklist"]
    current = next(step for step in steps if step["state"] != "done")
    assert f'data-state="{current["state"]}"' in card[0]
    assert f"{current['label']}: {current['state']}" in card[0]
    for step in steps:  # every waiting step, with the roles it waits for
        if step["waiting_for"] and step["state"] != "done":
            assert f"<strong>{step['label']}</strong>" in card[0]
    assert '<span class="role mine">editor</span>' in card[0]  # what waits for the viewer
    still = re.search(r'<img src="/media/([0-9a-f]{64})"', card[0])
    assert still, card[0]
    got = mara.client.get(f"/media/{still[1]}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("image/")
    assert got.content[:3] == b"\xff\xd8\xff" or got.content[:8] == b"\x89PNG\r\n\x1a\n"


# -- board versions -------------------------------------------------------------------------------


def test_board_versions_show_their_brief_what_changed_and_which_are_superseded(
    app: FastAPI,
) -> None:
    store: Store = app.state.store
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        v1 = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        assert v1 is not None
        blocks = copy.deepcopy(v1.blocks)
        old_world = blocks["world"]
        blocks["world"] = old_world + " Rain, for once."
        for version in (2, 3):  # v3 states what v2 does: v2 is superseded, never reviewed
            s.add(
                BoardRow(
                    production_id=prod.id,
                    version=version,
                    blocks=blocks,
                    references=v1.references[1:],
                    content_hash=f"{version}" * 64,
                    created_by="vic",
                )
            )
        gone = v1.references[0]["label"]
    page = Browser(app, "wren").page(f"/p/{SLUG}/board")
    cards = dict(
        re.findall(
            r'<article class="card version[^"]*" id="board-v(\d)">(.*?)</article>', page, re.S
        )
    )
    v3, v2, v1_card = cards["3"], cards["2"], cards["1"]
    assert "What changed since v2" in v3 and "Nothing in the brief or its images." in v3
    assert 'data-kind="board"' in v3 and "<dt>world</dt>" in v3  # the latest is decided on
    assert "What changed since v1" in v2
    assert f"<del>{html.escape(old_world)}</del> <ins>{html.escape(blocks['world'])}</ins>" in v2
    assert f"<strong>image · {gone}</strong>" in v2 and "badge removed" in v2
    assert '<span class="badge superseded">superseded by v3</span>' in v2
    assert "unreviewed" not in v2 and 'data-kind="board"' not in v2
    assert "superseded by v3" in v1_card
    assert 'standing: <span class="badge approved">approved</span>' in v1_card
    assert 'data-kind="board"' not in v1_card


# -- prompt versions ------------------------------------------------------------------------------


def test_each_take_names_its_prompt_version_and_an_older_one_says_so(app: FastAPI) -> None:
    store: Store = app.state.store
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = next(c for c in repo.clips(s, prod.id) if c.position == 1)
        made_from = {t.number: t.prompt_id for t in repo.takes(s, clip.id)}
        v1 = s.get(PromptRow, made_from[1])
        assert v1 is not None
        s.add(
            PromptRow(
                clip_id=clip.id,
                version=v1.version + 1,
                sections=v1.sections,
                text=v1.text + "\nHold the last frame a beat longer.",
                content_hash="1" * 64,
            )
        )
        newest = v1.version + 1
    page = Browser(app, "ari").page(f"/p/{SLUG}/clips/1")
    assert f"<summary>Prompt v{newest} " in page and "Hold the last frame a beat longer." in page
    for number in made_from:
        take = re.search(rf'<article[^>]*id="take-{number}".*?</article>', page, re.S)
        assert take, number
        assert f'data-prompt-version="{v1.version}">prompt v{v1.version}</span>' in take[0]
        assert f"an older prompt: the latest is v{newest}" in take[0]
        assert "badge prompt older" in take[0]


def test_a_take_whose_video_is_another_take_s_says_so(app: FastAPI) -> None:
    """Edit a shot's action and run again with the animatic: it draws subjects, framing and
    camera, not the action's words, so the new take is the old one byte for byte. Two identical
    cards side by side with the same score read as a fault; the page says why they match."""
    store: Store = app.state.store
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        clip = next(c for c in repo.clips(s, prod.id) if c.position == 1)
        takes = {t.number: t for t in repo.takes(s, clip.id) if t.video_sha256}
        first, second, *others = sorted(takes)
        takes[second].video_sha256 = takes[first].video_sha256
        provider = takes[first].provider
    page = Browser(app, "ari").page(f"/p/{SLUG}/clips/1")

    def card(number: int) -> str:
        found = re.search(rf'<article[^>]*id="take-{number}".*?</article>', page, re.S)
        assert found, number
        return found[0]

    assert f"same video</span> <small>as take-{first:03d}, byte for byte" in card(second)
    assert f"same video</span> <small>as take-{second:03d}, byte for byte" in card(first)
    assert all("same video" not in card(n) for n in others)
    animatic = "the animatic draws each shot's subject" in card(first)
    assert animatic == (provider == "animatic"), provider


def test_a_stale_line_leads_to_the_page_where_it_is_brought_up_to_date(app: FastAPI) -> None:
    """A take selected on the web that the edit does not play makes the edit and its renders
    stale, until that take is approved. The dashboard and the edit page said so with a command
    only; a person on the web is led to the take's card, where the review form is."""
    ari = Browser(app, "ari")
    played = None
    for number in range(1, len(_take_ids(app, 1)) + 1):
        ari.post(f"/p/{SLUG}/clips/1/select", {"take": str(number), "back": f"/p/{SLUG}"})
        if "clip-01 selects take-" in ari.page(f"/p/{SLUG}/edit"):
            played = number
            break
    assert played is not None, "no take of clip-01 made the edit stale"
    link = (
        f'<a href="/p/{SLUG}/clips/1#take-{played}">review clip-01/take-{played:03d}</a>, or '
        f"<code>shortfilm review take {SLUG} clip-01 {played} --approve</code>"
    )
    for page in (f"/p/{SLUG}", f"/p/{SLUG}/edit"):
        lines = re.findall(r'<li data-stale="(?:edit|render)">.*?</li>', ari.page(page), re.S)
        assert lines and all(link in line for line in lines), (page, lines)
    assert f'id="take-{played}"' in ari.page(f"/p/{SLUG}/clips/1")
    # the checklist says it too, in its step's detail and in "waiting for whom"
    checklist = re.findall(r"<small>edit v\d+ is stale: .*?</small>", ari.page(f"/p/{SLUG}"), re.S)
    assert checklist and all(link in line for line in checklist), checklist


def test_a_stale_line_s_command_is_linked_only_to_a_step_a_page_offers() -> None:
    from shortfilm.web.rendering import fix_page, with_commands

    assert fix_page("shortfilm review take villa clip-12 3 --approve") == (
        "/p/villa/clips/12#take-3",
        "review clip-12/take-003",
    )
    assert fix_page("shortfilm render villa") == ("/p/villa/edit#jobs", "render on the edit page")
    export = "shortfilm export villa villa-spec && shortfilm run villa-spec/production.yaml"
    assert fix_page(export) is None
    assert fix_page("shortfilm render villa && rm -rf /") is None
    detail = "<b>clip-01</b> is stale; bring it up to date: `shortfilm render villa` or `a && b`"
    assert str(with_commands(detail)) == (
        "&lt;b&gt;clip-01&lt;/b&gt; is stale; bring it up to date: "
        '<a href="/p/villa/edit#jobs">render on the edit page</a>, or '
        "<code>shortfilm render villa</code> or <code>a &amp;&amp; b</code>"
    )


# -- comment markers ------------------------------------------------------------------------------


def test_timed_comments_are_marked_on_their_players_timeline(app: FastAPI) -> None:
    ari = Browser(app, "ari")
    take_1, take_2 = _take_ids(app, 1)
    for at, body in (("2.5", "too dark"), ("", "on the whole take"), ("9", "late cut")):
        data = {"kind": "take", "subject_id": str(take_2), "body": body, "at_s": at}
        assert ari.post(f"/p/{SLUG}/comments", data).status_code == 303  # type: ignore[attr-defined]
    page = ari.page(f"/p/{SLUG}/clips/1")
    bar = re.search(rf'<div class="marks" data-player="player-{take_2}".*?</div>', page, re.S)
    assert bar, page
    marks = re.findall(r'<button type="button" class="seek mark" data-at="([\d.]+)"', bar[0])
    assert marks == ["2.5", "9.0"]  # the comment without a time has no marker
    assert "00:09.0 ari: late cut" in bar[0]
    assert f'<div class="marks" data-player="player-{take_1}"' not in page  # none timed on it


# -- the edit's timeline --------------------------------------------------------------------------


def test_the_edit_page_draws_the_timeline_read_only(app: FastAPI) -> None:
    store: Store = app.state.store
    with store.session() as s:
        prod = repo.production_by_slug(s, SLUG)
        assert prod is not None
        stored = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        assert stored is not None
        data = stored.timeline
    rate = float(Fraction(data["rate"]))
    page = Browser(app, "wren").page(f"/p/{SLUG}/edit")
    timeline = re.search(
        r'<details class="timeline" id="timeline-v1" open>.*?</details>\s*</details>', page, re.S
    )
    assert timeline, page
    assert "<form" not in timeline[0]  # read-only
    rows = re.findall(
        r'<tr class="piece-(\w+)"><td>(.*?)</td><td>([\d.]+)</td><td>([\d.]+)</td><td>(.*?)</td>',
        timeline[0],
    )
    pictures = [r for r in rows if r[0] == "picture"]
    joins = [r for r in rows if r[0] == "join"]
    texts = [r for r in rows if r[0] == "text"]
    title = next(t for t in data["texts"] if t["kind"] == "title_card")
    assert pictures[0][1:4] == ("the title card", "0.00", f"{title['end'] / rate:.2f}")
    assert [p[1] for p in pictures[1:]] == [f"clip-{seg['clip']:02d}" for seg in data["segments"]]
    for seg, p in zip(data["segments"], pictures[1:], strict=True):
        assert p[4].startswith(f"take-{seg['take']:03d}, {seg['in'] / rate:.2f}-")
    # each join overlaps the picture before it by its frames: the next picture starts there
    assert len(joins) == len(data["transitions"]) == len(pictures) - 1
    for before, after, join, stored_join in zip(
        pictures[:-1], pictures[1:], joins, data["transitions"], strict=True
    ):
        assert join[1] == stored_join["kind"]
        start = float(before[3]) - stored_join["frames"] / rate
        assert abs(float(after[2]) - start) < 0.011 and join[2] == after[2]
    assert [t[4].split(" <small>")[0] for t in texts] == [
        html.escape(t["text"]) for t in sorted(data["texts"], key=lambda t: (t["start"], t["end"]))
    ]
    # the strip draws the same pieces, placed in percent of the film
    assert timeline[0].count(' data-name="') == len(pictures)
    assert timeline[0].count('<rect class="join') == len(joins)
    end = float(pictures[-1][3])
    last = re.findall(
        r'<g class="picture[^"]*" data-name="[^"]*">.*?'
        r'<svg x="([\d.]+)%" y="16" width="([\d.]+)%"',
        timeline[0],
    )[-1]
    assert abs(float(last[0]) + float(last[1]) - 100) < 0.01 and end > 0


def test_the_accounts_page_shows_each_account_with_its_platforms_rules(
    app: FastAPI, web_store: Store
) -> None:
    from shortfilm.campaign.accounts import add_account
    from shortfilm.domain.people import Actor, Role

    gus = Browser(app, "gus")
    assert "No account yet" in gus.page("/accounts")
    owner = Actor("ines", Role.OWNER, 1)
    add_account(web_store, owner, "tt-main", platform="tiktok", handle="@wv")
    add_account(
        web_store,
        owner,
        "x-news",
        platform="x",
        handle="@wv_news",
        target="webhook",
        url="https://hooks.example.test/x",
    )
    page = html.unescape(gus.page("/accounts"))
    flat = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "tt-main @wv TikTok en vertical, at most 600 s at most 2,200 characters no limit" in flat
    assert (
        "x-news @wv_news X en horizontal, at most 140 s at most 280 characters (weighted)" in flat
    )
    assert "webhook https://hooks.example.test/x (signed with $SHORTFILM_WEBHOOK_SECRET)" in flat
    assert (
        'href="https://developers.tiktok.com/doc/content-posting-api-reference-direct-post"' in page
    )
    assert "shortfilm account add NAME" in flat  # the growth operator manages them
    editor = " ".join(re.sub(r"<[^>]+>", " ", Browser(app, "mara").page("/accounts")).split())
    assert "The owner and the growth operator manage them." in editor and "tt-main" in editor
    assert 'href="/accounts"' in gus.page("/")
