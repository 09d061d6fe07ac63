"""A reviewer's session in a real browser: Debian's Chromium driven by Playwright against a real
``shortfilm serve`` on loopback.

Log in, open a clip, compare its two takes side by side, leave a comment at 00:04, select a take,
approve it with the rubric, and see the checklist advance. A screenshot is saved at each step
under the test's output folder (and copied to ``$SHORTFILM_TEST_OUTPUT`` when set).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import service_missing
from served import serving
from web_home import PASSWORD, SLUG

from shortfilm import review
from shortfilm.store.repo import Store

pytestmark = pytest.mark.media

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def server(web_database: tuple[Path, str | None], tmp_path: Path) -> Iterator[str]:
    """``shortfilm serve`` over a production whose clips 2-4 are approved: clip 1 is the last
    one the clip checkpoint waits for."""
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is missing: apt-get install chromium")
    home, url = web_database
    store = Store(home, url)
    owner = review.local_owner()
    for position in (2, 3, 4):
        take = review.subject_id(store, SLUG, "take", clip=position)
        review.decide(store, SLUG, "take", take, owner, "approve")
    store.close()
    env = dict(os.environ)
    if url is not None:
        env["SHORTFILM_DATABASE_URL"] = url
    with serving(home, tmp_path / "server.log", env=env) as (host, port):
        yield f"http://{host}:{port}"


class Shots:
    """Numbered screenshots in the test's folder, copied to ``$SHORTFILM_TEST_OUTPUT``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True)

    def __call__(self, page: object, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        out = os.environ.get("SHORTFILM_TEST_OUTPUT")
        if out:
            dest = Path(out) / "web-browser"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest / path.name)
        return path


def test_review_a_clip_in_the_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Shots(tmp_path / "screenshots")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{server}/p/{SLUG}/clips/1")
            assert "/login" in page.url  # not logged in yet
            page.fill("input[name=name]", "mara")
            page.fill("input[name=password]", PASSWORD)
            shots(page, "login")
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/p/{SLUG}/clips/1")

            # the dashboard first: the clip checkpoint waits for clip-01
            page.goto(f"{server}/p/{SLUG}")
            generation = page.locator("tr[data-step=clip-generation]")
            expect(generation).to_have_attribute("data-state", "waiting-review")
            expect(generation).to_contain_text("clip-01")
            shots(page, "dashboard-before")

            # open the clip and compare its two takes side by side
            page.goto(f"{server}/p/{SLUG}/review")
            page.click("a[href$='/clips/1']")
            page.wait_for_url(f"{server}/p/{SLUG}/clips/1")
            takes = page.locator("article.take")
            expect(takes).to_have_count(2)
            players = page.locator("article.take video")
            expect(players).to_have_count(2)
            page.wait_for_function(
                "() => [...document.querySelectorAll('article.take video')]"
                ".every(v => v.readyState >= 1 && v.duration > 12)"
            )
            boxes = [players.nth(i).bounding_box() for i in range(2)]
            assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 5  # side by side
            assert boxes[0]["x"] < boxes[1]["x"]
            page.click("#play-all")
            page.wait_for_function(
                "() => [...document.querySelectorAll('article.take video')]"
                ".every(v => !v.paused && v.currentTime > 0.3)"
            )
            shots(page, "compare-takes")
            page.click("#play-all")

            # a comment at 00:04 on take 2: the paused player gives the time
            take2 = page.locator("#take-2")
            player = take2.locator("video")
            player.evaluate(
                """v => new Promise(done => {
                    v.pause();
                    v.addEventListener('seeked', done, {once: true});
                    v.currentTime = 4;
                })"""
            )
            expect(take2.locator("input.at-s")).to_have_value("4.0")
            take2.locator(".comment-form input[name=body]").fill("the blade flickers here")
            take2.locator(".comment-form button[type=submit]").click()
            page.wait_for_load_state()
            comment = page.locator("#take-2 li.comment", has_text="the blade flickers here")
            expect(comment).to_be_visible()
            expect(comment.locator("button.seek")).to_have_text("00:04.0")
            page.locator("#take-2 video").evaluate("v => { v.currentTime = 9; v.pause(); }")
            comment.locator("button.seek").click()
            page.wait_for_function(
                "() => Math.abs(document.querySelector('#take-2 video').currentTime - 4) < 0.6"
            )
            shots(page, "comment-at-4s")

            # its marker sits at 4 s of the 12.5 s timeline and seeks there on click
            mark = page.locator("#take-2 .marks .mark[data-at='4.0']")
            expect(mark).to_be_visible()
            bar = page.locator("#take-2 .marks").bounding_box()
            spot = mark.bounding_box()
            assert bar and spot
            duration = page.locator("#take-2 video").evaluate("v => v.duration")
            expected = bar["x"] + bar["width"] * 4 / duration
            assert abs(spot["x"] + spot["width"] / 2 - expected) < 3, (spot, bar, duration)
            page.locator("#take-2 video").evaluate("v => { v.currentTime = 10; v.pause(); }")
            mark.click()
            page.wait_for_function(
                "() => Math.abs(document.querySelector('#take-2 video').currentTime - 4) < 0.6"
            )

            # one click selects take 2
            page.locator("#take-2 .select-take button").click()
            page.wait_for_load_state()
            expect(page.locator("#take-2")).to_have_class("card take selected")
            expect(page.locator("#take-1")).not_to_have_class("card take selected")
            shots(page, "take-2-selected")

            # approve take 2 with the rubric
            form = page.locator("#take-2 form.review-form")
            form.locator("input[value=approve]").check()
            form.locator("details.rubric summary").click()
            for select in form.locator("select").all():
                select.select_option("4")
            form.locator("input[name=note-story-clarity]").fill("the strike reads at once")
            form.locator("input[name=note]").fill("steady face, clean impact")
            shots(page, "rubric-filled")
            form.locator("button[type=submit]").click()
            page.wait_for_load_state()
            expect(page.locator("#take-2 .reviews")).to_contain_text("approve by mara")
            expect(page.locator("#take-2 .reviews")).to_contain_text("story-clarity 4")
            shots(page, "approved")

            # the checklist advanced: every clip approved, the edit is no longer blocked
            page.goto(f"{server}/p/{SLUG}")
            expect(generation).to_have_attribute("data-state", "done")
            expect(page.locator("tr[data-step=edit]")).not_to_have_attribute(
                "data-state", "blocked"
            )
            expect(page.locator("ul.activity")).to_contain_text("review.approve")
            shots(page, "dashboard-after")
        finally:
            browser.close()
    assert len(list((tmp_path / "screenshots").glob("*.png"))) == shots.count >= 8


SCREENSHOTS = Path(__file__).parent / "screenshots"
"""Where the layout test leaves a screenshot of every page at every width (gitignored): look
at them after a change to the pages."""
WIDTHS = (1440, 390)
"""A desktop and a phone (390 px is an iPhone 12-15 in portrait)."""


def _coloured_pixels(png: bytes) -> int:
    """Pixels of a screenshot that are neither grey nor white: in a comment of black text, only
    a colour emoji has them (a missing emoji font draws an empty box)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return sum(1 for r, g, b in rgb.getdata() if max(r, g, b) - min(r, g, b) > 60)


def _shoot(page: Any, name: str, width: int) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _no_overflow(page: Any, name: str) -> None:
    """Nothing on the page is wider than the window (no sideways scrolling on a phone)."""
    wide, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, f"{name}: {wide} px wide in a {inner} px window"


def test_every_page_fits_a_phone_and_a_desktop(server: str) -> None:
    """Each page at 1440 and 390 px: no sideways overflow, its key controls on screen, and an
    emoji in a comment drawn in colour (the font is installed and named by the CSS)."""
    from playwright.sync_api import expect, sync_playwright

    pages: dict[str, tuple[str, list[str]]] = {
        "productions": ("/", [".production-card .still img", ".production-card .waiting"]),
        "dashboard": (f"/p/{SLUG}", ["#checklist", "form[action$='/overrides'] button"]),
        "board": (f"/p/{SLUG}/board", ["#board-v1", "form.review-form button[type=submit]"]),
        "review": (f"/p/{SLUG}/review", ["table.overview a.tile"]),
        "clip": (
            f"/p/{SLUG}/clips/1",
            ["#take-1 video", "#take-1 .comment-form button[type=submit]", ".select-take button"],
        ),
        "edit": (
            f"/p/{SLUG}/edit",
            ["#timeline-v1 svg", "video.player", "form[action$='/publish'] button"],
        ),
        "search": (
            "/search?q=sparks",
            [".search-form button[type=submit]", ".search-results .hit"],
        ),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{server}/login")
                _no_overflow(page, f"login@{width}")
                _shoot(page, "login", width)
                page.fill("input[name=name]", "ines")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{server}/")
                if width == WIDTHS[0]:  # one comment with an emoji, seen at both widths
                    page.goto(f"{server}/p/{SLUG}/clips/1")
                    form = page.locator("#take-1 .comment-form")
                    form.locator("input[name=body]").fill("the sparks \U0001f525 land late")
                    form.locator("button[type=submit]").click()
                    page.wait_for_load_state()
                for name, (path, controls) in pages.items():
                    page.goto(f"{server}{path}")
                    _no_overflow(page, f"{name}@{width}")
                    for selector in controls:
                        control = page.locator(selector).first
                        expect(control).to_be_visible()
                        control.scroll_into_view_if_needed()
                        box = control.bounding_box()
                        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (
                            f"{name}@{width}: {selector} is cut off at {box}"
                        )
                    _shoot(page, name, width)
                    if name == "clip":
                        emoji = page.locator("li.comment", has_text="the sparks").first
                        assert _coloured_pixels(emoji.screenshot()) > 20, f"no emoji at {width}"
                page.close()
                _refusal(browser, server, width)
        finally:
            browser.close()
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(WIDTHS) * (len(pages) + 2)


SUBMIT_A_DECISION = """([csrf, take]) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = location.pathname.replace(/\\/clips\\/.*/, '/reviews');
    const fields = {csrf_token: csrf, kind: 'take', subject_id: take, decision: 'approve',
                    back: location.pathname};
    for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""
"""A decision the page does not offer the viewer, sent as a form would send it."""


def _refusal(browser: Any, server: str, width: int) -> None:
    """A growth-operator approving a take: the refusal page, with its link back, fits."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(f"{server}/login")
        page.fill("input[name=name]", "gus")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        page.goto(f"{server}/p/{SLUG}/clips/1")
        expect(page.locator("form.review-form")).to_have_count(0)  # not offered to gus
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        take = page.locator("#take-1 .comment-form input[name=subject_id]").get_attribute("value")
        with page.expect_navigation() as sent:
            page.evaluate(SUBMIT_A_DECISION, [csrf, take])
        response = sent.value
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_have_text("Not allowed: decide on a take")
        back = page.locator("a.back")
        expect(back).to_be_visible()
        _no_overflow(page, f"refusal@{width}")
        _shoot(page, "refusal", width)
        back.click()
        page.wait_for_url(f"{server}/p/{SLUG}/clips/1")
    finally:
        page.close()
