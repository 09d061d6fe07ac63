"""The timeline as OpenTimelineIO, and through OTIO's adapters as FCP 7 XML and FCPXML, so an
editor can finish the film in DaVinci Resolve, Premiere or Final Cut, and bring it back.

What is written, for a timeline at rate ``r`` (frames of the film):

- track ``Video``: the title card as a ``Gap`` (the leader), then one ``Clip`` per segment whose
  ``ExternalReference`` is the take's file (absolute ``file://`` URL), ``available_range`` the
  whole take and ``source_range`` the trim. Joins that are not cuts are ``Transition`` objects
  centred on the cut (``in_offset`` before it, ``out_offset`` after), so the clips' ranges are
  what shows between transitions, as OTIO defines them. A speed other than 1 is a
  ``LinearTimeWarp``; following OTIO's layout rules, such a clip's ``source_range`` duration is
  its length on the film (OTIO and the NLE adapters do not stretch clips by time effects);
- texts (title card, hook, captions, lower thirds, end card) as markers on the timeline's
  stack, ``marked_range`` in film frames;
- tracks ``SFX 1``, ``SFX 2`` ... (cues that overlap go on separate tracks) and ``Music``: the
  synthesised effects and the drone bed are ``GeneratorReference`` clips, a music file an
  ``ExternalReference``. FCP XML has no generators shortfilm could use, so for ``fcp7`` and
  ``fcpxml`` those clips are left out (the markers still name each cue);
- ``metadata["shortfilm"]`` on the timeline, clips, transitions, markers and audio clips: ids
  and the values OTIO has no field for (take ids, gain, audio on/off, loudness targets ...);
- FCPXML: OTIO's adapter writes neither transitions nor 23.976 / 29.97 / 59.94 fps, so
  :func:`fcpxml_string` adds both to what it writes (transitions as Cross Dissolves).

Reading back (:func:`timeline_from_otio`) takes order, trims and transitions from the OTIO
structure (what another tool edits) and only fills in from the metadata what OTIO cannot say,
so an edit made in Resolve and exported as ``.otio`` comes back with the editor's cut.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

from shortfilm.domain.edit_version import TakeIdentity
from shortfilm.domain.production import ChannelLoudness, TransitionKind
from shortfilm.domain.timeline import (
    SCHEMA,
    SPEED_RANGE,
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    Timeline,
    TimelineError,
    Transition,
)
from shortfilm.domain.timeline_ops import fitted_timeline
from shortfilm.errors import InputError, ShortfilmError

FORMATS = {"otio": "otio_json", "fcp7": "fcp_xml", "fcpxml": "fcpx_xml"}
"""Export format names (as the CLI takes them) and the OTIO adapter writing each."""

SUFFIXES = {"otio": ".otio", "fcp7": ".xml", "fcpxml": ".fcpxml"}

NAMESPACE = "shortfilm"
"""The metadata key every object written here carries its shortfilm values under."""

_MARKER_COLOURS = {
    TextKind.TITLE_CARD: "PURPLE",
    TextKind.HOOK: "RED",
    TextKind.CAPTION: "YELLOW",
    TextKind.LOWER_THIRD: "CYAN",
    TextKind.END_CARD: "BLUE",
}


@dataclass(frozen=True)
class TakeMedia:
    """Where a segment's take lives and how long it is, for its ``ExternalReference``."""

    path: Path
    """Absolute path of the take's file."""
    frames: int
    """The whole take at the timeline rate: the clip's ``available_range``."""


@dataclass(frozen=True)
class ClipFacts:
    """What an OTIO clip says about its media, for the caller to find the take it shows."""

    name: str
    url: str | None
    """The ``ExternalReference`` target, if any."""
    path: Path | None
    """``url`` as a local path, when it is a file URL."""
    metadata: Mapping[str, Any]
    """Its ``metadata["shortfilm"]`` (empty if another tool dropped it)."""


Resolve = Callable[[ClipFacts], TakeIdentity]
"""Finds the take of an imported clip; raises :class:`InputError` naming it when it is none."""


def _otio() -> Any:
    import opentimelineio as otio  # type: ignore[import-untyped]

    return otio


def _rt(frames: float | Fraction, rate: Fraction) -> Any:
    value = float(frames)
    return _otio().opentime.RationalTime(value, float(rate))


def _range(start: float | Fraction, duration: float | Fraction, rate: Fraction) -> Any:
    return _otio().opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def _frames(time: Any, rate: Fraction) -> float:
    """An OTIO time as (possibly fractional) frames at ``rate``."""
    return float(time.value) * float(rate) / float(time.rate)


def _split(frames: int) -> tuple[int, int]:
    """A transition's frames before and after its cut (the odd frame after)."""
    return frames // 2, frames - frames // 2


# -- writing -------------------------------------------------------------------------------


def timeline_to_otio(
    timeline: Timeline,
    media: Mapping[str, TakeMedia],
    *,
    name: str,
    music_file: TakeMedia | None = None,
    ids: Mapping[str, Any] | None = None,
    generators: bool = True,
) -> Any:
    """``timeline`` as an ``otio.schema.Timeline`` (see the module for the mapping).

    ``media`` maps each segment's ``media_sha256`` to its file; ``music_file`` is the music
    bed's file and length (``None``: the drone); ``ids`` go into the timeline's metadata (slug,
    edit version). With ``generators`` false, clips without a file (effects, drone) are left out,
    which FCP XML needs.
    """
    otio = _otio()
    rate = timeline.rate
    total = timeline.total_frames
    out = otio.schema.Timeline(name=name)
    out.global_start_time = _rt(0, rate)
    out.metadata[NAMESPACE] = {
        "schema": SCHEMA,
        "rate": str(rate),
        "loudness": [{"channel": x.channel, "lufs": x.lufs} for x in timeline.audio.loudness],
        **dict(ids or {}),
    }
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    out.tracks.append(video)
    joins = [0, *(t.frames for t in timeline.transitions), 0]
    pictures = len(timeline.picture_frames)
    offset = 1 if timeline.title is not None else 0
    for k in range(pictures):
        head = _split(joins[k])[0]
        tail = _split(joins[k + 1])[1]
        n = timeline.picture_frames[k]
        if k > 0 and joins[k]:
            video.append(_transition(timeline.transitions[k - 1], rate))
        if k < offset:
            title = timeline.title
            assert title is not None
            video.append(
                otio.schema.Gap(
                    name=f"title card: {title.text}",
                    source_range=_range(0, n - tail, rate),
                    metadata={NAMESPACE: {"title_card": True}},
                )
            )
            continue
        seg = timeline.segments[k - offset]
        video.append(_clip(seg, media, rate, head, tail, n))
    for text in timeline.texts:
        out.tracks.markers.append(_marker(text, rate))
    _sound(out, timeline, rate, total, music_file, generators)
    return out


def _transition(tr: Transition, rate: Fraction) -> Any:
    otio = _otio()
    before, after = _split(tr.frames)
    kind = (
        otio.schema.TransitionTypes.SMPTE_Dissolve
        if tr.kind is TransitionKind.CROSSFADE
        else otio.schema.TransitionTypes.Custom
    )
    meta: dict[str, Any] = {"kind": tr.kind.value, "frames": tr.frames}
    if tr.kind in (TransitionKind.WHIP, TransitionKind.SLIDE):
        meta["direction"] = tr.direction
    return otio.schema.Transition(
        name=tr.kind.value,
        transition_type=kind,
        in_offset=_rt(before, rate),
        out_offset=_rt(after, rate),
        metadata={NAMESPACE: meta},
    )


def _clip(
    seg: Segment, media: Mapping[str, TakeMedia], rate: Fraction, head: int, tail: int, n: int
) -> Any:
    otio = _otio()
    take = media.get(seg.media_sha256)
    if take is None:
        raise InputError(f"{seg.name}: no file for take {seg.take} ({seg.media_sha256[:12]})")
    reference = otio.schema.ExternalReference(
        target_url=otio.url_utils.url_from_filepath(str(take.path)),
        available_range=_range(0, take.frames, rate),
    )
    speed = Fraction(seg.speed_ratio)
    clip = otio.schema.Clip(
        name=f"{seg.name} take-{seg.take:03d}",
        media_reference=reference,
        source_range=_range(seg.source_in + round(head * speed), n - head - tail, rate),
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
    otio = _otio()
    meta: dict[str, Any] = {"kind": text.kind.value, "text": text.text}
    if text.subtitle:
        meta["subtitle"] = text.subtitle
    return otio.schema.Marker(
        name=f"{text.kind.value.replace('_', ' ')}: {text.text}",
        marked_range=_range(text.start, text.end - text.start, rate),
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
    otio = _otio()
    lanes: list[tuple[Any, int]] = []  # (track, frame where its last clip ends)
    for cue in timeline.audio.sfx:
        length = natural_frames(cue, rate, total)
        lane = next((i for i, (_, end) in enumerate(lanes) if end <= cue.at), None)
        if lane is None:
            track = otio.schema.Track(
                name=f"SFX {len(lanes) + 1}", kind=otio.schema.TrackKind.Audio
            )
            lanes.append((track, 0))
            lane = len(lanes) - 1
        track, end = lanes[lane]
        if cue.at > end:
            track.append(otio.schema.Gap(source_range=_range(0, cue.at - end, rate)))
        reference = otio.schema.GeneratorReference(
            name=f"sfx {cue.kind}",
            generator_kind="shortfilm.sfx",
            parameters={"kind": cue.kind},
            available_range=_range(0, length, rate),
        )
        track.append(
            otio.schema.Clip(
                name=f"sfx: {cue.kind}",
                media_reference=reference,
                source_range=_range(0, length, rate),
                metadata={
                    NAMESPACE: {
                        "kind": cue.kind,
                        "gain_db": cue.gain_db,
                        "frames": cue.frames,
                        "length": length,
                    }
                },
            )
        )
        lanes[lane] = (track, cue.at + length)
    if generators:
        for track, _ in lanes:
            out.tracks.append(track)
    else:
        for cue in timeline.audio.sfx:
            out.tracks.markers.append(
                otio.schema.Marker(
                    name=f"sfx: {cue.kind}",
                    marked_range=_range(cue.at, natural_frames(cue, rate, total), rate),
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
            available_range=_range(0, music_file.frames, rate),
        )
    else:
        reference = otio.schema.GeneratorReference(
            name="drone", generator_kind="shortfilm.drone", available_range=_range(0, total, rate)
        )
    track = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
    track.append(
        otio.schema.Clip(
            name=f"music: {Path(music.path).name if music.path else 'drone'}",
            media_reference=reference,
            source_range=_range(0, total, rate),
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
    (transitions, 23.976 / 29.97 / 59.94 fps). The adapters' failures are reported as
    :class:`HandoffError` naming the file and the format, instead of a traceback from inside the
    adapter.
    """
    otio = _otio()
    adapter = FORMATS.get(fmt)
    if adapter is None:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        if fmt == "fcpxml":
            path.write_text(fcpxml_string(otio_timeline), encoding="utf-8")
        else:
            otio.adapters.write_to_file(otio_timeline, str(path), adapter_name=adapter)
    except (otio.exceptions.OTIOError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise HandoffError(
            f"{path}: the {adapter} adapter cannot write this timeline: {exc}"
        ) from exc


# -- FCPXML: what the adapter leaves out ---------------------------------------------------

CROSS_DISSOLVE_UID = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"
"""Final Cut Pro's Cross Dissolve, the transition every FCPXML reader (Resolve, Premiere via
converters, FCP itself) knows. Dips, whips and slides are written as dissolves of their length
(named for what they were): FCPXML has no portable effect for them."""

_FCPXML_TIMES = ("offset", "duration", "start", "tcStart", "audioStart", "audioDuration")
"""FCPXML attributes holding a time (``N/Ds`` or ``Ns``)."""

_NTSC = {Fraction(24000, 1001): 24, Fraction(30000, 1001): 30, Fraction(60000, 1001): 60}
"""Drop-frame-family rates and the whole rate the adapter is given for each."""


def _film_rate(otio_timeline: Any) -> Fraction:
    meta = _meta(otio_timeline)
    if "rate" in meta:
        return Fraction(str(meta["rate"]))
    return Fraction(otio_timeline.duration().rate).limit_denominator(1001)


def _retimed(otio_timeline: Any, rate: Fraction, nominal: int) -> Any:
    """A copy of ``otio_timeline`` with every time at ``rate`` counted at ``nominal`` instead
    (same frame numbers): what OTIO's FCPXML adapter can write."""
    otio = _otio()
    data = json.loads(otio.adapters.write_to_string(otio_timeline, adapter_name="otio_json"))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            schema = str(node.get("OTIO_SCHEMA", ""))
            if schema.startswith("RationalTime") and math.isclose(node["rate"], float(rate)):
                node["rate"] = float(nominal)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return otio.adapters.read_from_string(json.dumps(data), adapter_name="otio_json")


def _fcp_time(seconds: Fraction) -> str:
    return "0s" if seconds == 0 else f"{seconds.numerator}/{seconds.denominator}s"


def _parse_fcp_time(value: str) -> Fraction | None:
    if not value.endswith("s"):
        return None
    try:
        return Fraction(value[:-1])
    except ValueError:
        return None


def fcpxml_string(otio_timeline: Any) -> str:
    """``otio_timeline`` as FCPXML: OTIO's ``fcpx_xml`` adapter, then what it leaves out.

    - 23.976, 29.97 and 59.94 fps: the adapter only knows whole rates, so it is given the
      timeline at 24, 30 or 60 (same frame numbers) and every time it writes is scaled by
      1001/1000, with ``frameDuration`` ``1001/24000s`` (...): exact, every time still on a frame;
    - transitions: each non-cut join of the video track becomes a ``<transition>`` in the spine,
      ``in_offset`` before the cut and ``out_offset`` after it (OTIO's layout, and FCPXML's:
      clips abut at the cut and the transition reaches into their media), drawn by the Cross
      Dissolve effect (:data:`CROSS_DISSOLVE_UID`).
    """
    otio = _otio()
    rate = _film_rate(otio_timeline)
    nominal = _NTSC.get(rate)
    scale = Fraction(1001, 1000) if nominal is not None else Fraction(1)
    source = _retimed(otio_timeline, rate, nominal) if nominal is not None else otio_timeline
    root = ElementTree.fromstring(otio.adapters.write_to_string(source, adapter_name="fcpx_xml"))
    if scale != 1:
        for element in root.iter():
            for name in _FCPXML_TIMES:
                value = element.get(name)
                seconds = _parse_fcp_time(value) if value is not None else None
                if seconds is not None:
                    element.set(name, _fcp_time(seconds * scale))
            if element.tag == "format":
                element.set("frameDuration", _fcp_time(1 / rate))
    video = next(iter(otio_timeline.video_tracks()), None)
    spine = root.find("./project/sequence/spine")
    if spine is None:
        spine = root.find(".//spine")
    if video is not None and spine is not None:
        _add_transitions(root, spine, video, rate)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"


def _add_transitions(root: Any, spine: Any, video: Any, rate: Fraction) -> None:
    otio = _otio()
    laid = list(spine)  # the video track's gaps and clips, in order (the adapter's spine)
    placed, wanted = 0, []
    for item in video:
        if isinstance(item, otio.schema.Transition):
            wanted.append((placed, item))
        elif isinstance(item, (otio.schema.Clip, otio.schema.Gap, otio.schema.Stack)):
            placed += 1
    if not wanted:
        return
    resources = root.find("./resources")
    if resources is None:
        resources = ElementTree.SubElement(root, "resources")
        root.remove(resources)
        root.insert(0, resources)
    used = [int(r.get("id", "r0")[1:]) for r in resources if r.get("id", "").startswith("r")]
    effect_id = f"r{max(used, default=0) + 1}"
    ElementTree.SubElement(
        resources, "effect", {"id": effect_id, "name": "Cross Dissolve", "uid": CROSS_DISSOLVE_UID}
    )
    for index, item in reversed(wanted):
        if index >= len(laid):
            continue
        cut = _parse_fcp_time(laid[index].get("offset", "0s")) or Fraction(0)
        before = Fraction(_frames(item.in_offset, rate)) / rate
        after = Fraction(_frames(item.out_offset, rate)) / rate
        kind = str(_meta(item).get("kind", "crossfade"))
        name = "Cross Dissolve" if kind == "crossfade" else f"Cross Dissolve ({kind})"
        transition = ElementTree.Element(
            "transition",
            {
                "name": name,
                "offset": _fcp_time(cut - before),
                "duration": _fcp_time(before + after),
            },
        )
        ElementTree.SubElement(
            transition, "filter-video", {"ref": effect_id, "name": "Cross Dissolve"}
        )
        spine.insert(list(spine).index(laid[index]), transition)


# -- reading -------------------------------------------------------------------------------


MAX_OTIO_BYTES = 4 * 1024 * 1024
"""Largest ``.otio`` file :func:`read_otio` reads (bytes). A short film's timeline is tens of
kilobytes (an NLE's metadata adds a few per clip); 16 MiB of tiny objects took OpenTimelineIO's
reader about 470 MB and seconds."""

MAX_OTIO_CONTAINERS = 50_000
"""Most JSON objects and arrays an ``.otio`` file may hold, counted before it is parsed: what the
reader's memory grows with (about 700 bytes each). A clip is about fifteen."""

MAX_OTIO_DEPTH = 64
"""Deepest nesting of JSON objects and arrays accepted. A timeline shortfilm writes nests about
ten levels; OpenTimelineIO's reader recurses once per level in C++, so a file nested tens of
thousands of levels deep crashes the process instead of raising an error."""

MAX_OTIO_ITEMS = 2_000
"""Most items (clips, transitions, gaps, markers, audio clips) an imported timeline may hold
per track and on its markers: a short film has tens; thousands only slow every later render."""

MAX_TEXT_CHARS = 1_000
"""Longest text a marker may put on screen (characters)."""

RATE_RANGE = (Fraction(1), Fraction(240))
"""Frame rates accepted from an imported timeline (frames per second)."""

MAX_FILM_SECONDS = 3 * 3600
"""Longest position or length in an imported timeline (seconds): a bound far above any short
film, so that a duration of 1e300 is refused instead of becoming an edit nobody can render."""

GAIN_RANGE_DB = (-96.0, 24.0)
"""Gains accepted from an imported timeline's metadata (dB): quieter is silence, louder only
clips."""

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A JSON string. The closing quote is optional so that a match never fails once started: an
unterminated string runs to the end of the data (as it does for a parser, which stops there),
and no input makes the search backtrack (a required quote made ``"\\"\\"...`` quadratic)."""
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = (0, 1, -1)


class JsonShape(NamedTuple):
    depth: int
    """How deeply objects and arrays nest (0: a bare value)."""
    containers: int
    """How many objects and arrays there are."""


def json_shape(data: bytes) -> JsonShape:
    """How deeply JSON ``data`` nests objects and arrays, and how many it holds, counted without
    recursion or parsing.

    Brackets inside strings do not count (escaped quotes are handled); for text that is not
    valid JSON the depth is at least the depth a parser reaches before it stops. Linear time:
    two regular-expression and translation passes, then one sum over the brackets.
    """
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    steps = brackets.translate(_BRACKETS)  # 1: opens a level, 2: closes one
    depth = max(accumulate(map(_STEP.__getitem__, steps)), default=0)
    return JsonShape(depth, steps.count(1))


def read_otio(path: Path) -> Any:
    """The ``otio.schema.Timeline`` in the ``.otio`` file at ``path``.

    :class:`InputError` naming the file when it is missing, over :data:`MAX_OTIO_BYTES`, nested
    deeper than :data:`MAX_OTIO_DEPTH`, holding more than :data:`MAX_OTIO_CONTAINERS` objects and
    arrays, not OpenTimelineIO JSON, or holds something other than one timeline. Size, depth and
    count are checked before OpenTimelineIO's reader sees the file.
    """
    otio = _otio()
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_OTIO_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_OTIO_BYTES:
        raise InputError(f"{path}: over {MAX_OTIO_BYTES:,} bytes, too large for a timeline")
    shape = json_shape(raw)
    if shape.depth > MAX_OTIO_DEPTH:
        raise InputError(
            f"{path}: nested {shape.depth} levels deep; a timeline nests at most {MAX_OTIO_DEPTH}"
        )
    if shape.containers > MAX_OTIO_CONTAINERS:
        raise InputError(
            f"{path}: {shape.containers} JSON objects and arrays; a timeline holds at most "
            f"{MAX_OTIO_CONTAINERS}"
        )
    try:
        text = raw.decode("utf-8")
        data = otio.adapters.read_from_string(text, adapter_name="otio_json")
    except (ValueError, KeyError, TypeError, otio.exceptions.OTIOError) as exc:
        # the reader raises KeyError for a missing field, TypeError for a value it cannot take
        raise InputError(f"{path}: not an OpenTimelineIO file ({exc})") from exc
    if isinstance(data, otio.schema.SerializableCollection):
        found = [x for x in data if isinstance(x, otio.schema.Timeline)]
        data = found[0] if len(found) == 1 else data
    if not isinstance(data, otio.schema.Timeline):
        raise InputError(f"{path}: holds {type(data).__name__}, not one OpenTimelineIO timeline")
    return data


def _meta(item: Any) -> dict[str, Any]:
    raw = item.metadata.get(NAMESPACE) if item.metadata is not None else None
    if not isinstance(raw, Mapping):
        return {}
    return dict(raw)


# Every value read from a file is checked here, so that a hand-edited or hostile ``.otio``
# gives one line naming the file and the field instead of a traceback or an absurd edit.


def _bad(file: Path, where: str, what: str) -> InputError:
    return InputError(f"{file}: {where}: {what}")


def _number(value: Any, file: Path, where: str, low: float, high: float) -> float:
    """``value`` as a finite number within ``low``..``high`` (a bool or a string is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(file, where, f"must be a number, got {value!r:.40}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise _bad(file, where, f"must be {low:g} to {high:g}, got {value!r:.40}")
    return number


def _whole(value: Any, file: Path, where: str, low: int, high: int) -> int:
    """``value`` as a whole number within ``low``..``high``."""
    number = _number(value, file, where, low, high)
    if number != int(number):
        raise _bad(file, where, f"must be a whole number, got {value!r:.40}")
    return int(number)


def _string(value: Any, file: Path, where: str, limit: int = MAX_TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise _bad(file, where, f"must be text, got {value!r:.40}")
    if len(value) > limit:
        raise _bad(file, where, f"is over {limit} characters")
    return value


def _flag(value: Any, file: Path, where: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(file, where, f"must be true or false, got {value!r:.40}")
    return value


def _max_frames(rate: Fraction) -> int:
    return math.ceil(MAX_FILM_SECONDS * rate)


def _time(time: Any, rate: Fraction, file: Path, where: str, *, length: bool = False) -> int:
    """An OTIO time as whole frames at ``rate``, within :data:`MAX_FILM_SECONDS` (a length
    must also be >= 0)."""
    if time is None:
        raise _bad(file, where, "is missing")
    value, own_rate = float(time.value), float(time.rate)
    if not math.isfinite(own_rate) or own_rate <= 0:
        raise _bad(file, where, f"has a rate of {own_rate:g}; a rate is above 0")
    frames = value * float(rate) / own_rate if math.isfinite(value) else value
    bound = _max_frames(rate)
    if not math.isfinite(frames) or not (0 if length else -bound) <= frames <= bound:
        low = "0" if length else f"-{MAX_FILM_SECONDS} s"
        raise _bad(file, where, f"must be {low} to {MAX_FILM_SECONDS} s, got {value:g} frames")
    return round(frames)


def _rate(value: Any, file: Path, where: str) -> Fraction:
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError
        rate = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
        rate = rate.limit_denominator(1001) if isinstance(value, float) else rate
    except (ValueError, ZeroDivisionError, OverflowError):
        raise _bad(file, where, f"is not a frame rate: {value!r:.40}") from None
    low, high = RATE_RANGE
    if not low <= rate <= high or rate.denominator > 1001:
        raise _bad(file, where, f"must be {low} to {high} frames per second, got {value!r:.40}")
    return rate


def _rate_of(otio_timeline: Any, video: Any, file: Path) -> Fraction:
    meta = _meta(otio_timeline)
    if "rate" in meta:
        return _rate(meta["rate"], file, f"metadata {NAMESPACE}.rate")
    for item in video:
        if getattr(item, "source_range", None) is not None:
            return _rate(float(item.source_range.duration.rate), file, f"{item.name!r} rate")
    raise TimelineError("the video track has no clips")


def _count(items: list[Any], file: Path, where: str) -> list[Any]:
    if len(items) > MAX_OTIO_ITEMS:
        raise _bad(file, where, f"{len(items)} items, more than the {MAX_OTIO_ITEMS} accepted")
    return items


def timeline_from_otio(otio_timeline: Any, resolve: Resolve, *, file: Path) -> Timeline:
    """The shortfilm timeline an OTIO timeline describes (the inverse of
    :func:`timeline_to_otio`); ``resolve`` finds the take of each clip.

    :class:`InputError` naming ``file`` (and the field) for anything shortfilm cannot play: no
    video track, a gap between clips, a nested stack, a clip whose media is not a take of the
    production, a value that is not a number or outside its range (rates, times, speeds, gains,
    see the module's limits).
    """
    otio = _otio()
    videos = [t for t in otio_timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if not videos:
        raise InputError(f"{file}: the timeline has no video track")
    video = videos[0]
    items = _count(list(video), file, f"track {video.name!r}")
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
        head = _split(all_joins[k])[0]
        tail = _split(all_joins[k + 1])[1]
        visible = _time(
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
    texts = _texts_from(otio_timeline, rate, leader if has_leader else None, file)
    audio = _audio_from(otio_timeline, rate, file)
    # cues and markers past the video's end (another tool may leave them there) are fitted to
    # the film as a shortfilm edit would fit them
    return fitted_timeline(rate, segments, joins, texts, audio)


def _transition_from(item: Any, rate: Fraction, file: Path) -> Transition:
    meta = _meta(item)
    where = f"transition {item.name!r}"
    frames = _time(item.in_offset, rate, file, f"{where} in offset", length=True) + _time(
        item.out_offset, rate, file, f"{where} out offset", length=True
    )
    kind_name = _string(meta.get("kind") or "", file, f"{where} metadata kind").lower()
    if not kind_name:
        name = (item.name or "").lower()
        kind_name = next((k.value for k in TransitionKind if k.value in name), "crossfade")
        if "dip" in name or "black" in name:
            kind_name = "dip"
    try:
        kind = TransitionKind(kind_name)
    except ValueError:
        known = ", ".join(k.value for k in TransitionKind)
        raise _bad(
            file, f"{where} metadata kind", f"{kind_name!r:.40} is not one of {known}"
        ) from None
    if frames == 0:
        return Transition(TransitionKind.CUT, 0)
    if kind is TransitionKind.CUT:
        kind = TransitionKind.CROSSFADE
    direction = _string(meta.get("direction") or "left", file, f"{where} metadata direction")
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
    otio = _otio()
    meta = _meta(item)
    where = f"clip {item.name!r}"
    reference = item.media_reference
    url = getattr(reference, "target_url", None)
    path = None
    if url is not None and not isinstance(url, str):
        raise _bad(file, f"{where} target_url", "must be text")
    if url and (url.startswith("file:") or url.startswith("/")):
        try:
            path = Path(otio.url_utils.filepath_from_url(url) if url.startswith("file:") else url)
        except (ValueError, TypeError):
            raise _bad(file, f"{where} target_url", f"is not a file URL: {url!r:.80}") from None
    identity = resolve(ClipFacts(item.name, url, path, meta))
    low, high = SPEED_RANGE
    speed = 1.0
    for effect in item.effects:
        if isinstance(effect, otio.schema.LinearTimeWarp):
            speed *= _number(
                float(effect.time_scalar), file, f"{where} time warp (time_scalar)", low, high
            )
    if not math.isfinite(speed) or not low <= speed <= high:
        raise _bad(file, f"{where} time warps", f"give a speed of {speed:g}; use {low}-{high}")
    if "speed" in meta:
        written = _number(meta["speed"], file, f"{where} metadata {NAMESPACE}.speed", low, high)
        if math.isclose(written, speed, rel_tol=1e-9):
            speed = written
    ratio = Fraction(repr(speed)).limit_denominator(10_000)
    n = visible + head + tail
    start = _time(
        getattr(item.source_range, "start_time", None),
        rate,
        file,
        f"{where} source range start",
    )
    source_in = start - round(head * ratio)
    source_out = source_in + round(n * ratio)
    if "out" in meta:
        # the exact out point, when it still gives this length (speed rounds lengths)
        candidate = _whole(
            meta["out"], file, f"{where} metadata {NAMESPACE}.out", 0, _max_frames(rate)
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
        audio=_flag(meta.get("audio", True), file, f"{where} metadata {NAMESPACE}.audio"),
        gain_db=_number(
            meta.get("gain_db", 0.0), file, f"{where} metadata {NAMESPACE}.gain_db", low_db, high_db
        ),
    )


def _texts_from(
    otio_timeline: Any, rate: Fraction, leader: int | None, file: Path
) -> list[TextItem]:
    """Texts from the markers shortfilm wrote (markers without its metadata are notes: skipped)."""
    markers = list(otio_timeline.tracks.markers)
    for track in otio_timeline.tracks:
        markers += list(track.markers)
    texts: list[TextItem] = []
    for marker in _count(markers, file, "markers"):
        meta = _meta(marker)
        if "kind" not in meta:
            continue
        where = f"marker {str(marker.name)[:40]!r}"
        try:
            kind = TextKind(meta["kind"])
        except (ValueError, TypeError):
            known = ", ".join(k.value for k in TextKind)
            raise _bad(
                file, f"{where} metadata {NAMESPACE}.kind", f"{meta['kind']!r:.40} is not {known}"
            ) from None
        marked = marker.marked_range
        start = _time(marked.start_time, rate, file, f"{where} start")
        end = start + _time(marked.duration, rate, file, f"{where} duration", length=True)
        text = _string(meta.get("text") or marker.name, file, f"{where} text")
        subtitle = _string(meta.get("subtitle") or "", file, f"{where} subtitle")
        if kind is TextKind.TITLE_CARD:
            if leader is None:
                raise InputError(
                    f"{file}: a title card marker, but the video track does not open with "
                    "a gap for the card"
                )
            start, end = 0, leader
        texts.append(TextItem(kind, text, start, end, subtitle))
    if leader is not None and not any(t.kind is TextKind.TITLE_CARD for t in texts):
        raise InputError(
            f"{file}: the video track opens with a gap but there is no title card marker"
        )
    return texts


def _optional_frames(value: Any, file: Path, where: str, rate: Fraction) -> int | None:
    return None if value is None else _whole(value, file, where, 0, _max_frames(rate))


def _audio_from(otio_timeline: Any, rate: Fraction, file: Path) -> AudioPlan:
    otio = _otio()
    cues: list[SoundCue] = []
    music: MusicBed | None = None
    low_db, high_db = GAIN_RANGE_DB
    for track in otio_timeline.tracks:
        if track.kind != otio.schema.TrackKind.Audio:
            continue
        for item in _count(list(track), file, f"track {track.name!r}"):
            if not isinstance(item, otio.schema.Clip):
                continue
            meta = _meta(item)
            where = f"{track.name} clip {item.name!r} metadata {NAMESPACE}"
            if track.name == "Music" and "gain_db" in meta:
                path = meta.get("path")
                music = MusicBed(
                    path=None if path is None else _string(path, file, f"{where}.path"),
                    gain_db=_number(meta["gain_db"], file, f"{where}.gain_db", low_db, high_db),
                    fade_in=_optional_frames(meta.get("fade_in"), file, f"{where}.fade_in", rate),
                    fade_out=_optional_frames(
                        meta.get("fade_out"), file, f"{where}.fade_out", rate
                    ),
                    duck_db=_number(meta.get("duck_db", 0.0), file, f"{where}.duck_db", 0, 96),
                )
            elif "kind" in meta:
                at = _time(item.range_in_parent().start_time, rate, file, f"{where} position")
                length = _time(
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
                        kind=_string(meta["kind"], file, f"{where}.kind"),
                        at=at,
                        gain_db=_number(
                            meta.get("gain_db", 0.0), file, f"{where}.gain_db", low_db, high_db
                        ),
                        frames=frames,
                    )
                )
    loudness = _meta(otio_timeline).get("loudness", ())
    if not isinstance(loudness, Sequence) or isinstance(loudness, str):
        raise _bad(file, f"metadata {NAMESPACE}.loudness", "must be a list of targets")
    if len(loudness) > MAX_OTIO_ITEMS:
        raise _bad(file, f"metadata {NAMESPACE}.loudness", "must be a short list of targets")
    targets = []
    for i, x in enumerate(loudness):
        where = f"metadata {NAMESPACE}.loudness[{i}]"
        if not isinstance(x, Mapping):
            raise _bad(file, where, "must be a channel and its lufs")
        targets.append(
            ChannelLoudness(
                _string(x.get("channel"), file, f"{where}.channel", 100),
                _number(x.get("lufs"), file, f"{where}.lufs", -1000, 1000),
            )
        )
    return AudioPlan(sfx=tuple(cues), music=music, loudness=tuple(targets))
