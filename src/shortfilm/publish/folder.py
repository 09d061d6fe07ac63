"""Writing the publish folder whole: built beside its place and renamed into it."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from shortfilm.errors import StoreError


def write_folder(dest: Path, files: list[tuple[Path, str]], manifest: dict[str, Any]) -> Path:
    """Build the folder beside ``dest`` and rename it into place (an old one is swapped out)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = dest.with_name(f".{dest.name}.{tag}.partial")
    old = dest.with_name(f".{dest.name}.{tag}.old")
    try:
        tmp.mkdir()
        for source, name in files:
            if not source.exists():
                raise StoreError(f"{source}: the stored file of {name} is missing")
            shutil.copyfile(source, tmp / name)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if dest.exists():
            os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except OSError:
            if old.exists():
                os.replace(old, dest)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return dest
