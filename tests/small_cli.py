"""``python tests/small_cli.py ARGS``: the shortfilm command with every channel exported at a
quarter of its preset's size.

For tests whose subject is what a run pays for, claims and stores (two runs at once, a run
killed under faults), not the film's pixels: rendering the example's 50 s film at 1080x1920 was
half of each such test's time. Everything else (the providers, the store, QC, the checks of the
render against its own preset) runs as the command runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from shortfilm.media.presets import CHANNELS, PRESETS


def quarter_size(setitem: Callable[[Any, str, Any], None] = dict.__setitem__) -> None:
    """Every channel and preset at a quarter of its size (``setitem``: pytest's
    ``monkeypatch.setitem`` undoes it after a test in this process)."""
    for table in (CHANNELS, PRESETS):
        for name, preset in list(table.items()):
            setitem(table, name, replace(preset, width=preset.width // 4,
                                         height=preset.height // 4))  # fmt: skip


def main() -> None:
    quarter_size()
    from shortfilm.cli import main as command

    command()


if __name__ == "__main__":
    main()
