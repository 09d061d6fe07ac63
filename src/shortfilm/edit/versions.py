"""The Edit as a versioned timeline: the spec's cut, a person's changes, and the rule between them.

Every change to the timeline (``shortfilm edit ...``, an imported ``.otio``, a run after the spec
or a selection changed) stores a new Edit version; content decides, so a change that gives the
same timeline as the latest version stores nothing and reports that version.

A version changed by a person records who did it and the spec's cut they started from (``base``).
That is what lets a later ``run`` keep their work: it lays what they changed over the spec's new
cut (:func:`~shortfilm.domain.carry.carry_edits`) instead of replacing it. In short: a
person's speed, sound and transition into a clip survive a new take of it, and so does their
trim when the new take is long enough (cut at its end otherwise); their order, texts, cues,
music and loudness changes survive; everything they did not touch follows the spec. What could
not be carried is said in the new version's ``what`` and returned, never dropped in silence.

The rows and their stored form are :mod:`shortfilm.store.edits`'s; the changes a person makes
are :mod:`shortfilm.edit.changes`.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from shortfilm.domain.carry import carry_edits
from shortfilm.domain.edit_version import RATE, EditVersion
from shortfilm.domain.spec_cut import default_timeline
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_json import is_legacy, timeline_from_json
from shortfilm.domain.timeline_parts import TimelineError
from shortfilm.store import edits
from shortfilm.store.repo import Store


@dataclass(frozen=True)
class EditChange:
    """What a change did: the version it gave, and whether that version is new."""

    slug: str
    version: int
    created: bool
    timeline: Timeline
    what: str
    dropped: tuple[str, ...] = ()
    """Texts and sound cues the change pushed past the film's end, which were taken off."""


def person() -> str:
    """Who is editing: ``SHORTFILM_USER`` or the login name."""
    try:
        return os.environ.get("SHORTFILM_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "someone"


# -- reading -------------------------------------------------------------------------------


def source_frames(store: Store, rate: Fraction = RATE) -> Callable[[str], int]:
    """``frames(sha256)`` of stored takes at ``rate``, probing each file once."""
    from shortfilm.media.film import take_frames

    cache: dict[str, int] = {}

    def frames(sha: str) -> int:
        if sha not in cache:
            cache[sha] = take_frames(store.artifact_path(sha), rate)
        return cache[sha]

    return frames


def load_edit(store: Store, slug: str, version: int | None = None) -> EditVersion | None:
    """Edit ``version`` of ``slug`` (the latest when ``None``); ``None`` if there is no edit yet.

    :class:`InputError` for an unknown production or a version that does not exist.
    """
    with store.session() as tx:
        return edits.edit_version(tx, slug, version, source_frames(store))


def spec_timeline(store: Store, slug: str) -> Timeline:
    """The cut the spec asks for, from the current selections (stores nothing)."""
    with store.session() as tx:
        production = edits.production_spec(tx, slug)
        sources = edits.selected_sources(tx, slug, source_frames(store))
    return default_timeline(production.edit, sources, RATE)


# -- writing -------------------------------------------------------------------------------


def save_timeline(
    store: Store,
    slug: str,
    timeline: Timeline,
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
    with store.session() as tx:
        return edits.save_edit(
            tx,
            slug,
            timeline,
            source_frames(store),
            edited_by=edited_by,
            via=via,
            what=what,
            base=base,
        )


def record_edit(store: Store, slug: str) -> EditVersion:
    """The Edit for the current spec and selections, keeping a person's changes (module rule).

    When the latest version is the spec's cut (or there is none) the spec's new cut is stored;
    when a person made it, their changes are carried over the new cut
    (:func:`~shortfilm.domain.carry.carry_edits`) and the result stays theirs, with the
    new cut as its base. Unchanged content gives the latest version back. A new version made by
    carrying says in its ``what`` what changed upstream and what became of the person's
    decisions, and comes back with that account in ``carried`` (kept, clamped, dropped), so no
    decision is lost without a word.
    """
    cut = spec_timeline(store, slug)
    latest = load_edit(store, slug)
    if latest is None or latest.edited_by is None or latest.base is None:
        return save_timeline(store, slug, cut)
    try:
        carried = carry_edits(cut, latest.timeline, latest.base, source_frames(store, cut.rate))
    except TimelineError as exc:
        raise TimelineError(
            f"{slug}: the changes {latest.edited_by} made in edit v{latest.version} no longer "
            f"fit the spec's cut ({exc}); see them with `shortfilm edit show {slug} --edit "
            f"{latest.version}` and change them with the commands `shortfilm edit --help` lists"
        ) from exc
    what = carried.summary()
    if carried.timeline == cut:
        saved = save_timeline(store, slug, cut, what=what)
    else:
        saved = save_timeline(
            store,
            slug,
            carried.timeline,
            edited_by=latest.edited_by,
            via=latest.via,
            what=what,
            base=cut,
        )
    if saved.version == latest.version:
        return saved
    return replace(saved, carried=carried)


def change_edit(
    store: Store,
    slug: str,
    change: Callable[[Timeline], Timeline],
    *,
    what: str,
    via: str = "cli",
    by: str | None = None,
) -> EditChange:
    """Apply ``change`` to the latest Edit (the spec's cut if there is none) as a person's version.

    :class:`~shortfilm.domain.timeline_parts.TimelineError` (exit 2) when the result cannot be
    played; nothing is stored then.
    """
    latest = load_edit(store, slug)
    current = latest.timeline if latest is not None else spec_timeline(store, slug)
    base = latest.base if latest is not None and latest.base is not None else current
    previous = latest.version if latest is not None else 0
    new = change(current)
    saved = save_timeline(store, slug, new, edited_by=by or person(), via=via, what=what, base=base)
    created = saved.version > previous
    return EditChange(slug, saved.version, created, saved.timeline, what, _dropped(current, new))


def _dropped(before: Timeline, after: Timeline) -> tuple[str, ...]:
    """What of ``before`` starts at or after ``after``'s end (and so is no longer on the film)."""
    end = after.total_frames
    if end >= before.total_frames:
        return ()
    texts = [f"{t.kind.value.replace('_', ' ')} {t.text!r}" for t in before.texts if t.start >= end]
    cues = [
        f"sound {c.kind} at {float(before.seconds(c.at)):.2f} s"
        for c in before.audio.sfx
        if c.at >= end
    ]
    return tuple(texts + cues)


# -- describing ----------------------------------------------------------------------------


def summary(data: dict[str, Any]) -> str:
    """One line about a stored timeline of any shape, without opening media (for reports)."""
    if is_legacy(data):
        return f"{len(data['clips'])} clips, crossfade {data['crossfade_s']} s"
    try:
        tl = timeline_from_json(data)
    except TimelineError as exc:
        return f"unreadable timeline ({exc})"
    kinds: dict[str, int] = {}
    for t in tl.transitions:
        kinds[t.kind.value] = kinds.get(t.kind.value, 0) + 1
    joins = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
    return f"{len(tl.segments)} clips, {float(tl.duration):.2f} s, transitions: {joins}"
