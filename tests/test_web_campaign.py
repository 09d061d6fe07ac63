"""A campaign from the spec to the calendar, the way a team mixes the places it works in: the
example's approved film, three accounts (TikTok, YouTube Shorts, Instagram Reels) on a Postiz
server (the fake, on 127.0.0.1), two variants declared in the spec and imported with the command
line, two more prepared by the growth operator in a real browser (Debian's Chromium), every film
rendered from the page, each variant approved by the owner with the account rubric and published
(one scheduled for tomorrow), and the calendar showing all four. Each variant reaches Postiz
exactly once, with its own film and text; the page fits a phone and a desktop.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from approved_demo import SLUG, home, run
from conftest import service_missing
from served import serving

from shortfilm.store.repo import Store
from shortfilm.team.accounts import add_user
from shortfilm.testing.fake_postiz import FakePostiz, Integration

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

__all__ = ["home"]  # the fixture, on each database

pytestmark = pytest.mark.media
CHROMIUM = Path("/usr/bin/chromium")
KEY = "postiz-key-for-the-browser-test"
PASSWORD = "campaign pass 1"
SMALL_CLI = Path(__file__).with_name("small_cli.py")
SCREENSHOTS = Path(__file__).parent / "screenshots"
INTEGRATIONS = {
    "tt-main": ("tiktok", Integration("cm-tt-1", "Wasteland TikTok", "tiktok")),
    "yt-main": ("youtube-shorts", Integration("cm-yt-1", "Wasteland Shorts", "youtube")),
    "ig-main": ("instagram-reels", Integration("cm-ig-1", "Reels", "instagram-standalone")),
}
TEXTS = {
    "tt-hook-a": "One blade. One house.",
    "tt-hook-b": "She never runs.",
    "yt-a": "The villa waits.",
    "ig-a": "The coast holds.",
}


def _ok(home: Path, *args: str) -> str:
    code, said = run(home, *args)
    assert code == 0, said
    return said


@pytest.fixture
def postiz() -> Iterator[FakePostiz]:
    fake = FakePostiz(api_keys=[KEY], integrations=[i for _, i in INTEGRATIONS.values()])
    with fake:
        yield fake


def _login(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _flash(page: Any) -> str:
    return " ".join(page.locator("body").inner_text().split())


def test_a_campaign_goes_from_the_spec_to_the_calendar_through_cli_and_browser(
    home: Path, postiz: FakePostiz, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    for name, (platform, integration) in INTEGRATIONS.items():
        _ok(home, "account", "add", name, "--platform", platform, "--handle", "@wv", "--target",
            "postiz", "--url", postiz.base_url, "--integration", integration.id)  # fmt: skip
    # two variants declared in the spec, which the command line imports
    _ok(home, "export", SLUG, str(tmp_path / "spec"))
    spec = tmp_path / "spec" / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    data["campaign"] = {"variants": [
        {"name": "tt-hook-a", "account": "tt-main", "hook": {"text": "WHO HOLDS THE COAST"},
         "caption": TEXTS["tt-hook-a"]},
        {"name": "tt-hook-b", "account": "tt-main", "hook": {"text": "SHE NEVER RUNS"},
         "caption": TEXTS["tt-hook-b"]},
    ]}  # fmt: skip
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    said = _ok(home, "import", str(spec))
    assert "variant tt-hook-a v1" in said and "variant tt-hook-b v1" in said, said
    store = Store(home, os.environ.get("SHORTFILM_DATABASE_URL"))
    add_user(store, "ines", "owner", PASSWORD)
    add_user(store, "gus", "growth-operator", PASSWORD)
    store.close()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                microsecond=0)  # fmt: skip
    env = {**os.environ, "POSTIZ_API_KEY": KEY}
    # the demo was made at a quarter of the size (tests/approved_demo.py), and so is what the
    # server renders
    command = [str(SMALL_CLI)]
    SCREENSHOTS.mkdir(exist_ok=True)
    with serving(home, tmp_path / "server.log", env=env, command=command) as (host, port):
        url = f"http://{host}:{port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            # the growth operator prepares two more variants and renders every film
            _login(page, url, "gus")
            page.goto(f"{url}/p/{SLUG}/campaign")
            for name, account, hook in (("yt-a", "yt-main", ""), ("ig-a", "ig-main", "HOLD IT")):
                form = page.locator("form.prepare-form")
                form.locator("input[name=name]").fill(name)
                form.locator("select[name=account]").select_option(account)
                form.locator("input[name=hook]").fill(hook)
                form.locator("textarea[name=caption]").fill(TEXTS[name])
                form.locator("input[name=hashtags]").fill("shortfilm" if name == "ig-a" else "")
                form.locator("button[type=submit]").click()
                page.wait_for_load_state()
                assert f"Saved variant {name} v1 for {account}" in _flash(page), _flash(page)
            for name in TEXTS:
                # queued for the workers (here the server's own): the jobs list follows the
                # film and the page reloads once it is made
                page.locator(f"#variant-{name} form[action$='/render'] button").click()
                page.wait_for_load_state()
                assert f"Queued the film of variant {name}" in _flash(page), _flash(page)
                expect(page.locator(f"#variant-{name} video.player")).to_be_visible(timeout=120_000)
                row = page.locator("#jobs tr", has_text=f"film of variant {name}")
                expect(row.locator(".badge")).to_have_text("done")
            # the growth operator may not approve: the page says who may
            assert page.locator("#variant-yt-a input[value=approve]").count() == 0
            expect(page.locator("#variant-yt-a .not-allowed").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "campaign-prepared-1440.png"), full_page=True)
            page.close()
            # the owner approves each with the account rubric and publishes it
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            _login(page, url, "ines")
            page.goto(f"{url}/p/{SLUG}/campaign")
            for name in TEXTS:
                card = page.locator(f"#variant-{name}")
                form = card.locator("form.review-form")
                form.locator("input[value=approve]").check()
                form.locator("select[name='score-account-match']").select_option("4")
                form.locator("select[name='score-caption-fit']").select_option("5")
                form.locator("button[type=submit]").click()
                page.wait_for_load_state()
                assert f"approved variant {name} v1" in _flash(page), _flash(page)
                publish = page.locator(f"#variant-{name} form.publish-form")
                if name == "tt-hook-b":
                    publish.locator("input[name=at]").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
                publish.locator("button[type=submit]").click()
                page.wait_for_load_state()
                assert f"Variant {name} v1 to" in _flash(page), _flash(page)
            calendar = page.locator("#calendar li")
            expect(calendar).to_have_count(4)
            day = tomorrow.strftime("%d %b %Y")
            expect(page.locator("#calendar", has_text=day)).to_be_visible()
            for width in (1440, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{url}/p/{SLUG}/campaign")
                wide, inner = page.evaluate(
                    "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
                )
                assert wide <= inner, f"campaign@{width}: {wide} px wide in {inner}"
                page.screenshot(path=str(SCREENSHOTS / f"campaign-{width}.png"), full_page=True)
            browser.close()
    # Postiz has each variant once, with its own film and text, at its time
    posts = postiz.live_posts()
    assert len(postiz.posts) == len(posts) == 4, [p.content for p in postiz.posts.values()]
    by_text = {p.content.split("\n")[0]: p for p in posts}
    films = home / "library" / SLUG / "variants"
    for name, text in TEXTS.items():
        post = by_text[text]
        account = {"tt": "tt-main", "yt": "yt-main", "ig": "ig-main"}[name[:2]]
        assert post.integration.id == INTEGRATIONS[account][1].id
        (film,) = films.glob(f"{SLUG}__edit-v1__{name}-v1__*.mp4")
        (image,) = post.images
        sent = hashlib.sha256(postiz.upload_bytes(image["id"])).hexdigest()
        assert sent == hashlib.sha256(film.read_bytes()).hexdigest()
        if name == "tt-hook-b":
            assert post.publish_date == tomorrow and post.state == "QUEUE"
    report = json.loads(_ok(home, "report", "campaign", SLUG, "--json"))
    assert sorted(r["variant"] for r in report["results"]) == sorted(TEXTS)
    assert KEY not in (tmp_path / "server.log").read_text()


def _finished(web: TestClient, job_id: str, within_s: float = 120.0) -> dict[str, Any]:
    """The job as recorded once it has ended (the app's own thread runs it)."""
    deadline = time.monotonic() + within_s
    while True:
        job: dict[str, Any] = web.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_the_json_api_prepares_renders_approves_and_publishes_a_variant(home: Path) -> None:
    """The same campaign through the JSON API, roles and all: the growth operator saves and
    renders a variant but may not approve it; the owner approves and publishes it once."""
    from fastapi.testclient import TestClient

    from shortfilm.web.app import create_app
    from shortfilm.web.settings import Settings

    _ok(home, "account", "add", "tt-main", "--platform", "tiktok", "--handle", "@wv")
    store = Store(home, os.environ.get("SHORTFILM_DATABASE_URL"))
    add_user(store, "ines", "owner", PASSWORD)
    add_user(store, "gus", "growth-operator", PASSWORD)
    app = create_app(store, Settings())

    def client(name: str) -> tuple[TestClient, dict[str, str]]:
        web = TestClient(app, follow_redirects=False)
        assert web.post("/login", data={"name": name, "password": PASSWORD}).status_code == 303
        return web, {"X-CSRF-Token": web.get("/api/me").json()["csrf_token"]}

    try:
        gus, gus_csrf = client("gus")
        api = f"/api/productions/{SLUG}"
        bad = gus.post(f"{api}/variants", json={"name": "tt-a", "account": "nowhere"},
                       headers=gus_csrf)  # fmt: skip
        assert bad.status_code == 409 and "V501" in bad.text, bad.text  # refused by lint
        saved = gus.post(f"{api}/variants", headers=gus_csrf,
                         json={"name": "tt-a", "account": "tt-main", "hook": "HOLD ON",
                               "caption": "Once.", "hashtags": ["shortfilm"]})  # fmt: skip
        assert saved.status_code == 201 and saved.json()["version"] == 1, saved.text
        nowhere = gus.post(f"{api}/variants/nope/render", headers=gus_csrf)
        assert nowhere.status_code == 400 and "no variant named 'nope'" in nowhere.text
        queued = gus.post(f"{api}/variants/tt-a/render", headers=gus_csrf)
        assert queued.status_code == 202 and queued.json()["kind"] == "variant-render", queued.text
        job = _finished(gus, queued.json()["id"])
        assert job["state"] == "done", job
        film = job["result"]
        assert film["status"] == "passed" and not film["reused"], film
        page = gus.get(f"{api}/campaign").json()
        (variant,) = page["variants"]
        assert variant["film_sha256"] == film["sha256"] and variant["post"] is None
        decision = {"kind": "variant", "subject_id": variant["stored_id"], "decision": "approve",
                    "scores": [{"criterion": "account-match", "value": 4},
                               {"criterion": "caption-fit", "value": 4}]}  # fmt: skip
        refused = gus.post(f"{api}/reviews", json=decision, headers=gus_csrf)
        assert refused.status_code == 403, refused.text
        early = gus.post(f"{api}/variants/tt-a/publish", json={}, headers=gus_csrf)
        assert early.status_code == 409 and "waits for the owner's review" in early.text
        ines, ines_csrf = client("ines")
        assert ines.post(f"{api}/reviews", json=decision, headers=ines_csrf).status_code == 201
        posted = ines.post(f"{api}/variants/tt-a/publish", json={}, headers=ines_csrf).json()
        assert (posted["state"], posted["sent"]) == ("published", True), posted
        again = ines.post(f"{api}/variants/tt-a/publish", json={}, headers=ines_csrf).json()
        assert (again["state"], again["sent"]) == ("published", False), again
        page = ines.get(f"{api}/campaign").json()
        assert page["calendar"][0]["entries"][0][1]["name"] == "tt-a"
    finally:
        app.state.qc_queue.close()
        store.close()
