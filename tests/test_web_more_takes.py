"""An ai-operator asks for more takes of a clip from its page, in a real browser (Debian's Chromium
through Playwright) against a real ``shortfilm serve``: a revised plan lint refuses is answered
with its finding under the form and the text kept as typed; then two takes are asked for with a
revised action, the job shows queued and running without a reload, and when it ends the page
shows the clip's takes side by side, best first with their reasons, the two new ones made from
the new prompt version, the person's selected take still selected. On PostgreSQL, a team's
database (the route and the job are the same code on SQLite, tested in test_more_takes).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_web_browser import CHROMIUM, Shots, server
from web_home import PASSWORD, SLUG

from shortfilm.store import repo
from shortfilm.store.repo import Store

pytestmark = pytest.mark.media
__all__ = ["server"]  # the fixture, used here


@pytest.mark.parametrize("web_database", ["postgres"], indirect=True)
def test_an_operator_asks_for_two_more_takes_and_compares_them(
    server: str, web_database: tuple[Path, str | None], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Shots(tmp_path / "screenshots")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{server}/login")
            page.fill("input[name=name]", "ari")  # the ai-operator
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{server}/p/{SLUG}/clips/2")
            takes = page.locator("article.take")
            expect(takes).to_have_count(2)
            expect(page.locator("article.take.selected h2")).to_contain_text("take-001")
            box = page.locator("#more-takes")
            expect(box.locator("select[name=provider]")).to_have_value("animatic")
            expect(box.locator("select[name=strategy]")).to_have_value("best-of")

            # a revision lint refuses: the finding shows, nothing is queued, the text stays
            box.locator("summary").click()
            plan = box.locator("textarea[name=plan]")
            text = plan.input_value()
            assert "duration_s: 12.5" in text, text
            too_long = text.replace("duration_s: 12.5", "duration_s: 45")
            plan.fill(too_long)
            box.locator("button[type=submit]").click()
            findings = box.locator(".findings")
            expect(findings).to_be_visible()
            expect(findings.locator("li[data-code=C201]")).to_contain_text("45 s")
            assert plan.input_value() == too_long
            expect(box.locator("tbody tr")).to_have_count(0)
            shots(page, "lint-refused")

            # a real revision, and two takes of it
            action = next(line for line in text.splitlines() if "action:" in line)
            revised = text.replace(action, action.split("action:")[0] + "action: She lands hard.")
            plan.fill(revised.replace("duration_s: 45", "duration_s: 12.5"))
            box.locator("input[name=count]").fill("2")
            box.locator("button[type=submit]").click()
            row = box.locator("tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("takes ×2")
            seen = {row.get_attribute("data-state")}
            shots(page, "queued")
            deadline = time.monotonic() + 240
            # the page follows the job (no reload) until it ends, then reloads once by itself
            while page.locator("article.take").count() < 4:
                assert time.monotonic() < deadline, box.inner_text()
                if row.count():
                    seen.add(row.get_attribute("data-state"))
                time.sleep(0.1)
            assert "running" in seen, seen
            expect(takes).to_have_count(4)
            shots(page, "side-by-side")
            new = page.locator("article.take[data-take='3'], article.take[data-take='4']")
            expect(new).to_have_count(2)
            for i in range(2):
                expect(new.nth(i).locator("video.player")).to_have_count(1)
                expect(new.nth(i).locator(".prompt-version")).to_contain_text("prompt v2")
            # the owner approved take-001 (their choice): it stays selected, whatever ranks
            # first; the takes stand best first, each with its score and reasons
            expect(page.locator("article.take.selected h2")).to_contain_text("take-001")
            expect(takes.first).to_have_attribute("data-rank", "1")
            expect(takes.first.locator(".ranking")).to_contain_text("score")
            expect(page.locator("#play-all")).to_be_visible()
            expect(page.locator("#more-takes tbody tr").first).to_have_attribute(
                "data-state", "done"
            )
        finally:
            browser.close()

    home, url = web_database
    store = Store(home, url)
    try:
        with store.session() as s:
            prod = repo.production_by_slug(s, SLUG)
            assert prod is not None
            clip = next(c for c in repo.clips(s, prod.id) if c.position == 2)
            made = [t for t in repo.takes(s, clip.id) if t.provider == "animatic"]
            assert sorted(t.params["seed"] for t in made) == [1, 2]
            assert all(t.status == "succeeded" for t in made)
            # the revision is the production's spec now: export writes it, an import merges on it
            assert prod.spec["clips"][1]["shots"][0]["action"] == "She lands hard."
    finally:
        store.close()
