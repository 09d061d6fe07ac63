"""``python -m shortfilm.art DEST``: draw the example's reference images into DEST."""

from __future__ import annotations

import sys
from pathlib import Path

from shortfilm.art.draw import draw_example_refs


def main(argv: list[str] | None = None) -> int:
    """Draw into the one folder named on the command line; 2 on a usage error, as the CLI does."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m shortfilm.art DEST", file=sys.stderr)
        return 2
    for path in draw_example_refs(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
