"""Prompt blocks and their renderings: the shot plan each provider receives."""

from __future__ import annotations

import json
import re

import pytest

from shortfilm.examples import example_dir
from shortfilm.prompts.blocks import AssetBrief, VideoPrompt
from shortfilm.prompts.render import (
    NamedReference,
    render_asset_brief,
    render_for,
    render_plain,
    render_reference_mode,
)
from shortfilm.spec import load_spec

PRODUCTION = load_spec(example_dir() / "production.yaml")
REFS = [
    NamedReference("keyframe", "clip-02 keyframe at 11000 ms"),
    NamedReference("character", "Kestrel"),
    NamedReference("character", "Patrol unit"),
    NamedReference("environment", "Villa exterior"),
]


def test_asset_brief_has_every_block_of_a_production_brief() -> None:
    text = render_asset_brief(AssetBrief.from_board(PRODUCTION.board))
    for block in ("World:", "Characters:", "Environment:", "Style:", "Consistency:", "Negative"):
        assert block in text
    main = next(c for c in PRODUCTION.board.characters if c.role == "main")
    assert main.name in text and "outfit:" in text and "silhouette:" in text
    assert "35" in text  # the board's 35 mm camera survives into the brief


def test_sections_round_trip_and_are_json() -> None:
    for clip in PRODUCTION.clips:
        prompt = VideoPrompt.from_clip(PRODUCTION.board, clip)
        data = json.loads(json.dumps(prompt.sections()))
        assert VideoPrompt.from_sections(data) == prompt
        assert prompt.shots[-1].end_s == pytest.approx(clip.duration_s)


def test_plain_shot_plan_lists_every_shot_in_order_with_times() -> None:
    clip = PRODUCTION.clips[0]
    text = render_plain(VideoPrompt.from_clip(PRODUCTION.board, clip))
    found = re.findall(r"^Shot (\d) \((\d+\.\d)-(\d+\.\d)s\)", text, flags=re.M)
    assert [int(n) for n, _, _ in found] == list(range(1, len(clip.shots) + 1))
    assert float(found[-1][2]) == pytest.approx(clip.duration_s, abs=0.05)
    assert f"Sound rule: {clip.sound_rule}" in text
    assert f"Duration: {clip.duration_s:g} seconds" in text


def test_reference_mode_names_each_image_by_its_send_position() -> None:
    clip = PRODUCTION.clips[2]
    assert clip.continues_previous
    text = render_reference_mode(VideoPrompt.from_clip(PRODUCTION.board, clip), REFS)
    lines = text.splitlines()
    for i, ref in enumerate(REFS, 1):
        assert lines[i - 1].startswith(f"[Image {i}] ") and ref.label in lines[i - 1]
    assert "Continue the action directly from [Image 1]." in text
    assert "Avoid: " in text and "Shot 1 (" in text


def test_reference_mode_without_keyframe_asks_for_no_continuation() -> None:
    text = render_for(
        "reference-mode", VideoPrompt.from_clip(PRODUCTION.board, PRODUCTION.clips[0]), REFS[1:]
    )
    assert "Continue the action" not in text
    assert text.startswith("[Image 1] is Kestrel")


def test_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown prompt form"):
        render_for("poem", VideoPrompt.from_clip(PRODUCTION.board, PRODUCTION.clips[0]), [])
