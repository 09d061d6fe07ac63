"""Variants of an approved film: how a variant is laid over the edit (texts, order, trims),
how the spec declares them, and what lint says before anything is rendered or posted."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from shortfilm.domain.production import (
    Campaign,
    CampaignRole,
    Caption,
    EditIntent,
    EndCard,
    Hook,
    RhythmClip,
    SoundEffectCue,
    SoundKind,
    TitleCard,
    Variant,
)
from shortfilm.domain.social_accounts import PublishTarget, SocialAccount, TargetKind
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import TextKind, TimelineError
from shortfilm.domain.variant import variant_timeline
from shortfilm.errors import SpecError
from shortfilm.examples import example_dir
from shortfilm.prompts.lint import lint_production
from shortfilm.spec import load_spec, spec_to_dict
from shortfilm.spec.stored import spec_from_dict

RATE = Fraction(24)


def _edit() -> Timeline:
    """Four 10 s takes under a 2 s title card, crossfades of 0.5 s, a caption on clip 3, an
    impact on clip 2, a hook and an end card."""
    intent = EditIntent(
        title_card=TitleCard("THE COAST", duration_s=2),
        crossfade_s=0.5,
        captions=(Caption("On the road", 22.0, 24.0),),
        sfx=(SoundEffectCue(SoundKind.IMPACT, 13.0),),
        hook=Hook("Who holds the coast?", 0, 2),
        end_card=EndCard("Follow for more", 3),
    )
    takes = [TakeSource(c, 1, c, f"sha{c}", 240) for c in (1, 2, 3, 4)]
    return default_timeline(intent, takes, RATE)


def _text(tl: Timeline, kind: TextKind) -> tuple[str, float, float]:
    (item,) = tl.texts_of(kind)
    return item.text, float(tl.seconds(item.start)), float(tl.seconds(item.end))


def test_a_text_variant_changes_the_hook_and_end_card_and_nothing_else() -> None:
    base = _edit()
    v = Variant("tt-a", "tt", hook=Hook("She never runs", 0, 1.5), end_card=EndCard("Part 2", 2))
    tl = variant_timeline(base, v)
    assert tl.segments == base.segments and tl.transitions == base.transitions
    assert tl.audio == base.audio
    assert _text(tl, TextKind.HOOK) == ("She never runs", 0.0, 1.5)
    end = float(tl.duration)
    assert _text(tl, TextKind.END_CARD) == ("Part 2", end - 2, end)
    assert tl.texts_of(TextKind.CAPTION) == base.texts_of(TextKind.CAPTION)


def test_a_variant_that_says_nothing_is_the_edit() -> None:
    base = _edit()
    assert variant_timeline(base, Variant("same", "tt")) == base


def test_a_reordered_variant_carries_texts_and_sounds_with_their_pictures() -> None:
    base = _edit()
    tl = variant_timeline(base, Variant("r", "tt", order=(3, 1, 2, 4)))
    assert [s.clip for s in tl.segments] == [3, 1, 2, 4]
    assert tl.total_frames == base.total_frames
    starts = dict(zip((s.clip for s in tl.segments), tl.starts[1:], strict=True))
    old_starts = dict(zip((s.clip for s in base.segments), base.starts[1:], strict=True))
    (cap,) = tl.texts_of(TextKind.CAPTION)
    (old_cap,) = base.texts_of(TextKind.CAPTION)
    # the caption sat on clip 3; it still does, as far into it
    assert cap.start - starts[3] == old_cap.start - old_starts[3]
    (cue,) = tl.audio.sfx
    assert cue.at - starts[2] == base.audio.sfx[0].at - old_starts[2]
    # the end card keeps to the film's last seconds, the title card still opens it
    assert _text(tl, TextKind.END_CARD)[2] == float(tl.duration)
    assert tl.title == base.title


def test_a_shorter_variant_drops_what_rode_on_a_clip_it_leaves_out() -> None:
    base = _edit()
    tl = variant_timeline(base, Variant("short", "tt", order=(1, 2, 4)))
    assert [s.clip for s in tl.segments] == [1, 2, 4]
    assert len(tl.transitions) == 3
    assert tl.texts_of(TextKind.CAPTION) == ()  # it was on clip 3
    assert len(tl.audio.sfx) == 1
    assert tl.total_frames < base.total_frames


def test_trims_and_speed_recut_inside_the_approved_part() -> None:
    base = _edit()
    v = Variant("fast", "tt", clips=(RhythmClip(2, in_s=1, out_s=8, speed=2.0),))
    tl = variant_timeline(base, v)
    seg = tl.segments[1]
    assert (seg.source_in, seg.source_out, seg.speed) == (24, 192, 2.0)
    assert tl.total_frames == base.total_frames - 240 + 84
    with pytest.raises(TimelineError, match=r"variant past: clip 2's out \(11 s\) is past"):
        variant_timeline(base, Variant("past", "tt", clips=(RhythmClip(2, out_s=11),)))


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        (Variant("x", "tt", order=(1, 5)), "order names clip 5, which the approved edit"),
        (Variant("x", "tt", order=(1, 2), clips=(RhythmClip(3, speed=2),)), "clips names clip 3"),
        (Variant("x", "tt", hook=Hook("late", 4, 40)), "variant x: hook 'late'"),
    ],
)
def test_a_variant_that_does_not_fit_is_refused_by_name(variant: Variant, message: str) -> None:
    with pytest.raises(TimelineError, match=message):
        variant_timeline(_edit(), variant)


# -- the spec ----------------------------------------------------------------------------------

CAMPAIGN = {
    "variants": [
        {
            "name": "tt-hook-a",
            "account": "tt-main",
            "hook": {"text": "She holds the coast", "end_s": 2},
            "end_card": {"text": "Part 2 Friday"},
            "caption": "One blade. One house.",
            "hashtags": ["#shortfilm", "wasteland"],
        },
        {
            "name": "yt-fast",
            "account": "yt-main",
            "order": [2, 1, 3, 4],
            "clips": [{"clip": 3, "speed": 1.25}],
            "preset": "horizontal",
        },  # fmt: skip
    ]
}


def _spec_with(tmp_path: Path, campaign: object) -> Path:
    data = yaml.safe_load((example_dir() / "production.yaml").read_text())
    data["campaign"] = campaign
    shutil.copytree(example_dir() / "refs", tmp_path / "refs")
    spec = tmp_path / "production.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return spec


def test_the_spec_declares_variants_and_writes_them_back(tmp_path: Path) -> None:
    production = load_spec(_spec_with(tmp_path, CAMPAIGN))
    a, b = production.campaign.variants
    assert a.hook == Hook("She holds the coast", 0.0, 2.0)
    assert a.hashtags == ("shortfilm", "wasteland")  # stored without their #
    assert b.order == (2, 1, 3, 4) and b.clips == (RhythmClip(3, speed=1.25),)
    assert spec_from_dict(spec_to_dict(production)) == production


def _one(**fields: object) -> dict[str, object]:
    return {"variants": [{"name": "a", "account": "a", **fields}]}


@pytest.mark.parametrize(
    ("campaign", "field", "message"),
    [
        (_one(name="Bad Name"), "campaign.variants[0].name", "not a variant name"),
        ({"variants": [{"name": "a", "account": "a"}] * 2}, "campaign.variants", "declared twice"),
        (_one(order=[1, 1]), "campaign.variants[0].order", "named twice"),
        (_one(hashtags=["no spaces"]), "campaign.variants[0].hashtags[0]", "not a hashtag"),
        (_one(colour="red"), "campaign.variants[0].colour", ""),
    ],
)
def test_a_bad_variant_in_the_spec_is_named(
    tmp_path: Path, campaign: object, field: str, message: str
) -> None:
    with pytest.raises(SpecError) as err:
        load_spec(_spec_with(tmp_path, campaign))
    assert field in str(err.value) and message in str(err.value)


# -- lint --------------------------------------------------------------------------------------


def _account(name: str, platform: str, preset: str = "vertical") -> SocialAccount:
    return SocialAccount(name, platform, f"@{name}", "en", preset,
                         PublishTarget(TargetKind.FOLDER), "ines", datetime.now(UTC))  # fmt: skip


ACCOUNTS = {
    "tt-main": _account("tt-main", "tiktok"),
    "ig-main": _account("ig-main", "instagram-reels"),
    "yt-main": _account("yt-main", "youtube-shorts"),
}


def _lint(
    *variants: Variant, role: CampaignRole | None = None, accounts: object = ACCOUNTS
) -> list[tuple[str, str, str]]:
    production = load_spec(example_dir())
    production = replace(production, campaign=Campaign(tuple(variants)))
    if role is not None:
        production = replace(production, campaign_role=role)
    findings = lint_production(production, accounts=accounts)  # type: ignore[arg-type]
    return [(f.code, f.place, f.message) for f in findings if f.code.startswith("V")]


def test_lint_passes_variants_that_keep_their_platforms_rules() -> None:
    assert (
        _lint(
            Variant(
                "tt-a", "tt-main", hook=Hook("She holds the coast", 0, 2), caption="One blade."
            ),
            Variant("ig-a", "ig-main", hashtags=("a", "b", "c", "d", "e")),
        )
        == []
    )


def test_lint_names_the_variant_account_rule_limit_and_measure() -> None:
    found = _lint(
        Variant("ig-tags", "ig-main", hashtags=("a", "b", "c", "d", "e", "f")),
        Variant("tt-long", "tt-main", caption="x" * 2201),
        Variant("nowhere", "fb-main"),
        Variant("yt-title", "yt-main", title="T" * 101),
    )
    codes = {(code, place) for code, place, _ in found}
    assert codes == {
        ("V502", "campaign.variants[0].hashtags"),
        ("V502", "campaign.variants[1].caption"),
        ("V501", "campaign.variants[2].account"),
        ("V502", "campaign.variants[3].title"),
    }
    messages = "\n".join(m for _, _, m in found)
    assert (
        "variant ig-tags for ig-main (Instagram Reels @ig-main): the hashtags is 6, "
        "but Instagram Reels allows 5" in messages
    )
    assert "the post text is 2,201 characters, but TikTok allows 2,200 characters" in messages
    assert "no account named 'fb-main'" in messages


def test_lint_refuses_a_variant_longer_than_its_platform_takes() -> None:
    # the example film is about 50 s; X without Premium takes 140 s, Facebook Reels 90 s: make
    # the edit's film play slower than its platform takes
    slow = Variant("fb-slow", "fb", clips=tuple(RhythmClip(c, speed=0.4) for c in (1, 2, 3, 4)))
    found = _lint(slow, accounts={"fb": _account("fb", "facebook")})
    assert [(c, p) for c, p, _ in found] == [("V502", "campaign.variants[0]")]
    assert "the video is" in found[0][2] and "Facebook Reels allows 90 s" in found[0][2]


def test_lint_without_a_home_skips_the_account_rules_only() -> None:
    found = _lint(Variant("a", "nobody", preset="square-ish"), accounts=None)
    assert [(c, p) for c, p, _ in found] == [("V504", "campaign.variants[0].preset")]


def test_a_hook_campaign_asks_every_variant_for_early_text() -> None:
    hooked = Variant("hooked", "tt-main", hook=Hook("Now", 0, 2))
    found = _lint(Variant("no-hook", "tt-main"), hooked, role=CampaignRole.HOOK)
    assert [(c, p) for c, p, _ in found] == [("V506", "campaign.variants[0].hook")]


def test_a_variant_whose_texts_collide_is_found_before_rendering() -> None:
    # the example's last caption runs to the film's end; an end card from 42 s shares the screen
    found = _lint(Variant("crowded", "tt-main", end_card=EndCard("x " * 200, 8)))
    assert found and found[0][0] in ("V503", "V505")


# -- the command line, on each database ---------------------------------------------------------

STORE_ON_BOTH = pytest.mark.usefixtures("db_env")


def run(home: Path, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from shortfilm.cli import app

    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def home(tmp_path: Path, example_spec: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    for args in (
        ("import", str(example_spec)),
        ("account", "add", "tt-main", "--platform", "tiktok", "--handle", "@wv"),
        ("account", "add", "ig-main", "--platform", "instagram-reels", "--handle", "@wv"),
    ):
        code, said = run(home, *args)
        assert code == 0, said
    return home


@STORE_ON_BOTH
def test_a_growth_operator_adds_lists_and_shows_variants(home: Path) -> None:
    code, said = run(home, "variant", "add", "wasteland-villa", "tt-hook-a", "--account", "tt-main",
                     "--hook", "Who holds the coast?", "--caption", "One blade. One house.",
                     "--hashtag", "shortfilm", "--hashtag", "#wasteland")  # fmt: skip
    assert code == 0, said
    assert "wasteland-villa: variant tt-hook-a v1 for tt-main" in said
    code, said = run(home, "variant", "add", "wasteland-villa", "ig-fast", "--account", "ig-main",
                     "--order", "2,1,3,4", "--speed", "3=1.25", "--trim", "2=0.5:")  # fmt: skip
    assert code == 0, said
    code, said = run(home, "variant", "list", "wasteland-villa")
    assert code == 0, said
    # a table, or at a narrow width one `key: value` record per variant: the same values
    said = re.sub(r"\b(version|account|review|post|differs in): ", "", said)
    assert (
        "ig-fast v1 ig-main unreviewed - rhythm" in said
        and "tt-main unreviewed - hook 'Who holds the coast?', caption" in said
    ), said
    code, said = run(home, "variant", "show", "wasteland-villa", "tt-hook-a")
    assert "post text: One blade. One house. #shortfilm #wasteland" in said
    code, said = run(home, "variant", "show", "wasteland-villa", "ig-fast", "--json")
    shown = json.loads(said)
    assert shown["variant"]["order"] == [2, 1, 3, 4]
    assert shown["variant"]["clips"] == [{"clip": 2, "in_s": 0.5}, {"clip": 3, "speed": 1.25}]
    # a second add of the same name is refused; --replace makes version 2, the same again nothing
    code, said = run(home, "variant", "add", "wasteland-villa", "tt-hook-a", "--account", "tt-main")
    assert code != 0 and "variant tt-hook-a exists already" in said and "--replace" in said
    for expected in ("v2", "v2"):
        code, said = run(home, "variant", "add", "wasteland-villa", "tt-hook-a", "--account",
                         "tt-main", "--hook", "Hold the line", "--replace")  # fmt: skip
        assert code == 0 and f"tt-hook-a {expected}" in said, said
    code, said = run(home, "variant", "show", "wasteland-villa", "tt-hook-a", "--json")
    assert [v["version"] for v in json.loads(said)["versions"]] == [1, 2]


@STORE_ON_BOTH
def test_a_variant_its_platform_would_refuse_is_not_stored(home: Path) -> None:
    before = run(home, "export", "wasteland-villa", str(home.parent / "before"))
    tags = [a for t in ("a", "b", "c", "d", "e", "f") for a in ("--hashtag", t)]
    code, said = run(home, "variant", "add", "wasteland-villa", "ig-tags", "--account", "ig-main",
                     *tags)  # fmt: skip
    assert code == 1 or code == 2, said
    assert "V502" in said and "the hashtags is 6, but Instagram Reels allows 5" in said
    code, said = run(home, "variant", "add", "wasteland-villa", "nowhere", "--account", "fb-main")
    assert code != 0 and "V501" in said and "no account named 'fb-main'" in said
    code, said = run(home, "variant", "add", "wasteland-villa", "odd", "--account", "tt-main",
                     "--order", "1,9")  # fmt: skip
    assert code != 0 and "order names clip 9" in said
    code, said = run(home, "variant", "add", "wasteland-villa", "Bad Name", "--account", "tt-main")
    assert code == 2 and "not a variant name" in said
    code, said = run(home, "variant", "list", "wasteland-villa")
    assert "has no variants yet" in said
    assert before[0] == 0


@STORE_ON_BOTH
def test_variants_from_the_spec_and_the_command_line_meet_in_the_store(
    home: Path, example_spec: Path
) -> None:
    data = yaml.safe_load(example_spec.read_text())
    data["campaign"] = {
        "variants": [{"name": "tt-spec", "account": "tt-main", "caption": "From the file"}]
    }
    example_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    code, said = run(home, "import", str(example_spec))
    assert code == 0 and "variant tt-spec v1" in said, said
    code, said = run(home, "variant", "add", "wasteland-villa", "ig-cli", "--account", "ig-main")
    assert code == 0, said
    # the file is imported again, unchanged: the variant made on the command line is kept
    code, said = run(home, "import", str(example_spec))
    assert code == 0, said
    code, said = run(home, "variant", "list", "wasteland-villa", "--json")
    assert [v["name"] for v in json.loads(said)] == ["ig-cli", "tt-spec"]
    # and export writes both back into the spec
    code, said = run(home, "export", "wasteland-villa", str(home.parent / "out"))
    assert code == 0, said
    exported = yaml.safe_load((home.parent / "out" / "production.yaml").read_text())
    assert [v["name"] for v in exported["campaign"]["variants"]] == ["tt-spec", "ig-cli"]


@STORE_ON_BOTH
def test_the_owner_approves_a_variant_version_with_its_account_scores(home: Path) -> None:
    code, said = run(home, "variant", "add", "wasteland-villa", "tt-hook-a", "--account", "tt-main",
                     "--hook", "Who holds the coast?")  # fmt: skip
    assert code == 0, said
    code, said = run(home, "variant", "show", "wasteland-villa", "tt-hook-a")
    assert "v1 by" in said and ": unreviewed" in said
    assert "shortfilm review variant wasteland-villa tt-hook-a --approve" in said
    # approving scores what a variant changes: its account and its texts
    code, said = run(home, "review", "variant", "wasteland-villa", "tt-hook-a", "--approve",
                     "--score", "account-match=4")  # fmt: skip
    assert code != 0 and "approving a variant needs account-match and caption-fit" in said
    assert "missing caption-fit" in said
    code, said = run(home, "review", "variant", "wasteland-villa", "nope", "--approve")
    assert code != 0 and "has no variant 'nope'; it has: tt-hook-a" in said
    code, said = run(home, "review", "variant", "wasteland-villa", "tt-hook-a", "--approve",
                     "--score", "account-match=4", "--score",
                     "caption-fit=5:reads at 1 s")  # fmt: skip
    assert code == 0 and "variant tt-hook-a v1: approved by" in said, said
    code, said = run(home, "variant", "list", "wasteland-villa", "--json")
    assert [v["review"] for v in json.loads(said)] == ["approved"]
    # a new version is a new subject: it waits for its own approval, the old one keeps its own
    code, said = run(home, "variant", "add", "wasteland-villa", "tt-hook-a", "--account", "tt-main",
                     "--hook", "Hold the line", "--replace")  # fmt: skip
    assert code == 0, said
    code, said = run(home, "variant", "show", "wasteland-villa", "tt-hook-a", "--json")
    assert [v["review"] for v in json.loads(said)["versions"]] == ["approved", "unreviewed"]
    code, said = run(home, "review", "variant", "wasteland-villa", "tt-hook-a", "--version", "1",
                     "--request-changes", "the hook is too slow")  # fmt: skip
    assert code == 0, said
    code, said = run(home, "review", "show", "wasteland-villa", "--json")
    assert code == 0, said
    last = json.loads(said)["subjects"][-1]
    assert (last["name"], last["standing"]) == ("variant tt-hook-a v1", "changes-requested")


def test_an_educational_film_asks_every_variant_for_a_label_over_each_step() -> None:
    # the example's captions are over clips 1, 2 and 4; a tutorial labels every step, and the
    # labels travel with their clips when a variant reorders them
    swapped = Variant("swapped", "tt-main", order=(3, 1, 2, 4))
    found = _lint(Variant("plain", "tt-main"), swapped, role=CampaignRole.EDUCATIONAL)
    assert [(c, p) for c, p, _ in found] == [
        ("V506", "campaign.variants[0]"),
        ("V506", "campaign.variants[1]"),
    ]
    assert all("clip 3 shows no step label" in message for _, _, message in found), found
    assert _lint(Variant("plain", "tt-main"), role=CampaignRole.TOP_OF_FUNNEL) == []
