"""A timeline written as OpenTimelineIO (the mapping is :mod:`shortfilm.edit.otio_mapping`'s),
and through OTIO's adapters to a file in one of :data:`~shortfilm.edit.otio_mapping.FORMATS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.domain.production import TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_json import SCHEMA
from shortfilm.domain.timeline_parts import Segment, SoundCue, TextItem, TextKind, Transition
from shortfilm.edit.fcp7 import fcp7_string
from shortfilm.edit.fcpxml import fcpxml_string
from shortfilm.edit.otio_mapping import (
    FORMATS,
    NAMESPACE,
    TakeMedia,
    otio_api,
    rational_time,
    split_join,
    time_range,
    tracks_of,
)
from shortfilm.edit.otio_text import TEXTS_AS_CLIPS, TEXTS_KEY, kind_label, text_tracks
from shortfilm.edit.text_styles import DEFAULT_FRAME
from shortfilm.edit.transition_names import TRANSITION_NAMES
from shortfilm.errors import InputError, ShortfilmError

_MARKER_COLOURS = {
    TextKind.TITLE_CARD: "PURPLE",
    TextKind.HOOK: "RED",
    TextKind.CAPTION: "YELLOW",
    TextKind.LOWER_THIRD: "CYAN",
    TextKind.END_CARD: "BLUE",
}


def timeline_to_otio(
    timeline: Timeline,
    media: Mapping[str, TakeMedia],
    *,
    name: str,
    music_file: TakeMedia | None = None,
    ids: Mapping[str, Any] | None = None,
    generators: bool = True,
    frame: tuple[int, int] | None = None,
) -> Any:
    """``timeline`` as an ``otio.schema.Timeline`` (see the module for the mapping).

    ``media`` maps each segment's ``media_sha256`` to its file; ``music_file`` is the music
    bed's file and length (``None``: the drone); ``ids`` go into the timeline's metadata (slug,
    edit version). With ``generators`` false, clips without a file (effects, drone) are left out,
    which FCP XML needs. ``frame`` is the takes' picture size (width, height in pixels), which
    places the titles (:data:`~shortfilm.edit.text_styles.DEFAULT_FRAME` when unknown).
    """
    otio = otio_api()
    rate = timeline.rate
    total = timeline.total_frames
    out = otio.schema.Timeline(name=name)
    out.global_start_time = rational_time(0, rate)
    out.metadata[NAMESPACE] = {
        "schema": SCHEMA,
        "rate": str(rate),
        "loudness": [{"channel": x.channel, "lufs": x.lufs} for x in timeline.audio.loudness],
        "frame": list(frame or DEFAULT_FRAME),
        TEXTS_KEY: TEXTS_AS_CLIPS,
        **dict(ids or {}),
    }
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    out.tracks.append(video)
    joins = [0, *(t.frames for t in timeline.transitions), 0]
    pictures = len(timeline.picture_frames)
    offset = 1 if timeline.title is not None else 0
    for k in range(pictures):
        head = split_join(joins[k])[0]
        tail = split_join(joins[k + 1])[1]
        n = timeline.picture_frames[k]
        if k > 0 and joins[k]:
            video.append(_transition(timeline.transitions[k - 1], rate))
        if k < offset:
            title = timeline.title
            assert title is not None
            video.append(
                otio.schema.Gap(
                    name=f"title card: {title.text}",
                    source_range=time_range(0, n - tail, rate),
                    metadata={NAMESPACE: {"title_card": True}},
                )
            )
            continue
        seg = timeline.segments[k - offset]
        video.append(_clip(seg, media, rate, head, tail, n))
    for track in text_tracks(timeline.texts, rate, frame or DEFAULT_FRAME):
        out.tracks.append(track)
    for text in timeline.texts:
        out.tracks.markers.append(_marker(text, rate))
    _sound(out, timeline, rate, total, music_file, generators)
    return out


def _transition(tr: Transition, rate: Fraction) -> Any:
    otio = otio_api()
    before, after = split_join(tr.frames)
    kind = (
        otio.schema.TransitionTypes.SMPTE_Dissolve
        if tr.kind is TransitionKind.CROSSFADE
        else otio.schema.TransitionTypes.Custom
    )
    meta: dict[str, Any] = {"kind": tr.kind.value, "frames": tr.frames}
    if tr.kind in (TransitionKind.WHIP, TransitionKind.SLIDE):
        meta["direction"] = tr.direction
    return otio.schema.Transition(
        name=TRANSITION_NAMES[tr.kind].otio,
        transition_type=kind,
        in_offset=rational_time(before, rate),
        out_offset=rational_time(after, rate),
        metadata={NAMESPACE: meta},
    )


def _clip(
    seg: Segment, media: Mapping[str, TakeMedia], rate: Fraction, head: int, tail: int, n: int
) -> Any:
    otio = otio_api()
    take = media.get(seg.media_sha256)
    if take is None:
        raise InputError(f"{seg.name}: no file for take {seg.take} ({seg.media_sha256[:12]})")
    reference = otio.schema.ExternalReference(
        target_url=otio.url_utils.url_from_filepath(str(take.path)),
        available_range=time_range(0, take.frames, rate),
    )
    speed = Fraction(seg.speed_ratio)
    clip = otio.schema.Clip(
        name=f"{seg.name} take-{seg.take:03d}",
        media_reference=reference,
        source_range=time_range(seg.source_in + round(head * speed), n - head - tail, rate),
        metadata={
            NAMESPACE: {
                "clip": seg.clip,
                "take": seg.take,
                "take_id": seg.take_id,
                "media_sha256": seg.media_sha256,
                "in": seg.source_in,
                "out": seg.source_out,
                "speed": seg.speed,
                "audio": seg.audio,
                "gain_db": seg.gain_db,
            }
        },
    )
    if speed != 1:
        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=float(seg.speed)))
    return clip


def _marker(text: TextItem, rate: Fraction) -> Any:
    otio = otio_api()
    meta: dict[str, Any] = {"kind": text.kind.value, "text": text.text}
    if text.subtitle:
        meta["subtitle"] = text.subtitle
    return otio.schema.Marker(
        name=f"{kind_label(text.kind)}: {text.text}",
        marked_range=time_range(text.start, text.end - text.start, rate),
        color=getattr(otio.schema.MarkerColor, _MARKER_COLOURS[text.kind]),
        metadata={NAMESPACE: meta},
    )


def natural_frames(cue: SoundCue, rate: Fraction, total: int) -> int:
    """Frames a cue sounds for on a film of ``total`` frames (its own length, or the kind's)."""
    from shortfilm.media.sfx import DEFAULT_DURATION_S

    if cue.frames is not None:
        return max(1, min(cue.frames, total - cue.at))
    if cue.kind == "ambience":
        return total - cue.at
    natural = math.ceil(Fraction(repr(DEFAULT_DURATION_S.get(cue.kind, 1.0))) * rate)
    return max(1, min(natural, total - cue.at))


def _sound(
    out: Any,
    timeline: Timeline,
    rate: Fraction,
    total: int,
    music_file: TakeMedia | None,
    generators: bool,
) -> None:
    """The SFX tracks (one lane per overlap) and the music track."""
    otio = otio_api()
    clips = []
    for cue in timeline.audio.sfx:
        length = natural_frames(cue, rate, total)
        reference = otio.schema.GeneratorReference(
            name=f"sfx {cue.kind}",
            generator_kind="shortfilm.sfx",
            parameters={"kind": cue.kind},
            available_range=time_range(0, length, rate),
        )
        clip = otio.schema.Clip(
            name=f"sfx: {cue.kind}",
            media_reference=reference,
            source_range=time_range(0, length, rate),
            metadata={
                NAMESPACE: {
                    "kind": cue.kind,
                    "gain_db": cue.gain_db,
                    "frames": cue.frames,
                    "length": length,
                }
            },
        )
        clips.append((cue.at, cue.at + length, clip))
    tracks = tracks_of(clips, "SFX", otio.schema.TrackKind.Audio, rate)
    if generators:
        for track in tracks:
            out.tracks.append(track)
    else:
        for cue in timeline.audio.sfx:
            out.tracks.markers.append(
                otio.schema.Marker(
                    name=f"sfx: {cue.kind}",
                    marked_range=time_range(cue.at, natural_frames(cue, rate, total), rate),
                    color=otio.schema.MarkerColor.GREEN,
                    metadata={NAMESPACE: {"sfx": cue.kind, "gain_db": cue.gain_db}},
                )
            )
    music = timeline.audio.music
    if music is None or (music_file is None and not generators):
        return
    if music_file is not None:
        reference = otio.schema.ExternalReference(
            target_url=otio.url_utils.url_from_filepath(str(music_file.path)),
            available_range=time_range(0, music_file.frames, rate),
        )
    else:
        reference = otio.schema.GeneratorReference(
            name="drone",
            generator_kind="shortfilm.drone",
            available_range=time_range(0, total, rate),
        )
    track = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
    track.append(
        otio.schema.Clip(
            name=f"music: {Path(music.path).name if music.path else 'drone'}",
            media_reference=reference,
            source_range=time_range(0, total, rate),
            metadata={
                NAMESPACE: {
                    "path": music.path,
                    "gain_db": music.gain_db,
                    "fade_in": music.fade_in,
                    "fade_out": music.fade_out,
                    "duck_db": music.duck_db,
                }
            },
        )
    )
    out.tracks.append(track)


class HandoffError(ShortfilmError):
    """An OTIO adapter could not write the timeline (a limit of that format's adapter)."""


def write_otio(otio_timeline: Any, path: Path, fmt: str) -> None:
    """Write ``otio_timeline`` to ``path`` as ``fmt`` (a key of :data:`FORMATS`).

    FCPXML goes through :func:`fcpxml_string`, which adds what OTIO's FCPXML adapter leaves out
    (transitions, titles, 23.976 / 29.97 / 59.94 fps); FCP 7 XML through :func:`fcp7_string`,
    which gives the adapter the Text generator and transition effects. The adapters' failures
    are reported as :class:`HandoffError` naming the file and the format, instead of a traceback
    from inside the adapter.
    """
    otio = otio_api()
    adapter = FORMATS.get(fmt)
    if adapter is None:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        if fmt == "fcpxml":
            path.write_text(fcpxml_string(otio_timeline), encoding="utf-8")
        elif fmt == "fcp7":
            path.write_text(fcp7_string(otio_timeline), encoding="utf-8")
        else:
            otio.adapters.write_to_file(otio_timeline, str(path), adapter_name=adapter)
    except (otio.exceptions.OTIOError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise HandoffError(
            f"{path}: the {adapter} adapter cannot write this timeline: {exc}"
        ) from exc
