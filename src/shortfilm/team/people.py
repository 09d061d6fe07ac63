"""Who is acting: the name a person's choices (a take, a keyframe) are recorded under."""

from __future__ import annotations

import getpass
import os

AUTO = "auto"
"""The name of choices ``run`` made by rule; a person's choice is never undone by a run."""


def current_person() -> str:
    """``SHORTFILM_USER`` if set, else the login name (``someone`` where there is none, as in a
    container without a passwd entry)."""
    try:
        return os.environ.get("SHORTFILM_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "someone"
