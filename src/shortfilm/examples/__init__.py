"""Example productions shipped inside the package, so ``shortfilm demo`` works offline.

Each example is a folder holding ``production.yaml`` and its ``refs/`` images; its public name
uses dashes (``wasteland-villa``), the folder underscores, because folders here are importable.
"""

from __future__ import annotations

from pathlib import Path

from shortfilm.errors import InputError

_HERE = Path(__file__).resolve().parent


def example_names() -> list[str]:
    """Names of the shipped examples, sorted."""
    return sorted(
        p.name.replace("_", "-") for p in _HERE.iterdir() if (p / "production.yaml").is_file()
    )


def example_dir(name: str = "wasteland-villa") -> Path:
    """The folder of the example ``name``; raises :class:`InputError` for an unknown name."""
    folder = _HERE / name.replace("-", "_")
    if not (folder / "production.yaml").is_file():
        known = ", ".join(example_names()) or "none"
        raise InputError(f"no example named {name!r} (known: {known})")
    return folder


__all__ = ["example_dir", "example_names"]
