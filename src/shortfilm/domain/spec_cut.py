"""The cut the spec asks for: the selected takes and the spec's ``edit:`` section made into a
:class:`~shortfilm.domain.timeline.Timeline` (pure: no store, no media).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from shortfilm.domain.production import ClipEdit, EditIntent, TransitionKind
from shortfilm.domain.timeline import Timeline, frames_for
from shortfilm.domain.timeline_fit import film_frames
from shortfilm.domain.timeline_parts import (
    CUT,
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)

DEFAULT_TRANSITION_S = 0.4
"""Length of a transition asked for without one when the spec's crossfade is 0 (a cut)."""


@dataclass(frozen=True)
class TakeSource:
    """A selected take as the edit sees it: which clip, which take, which bytes, how long."""

    clip: int
    take: int
    take_id: int
    media_sha256: str
    frames: int
    """The whole take, in frames at the timeline rate."""


def default_timeline(intent: EditIntent, takes: Sequence[TakeSource], rate: Fraction) -> Timeline:
    """The film the spec describes, from the selected takes in clip order.

    With no per-clip settings this is the film shortfilm always made: the title card, every take
    played whole, each join a crossfade of ``crossfade_s`` (a cut when 0), captions and sound
    cues at their times, the music under everything. ``edit.clips`` entries then trim, speed up,
    mute or re-join single clips. A caption running past the film's end is cut there; a caption,
    hook or sound starting after it is an error, as is an ``out_s`` past the end of its take.
    The transition of the clip that opens the film (no title card) has nothing to join and is
    ignored.
    """
    rate = Fraction(rate)
    edits: dict[int, ClipEdit] = {e.clip: e for e in intent.clips}
    segments: list[Segment] = []
    for src in takes:
        ce = edits.get(src.clip, ClipEdit(src.clip))
        start = 0 if ce.in_s is None else frames_for(ce.in_s, rate)
        end = src.frames if ce.out_s is None else frames_for(ce.out_s, rate)
        if end > src.frames:
            raise TimelineError(
                f"clip-{src.clip:02d}: out_s {ce.out_s:g} s is past the end of take {src.take} "
                f"({float(src.frames / rate):.3f} s)"
            )
        segments.append(
            Segment(
                clip=src.clip,
                take=src.take,
                take_id=src.take_id,
                media_sha256=src.media_sha256,
                source_in=start,
                source_out=end,
                speed=ce.speed,
                audio=ce.audio,
                gain_db=ce.gain_db,
            )
        )
    card = intent.title_card
    texts: list[TextItem] = []
    if card is not None:
        lead = max(1, frames_for(card.duration_s, rate))
        texts.append(TextItem(TextKind.TITLE_CARD, card.text, 0, lead, card.subtitle))
    transitions = [
        spec_transition(intent, edits.get(seg.clip), rate)
        for seg in (segments if card is not None else segments[1:])
    ]
    total = film_frames(segments, transitions, texts[0].end if texts else 0)
    for kind, items in (
        (TextKind.CAPTION, intent.captions),
        (TextKind.LOWER_THIRD, intent.lower_thirds),
    ):
        for c in items:
            start = frames_for(c.start_s, rate)
            texts.append(TextItem(kind, c.text, start, min(frames_for(c.end_s, rate), total)))
    if intent.hook is not None:
        hook = intent.hook
        start = frames_for(hook.start_s, rate)
        texts.append(
            TextItem(TextKind.HOOK, hook.text, start, min(frames_for(hook.end_s, rate), total))
        )
    if intent.end_card is not None:
        length = max(1, frames_for(intent.end_card.duration_s, rate))
        texts.append(
            TextItem(TextKind.END_CARD, intent.end_card.text, max(0, total - length), total)
        )
    sfx = tuple(
        SoundCue(
            kind=c.kind.value,
            at=frames_for(c.at_s, rate),
            gain_db=c.gain_db,
            frames=None if c.duration_s is None else max(1, frames_for(c.duration_s, rate)),
        )
        for c in intent.sfx
    )
    music = None
    if intent.music is not None:
        m = intent.music
        music = MusicBed(
            path=m.path,
            gain_db=m.gain_db,
            fade_in=None if m.fade_in_s is None else frames_for(m.fade_in_s, rate),
            fade_out=None if m.fade_out_s is None else frames_for(m.fade_out_s, rate),
            duck_db=m.duck_db,
        )
    return Timeline(
        rate=rate,
        segments=tuple(segments),
        transitions=tuple(transitions),
        texts=tuple(texts),
        audio=AudioPlan(sfx=sfx, music=music, loudness=intent.loudness),
    )


def spec_transition(intent: EditIntent, ce: ClipEdit | None, rate: Fraction) -> Transition:
    """The join into a clip as the spec words it (see :class:`ClipEdit`)."""
    kind = ce.transition if ce is not None else None
    seconds = ce.transition_s if ce is not None else None
    if kind is None:
        kind = TransitionKind.CROSSFADE
        if seconds is None and frames_for(intent.crossfade_s, rate) == 0:
            return CUT
    if kind is TransitionKind.CUT:
        return CUT
    if seconds is None:
        seconds = intent.crossfade_s or DEFAULT_TRANSITION_S
    return Transition(kind, max(1, frames_for(seconds, rate)))
