"""The Edit as a versioned timeline: the spec's cut, a person's changes, and the rule between them.

Every change to the timeline (``shortfilm edit ...``, an imported ``.otio``, a run after the spec
or a selection changed) stores a new Edit version; content decides, so a change that gives the
same timeline as the latest version stores nothing and reports that version.

A version changed by a person records who did it and the spec's cut they started from (``base``).
That is what lets a later ``run`` keep their work: it lays what they changed over the spec's new
cut (:func:`~shortfilm.domain.timeline_ops.carry_edits`) instead of replacing it. In short: a
person's speed, sound and transition into a clip survive a new take of it, and so does their
trim when the new take is long enough (cut at its end otherwise); their order, texts, cues,
music and loudness changes survive; everything they did not touch follows the spec. What could
not be carried is said in the new version's ``what`` and returned, never dropped in silence.

Stored form: ``EditRow.timeline`` is :func:`~shortfilm.domain.timeline.timeline_to_json` plus,
for a person's version, ``"edited": {"by", "via", "what", "base"}``; the content hash covers the
timeline alone. Rows written before timelines had a schema are upgraded when read.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortfilm.domain.production import (
    Caption,
    ClipEdit,
    EditIntent,
    EndCard,
    Hook,
    Music,
    SoundEffectCue,
    SoundKind,
    TitleCard,
    TransitionKind,
)
from shortfilm.domain.timeline import (
    TextItem,
    TextKind,
    Timeline,
    TimelineError,
    Transition,
    is_legacy,
    read_timeline,
    timeline_from_json,
    timeline_to_json,
)
from shortfilm.domain.timeline_ops import (
    CarriedEdits,
    TakeSource,
    add_text,
    carry_edits,
    default_timeline,
    incoming,
    move,
    remove_text,
    set_audio,
    set_loudness,
    set_music,
    set_speed,
    set_transition,
    spec_transition,
    trim,
)
from shortfilm.errors import InputError, StoreError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import repo
from shortfilm.store.repo import Store, content_hash
from shortfilm.store.tables import EditRow, ProductionRow, TakeRow

RATE = Fraction(24)
"""The timeline rate of new edits: the rate every generator renders at (``CLIP_FPS``)."""


@dataclass(frozen=True)
class StoredEdit:
    """One Edit version as read back: its timeline and, for a person's version, its origin."""

    slug: str
    edit_id: int
    version: int
    timeline: Timeline
    edited_by: str | None = None
    """The person who made this version, ``None`` for the spec's cut."""
    via: str | None = None
    """``cli`` or ``import`` for a person's version."""
    what: str = ""
    base: Timeline | None = None
    """The spec's cut the person's changes are relative to."""
    carried: CarriedEdits | None = None
    """Set by :func:`record_edit` on a version it made by carrying a person's changes over a
    new cut: what was kept, clamped and dropped (not stored apart from ``what``)."""

    def to_json(self) -> dict[str, Any]:
        """The stored timeline plus where each picture sits on the film (seconds, for people)."""
        tl = self.timeline
        names = (["title"] if tl.title is not None else []) + [s.name for s in tl.segments]
        film = [
            {
                "picture": name,
                "start_s": round(float(tl.seconds(start)), 3),
                "end_s": round(float(tl.seconds(start + n)), 3),
            }
            for name, start, n in zip(names, tl.starts, tl.picture_frames, strict=True)
        ]
        return {
            "slug": self.slug,
            "version": self.version,
            "edited_by": self.edited_by,
            "via": self.via,
            "what": self.what,
            "duration_s": round(float(tl.duration), 3),
            "film": film,
            "timeline": timeline_to_json(tl),
        }


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


def _production(s: Session, slug: str) -> ProductionRow:
    prod = repo.production_by_slug(s, slug)
    if prod is None:
        raise InputError(f"no production {slug!r} in this home")
    return prod


def source_frames(store: Store, rate: Fraction = RATE) -> Callable[[str], int]:
    """``frames(sha256)`` of stored takes at ``rate``, probing each file once."""
    from shortfilm.media.film import take_frames

    cache: dict[str, int] = {}

    def frames(sha: str) -> int:
        if sha not in cache:
            cache[sha] = take_frames(store.artifact_path(sha), rate)
        return cache[sha]

    return frames


def _stored(
    store: Store, slug: str, row: EditRow, frames: Callable[[str], int] | None = None
) -> StoredEdit:
    data = row.timeline
    frames = frames or source_frames(store)
    try:
        timeline = read_timeline(data, frames, RATE)
        edited = data.get("edited") or None
        base = None
        if edited is not None and edited.get("base") is not None:
            base = timeline_from_json(edited["base"])
    except TimelineError as exc:
        raise StoreError(f"{slug}: edit v{row.version} cannot be read: {exc}") from exc
    return StoredEdit(
        slug=slug,
        edit_id=row.id,
        version=row.version,
        timeline=timeline,
        edited_by=None if edited is None else str(edited.get("by") or "someone"),
        via=None if edited is None else str(edited.get("via") or ""),
        what="" if edited is None else str(edited.get("what") or ""),
        base=base,
    )


def load_edit(store: Store, slug: str, version: int | None = None) -> StoredEdit | None:
    """Edit ``version`` of ``slug`` (the latest when ``None``); ``None`` if there is no edit yet.

    :class:`InputError` for an unknown production or a version that does not exist.
    """
    with store.session() as s:
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
    return _stored(store, slug, row)


def selected_sources(s: Session, store: Store, prod: ProductionRow) -> list[TakeSource]:
    """The selected take of every clip of the spec, in clip order; :class:`StoreError` if a clip
    has none yet (generate and select first)."""
    production = spec_from_dict(prod.spec)
    frames = source_frames(store)
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


def spec_timeline(store: Store, slug: str) -> Timeline:
    """The cut the spec asks for, from the current selections (stores nothing)."""
    with store.session() as s:
        prod = _production(s, slug)
        production = spec_from_dict(prod.spec)
        sources = selected_sources(s, store, prod)
    return default_timeline(production.edit, sources, RATE)


# -- the timeline as the spec says it ---------------------------------------------------------


def _seconds(frames: int | Fraction, rate: Fraction) -> float:
    """Frames as seconds for a spec, rounded so :func:`frames_for` gives the same frame back."""
    return round(float(Fraction(frames) / rate), 4)


def intent_of(timeline: Timeline, spec: EditIntent, frames: Callable[[str], int]) -> EditIntent:
    """The spec's ``edit:`` section that states ``timeline``: each clip's trim, speed, sound and
    incoming transition that differ from the spec's defaults (``spec.crossfade_s`` is kept),
    the texts, the sound cues, the music and the loudness targets, all as the timeline has them.

    ``frames`` gives a take's length in frames (a trim to the end of the take is written as no
    trim). What a spec cannot say -- clips played out of their order, a wipe's direction -- is
    left out; :func:`states` tells whether the result gives ``timeline`` back.
    """
    rate = timeline.rate
    base = replace(spec, clips=())
    into = incoming(timeline)
    clips: list[ClipEdit] = []
    for seg in timeline.segments:
        length = frames(seg.media_sha256)
        edit = ClipEdit(
            clip=seg.clip,
            in_s=_seconds(seg.source_in, rate) if seg.source_in else None,
            out_s=_seconds(seg.source_out, rate) if seg.source_out != length else None,
            speed=seg.speed,
            audio=seg.audio,
            gain_db=seg.gain_db,
        )
        join = into.get(seg.clip)
        if join is not None and join != spec_transition(base, None, rate):
            if join.kind is TransitionKind.CUT:
                edit = replace(edit, transition=TransitionKind.CUT)
            else:
                edit = replace(edit, transition=join.kind, transition_s=_seconds(join.frames, rate))
        if edit != ClipEdit(seg.clip):
            clips.append(edit)
    texts: dict[TextKind, list[TextItem]] = {kind: [] for kind in TextKind}
    for item in timeline.texts:
        texts[item.kind].append(item)
    title = next(iter(texts[TextKind.TITLE_CARD]), None)
    hook = next(iter(texts[TextKind.HOOK]), None)
    end = next(iter(texts[TextKind.END_CARD]), None)
    audio = timeline.audio
    music = audio.music
    return EditIntent(
        title_card=None
        if title is None
        else TitleCard(title.text, title.subtitle, _seconds(title.end - title.start, rate)),
        captions=tuple(
            Caption(t.text, _seconds(t.start, rate), _seconds(t.end, rate))
            for t in texts[TextKind.CAPTION]
        ),
        sfx=tuple(
            SoundEffectCue(
                SoundKind(c.kind),
                _seconds(c.at, rate),
                c.gain_db,
                None if c.frames is None else _seconds(c.frames, rate),
            )
            for c in audio.sfx
        ),
        music=None
        if music is None
        else Music(
            path=music.path,
            gain_db=music.gain_db,
            fade_in_s=None if music.fade_in is None else _seconds(music.fade_in, rate),
            fade_out_s=None if music.fade_out is None else _seconds(music.fade_out, rate),
            duck_db=music.duck_db,
        ),
        crossfade_s=spec.crossfade_s,
        clips=tuple(clips),
        hook=None
        if hook is None
        else Hook(hook.text, _seconds(hook.start, rate), _seconds(hook.end, rate)),
        end_card=None if end is None else EndCard(end.text, _seconds(end.end - end.start, rate)),
        lower_thirds=tuple(
            Caption(t.text, _seconds(t.start, rate), _seconds(t.end, rate))
            for t in texts[TextKind.LOWER_THIRD]
        ),
        loudness=audio.loudness,
    )


def states(intent: EditIntent, timeline: Timeline, frames: Callable[[str], int]) -> bool:
    """Whether the spec's cut of ``intent`` over ``timeline``'s takes is ``timeline`` itself."""
    sources = sorted(
        (
            TakeSource(s.clip, s.take, s.take_id, s.media_sha256, frames(s.media_sha256))
            for s in timeline.segments
        ),
        key=lambda source: source.clip,
    )
    try:
        return default_timeline(intent, sources, timeline.rate) == timeline
    except TimelineError:
        return False


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
) -> StoredEdit:
    """Store ``timeline`` as the next Edit version unless the latest already holds it.

    ``edited_by`` marks a person's version (``base`` is then required: the spec's cut their
    change is relative to). Returns the version holding the timeline; ``created`` is visible as
    a version above the previous latest.
    """
    data = timeline_to_json(timeline)
    digest = content_hash(data)
    frames = source_frames(store)
    with store.session() as s:
        prod = _production(s, slug)
        latest = repo.latest(s, EditRow, EditRow.production_id, prod.id)
        if latest is not None and _digest(latest, frames) == digest:
            return _stored(store, slug, latest, frames)
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
        return _stored(store, slug, row, frames)


def _digest(row: EditRow, frames: Callable[[str], int]) -> str:
    """The content hash of a row's timeline as it reads today (old rows upgraded first)."""
    data = row.timeline
    if is_legacy(data):
        try:
            return content_hash(timeline_to_json(read_timeline(data, frames, RATE)))
        except TimelineError:
            return row.content_hash
    return row.content_hash


def record_edit(store: Store, slug: str) -> StoredEdit:
    """The Edit for the current spec and selections, keeping a person's changes (module rule).

    When the latest version is the spec's cut (or there is none) the spec's new cut is stored;
    when a person made it, their changes are carried over the new cut
    (:func:`~shortfilm.domain.timeline_ops.carry_edits`) and the result stays theirs, with the
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

    :class:`~shortfilm.domain.timeline.TimelineError` (exit 2) when the result cannot be played;
    nothing is stored then.
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


# -- the changes a person makes ----------------------------------------------------------------


def _take_frames(store: Store, timeline: Timeline, clip: int) -> int:
    seg = timeline.segments[timeline.segment_index(clip)]
    return source_frames(store, timeline.rate)(seg.media_sha256)


def trim_clip(
    store: Store, slug: str, clip: int, in_s: float | None, out_s: float | None
) -> EditChange:
    """Play the clip's take from ``in_s`` to ``out_s`` (seconds of the take; ``None`` keeps it)."""
    if in_s is None and out_s is None:
        raise InputError("give --in, --out or both (seconds of the take)")

    def change(tl: Timeline) -> Timeline:
        start = None if in_s is None else tl.frames_at(in_s)
        end = None if out_s is None else tl.frames_at(out_s)
        if end is not None:
            length = _take_frames(store, tl, clip)
            if end > length:
                seg = tl.segments[tl.segment_index(clip)]
                raise TimelineError(
                    f"clip-{clip:02d}: --out {out_s:g} s is past the end of take {seg.take} "
                    f"({float(tl.seconds(length)):.3f} s)"
                )
        return trim(tl, clip, start, end)

    span = f"{'' if in_s is None else f'{in_s:g}'}-{'' if out_s is None else f'{out_s:g}'} s"
    return change_edit(store, slug, change, what=f"trim clip-{clip:02d} {span}")


def move_clip(store: Store, slug: str, clip: int, to: int) -> EditChange:
    return change_edit(
        store, slug, lambda tl: move(tl, clip, to), what=f"move clip-{clip:02d} to {to}"
    )


def speed_clip(store: Store, slug: str, clip: int, speed: float) -> EditChange:
    return change_edit(
        store,
        slug,
        lambda tl: set_speed(tl, clip, speed),
        what=f"speed clip-{clip:02d} x{speed:g}",
    )


def clip_audio(
    store: Store, slug: str, clip: int, on: bool | None, gain_db: float | None
) -> EditChange:
    parts = [] if on is None else ["on" if on else "off"]
    parts += [] if gain_db is None else [f"{gain_db:+g} dB"]
    return change_edit(
        store,
        slug,
        lambda tl: set_audio(tl, clip, on, gain_db),
        what=f"audio clip-{clip:02d} {' '.join(parts)}",
    )


def transition_into(
    store: Store,
    slug: str,
    clip: int,
    kind: str,
    duration_s: float | None,
    direction: str = "left",
) -> EditChange:
    """Join into ``clip`` with ``kind`` over ``duration_s`` (default: the usual length).

    ``kind`` is ``cut``, ``crossfade``, ``dip``, ``whip`` or ``slide``; a cut takes no duration.
    """
    from shortfilm.domain.production import TransitionKind
    from shortfilm.domain.timeline_ops import DEFAULT_TRANSITION_S, usual_transition

    try:
        parsed = TransitionKind(kind.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in TransitionKind)
        raise InputError(f"{kind!r} is not a transition: use one of {known}") from None
    if parsed is TransitionKind.CUT and duration_s:
        raise InputError("a cut has no duration: leave --duration out")

    def change(tl: Timeline) -> Timeline:
        if parsed is TransitionKind.CUT:
            return set_transition(tl, clip, Transition(parsed, 0))
        if duration_s is not None:
            frames = tl.frames_at(duration_s)
        else:
            usual = usual_transition(tl)
            frames = usual.frames or tl.frames_at(DEFAULT_TRANSITION_S)
        return set_transition(tl, clip, Transition(parsed, max(1, frames), direction))

    length = "" if duration_s is None else f" {duration_s:g} s"
    return change_edit(store, slug, change, what=f"{parsed.value}{length} into clip-{clip:02d}")


def add_text_item(
    store: Store,
    slug: str,
    kind: TextKind,
    text: str,
    start_s: float,
    end_s: float,
) -> EditChange:
    def change(tl: Timeline) -> Timeline:
        return add_text(tl, TextItem(kind, text, tl.frames_at(start_s), tl.frames_at(end_s)))

    label = kind.value.replace("_", " ")
    return change_edit(store, slug, change, what=f"add {label} {text!r} {start_s:g}-{end_s:g} s")


def remove_text_item(store: Store, slug: str, kind: TextKind, which: str) -> EditChange:
    """Take a text off the film: ``which`` is its number among its kind (1-based) or its text."""

    def change(tl: Timeline) -> Timeline:
        return remove_text(tl, kind, which)[0]

    label = kind.value.replace("_", " ")
    return change_edit(store, slug, change, what=f"remove {label} {which}")


def music_settings(
    store: Store,
    slug: str,
    *,
    gain_db: float | None = None,
    fade_in_s: float | None = None,
    fade_out_s: float | None = None,
    duck_db: float | None = None,
) -> EditChange:
    def change(tl: Timeline) -> Timeline:
        return set_music(
            tl,
            gain_db=gain_db,
            fade_in=None if fade_in_s is None else tl.frames_at(fade_in_s),
            fade_out=None if fade_out_s is None else tl.frames_at(fade_out_s),
            duck_db=duck_db,
        )

    settings = {
        "gain": gain_db,
        "fade-in": fade_in_s,
        "fade-out": fade_out_s,
        "duck": duck_db,
    }
    said = ", ".join(f"{k} {v:g}" for k, v in settings.items() if v is not None) or "unchanged"
    return change_edit(store, slug, change, what=f"music {said}")


def loudness_target(store: Store, slug: str, channel: str, lufs: float) -> EditChange:
    with store.session() as s:
        channels = spec_from_dict(_production(s, slug).spec).channels
    if channel.strip().lower() not in {c.lower() for c in channels}:
        raise InputError(f"{channel!r} is not one of {slug}'s channels ({', '.join(channels)})")
    return change_edit(
        store,
        slug,
        lambda tl: set_loudness(tl, channel, lufs),
        what=f"loudness {channel} {lufs:g} LUFS",
    )


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
