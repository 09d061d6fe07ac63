"""Publishing accounts: the platforms' rules as data, and ``shortfilm account`` on each database.

The rules are checked with the limits the platforms document (each break names the rule, the
limit, what was measured and the page); the accounts are added, listed, shown and removed
through the CLI as a growth operator would, and every bad field is refused by name with nothing
written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain.people import Actor, Role
from shortfilm.domain.platforms import (
    PLATFORMS,
    check_post,
    hashtag,
    hashtags_in,
    post_text,
    weighted_length,
)
from shortfilm.errors import PermissionDenied
from shortfilm.store.repo import Store

STORE_ON_BOTH = pytest.mark.usefixtures("db_env")


# --- the rules ----------------------------------------------------------------------------------


def test_a_post_within_every_rule_breaks_none() -> None:
    for where in PLATFORMS.values():
        assert (
            check_post(
                where,
                duration_s=30.0,
                caption="A villa in the wasteland.",
                hashtags=["shortfilm"],
                title="Wasteland Villa",
                preset=where.preset,
            )
            == []
        ), where.name


def test_each_break_names_the_rule_the_limit_the_measure_and_the_source() -> None:
    reels = PLATFORMS["instagram-reels"]
    found = check_post(
        reels,
        duration_s=191.5,
        caption="x" * 2190 + " #one #two",
        hashtags=["three", "four", "five", "six"],
        title=None,
        preset="horizontal",
    )
    by_rule = {b.rule: b for b in found}
    assert set(by_rule) == {"the video", "the frame", "the post text", "the hashtags"}
    assert (by_rule["the video"].limit, by_rule["the video"].measured) == ("180 s", "191.50 s")
    assert by_rule["the frame"].measured == "horizontal"
    # the caption and the hashtags added after it, as posted: 2,200 + "\n\n" + four tags
    assert by_rule["the post text"].measured == "2,225 characters"  # 2,200 + 2 + "#three ... #six"
    assert (by_rule["the hashtags"].limit, by_rule["the hashtags"].measured) == ("5", "6")
    said = str(by_rule["the video"])
    assert "191.50 s" in said and "180 s" in said and "Instagram Reels" in said
    assert said.endswith(f"({reels.sources[0]})")
    shorts = PLATFORMS["youtube-shorts"]
    (title,) = check_post(
        shorts, duration_s=None, caption="", hashtags=[], title="t" * 101, preset="vertical"
    )
    assert (title.rule, title.limit, title.measured) == (
        "the title",
        "100 characters",
        "101 characters",
    )


def test_x_counts_weighted_and_links_as_23() -> None:
    x = PLATFORMS["x"]
    assert weighted_length("a" * 280) == 280
    assert weighted_length("映画" * 70) == 280  # CJK counts twice
    assert weighted_length("see https://example.com/a/very/long/path/indeed " + "b") == 4 + 23 + 2
    ok = dict(duration_s=20.0, hashtags=[], title=None, preset="horizontal")
    assert check_post(x, caption="映" * 140, **ok) == []  # type: ignore[arg-type]
    (over,) = check_post(x, caption="映" * 141, **ok)  # type: ignore[arg-type]
    assert (
        over.measured == "282 characters (weighted)" and over.limit == "280 characters (weighted)"
    )
    (long,) = check_post(x, caption="", duration_s=140.5, hashtags=[], title=None, preset="square")
    assert long.rule == "the video" and long.limit == "140 s"


def test_hashtags_are_read_from_the_caption_and_not_counted_twice() -> None:
    assert hashtags_in("Dust #villa and #Wasteland_2, not a#b nor &#39;") == [
        "villa",
        "Wasteland_2",
    ]
    assert post_text("Dust #villa", ["villa", "VILLA", "film"]) == "Dust #villa\n\n#film"
    assert post_text("", ["film"]) == "#film"
    assert hashtag("#film") == "film"
    for bad in ("", "#", "two words", "2026", "a-b"):
        with pytest.raises(ValueError):
            hashtag(bad)


# --- the accounts -------------------------------------------------------------------------------


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@STORE_ON_BOTH
def test_a_growth_operator_adds_lists_shows_and_removes_accounts(home: Path) -> None:
    code, said = run(
        home, "account", "add", "tt-main", "--platform", "tiktok", "--handle", "wasteland.films"
    )
    assert code == 0, said
    assert "tt-main (TikTok @wasteland.films) added: vertical videos" in " ".join(said.split())
    code, said = run(
        home, "account", "add", "yt-shorts", "--platform", "youtube-shorts", "--handle", "@wv",
        "--locale", "en-US", "--preset", "square", "--target", "webhook",
        "--url", "https://hooks.example.test/films/",
    )  # fmt: skip
    assert code == 0, said
    code, said = run(
        home, "account", "add", "ig-reels", "--platform", "instagram-reels", "--handle", "@wv.ig",
        "--locale", "pt-BR", "--target", "postiz", "--url", "http://127.0.0.1:5000/api",
        "--integration", "cm4ig0001",
    )  # fmt: skip
    assert code == 0, said
    code, said = run(home, "account", "list", "--json")
    assert code == 0, said
    listed = json.loads(said)
    assert [a["name"] for a in listed] == ["ig-reels", "tt-main", "yt-shorts"]
    yt = listed[2]
    assert (yt["platform"], yt["handle"], yt["locale"], yt["preset"]) == (
        "youtube-shorts",
        "@wv",
        "en-US",
        "square",
    )
    # the secret is never given: only the variable that holds it is named
    assert yt["target"] == {
        "kind": "webhook",
        "url": "https://hooks.example.test/films",
        "secret_env": "SHORTFILM_WEBHOOK_SECRET",
    }
    assert listed[0]["target"] == {
        "kind": "postiz",
        "url": "http://127.0.0.1:5000/api",
        "integration": "cm4ig0001",
    }
    assert yt["rules"]["title_max"] == 100 and yt["rules"]["max_duration_s"] == 180.0
    code, said = run(home, "account", "show", "ig-reels")
    assert code == 0, said
    shown = " ".join(said.split())
    assert "at most 180 s" in shown and "hashtags 5" in shown and "2,200 characters" in shown
    assert "https://help.instagram.com/" in shown and "key from $POSTIZ_API_KEY" in shown
    code, said = run(home, "account", "list")
    assert code == 0 and "tt-main" in said and "webhook" in said
    # removed: gone from the list, its name free again
    assert run(home, "account", "remove", "tt-main")[0] == 0
    code, said = run(home, "account", "show", "tt-main")
    assert code == 2 and "no account named 'tt-main'" in said and "ig-reels, yt-shorts" in said
    code, said = run(home, "account", "add", "tt-main", "--platform", "tiktok", "--handle", "@new")
    assert code == 0, said
    listed = json.loads(run(home, "account", "list", "--json")[1])
    assert [a["handle"] for a in listed if a["name"] == "tt-main"] == ["@new"]


X = ["--platform", "x", "--handle", "@a"]
HOOK = [*X, "--target", "webhook"]
BAD_FIELDS = [
    (["--platform", "tiktokk", "--handle", "@a"], "platform", "known: facebook, instagram-reels"),
    (
        ["--platform", "tiktok", "--handle", "@a", "--preset", "square"],
        "preset",
        "TikTok takes vertical videos, not 'square'",
    ),
    (["--platform", "tiktok", "--handle", "no spaces"], "handle", "is not a handle"),
    ([*X, "--locale", "english"], "locale", "'english' is not a locale"),
    ([*X, "--target", "email"], "target", "known: folder, webhook, postiz"),
    (HOOK, "url", "needs the URL"),
    ([*HOOK, "--url", "https://u:pw@h.test/"], "url", "no credentials"),
    ([*HOOK, "--url", "ftp://h.test/"], "url", "not an http(s) URL"),
    (
        [*HOOK, "--url", "https://h.test", "--secret-env", "my secret"],
        "secret-env",
        "never given or stored",
    ),
    (
        [*X, "--target", "postiz", "--url", "https://p.test"],
        "integration",
        "id of its connected channel",
    ),
    ([*X, "--url", "https://h.test"], "url", "a folder target takes no url"),
]


@STORE_ON_BOTH
def test_a_bad_field_is_named_and_nothing_is_written(home: Path) -> None:
    for args, field, words in BAD_FIELDS:
        code, said = run(home, "account", "add", "acct", *args)
        flat = " ".join(said.split())
        assert code == 2, said
        assert f"account acct: {field}:" in flat and words in flat, flat
    assert json.loads(run(home, "account", "list", "--json")[1]) == []


@STORE_ON_BOTH
def test_a_taken_name_is_refused_and_the_first_kept(home: Path) -> None:
    assert run(home, "account", "add", "main", "--platform", "x", "--handle", "@one")[0] == 0
    code, said = run(home, "account", "add", "main", "--platform", "tiktok", "--handle", "@two")
    assert code != 0 and "account main exists already" in said
    (kept,) = json.loads(run(home, "account", "list", "--json")[1])
    assert (kept["platform"], kept["handle"]) == ("x", "@one")
    code, said = run(home, "account", "remove", "nobody")
    assert code == 2 and "no account named 'nobody'" in said


@STORE_ON_BOTH
def test_only_the_owner_and_the_growth_operator_manage_accounts(home: Path) -> None:
    from shortfilm.campaign.accounts import accounts, add_account, remove_account

    store = Store(home)
    try:
        for role in (Role.WRITER, Role.EDITOR, Role.AI_OPERATOR, Role.VISUAL_OPERATOR):
            with pytest.raises(PermissionDenied, match="growth-operator"):
                add_account(store, Actor("kim", role, 7), "kim", platform="x", handle="@k")
        growth = Actor("ria", Role.GROWTH_OPERATOR, 8)
        added = add_account(store, growth, "ria-x", platform="x", handle="@ria")
        assert added.created_by == "ria" and added.preset == "horizontal"
        with pytest.raises(PermissionDenied):
            remove_account(store, Actor("kim", Role.EDITOR, 7), "ria-x")
        assert [a.name for a in accounts(store)] == ["ria-x"]
    finally:
        store.close()
