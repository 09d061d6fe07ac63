"""An OTIO timeline read back as a shortfilm timeline (the inverse of
:func:`~shortfilm.edit.otio_export.timeline_to_otio`).

Order, trims and transitions come from the OTIO structure (what another tool edits); only what
OTIO cannot say is filled in from the metadata, so an edit made in Resolve and exported as
``.otio`` comes back with the editor's cut. Every value is checked
(:mod:`shortfilm.edit.otio_limits`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.domain.production import ChannelLoudness, TransitionKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_fit import fitted_timeline
from shortfilm.domain.timeline_parts import (
    SPEED_RANGE,
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)
from shortfilm.edit.otio_limits import (
    GAIN_RANGE_DB,
    MAX_OTIO_ITEMS,
    checked_count,
    checked_flag,
    checked_number,
    checked_rate,
    checked_string,
    checked_time,
    checked_whole,
    field_error,
    max_frames,
)
from shortfilm.edit.otio_mapping import (
    NAMESPACE,
    ClipFacts,
    Resolve,
    otio_api,
    shortfilm_meta,
    split_join,
)
from shortfilm.edit.otio_text import TEXTS_AS_CLIPS, TEXTS_KEY, texts_from_tracks
from shortfilm.edit.transition_names import kind_named
from shortfilm.errors import InputError


def _rate_of(otio_timeline: Any, video: Any, file: Path) -> Fraction:
    meta = shortfilm_meta(otio_timeline)
    if "rate" in meta:
        return checked_rate(meta["rate"], file, f"metadata {NAMESPACE}.rate")
    for item in video:
        if getattr(item, "source_range", None) is not None:
            return checked_rate(float(item.source_range.duration.rate), file, f"{item.name!r} rate")
    raise TimelineError("the video track has no clips")


def timeline_from_otio(otio_timeline: Any, resolve: Resolve, *, file: Path) -> Timeline:
    """The shortfilm timeline an OTIO timeline describes (the inverse of
    :func:`timeline_to_otio`); ``resolve`` finds the take of each clip.

    :class:`InputError` naming ``file`` (and the field) for anything shortfilm cannot play: no
    video track, a gap between clips, a nested stack, a clip whose media is not a take of the
    production, a value that is not a number or outside its range (rates, times, speeds, gains,
    see the module's limits).
    """
    otio = otio_api()
    videos = [t for t in otio_timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if not videos:
        raise InputError(f"{file}: the timeline has no video track")
    video = videos[0]
    items = checked_count(list(video), file, f"track {video.name!r}")
    rate = _rate_of(otio_timeline, items, file)
    joins: list[Transition] = []
    pending: Transition | None = None
    pictures: list[Any] = []
    for index, item in enumerate(items):
        if isinstance(item, otio.schema.Transition):
            if pending is not None or not pictures:
                raise InputError(f"{file}: transition {item.name!r} is not between two pictures")
            pending = _transition_from(item, rate, file)
            continue
        if isinstance(item, otio.schema.Gap) and index == 0:
            pictures.append(item)
            continue
        if not isinstance(item, otio.schema.Clip):
            what = "a gap" if isinstance(item, otio.schema.Gap) else type(item).__name__
            raise InputError(
                f"{file}: the video track has {what} after {len(pictures)} pictures; "
                "shortfilm plays clips back to back (close the gap)"
            )
        if pictures:
            joins.append(pending or Transition(TransitionKind.CUT, 0))
        pending = None
        pictures.append(item)
    if pending is not None:
        raise InputError(f"{file}: the video track ends on a transition")
    has_leader = bool(pictures) and isinstance(pictures[0], otio.schema.Gap)
    if has_leader and pictures[0] is not items[0]:
        raise InputError(f"{file}: a gap may only open the film (as the title card)")
    all_joins = [0, *(t.frames for t in joins), 0]
    segments: list[Segment] = []
    leader = 0
    for k, item in enumerate(pictures):
        head = split_join(all_joins[k])[0]
        tail = split_join(all_joins[k + 1])[1]
        visible = checked_time(
            getattr(item.source_range, "duration", None),
            rate,
            file,
            f"{item.name!r} source range duration",
            length=True,
        )
        if k == 0 and has_leader:
            leader = visible + tail
            continue
        segments.append(_segment_from(item, rate, head, tail, visible, resolve, file))
    markers = _markers(otio_timeline, file)  # counted whether or not they give the texts
    texts = texts_from_tracks(videos[1:], rate, file)
    if texts is None and shortfilm_meta(otio_timeline).get(TEXTS_KEY) == TEXTS_AS_CLIPS:
        texts = []  # every title deleted in the editor: the markers would bring them back
    elif texts is None:
        texts = _texts_from_markers(markers, rate, file)
    texts = _with_title_card(texts, leader if has_leader else None, file)
    audio = _audio_from(otio_timeline, rate, file)
    # cues and markers past the video's end (another tool may leave them there) are fitted to
    # the film as a shortfilm edit would fit them
    return fitted_timeline(rate, segments, joins, texts, audio)


def _transition_from(item: Any, rate: Fraction, file: Path) -> Transition:
    meta = shortfilm_meta(item)
    where = f"transition {item.name!r}"
    frames = checked_time(
        item.in_offset, rate, file, f"{where} in offset", length=True
    ) + checked_time(item.out_offset, rate, file, f"{where} out offset", length=True)
    kind_name = checked_string(meta.get("kind") or "", file, f"{where} metadata kind").lower()
    if not kind_name:
        # another tool's transition: known by the name a format gives a kind, else by a kind
        # in its name ("Dip to White"), else it is drawn as a crossfade
        name = (item.name or "").lower()
        named = kind_named(name)
        kind_name = named.value if named is not None else ""
        kind_name = kind_name or next((k.value for k in TransitionKind if k.value in name), "")
        if not kind_name and ("dip" in name or "black" in name):
            kind_name = "dip"
        kind_name = kind_name or "crossfade"
    try:
        kind = TransitionKind(kind_name)
    except ValueError:
        known = ", ".join(k.value for k in TransitionKind)
        raise field_error(
            file, f"{where} metadata kind", f"{kind_name!r:.40} is not one of {known}"
        ) from None
    if frames == 0:
        return Transition(TransitionKind.CUT, 0)
    if kind is TransitionKind.CUT:
        kind = TransitionKind.CROSSFADE
    direction = checked_string(meta.get("direction") or "left", file, f"{where} metadata direction")
    return Transition(kind, frames, direction)


def _segment_from(
    item: Any,
    rate: Fraction,
    head: int,
    tail: int,
    visible: int,
    resolve: Resolve,
    file: Path,
) -> Segment:
    otio = otio_api()
    meta = shortfilm_meta(item)
    where = f"clip {item.name!r}"
    reference = item.media_reference
    url = getattr(reference, "target_url", None)
    path = None
    if url is not None and not isinstance(url, str):
        raise field_error(file, f"{where} target_url", "must be text")
    if url and (url.startswith("file:") or url.startswith("/")):
        try:
            path = Path(otio.url_utils.filepath_from_url(url) if url.startswith("file:") else url)
        except (ValueError, TypeError):
            raise field_error(
                file, f"{where} target_url", f"is not a file URL: {url!r:.80}"
            ) from None
    identity = resolve(ClipFacts(item.name, url, path, meta))
    low, high = SPEED_RANGE
    speed = 1.0
    for effect in item.effects:
        if isinstance(effect, otio.schema.LinearTimeWarp):
            speed *= checked_number(
                float(effect.time_scalar), file, f"{where} time warp (time_scalar)", low, high
            )
    if not math.isfinite(speed) or not low <= speed <= high:
        raise field_error(
            file, f"{where} time warps", f"give a speed of {speed:g}; use {low}-{high}"
        )
    if "speed" in meta:
        written = checked_number(
            meta["speed"], file, f"{where} metadata {NAMESPACE}.speed", low, high
        )
        if math.isclose(written, speed, rel_tol=1e-9):
            speed = written
    ratio = Fraction(repr(speed)).limit_denominator(10_000)
    n = visible + head + tail
    start = checked_time(
        getattr(item.source_range, "start_time", None),
        rate,
        file,
        f"{where} source range start",
    )
    source_in = start - round(head * ratio)
    source_out = source_in + round(n * ratio)
    if "out" in meta:
        # the exact out point, when it still gives this length (speed rounds lengths)
        candidate = checked_whole(
            meta["out"], file, f"{where} metadata {NAMESPACE}.out", 0, max_frames(rate)
        )
        if candidate > source_in and round((candidate - source_in) / ratio) == n:
            source_out = candidate
    low_db, high_db = GAIN_RANGE_DB
    return Segment(
        clip=identity.clip,
        take=identity.take,
        take_id=identity.take_id,
        media_sha256=identity.media_sha256,
        source_in=source_in,
        source_out=source_out,
        speed=speed,
        audio=checked_flag(meta.get("audio", True), file, f"{where} metadata {NAMESPACE}.audio"),
        gain_db=checked_number(
            meta.get("gain_db", 0.0), file, f"{where} metadata {NAMESPACE}.gain_db", low_db, high_db
        ),
    )


def _markers(otio_timeline: Any, file: Path) -> list[Any]:
    """The markers on the timeline's stack and on its tracks, at most :data:`MAX_OTIO_ITEMS`."""
    markers = list(otio_timeline.tracks.markers)
    for track in otio_timeline.tracks:
        markers += list(track.markers)
    return checked_count(markers, file, "markers")


def _texts_from_markers(markers: list[Any], rate: Fraction, file: Path) -> list[TextItem]:
    """Texts from the markers shortfilm wrote, for a file without title clips (markers without
    its metadata are notes: skipped)."""
    texts: list[TextItem] = []
    for marker in markers:
        meta = shortfilm_meta(marker)
        if "kind" not in meta:
            continue
        where = f"marker {str(marker.name)[:40]!r}"
        try:
            kind = TextKind(meta["kind"])
        except (ValueError, TypeError):
            known = ", ".join(k.value for k in TextKind)
            raise field_error(
                file, f"{where} metadata {NAMESPACE}.kind", f"{meta['kind']!r:.40} is not {known}"
            ) from None
        marked = marker.marked_range
        start = checked_time(marked.start_time, rate, file, f"{where} start")
        end = start + checked_time(marked.duration, rate, file, f"{where} duration", length=True)
        text = checked_string(meta.get("text") or marker.name, file, f"{where} text")
        subtitle = checked_string(meta.get("subtitle") or "", file, f"{where} subtitle")
        texts.append(TextItem(kind, text, start, end, subtitle))
    return texts


def _with_title_card(texts: list[TextItem], leader: int | None, file: Path) -> list[TextItem]:
    """``texts`` with the title card spanning the leader (the gap that opens the picture track
    is the card's length); :class:`InputError` when one is there without the other."""
    card = next((t for t in texts if t.kind is TextKind.TITLE_CARD), None)
    if card is not None and leader is None:
        raise InputError(
            f"{file}: a title card, but the video track does not open with a gap for the card"
        )
    if leader is not None and card is None:
        raise InputError(f"{file}: the video track opens with a gap but there is no title card")
    return [
        TextItem(t.kind, t.text, 0, leader, t.subtitle)
        if t.kind is TextKind.TITLE_CARD and leader is not None
        else t
        for t in texts
    ]


def _optional_frames(value: Any, file: Path, where: str, rate: Fraction) -> int | None:
    return None if value is None else checked_whole(value, file, where, 0, max_frames(rate))


def _audio_from(otio_timeline: Any, rate: Fraction, file: Path) -> AudioPlan:
    otio = otio_api()
    cues: list[SoundCue] = []
    music: MusicBed | None = None
    low_db, high_db = GAIN_RANGE_DB
    for track in otio_timeline.tracks:
        if track.kind != otio.schema.TrackKind.Audio:
            continue
        for item in checked_count(list(track), file, f"track {track.name!r}"):
            if not isinstance(item, otio.schema.Clip):
                continue
            meta = shortfilm_meta(item)
            where = f"{track.name} clip {item.name!r} metadata {NAMESPACE}"
            if track.name == "Music" and "gain_db" in meta:
                path = meta.get("path")
                music = MusicBed(
                    path=None if path is None else checked_string(path, file, f"{where}.path"),
                    gain_db=checked_number(
                        meta["gain_db"], file, f"{where}.gain_db", low_db, high_db
                    ),
                    fade_in=_optional_frames(meta.get("fade_in"), file, f"{where}.fade_in", rate),
                    fade_out=_optional_frames(
                        meta.get("fade_out"), file, f"{where}.fade_out", rate
                    ),
                    duck_db=checked_number(
                        meta.get("duck_db", 0.0), file, f"{where}.duck_db", 0, 96
                    ),
                )
            elif "kind" in meta:
                at = checked_time(
                    item.range_in_parent().start_time, rate, file, f"{where} position"
                )
                length = checked_time(
                    getattr(item.source_range, "duration", None),
                    rate,
                    file,
                    f"{where} duration",
                    length=True,
                )
                frames = _optional_frames(meta.get("frames"), file, f"{where}.frames", rate)
                written = _optional_frames(meta.get("length"), file, f"{where}.length", rate)
                if written is not None and length != written:
                    frames = length  # trimmed in another tool: its length is now explicit
                cues.append(
                    SoundCue(
                        kind=checked_string(meta["kind"], file, f"{where}.kind"),
                        at=at,
                        gain_db=checked_number(
                            meta.get("gain_db", 0.0), file, f"{where}.gain_db", low_db, high_db
                        ),
                        frames=frames,
                    )
                )
    loudness = shortfilm_meta(otio_timeline).get("loudness", ())
    if not isinstance(loudness, Sequence) or isinstance(loudness, str):
        raise field_error(file, f"metadata {NAMESPACE}.loudness", "must be a list of targets")
    if len(loudness) > MAX_OTIO_ITEMS:
        raise field_error(file, f"metadata {NAMESPACE}.loudness", "must be a short list of targets")
    targets = []
    for i, x in enumerate(loudness):
        where = f"metadata {NAMESPACE}.loudness[{i}]"
        if not isinstance(x, Mapping):
            raise field_error(file, where, "must be a channel and its lufs")
        targets.append(
            ChannelLoudness(
                checked_string(x.get("channel"), file, f"{where}.channel", 100),
                checked_number(x.get("lufs"), file, f"{where}.lufs", -1000, 1000),
            )
        )
    return AudioPlan(sfx=tuple(cues), music=music, loudness=tuple(targets))
