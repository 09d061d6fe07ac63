"""The queries an export reads: each clip's prompt version and takes, the edit, the names of
the production's stored files (:mod:`shortfilm.production.export` writes them out)."""

from __future__ import annotations

from sqlalchemy import select

from shortfilm.domain.lineage import ClipLineage, EditLineage, TakeLineage
from shortfilm.domain.mirror import mirror
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import ArtifactNameRow, EditRow, PromptRow


def clip_lineages(tx: Tx, production_id: int) -> list[ClipLineage]:
    """The production's clips in order, each with its newest prompt version and its takes."""
    found: list[ClipLineage] = []
    for clip in repo.clips(tx, production_id):
        prompt = repo.latest(tx, PromptRow, PromptRow.clip_id, clip.id)
        takes = tuple(mirror(TakeLineage, t) for t in repo.takes(tx, clip.id))
        found.append(
            ClipLineage(
                position=clip.position,
                prompt_version=prompt.version if prompt else None,
                prompt_sections=dict(prompt.sections) if prompt else {},
                selected_take_id=clip.selected_take_id,
                takes=takes,
            )
        )
    return found


def latest_edit(tx: Tx, production_id: int) -> EditLineage | None:
    """The production's newest edit version, or ``None`` before its first."""
    edit = repo.latest(tx, EditRow, EditRow.production_id, production_id)
    return None if edit is None else EditLineage(edit.version, edit.timeline)


def named_artifacts(tx: Tx, prefix: str) -> list[tuple[str, str]]:
    """``(readable name, sha256)`` of every stored file whose name starts with ``prefix``."""
    names = tx.scalars(select(ArtifactNameRow).where(ArtifactNameRow.name.startswith(prefix)))
    return [(named.name, named.sha256) for named in names]
