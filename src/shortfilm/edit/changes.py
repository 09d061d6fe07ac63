"""The changes a person makes to the Edit (``shortfilm edit trim|move|speed|...``), each stored
as their new version through :func:`~shortfilm.edit.versions.change_edit`.

Each function turns a command's arguments (seconds, as people say them) into a pure timeline
change at the timeline's rate and says in ``what`` what was done, for the version's history.
"""

from __future__ import annotations

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.spec_cut import DEFAULT_TRANSITION_S
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_changes import (
    add_text,
    move,
    remove_text,
    set_audio,
    set_loudness,
    set_music,
    set_speed,
    set_transition,
    trim,
)
from shortfilm.domain.timeline_fit import usual_transition
from shortfilm.domain.timeline_parts import TextItem, TextKind, TimelineError, Transition
from shortfilm.edit.versions import EditChange, change_edit, source_frames
from shortfilm.errors import InputError
from shortfilm.store import edits
from shortfilm.store.repo import Store


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
    with store.session() as tx:
        channels = edits.production_spec(tx, slug).channels
    if channel.strip().lower() not in {c.lower() for c in channels}:
        raise InputError(f"{channel!r} is not one of {slug}'s channels ({', '.join(channels)})")
    return change_edit(
        store,
        slug,
        lambda tl: set_loudness(tl, channel, lufs),
        what=f"loudness {channel} {lufs:g} LUFS",
    )
