"""The store's one door: sessions, versioned rows, artifacts and the event log.

Workflow code asks for rows through these functions instead of writing queries, so the SQL stays
here. Every write happens inside ``Store.session()``: one short transaction, committed at the end
of the block or rolled back whole (nothing half-written).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import CursorResult, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shortfilm.domain.failed_take import FAILED_TAKE_STATUSES as FAILED_TAKE_STATUSES
from shortfilm.errors import ConflictError
from shortfilm.store import naming, search_index
from shortfilm.store.artifact_stores import artifact_store
from shortfilm.store.db import database_url, make_engine, migrate
from shortfilm.store.tables import (
    ArtifactNameRow,
    ArtifactRow,
    BoardRow,
    ClipRow,
    EditRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    RenderRow,
    ReviewRow,
    ScriptRow,
    TakeAnalysisRow,
    TakeRow,
    utcnow,
)

Row = TypeVar("Row", ScriptRow, BoardRow, PromptRow, EditRow)

Tx: TypeAlias = Session
"""An open transaction as the stages hold it (``with store.session() as tx``): an opaque handle
they pass to the store's functions and never query themselves, so the SQL stays in ``store/``."""

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".wav": "audio/wav",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".json": "application/json",
}


def content_hash(data: Any) -> str:
    """Stable sha256 of JSON-able ``data`` (sorted keys): equal content, equal hash."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class Store:
    """A production home: the database plus the artifact folder."""

    def __init__(self, home: Path, url: str | None = None) -> None:
        self.home = home
        self.url = url or database_url(home)
        home.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.url)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        search_index.keep_current(self._sessions)
        self.artifacts = artifact_store(home)
        self.after_change: list[Callable[[frozenset[int]], None]] = []
        """Called after a transaction that appended events commits, with the ids of the
        productions they were about: for what is derived from the store and kept beside it (the
        report, :func:`shortfilm.production.report.keep_reports_current`)."""

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Hold the lock named ``key`` against every process using this store (and every other
        thread), waiting for it: for work two runs must not do at once, such as rendering one
        edit into the same work files. A killed holder's lock is gone with it.

        PostgreSQL: a session advisory lock on a connection of its own (any host sharing the
        database). SQLite: ``flock`` on a file under ``HOME/work/locks`` (the one machine).
        """
        digest = hashlib.sha256(key.encode()).digest()
        if self.engine.dialect.name == "postgresql":
            number = {"k": int.from_bytes(digest[:8], "big", signed=True)}
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), number)
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), number)
                    conn.commit()
            return
        folder = self.home / "work" / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{digest.hex()[:24]}.lock").open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; callbacks in ``s.info["release"]`` run after it ends (locks), then,
        once it committed, :attr:`after_change` for the productions its events were about."""
        s = self._sessions()
        try:
            with s, s.begin():
                yield s
        finally:
            for release in s.info.pop("release", []):
                release()
        changed = frozenset(s.info.pop(CHANGED, ()))
        if changed:
            for hook in self.after_change:
                hook(changed)

    # artifacts ---------------------------------------------------------------------------------

    def put_artifact(self, s: Session, source: Path, name: str) -> str:
        """Store ``source`` by content, record it and its readable ``name``; return the sha256."""
        sha = self.artifacts.put(source)
        if s.get(ArtifactRow, sha) is None:
            # Two workers may store the same bytes at once: insert-if-absent, never fail on it.
            media_type = MEDIA_TYPES.get(source.suffix.lower(), "application/octet-stream")
            row = {
                "sha256": sha,
                "size": source.stat().st_size,
                "media_type": media_type,
                "created_at": utcnow(),
            }
            insert = sqlite_insert if s.get_bind().dialect.name == "sqlite" else pg_insert
            s.execute(insert(ArtifactRow).values(**row).on_conflict_do_nothing())
        named = s.get(ArtifactNameRow, name)
        if named is None:
            s.add(ArtifactNameRow(name=name, sha256=sha))
        elif named.sha256 != sha:
            named.sha256 = sha
        self.artifacts.link(name, sha)
        return sha

    def remember_import(self, s: Session, slug: str, spec: dict[str, Any]) -> str:
        """Keep ``spec`` (the data an import read from the file) as the base the next import
        of ``slug`` compares against; return its sha256. Stored like any artifact, under
        :func:`~shortfilm.store.naming.imported_spec`, so a person can read it too."""
        self.home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".import-", dir=self.home) as tmp:
            source = Path(tmp) / "last-import.json"
            source.write_text(json.dumps(spec, sort_keys=True, indent=1, default=str), "utf-8")
            return self.put_artifact(s, source, naming.imported_spec(slug))

    def last_import(self, s: Session, slug: str) -> dict[str, Any] | None:
        """The spec data the last import of ``slug`` read from its file, or ``None`` when no
        import recorded it (a production imported before imports were kept, or a store whose
        file went missing): the caller then has no base to merge from."""
        named = s.get(ArtifactNameRow, naming.imported_spec(slug))
        if named is None:
            return None
        try:
            data = json.loads(self.artifact_path(named.sha256).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def artifact_path(self, sha: str) -> Path:
        return self.artifacts.path(sha)

    def named_path(self, s: Session, name: str, sha: str) -> Path | None:
        """The readable path ``name`` when it names the artifact ``sha`` (a draft may hold the
        same bytes under another name), else the first readable name of ``sha``."""
        named = s.get(ArtifactNameRow, name)
        if named is not None and named.sha256 == sha:
            return self.artifacts.readable(name)
        return self.readable_path(s, sha)

    def readable_path(self, s: Session, sha: str) -> Path | None:
        name = s.scalars(
            select(ArtifactNameRow.name)
            .where(ArtifactNameRow.sha256 == sha)
            .order_by(ArtifactNameRow.created_at)
        ).first()
        return self.artifacts.readable(name) if name else None


# queries ---------------------------------------------------------------------------------------


CHANGED = "changed_productions"
"""The ``Session.info`` key :func:`event` notes each production it logged for under."""


def event(s: Session, production_id: int | None, kind: str, subject: str, **data: Any) -> None:
    """Append to the event log (never updated, never deleted). Every write appends one, so the
    production is noted as changed (:attr:`Store.after_change` runs once the write commits)."""
    s.add(EventRow(production_id=production_id, kind=kind, subject=subject, data=data))
    if production_id is not None:
        s.info.setdefault(CHANGED, set()).add(production_id)


def production_by_slug(s: Session, slug: str) -> ProductionRow | None:
    return s.scalars(select(ProductionRow).where(ProductionRow.slug == slug)).first()


def productions(s: Session) -> list[ProductionRow]:
    return list(s.scalars(select(ProductionRow).order_by(ProductionRow.id)))


def latest(s: Session, model: type[Row], owner_col: Any, owner_id: int) -> Row | None:
    """Newest version of a versioned row (script, board, prompt, edit) of one owner."""
    stmt = select(model).where(owner_col == owner_id).order_by(model.version.desc()).limit(1)
    return s.scalars(stmt).first()


def next_version(s: Session, model: type[Row], owner_col: Any, owner_id: int) -> int:
    current = s.scalar(select(func.max(model.version)).where(owner_col == owner_id))
    return int(current or 0) + 1


def claim_version(s: Session, row: Any, conflict: str) -> None:
    """Insert ``row`` (numbered by :func:`next_version`) now, before anything is named after its
    number. When another writer took that number in the same moment (the unique version index
    refuses it), :class:`ConflictError` with ``conflict`` is raised and the transaction is spent:
    leaving the session rolls everything back. (No savepoint: SQLite through pysqlite would
    commit a savepoint opened before any write on its own.)"""
    s.add(row)
    try:
        s.flush()
    except IntegrityError:
        raise ConflictError(conflict) from None


def updated_rows(s: Session, stmt: Any) -> int:
    """Run the ``UPDATE`` ``stmt`` (a compare-and-swap, a claim) and say how many rows it
    changed; the session's loaded objects are left as they are."""
    result = cast(CursorResult[Any], s.execute(stmt.execution_options(synchronize_session=False)))
    return int(result.rowcount)


def lock_production(s: Session, production_id: int) -> None:
    """Make this transaction the only writer of the production's stored spec until it ends,
    and let its reads see what others committed before (see :func:`lock_clip`): an import
    merging into the spec must not lose a change committed while it read."""
    stmt = (
        update(ProductionRow)
        .where(ProductionRow.id == production_id)
        .values(updated_at=ProductionRow.updated_at)
    )
    s.execute(stmt.execution_options(synchronize_session=False))


def lock_clip(s: Session, clip_id: int) -> None:
    """Make this transaction the only writer of the clip's takes, keyframes and QC until it
    ends, and let its reads see what other processes committed before: call it before reading
    what the transaction decides on (is there a take for this request, a chosen keyframe, a QC
    report?).

    A no-op ``UPDATE`` of the clip row: PostgreSQL locks the row (a second run's update waits
    for this commit, and its later reads see the take made here); SQLite takes the database's
    write lock for the rest of the transaction.
    """
    stmt = update(ClipRow).where(ClipRow.id == clip_id).values(revision=ClipRow.revision)
    s.execute(stmt.execution_options(synchronize_session=False))


def clips(s: Session, production_id: int) -> list[ClipRow]:
    stmt = select(ClipRow).where(ClipRow.production_id == production_id).order_by(ClipRow.position)
    return list(s.scalars(stmt))


def takes(s: Session, clip_id: int) -> list[TakeRow]:
    return list(
        s.scalars(select(TakeRow).where(TakeRow.clip_id == clip_id).order_by(TakeRow.number))
    )


def take_for_request(s: Session, clip_id: int, request_hash: str) -> TakeRow | None:
    """The take already made (or in flight) for this exact request: reuse it, never pay twice.

    A succeeded take wins; else one still queued/running with a job id (to resume polling).
    """
    rows = list(
        s.scalars(
            select(TakeRow)
            .where(TakeRow.clip_id == clip_id, TakeRow.request_hash == request_hash)
            .order_by(TakeRow.number.desc())
        )
    )
    for status in ("succeeded", "running", "queued"):
        for row in rows:
            if row.status == status:
                return row
    return None


def committed_cost(s: Session, production_id: int, unit: str) -> float:
    """Cost spent (finished takes) plus estimated (takes in flight) in ``unit``."""
    total = 0.0
    stmt = (
        select(TakeRow)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .where(ClipRow.production_id == production_id, TakeRow.cost_unit == unit)
    )
    for take in s.scalars(stmt):
        if take.status in ("queued", "running"):
            total += float(take.params.get("estimated_cost", 0.0))
        else:
            total += take.cost
    return total


def next_take_number(s: Session, clip_id: int) -> int:
    current = s.scalar(select(func.max(TakeRow.number)).where(TakeRow.clip_id == clip_id))
    return int(current or 0) + 1


def chosen_keyframe(s: Session, take_id: int) -> KeyframeRow | None:
    stmt = select(KeyframeRow).where(KeyframeRow.take_id == take_id, KeyframeRow.chosen.is_(True))
    return s.scalars(stmt).first()


def keyframe_candidates(s: Session, take_id: int) -> list[KeyframeRow]:
    """The candidate frames QC found in a take (thumbnails), best first."""
    stmt = (
        select(KeyframeRow)
        .where(KeyframeRow.take_id == take_id, KeyframeRow.chosen_by.is_(None))
        .order_by(KeyframeRow.score.desc(), KeyframeRow.time_ms)
    )
    return list(s.scalars(stmt))


def picked_keyframes(s: Session, take_id: int) -> list[KeyframeRow]:
    """Every frame of a take ever picked as its keyframe (full size), oldest first."""
    stmt = (
        select(KeyframeRow)
        .where(KeyframeRow.take_id == take_id, KeyframeRow.chosen_by.is_not(None))
        .order_by(KeyframeRow.id)
    )
    return list(s.scalars(stmt))


def take_analysis(s: Session, take_id: int) -> TakeAnalysisRow | None:
    """The stored QC report of a take, if it has been analysed."""
    return s.scalars(select(TakeAnalysisRow).where(TakeAnalysisRow.take_id == take_id)).first()


def renders(s: Session, edit_id: int) -> list[RenderRow]:
    return list(s.scalars(select(RenderRow).where(RenderRow.edit_id == edit_id)))


def reviews(s: Session, production_id: int) -> list[ReviewRow]:
    stmt = select(ReviewRow).where(ReviewRow.production_id == production_id).order_by(ReviewRow.id)
    return list(s.scalars(stmt))


def events(s: Session, production_id: int) -> list[EventRow]:
    stmt = select(EventRow).where(EventRow.production_id == production_id).order_by(EventRow.id)
    return list(s.scalars(stmt))


def count(s: Session, model: type[Any]) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)
