"""Export a production back to a spec plus its artifacts: a finished film becomes a template.

The folder holds ``production.yaml`` with its reference images, clip frames and music at the
paths the spec names (so ``shortfilm import`` takes it as is; a reference a person added in the
web app or with ``shortfilm board add-reference`` is in the stored spec, so it is written and
listed like the others), ``artifacts/`` with every stored file of the production under its
readable name, and ``lineage.json`` linking takes, keyframes and renders.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shortfilm.errors import InputError, StoreError
from shortfilm.spec import dump_spec
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.repo import Store
from shortfilm.store.tables import ArtifactNameRow, BoardRow, EditRow, PromptRow


def export_production(store: Store, slug: str, dest: Path, *, with_artifacts: bool = True) -> Path:
    """Write the export of ``slug`` into ``dest`` (created; must be empty if it exists)."""
    if dest.exists() and any(dest.iterdir()):
        raise InputError(f"{dest}: export folder is not empty")
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        production = spec_from_dict(prod.spec)
        board = repo.latest(s, BoardRow, BoardRow.production_id, prod.id)
        assert board is not None
        tmp = dest.with_name(f".{dest.name}.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for ref in board.references:
            target = tmp / ref["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store.artifact_path(ref["sha256"]), target)
        music = production.edit.music
        if music is not None and music.path:
            target = tmp / music.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store.artifacts.readable(naming.music(slug, music.path)), target)
        dump_spec(production, tmp / "production.yaml")
        lineage: dict[str, Any] = {"slug": slug, "board_version": board.version, "clips": []}
        for clip in repo.clips(s, prod.id):
            prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
            # a clip's first/last-frame images sit at the paths its spec names, like references
            frames = prompt.sections.get("frames", {}) if prompt else {}
            for frame in frames.values():
                if isinstance(frame, dict):
                    target = tmp / frame["path"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(store.artifact_path(frame["sha256"]), target)
            lineage["clips"].append(
                {
                    "position": clip.position,
                    "prompt_version": prompt.version if prompt else None,
                    "selected_take_id": clip.selected_take_id,
                    "takes": [
                        {
                            "number": t.number,
                            "status": t.status,
                            "provider": t.provider,
                            "model": t.model,
                            "job_id": t.job_id,
                            "cost": t.cost,
                            "notes": t.notes,
                            "error": t.error,
                            "video_sha256": t.video_sha256,
                            "keyframe_id": t.keyframe_id,
                        }
                        for t in repo.takes(s, clip.id)
                    ],
                }
            )
        edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        if edit is not None:
            lineage["edit"] = {"version": edit.version, "timeline": edit.timeline}
        (tmp / "lineage.json").write_text(json.dumps(lineage, indent=2, default=str))
        if with_artifacts:
            names = s.scalars(
                select(ArtifactNameRow).where(ArtifactNameRow.name.startswith(f"{slug}/"))
            )
            for named in names:
                target = tmp / "artifacts" / named.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(store.artifact_path(named.sha256), target)
    if dest.exists():
        dest.rmdir()
    tmp.replace(dest)
    return dest / "production.yaml"
