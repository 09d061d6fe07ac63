"""What a person says about a take: notes, and marking a take failed so it teaches later."""

from __future__ import annotations

from shortfilm.domain.take import TakeState
from shortfilm.errors import InputError, StoreError
from shortfilm.store import repo
from shortfilm.store import takes as stored
from shortfilm.store.repo import Store


def note_take(
    store: Store, slug: str, clip: int, take: int, text: str, *, failed: bool = False
) -> str:
    """Append ``text`` to the notes of take ``take`` of clip ``clip``; optionally reject it.

    A rejected take is kept (it teaches) but is no longer the clip's selection, so the next
    run makes a new take. Returns the take's subject, e.g. ``clip-02/take-001``.
    """
    if not text.strip():
        raise InputError("a note needs some text")
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        row = next((c for c in stored.clips(s, prod.id) if c.position == clip), None)
        if row is None:
            raise InputError(f"{slug} has no clip-{clip:02d}")
        target = next((t for t in stored.clip_takes(s, row.id) if t.number == take), None)
        subject = f"clip-{clip:02d}/take-{take:03d}"
        if target is None:
            raise InputError(f"{slug} has no {subject}")
        notes = f"{target.notes}\n{text}".strip() if target.notes else text
        stored.update_take(s, target.id, notes=notes)
        if failed:
            stored.update_take(s, target.id, status=TakeState.REJECTED)
            if row.selected_take_id == target.id:
                stored.select_take(s, row.id, None, None)
        repo.event(s, prod.id, "take.rejected" if failed else "take.noted", subject, note=text)
    return subject
