"""``python -m shortfilm``: the same as the ``shortfilm`` command."""

from shortfilm.cli import main

main()
