"""Drawn stand-in art: reference images made in code so examples need no downloaded assets."""

from shortfilm.art.draw import EXAMPLE_REFS, PALETTE, draw_example_refs

__all__ = ["EXAMPLE_REFS", "PALETTE", "draw_example_refs"]
