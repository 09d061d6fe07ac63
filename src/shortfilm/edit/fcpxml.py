"""FCPXML as Final Cut, Resolve and Premiere read it: OTIO's ``fcpx_xml`` adapter writes neither
transitions, titles nor 23.976 / 29.97 / 59.94 fps, so :func:`fcpxml_string` adds them to what it
writes.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

from shortfilm.domain.production import TransitionKind
from shortfilm.edit.fcpxml_titles import Title, add_titles, fcp_time, next_id, parse_fcp_time
from shortfilm.edit.otio_mapping import frames_of, otio_api, plain, shortfilm_meta
from shortfilm.edit.otio_text import is_title_clip
from shortfilm.edit.transition_names import TRANSITION_NAMES, kind_named

CROSS_DISSOLVE_UID = TRANSITION_NAMES[TransitionKind.CROSSFADE].fcpxml_uid
"""Final Cut Pro's Cross Dissolve, the transition every FCPXML reader knows (the others are in
:data:`~shortfilm.edit.transition_names.TRANSITION_NAMES`)."""

_FCPXML_TIMES = ("offset", "duration", "start", "tcStart", "audioStart", "audioDuration")
"""FCPXML attributes holding a time (``N/Ds`` or ``Ns``)."""

_NTSC = {Fraction(24000, 1001): 24, Fraction(30000, 1001): 30, Fraction(60000, 1001): 60}
"""Drop-frame-family rates and the whole rate the adapter is given for each."""


def _film_rate(otio_timeline: Any) -> Fraction:
    meta = shortfilm_meta(otio_timeline)
    if "rate" in meta:
        return Fraction(str(meta["rate"]))
    return Fraction(otio_timeline.duration().rate).limit_denominator(1001)


def _retimed(otio_timeline: Any, rate: Fraction, nominal: int) -> Any:
    """A copy of ``otio_timeline`` with every time at ``rate`` counted at ``nominal`` instead
    (same frame numbers): what OTIO's FCPXML adapter can write."""
    otio = otio_api()
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


def fcpxml_string(otio_timeline: Any) -> str:
    """``otio_timeline`` as FCPXML: OTIO's ``fcpx_xml`` adapter, then what it leaves out.

    - 23.976, 29.97 and 59.94 fps: the adapter only knows whole rates, so it is given the
      timeline at 24, 30 or 60 (same frame numbers) and every time it writes is scaled by
      1001/1000, with ``frameDuration`` ``1001/24000s`` (...): exact, every time still on a frame;
    - transitions: each non-cut join of the video track becomes a ``<transition>`` in the spine,
      ``in_offset`` before the cut and ``out_offset`` after it (OTIO's layout, and FCPXML's:
      clips abut at the cut and the transition reaches into their media), named and drawn as
      :data:`~shortfilm.edit.transition_names.TRANSITION_NAMES` says (a dip as Fade To Color);
    - titles: the title clips of the text tracks, which the adapter would take for files, are
      left out of what it is given and written as Basic Titles
      (:mod:`~shortfilm.edit.fcpxml_titles`);
    - the frame size (``width``, ``height`` of the ``<format>``), from the timeline's metadata.
    """
    otio = otio_api()
    rate = _film_rate(otio_timeline)
    nominal = _NTSC.get(rate)
    scale = Fraction(1001, 1000) if nominal is not None else Fraction(1)
    picture, titles = _without_titles(otio_timeline, rate)
    source = _retimed(picture, rate, nominal) if nominal is not None else picture
    root = ElementTree.fromstring(otio.adapters.write_to_string(source, adapter_name="fcpx_xml"))
    if scale != 1:
        for element in root.iter():
            for name in _FCPXML_TIMES:
                value = element.get(name)
                seconds = parse_fcp_time(value) if value is not None else None
                if seconds is not None:
                    element.set(name, fcp_time(seconds * scale))
            if element.tag == "format":
                element.set("frameDuration", fcp_time(1 / rate))
    frame = plain(shortfilm_meta(otio_timeline).get("frame"))
    for element in root.iter("format"):
        if isinstance(frame, list) and len(frame) == 2:
            element.set("width", str(int(frame[0])))
            element.set("height", str(int(frame[1])))
    video = next(iter(otio_timeline.video_tracks()), None)
    spine = root.find("./project/sequence/spine")
    if spine is None:
        spine = root.find(".//spine")
    if spine is not None:
        if video is not None:
            _add_transitions(_resources(root), spine, video, rate)
        add_titles(_resources(root), spine, titles)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"


def _without_titles(otio_timeline: Any, rate: Fraction) -> tuple[Any, list[Title]]:
    """A copy of ``otio_timeline`` without its text tracks, and their titles (film seconds; the
    first text track is lane 1)."""
    titles: list[Title] = []
    text_tracks: list[int] = []
    for index, track in enumerate(otio_timeline.tracks):
        clips = [item for item in track if is_title_clip(item)]
        if clips:
            text_tracks.append(index)
        for clip in clips:
            placed = clip.range_in_parent()
            titles.append(
                Title(
                    name=str(clip.name),
                    start=Fraction(round(frames_of(placed.start_time, rate))) / rate,
                    duration=Fraction(round(frames_of(placed.duration, rate))) / rate,
                    lane=len(text_tracks),
                    parameters=plain(clip.media_reference.parameters),
                )
            )
    copy = otio_timeline.deepcopy()
    for index in reversed(text_tracks):
        del copy.tracks[index]
    titles.sort(key=lambda t: (t.start, t.lane))
    return copy, titles


def _resources(root: Any) -> Any:
    resources = root.find("./resources")
    if resources is None:
        resources = ElementTree.Element("resources")
        root.insert(0, resources)
    return resources


def _add_transitions(resources: Any, spine: Any, video: Any, rate: Fraction) -> None:
    otio = otio_api()
    laid = list(spine)  # the video track's gaps and clips, in order (the adapter's spine)
    placed, wanted = 0, []
    for item in video:
        if isinstance(item, otio.schema.Transition):
            wanted.append((placed, item))
        elif isinstance(item, (otio.schema.Clip, otio.schema.Gap, otio.schema.Stack)):
            placed += 1
    effects: dict[TransitionKind, str] = {}
    for index, item in reversed(wanted):
        if index >= len(laid):
            continue
        kind = kind_named(str(shortfilm_meta(item).get("kind", ""))) or kind_named(item.name or "")
        if kind is None or kind is TransitionKind.CUT:
            kind = TransitionKind.CROSSFADE
        names = TRANSITION_NAMES[kind]
        if kind not in effects:
            effects[kind] = effect_id = next_id(resources)
            ElementTree.SubElement(
                resources,
                "effect",
                {"id": effect_id, "name": names.fcpxml_effect, "uid": names.fcpxml_uid},
            )
        cut = parse_fcp_time(laid[index].get("offset", "0s")) or Fraction(0)
        before = Fraction(frames_of(item.in_offset, rate)) / rate
        after = Fraction(frames_of(item.out_offset, rate)) / rate
        transition = ElementTree.Element(
            "transition",
            {
                "name": names.otio,
                "offset": fcp_time(cut - before),
                "duration": fcp_time(before + after),
            },
        )
        ElementTree.SubElement(
            transition,
            "filter-video",
            {"ref": effects[kind], "name": names.fcpxml_effect},
        )
        spine.insert(list(spine).index(laid[index]), transition)
