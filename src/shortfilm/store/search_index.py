"""Keeping the library's index current: every flush re-reads the indexed rows it wrote.

The one place ``search_entries`` is written. :func:`keep_current` hangs an ``after_flush``
listener on the store's sessions: it notes the indexed rows the flush inserted, changed (in an
indexed column) or deleted, and rewrites their entries on the same connection, inside the same
transaction, so a search sees a note the moment it is committed and never one rolled back.
:func:`rebuild` makes every entry again from the tables (migration 0014 backfills with it; the
benchmark after its bulk writes). The store's bulk Core ``UPDATE`` statements touch no indexed
column (runners, revisions, publication states); one that does must call :func:`reindex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, event, func, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from shortfilm.domain.failed_take import FAILED_TAKE_STATUSES
from shortfilm.domain.library import EntryKind
from shortfilm.domain.metrics import NOTE_EVENT
from shortfilm.domain.search_text import index_terms
from shortfilm.store.search_tables import TSV_INDEX, TSV_INDEX_DDL, SearchEntryRow
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    CommentRow,
    EventRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    ReviewRow,
    ScriptRow,
    TakeRow,
)

Entry = dict[str, Any]
Subjects = dict[str, set[int]]
CHUNK = 2000
"""Subjects read and written per batch by :func:`rebuild`."""

_WATCHED: dict[type[Any], tuple[str, str, frozenset[str]]] = {
    ProductionRow: ("production", "id", frozenset({"title"})),
    ScriptRow: ("production", "production_id", frozenset({"logline", "beats"})),
    BoardRow: ("board", "id", frozenset({"blocks"})),
    PromptRow: ("prompt", "id", frozenset({"text"})),
    TakeRow: ("take", "id", frozenset({"notes", "error", "status", "number"})),
    KeyframeRow: ("take", "take_id", frozenset({"chosen", "sha256", "score"})),
    ReviewRow: ("review", "id", frozenset({"notes", "changes", "rubric", "role", "decision"})),
    CommentRow: ("comment", "id", frozenset({"body"})),
    EventRow: ("event", "id", frozenset()),
}
"""Row class -> (the subject its entries belong to, the attribute naming it, the columns whose
change re-indexes it)."""
_OWNED = {"production": ProductionRow, "board": BoardRow, "prompt": PromptRow, "take": TakeRow,
          "review": ReviewRow, "comment": CommentRow, "event": EventRow}  # fmt: skip
"""Subject -> the row it is read from (deleting that row deletes its entries)."""


def keep_current(sessions: sessionmaker[Session]) -> None:
    """Re-index what each flush of ``sessions`` wrote (see the module docstring)."""
    event.listen(sessions, "after_flush", _after_flush)


def _after_flush(session: Session, _context: object) -> None:
    todo: Subjects = {}
    gone: Subjects = {}
    for obj in session.new:
        _note(todo, obj)
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched and any(inspect(obj).attrs[a].history.has_changes() for a in watched[2]):
            _note(todo, obj)
    for obj in session.deleted:
        watched = _WATCHED.get(type(obj))
        if watched is None:
            continue
        if _OWNED.get(watched[0]) is type(obj):
            gone.setdefault(watched[0], set()).add(int(getattr(obj, watched[1])))
        else:
            _note(todo, obj)
    if todo or gone:
        conn = session.connection()
        for subject, ids in gone.items():
            _drop(conn, subject, ids)
        reindex(conn, todo)


def _note(todo: Subjects, obj: object) -> None:
    watched = _WATCHED.get(type(obj))
    if watched is None or (isinstance(obj, EventRow) and obj.kind != NOTE_EVENT):
        return
    todo.setdefault(watched[0], set()).add(int(getattr(obj, watched[1])))


def _drop(conn: Connection, subject: str, ids: Iterable[int]) -> None:
    e = SearchEntryRow
    conn.execute(delete(e).where(e.subject_kind == subject, e.subject_id.in_(list(ids))))


def reindex(conn: Connection, subjects: Mapping[str, Iterable[int]]) -> None:
    """Make the entries of these subjects agree with their rows: unchanged entries are left
    alone (the full-text index is not churned), changed or new ones written over any entry of
    the same subject and part (an upsert), vanished ones deleted. Two transactions re-indexing
    one subject take turns on its row, so both commit and the later one reads the earlier's
    changes (a keyframe chosen while a person notes the take: both are in its entry)."""
    e = SearchEntryRow
    for subject, some in sorted(subjects.items()):
        ids = sorted(set(some))
        if not ids:
            continue
        _, key = _READERS[subject]
        # lock the subjects' rows first (PostgreSQL; SQLite has one writer): a transaction
        # re-indexing the same take waits here, then reads what this one committed
        conn.execute(select(key).where(key.in_(ids)).order_by(key).with_for_update())
        fresh = {(x["subject_id"], x["part"]): x for x in _entries(conn, subject, key.in_(ids))}
        stale: list[int] = []
        for row in conn.execute(select(e).where(e.subject_kind == subject, e.subject_id.in_(ids))):
            now = fresh.get((row.subject_id, row.part))
            if now is None:
                stale.append(row.id)
            elif all(getattr(row, k) == v for k, v in now.items()):
                del fresh[(row.subject_id, row.part)]
        if stale:
            conn.execute(delete(e).where(e.id.in_(stale)))
        if fresh:
            _upsert(conn, list(fresh.values()))


def _upsert(conn: Connection, entries: list[Entry]) -> None:
    make = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = make(SearchEntryRow)
    written = {k: stmt.excluded[k] for k in entries[0] if k not in _KEY}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(_KEY), set_=written), entries)


_KEY = ("subject_kind", "subject_id", "part")
"""The unique key of an entry."""


def rebuild(conn: Connection) -> int:
    """Delete every entry and make them all again from the tables; the number made. On
    PostgreSQL the GIN index is made again after the rows (one bulk build, not one per row)."""
    conn.execute(delete(SearchEntryRow))
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {TSV_INDEX}")
    made = 0
    for subject, (_, key) in _READERS.items():
        top = int(conn.scalar(select(func.max(key))) or 0)
        for low in range(0, top, CHUNK):
            entries = _entries(conn, subject, (key > low) & (key <= low + CHUNK))
            if entries:
                conn.execute(insert(SearchEntryRow), entries)
                made += len(entries)
    if postgresql:
        conn.exec_driver_sql(TSV_INDEX_DDL)
    return made


def _entries(conn: Connection, subject: str, where: ColumnElement[bool]) -> list[Entry]:
    """The entries of the subjects ``where`` selects, in subject id order (then as read), so
    both databases write them, and number them, alike."""
    read, _ = _READERS[subject]
    made: list[Entry] = []
    for entry in read(conn, where):
        if entry["body"].strip() or subject == "production":
            entry["subject_kind"] = subject
            entry["title"] = entry["title"][:300]
            entry["terms"] = index_terms(entry["title"] if subject == "production" else "",
                                         entry["body"])  # fmt: skip
            entry.setdefault("part", "")
            entry.setdefault("clip_position", None)
            entry.setdefault("role", "")
            entry.setdefault("failed", False)
            entry.setdefault("thumbnail_sha256", None)
            made.append(entry)
    made.sort(key=lambda entry: int(entry["subject_id"]))
    return made


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value, in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _productions(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    rows = list(conn.execute(select(ProductionRow.id, ProductionRow.title).where(where)))
    scripts: dict[int, tuple[int, str, Any]] = {}
    stmt = select(ScriptRow.production_id, ScriptRow.version, ScriptRow.logline, ScriptRow.beats)
    for pid, version, logline, beats in conn.execute(
        stmt.where(ScriptRow.production_id.in_([r.id for r in rows]))
    ):
        if pid not in scripts or version > scripts[pid][0]:
            scripts[pid] = (version, logline, beats)
    for row in rows:
        _, logline, beats = scripts.get(row.id, (0, "", []))
        body = "\n".join([logline, *_strings(beats)]).strip()
        yield {"kind": EntryKind.PRODUCTION.value, "production_id": row.id,
               "subject_id": row.id, "title": row.title, "body": body}  # fmt: skip


def _boards(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    stmt = select(BoardRow.id, BoardRow.production_id, BoardRow.version, BoardRow.blocks)
    for row in conn.execute(stmt.where(where)):
        for name, block in (row.blocks or {}).items():
            if name != "references":
                yield {"kind": EntryKind.BOARD.value, "production_id": row.production_id,
                       "subject_id": row.id, "part": str(name)[:60],
                       "title": f"board v{row.version} · {name}",
                       "body": "\n".join(_strings(block))}  # fmt: skip


def _prompts(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    stmt = select(
        PromptRow.id, PromptRow.version, PromptRow.text, ClipRow.position, ClipRow.production_id
    ).join(ClipRow, PromptRow.clip_id == ClipRow.id)
    for row in conn.execute(stmt.where(where)):
        yield {"kind": EntryKind.PROMPT.value, "production_id": row.production_id,
               "subject_id": row.id, "clip_position": row.position,
               "title": f"clip-{row.position:02d} prompt v{row.version}",
               "body": row.text}  # fmt: skip


def _takes(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    stmt = select(
        TakeRow.id, TakeRow.number, TakeRow.status, TakeRow.notes, TakeRow.error,
        ClipRow.position, ClipRow.production_id,
    ).join(ClipRow, TakeRow.clip_id == ClipRow.id)  # fmt: skip
    rows = [r for r in conn.execute(stmt.where(where)) if r.notes or r.error]
    thumbs = _thumbnails(conn, [r.id for r in rows])
    for row in rows:
        yield {"kind": EntryKind.TAKE.value, "production_id": row.production_id,
               "subject_id": row.id, "clip_position": row.position,
               "failed": row.status in FAILED_TAKE_STATUSES,
               "title": f"clip-{row.position:02d} take {row.number}",
               "body": "\n".join(t for t in (row.notes, row.error) if t),
               "thumbnail_sha256": thumbs.get(row.id)}  # fmt: skip


def _thumbnails(conn: Connection, take_ids: list[int]) -> dict[int, str]:
    """Take id -> its keyframe's image: the chosen one (the newest pick), else the best
    candidate QC found (a thumbnail); takes without frames are left out."""
    if not take_ids:
        return {}
    stmt = (
        select(KeyframeRow.take_id, KeyframeRow.sha256)
        .where(KeyframeRow.take_id.in_(take_ids))
        .order_by(KeyframeRow.take_id, KeyframeRow.chosen, KeyframeRow.score, KeyframeRow.id)
    )
    return {take_id: sha for take_id, sha in conn.execute(stmt)}  # the last of each take wins


def _take_places(conn: Connection, take_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Take id -> (its clip's position, its number)."""
    if not take_ids:
        return {}
    stmt = (
        select(TakeRow.id, ClipRow.position, TakeRow.number)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .where(TakeRow.id.in_(take_ids))
    )
    return {take_id: (position, number) for take_id, position, number in conn.execute(stmt)}


def _about(kind: str, subject_id: int, places: dict[int, tuple[int, int]]) -> str:
    place = places.get(subject_id) if kind == "take" else None
    return f"clip-{place[0]:02d} take {place[1]}" if place else kind


def _reviews(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    rows = list(conn.execute(select(ReviewRow).where(where)))
    places = _take_places(conn, [r.subject_id for r in rows if r.subject_kind == "take"])
    for row in rows:
        rubric = [f"{name}: {score.get('note')}" for name, score in (row.rubric or {}).items()
                  if isinstance(score, Mapping) and score.get("note")]  # fmt: skip
        place = places.get(row.subject_id) if row.subject_kind == "take" else None
        yield {"kind": EntryKind.REVIEW.value, "production_id": row.production_id,
               "subject_id": row.id, "role": row.role or "",
               "clip_position": place[0] if place else None,
               "title": f"{row.decision} of {_about(row.subject_kind, row.subject_id, places)}"
                        f" by {row.reviewer}",
               "body": "\n".join(t for t in (row.notes, row.changes, *rubric) if t)}  # fmt: skip


def _comments(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    rows = list(conn.execute(select(CommentRow).where(where)))
    places = _take_places(conn, [r.subject_id for r in rows if r.subject_kind == "take"])
    for row in rows:
        place = places.get(row.subject_id) if row.subject_kind == "take" else None
        yield {"kind": EntryKind.NOTE.value, "production_id": row.production_id,
               "subject_id": row.id, "role": row.role or "",
               "clip_position": place[0] if place else None,
               "title": f"note on {_about(row.subject_kind, row.subject_id, places)}"
                        f" by {row.author}",
               "body": row.body}  # fmt: skip


def _metric_notes(conn: Connection, where: ColumnElement[bool]) -> Iterator[Entry]:
    stmt = select(EventRow.id, EventRow.production_id, EventRow.subject, EventRow.data).where(
        EventRow.kind == NOTE_EVENT, EventRow.production_id.is_not(None)
    )
    for row in conn.execute(stmt.where(where)):
        note = (row.data or {}).get("note")
        yield {"kind": EntryKind.METRIC.value, "production_id": row.production_id,
               "subject_id": row.id, "title": f"performance of {row.subject}",
               "body": note if isinstance(note, str) else ""}  # fmt: skip


Reader = Callable[[Connection, ColumnElement[bool]], Iterator[Entry]]
_READERS: dict[str, tuple[Reader, Any]] = {
    "production": (_productions, ProductionRow.id),
    "board": (_boards, BoardRow.id),
    "prompt": (_prompts, PromptRow.id),
    "take": (_takes, TakeRow.id),
    "review": (_reviews, ReviewRow.id),
    "comment": (_comments, CommentRow.id),
    "event": (_metric_notes, EventRow.id),
}
"""Subject -> (what reads its entries from the tables, the id column they are selected by)."""
