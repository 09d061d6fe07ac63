"""A board version's brief as lines, and the difference between two versions, on the
example's own board."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from shortfilm.domain.board import BOARD_IMAGE_KEY
from shortfilm.domain.board_brief import BriefChange, brief_diff, brief_lines
from shortfilm.examples import example_dir
from shortfilm.spec.load import load_spec


def _board() -> dict[str, Any]:
    """The example's board as the store keeps a version's blocks."""
    spec = load_spec(example_dir("wasteland-villa") / "production.yaml")
    return dataclasses.asdict(spec.board)


def test_the_brief_states_every_block_in_order_without_the_generated_image() -> None:
    board = _board() | {BOARD_IMAGE_KEY: {"sha256": "ab" * 32}}
    lines = brief_lines(board, [{"label": "Kestrel", "role": "character", "sha256": "cd" * 32}])
    keys = [line.key for line in lines]
    assert keys[0] == "world" and lines[0].text == board["world"]
    kestrel = board["characters"][0]
    assert f"characters · {kestrel['name']} · outfit" in keys
    assert keys.count("negative") == len(board["negative"])
    assert not any(BOARD_IMAGE_KEY in key for key in keys)
    assert all(line.text.strip() for line in lines)  # an empty field states nothing
    assert lines[-1].key == "image · Kestrel" and lines[-1].text == "character " + "cd" * 6


def test_the_diff_names_what_changed_was_added_and_was_removed() -> None:
    old = _board()
    new = copy.deepcopy(old)
    new["world"] = old["world"] + " Rain, for once."
    new["negative"] = [*old["negative"][1:], "No lens flares."]
    del new["characters"][0]["props"]
    changes = brief_diff(brief_lines(old), brief_lines(new))
    kestrel = old["characters"][0]["name"]
    assert changes == (
        BriefChange("changed", "world", old["world"], new["world"]),
        BriefChange("added", "negative", "", "No lens flares."),
        BriefChange("removed", "negative", old["negative"][0], ""),
        BriefChange(
            "removed", f"characters · {kestrel} · props", old["characters"][0]["props"], ""
        ),
    )
    assert brief_diff(brief_lines(old), brief_lines(old)) == ()
