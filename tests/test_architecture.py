"""The shape of the house (issue 16), held by tests so it does not erode.

Each rule has an allowance of what still breaks it while the house is rebuilt: the allowances only
shrink (a test also fails when an allowed exception has gone, so the list is kept honest).
"""

from __future__ import annotations

import ast

from architecture import _imported_names, cycles, import_graph, line_counts, reaching_the_database

#: modules outside ``store/`` still holding SQL (to be emptied: the store is the only one)
DATABASE_ALLOWED = {
    "src/shortfilm/board/asset_board.py",
    "src/shortfilm/edit/handoff.py",
    "src/shortfilm/edit/versions.py",
    "src/shortfilm/production/export.py",
    "src/shortfilm/production/importing.py",
    "src/shortfilm/production/report.py",
    "src/shortfilm/production/status.py",
    "src/shortfilm/prompts/lessons.py",
    "src/shortfilm/review/checklist.py",
    "src/shortfilm/review/decisions.py",
    "src/shortfilm/takes/claims.py",
    "src/shortfilm/takes/external.py",
    "src/shortfilm/takes/generate.py",
    "src/shortfilm/takes/keyframes.py",
    "src/shortfilm/takes/qc.py",
    "src/shortfilm/team/accounts.py",
    "src/shortfilm/web/read_model.py",
}

#: import cycles still there (function-local imports count)
CYCLES_ALLOWED = [
    ["shortfilm.domain.review", "shortfilm.domain.staleness"],
    ["shortfilm.media.analysis", "shortfilm.media.keyframe_candidates"],
    [
        "shortfilm.takes.external",
        "shortfilm.takes.generate",
        "shortfilm.takes.keyframes",
        "shortfilm.takes.qc",
    ],
]

#: the modules over 600 lines still to be cut
OVER_600_ALLOWED = {
    "src/shortfilm/review/decisions.py",
    "src/shortfilm/edit/otio.py",
    "src/shortfilm/prompts/planning.py",
    "src/shortfilm/board/asset_board.py",
    "src/shortfilm/takes/generate.py",
    "src/shortfilm/domain/review.py",
    "src/shortfilm/domain/timeline.py",
    "src/shortfilm/domain/timeline_ops.py",
    "src/shortfilm/edit/versions.py",
    "src/shortfilm/takes/qc_rules.py",
    "src/shortfilm/web/read_model.py",
}
#: how many modules may be over 400 lines (the goal is five)
OVER_400_ALLOWED = 16


def test_only_the_store_reaches_the_database() -> None:
    found = set(reaching_the_database())
    assert found <= DATABASE_ALLOWED, f"new SQL outside store/: {sorted(found - DATABASE_ALLOWED)}"
    assert found == DATABASE_ALLOWED, (
        f"no longer reach SQL, drop from the allowance: {sorted(DATABASE_ALLOWED - found)}"
    )


def test_no_new_import_cycles() -> None:
    found = cycles(import_graph())
    new = [c for c in found if c not in CYCLES_ALLOWED]
    assert not new, f"import cycles: {new}"
    gone = [c for c in CYCLES_ALLOWED if c not in found]
    assert not gone, f"cycles gone, drop from the allowance: {gone}"


def test_module_sizes() -> None:
    sizes = line_counts()
    over_600 = {path for path, n in sizes.items() if n > 600}
    assert over_600 <= OVER_600_ALLOWED, f"over 600 lines: {sorted(over_600 - OVER_600_ALLOWED)}"
    assert over_600 == OVER_600_ALLOWED, (
        f"now under 600, drop: {sorted(OVER_600_ALLOWED - over_600)}"
    )
    over_400 = sorted(path for path, n in sizes.items() if n > 400)
    assert len(over_400) <= OVER_400_ALLOWED, f"{len(over_400)} modules over 400 lines: {over_400}"


def test_the_checker_sees_function_local_imports_and_loops() -> None:
    """The checker itself can fail: an import inside a function counts, and a loop is found."""
    tree = ast.parse("def f():\n    from shortfilm.takes import generate\n")
    assert "shortfilm.takes.generate" in set(_imported_names(tree, "shortfilm.x", False))
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
