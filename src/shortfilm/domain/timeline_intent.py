"""The spec's ``edit:`` section that states a timeline: how a person's cut is written back into
the spec on export (``shortfilm export``), and whether that section gives the cut back.

Pure: the timeline's frames become the spec's seconds, rounded so that reading the spec again
lands on the same frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

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
from shortfilm.domain.spec_cut import TakeSource, default_timeline, spec_transition
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_fit import incoming
from shortfilm.domain.timeline_parts import TextItem, TextKind, TimelineError


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
