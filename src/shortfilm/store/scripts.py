"""The queries of a production's script versions: the newest one's hash, a new one added."""

from __future__ import annotations

from shortfilm.domain import Script
from shortfilm.store import repo
from shortfilm.store.repo import Tx
from shortfilm.store.tables import ScriptRow


def latest_script_hash(tx: Tx, production_id: int) -> str | None:
    """The content hash of the production's newest script version, or ``None`` before any."""
    current = repo.latest(tx, ScriptRow, ScriptRow.production_id, production_id)
    return None if current is None else current.content_hash


def add_script_version(tx: Tx, production_id: int, script: Script, content_hash: str) -> int:
    """Record ``script`` as the production's next script version; its number."""
    version = repo.next_version(tx, ScriptRow, ScriptRow.production_id, production_id)
    tx.add(
        ScriptRow(
            production_id=production_id,
            version=version,
            logline=script.logline,
            beats=list(script.beats),
            content_hash=content_hash,
        )
    )
    return version
