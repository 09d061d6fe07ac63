"""The store's side of the Edit: versions of a production's timeline, and the takes it shows.

Every query the edit stage needs (``edit/versions.py``, ``edit/handoff.py``) lives here and
returns domain types, so the stage holds no rows and no SQL. Stored form: ``EditRow.timeline``
is :func:`~shortfilm.domain.timeline_json.timeline_to_json` plus, for a person's version,
``"edited": {"by", "via", "what", "base"}``; the content hash covers the timeline alone. Rows
written before timelines had a schema are upgraded when read (which needs each take's length in
frames: the caller passes ``frames``, as probing media is not the store's business).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.edit_version import RATE, EditVersion, TakeIdentity
from shortfilm.domain.production import Production
from shortfilm.domain.spec_cut import TakeSource
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_json import (
    is_legacy,
    read_timeline,
    timeline_from_json,
    timeline_to_json,
)
from shortfilm.domain.timeline_parts import TimelineError
from shortfilm.errors import InputError, StoreError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import content_hash
from shortfilm.store.tables import ClipRow, EditRow, ProductionRow, TakeRow


def _production(s: Session, slug: str) -> ProductionRow:
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise InputError(f"no production {slug!r} in this home")
    return prod


def production_spec(s: Session, slug: str) -> Production:
    """The stored spec of ``slug``; :class:`InputError` for an unknown production."""
    return spec_from_dict(_production(s, slug).spec)


def _stored(slug: str, row: EditRow, frames: Callable[[str], int]) -> EditVersion:
    data = row.timeline
    try:
        timeline = read_timeline(data, frames, RATE)
        edited = data.get("edited") or None
        base = None
        if edited is not None and edited.get("base") is not None:
            base = timeline_from_json(edited["base"])
    except TimelineError as exc:
        raise StoreError(f"{slug}: edit v{row.version} cannot be read: {exc}") from exc
    return EditVersion(
        slug=slug,
        edit_id=row.id,
        version=row.version,
        timeline=timeline,
        edited_by=None if edited is None else str(edited.get("by") or "someone"),
        via=None if edited is None else str(edited.get("via") or ""),
        what="" if edited is None else str(edited.get("what") or ""),
        base=base,
    )


def edit_version(
    s: Session, slug: str, version: int | None, frames: Callable[[str], int]
) -> EditVersion | None:
    """Edit ``version`` of ``slug`` (the latest when ``None``); ``None`` if there is no edit yet.

    :class:`InputError` for an unknown production or a version that does not exist.
    """
    prod = _production(s, slug)
    if version is None:
        row = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        if row is None:
            return None
    else:
        row = s.scalars(
            select(EditRow).where(EditRow.production_id == prod.id, EditRow.version == version)
        ).first()
        if row is None:
            raise InputError(f"{slug} has no edit v{version}")
    return _stored(slug, row, frames)


def selected_sources(s: Session, slug: str, frames: Callable[[str], int]) -> list[TakeSource]:
    """The selected take of every clip of the spec, in clip order; :class:`StoreError` if a clip
    has none yet (generate and select first)."""
    prod = _production(s, slug)
    production = spec_from_dict(prod.spec)
    out: list[TakeSource] = []
    for clip in repo.clips(s, prod.id)[: len(production.clips)]:
        take = s.get(TakeRow, clip.selected_take_id) if clip.selected_take_id else None
        if take is None or take.video_sha256 is None:
            raise StoreError(
                f"clip-{clip.position:02d} has no selected take: generate and select one first"
            )
        out.append(
            TakeSource(
                clip=clip.position,
                take=take.number,
                take_id=take.id,
                media_sha256=take.video_sha256,
                frames=frames(take.video_sha256),
            )
        )
    return out


def save_edit(
    s: Session,
    slug: str,
    timeline: Timeline,
    frames: Callable[[str], int],
    *,
    edited_by: str | None = None,
    via: str | None = None,
    what: str = "",
    base: Timeline | None = None,
) -> EditVersion:
    """Store ``timeline`` as the next Edit version unless the latest already holds it.

    ``edited_by`` marks a person's version (``base`` is then required: the spec's cut their
    change is relative to). Returns the version holding the timeline; ``created`` is visible as
    a version above the previous latest.
    """
    data = timeline_to_json(timeline)
    digest = content_hash(data)
    prod = _production(s, slug)
    latest = repo.latest(s, EditRow, EditRow.production_id, prod.id)
    if latest is not None and _digest(latest, frames) == digest:
        return _stored(slug, latest, frames)
    if edited_by is not None:
        if base is None:
            raise ValueError("a person's edit needs the spec's cut it started from (base)")
        data["edited"] = {
            "by": edited_by,
            "via": via or "",
            "what": what,
            "base": timeline_to_json(base),
        }
    version = repo.next_version(s, EditRow, EditRow.production_id, prod.id)
    row = EditRow(production_id=prod.id, version=version, timeline=data, content_hash=digest)
    repo.claim_version(
        s,
        row,
        f"the edit of {slug!r} got a new version while this one was being saved; "
        "nothing was saved: look at the edit and make the change again",
    )
    detail: dict[str, Any] = {"what": what} if what else {}
    if edited_by is not None:
        detail |= {"by": edited_by, "via": via}
    repo.event(s, prod.id, "edit.version", f"edit v{version}", **detail)
    return _stored(slug, row, frames)


def _digest(row: EditRow, frames: Callable[[str], int]) -> str:
    """The content hash of a row's timeline as it reads today (old rows upgraded first)."""
    data = row.timeline
    if is_legacy(data):
        try:
            return content_hash(timeline_to_json(read_timeline(data, frames, RATE)))
        except TimelineError:
            return row.content_hash
    return row.content_hash


def take_identities(s: Session, slug: str) -> list[TakeIdentity]:
    """Every take of ``slug`` that has a video, as an imported clip may show it."""
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise InputError(f"no production {slug!r} in this home")
    rows = s.execute(
        select(TakeRow, ClipRow.position)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .where(ClipRow.production_id == prod.id, TakeRow.video_sha256.is_not(None))
    ).all()
    out: list[TakeIdentity] = []
    for take, position in rows:
        assert take.video_sha256 is not None
        out.append(TakeIdentity(position, take.number, take.id, take.video_sha256))
    return out
