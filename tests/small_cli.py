"""``python tests/small_cli.py ARGS``: the shortfilm command with every channel exported at a
quarter of its preset's size.

For tests whose subject is what a run pays for, claims and stores (two runs at once, a run
killed under faults), not the film's pixels: rendering the example's 50 s film at 1080x1920 was
half of each such test's time. Everything else (the providers, the store, QC, the checks of the
render against its own preset) runs as the command runs it.
"""

from __future__ import annotations

from dataclasses import replace

from shortfilm.media.presets import CHANNELS


def main() -> None:
    for channel, preset in list(CHANNELS.items()):
        CHANNELS[channel] = replace(preset, width=preset.width // 4, height=preset.height // 4)
    from shortfilm.cli import main as command

    command()


if __name__ == "__main__":
    main()
