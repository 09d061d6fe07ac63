"""How many of the takes asked for are made: all of them, or until one passes QC."""

from __future__ import annotations

from enum import StrEnum


class TakeStrategy(StrEnum):
    """The strategy of a request for several takes of a clip (``take new``, ``run --takes``)."""

    BEST_OF = "best-of"
    """Every take asked for is made; the best by its QC evidence is selected."""
    UNTIL_PASS = "until-pass"
    """Takes are made one after the other, and none is asked for after the first whose QC
    passes (no check failed): the cheapest way to one usable take."""

    @classmethod
    def parse(cls, text: str) -> TakeStrategy:
        """The strategy named ``text``; :class:`ValueError` naming the known ones."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise ValueError(f"--strategy {text!r}: one of {known}") from None
