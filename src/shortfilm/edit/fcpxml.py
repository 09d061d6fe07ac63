"""FCPXML as Final Cut, Resolve and Premiere read it: OTIO's ``fcpx_xml`` adapter writes neither
transitions nor 23.976 / 29.97 / 59.94 fps, so :func:`fcpxml_string` adds both to what it writes.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

from shortfilm.edit.otio_mapping import frames_of, otio_api, shortfilm_meta

CROSS_DISSOLVE_UID = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"
"""Final Cut Pro's Cross Dissolve, the transition every FCPXML reader (Resolve, Premiere via
converters, FCP itself) knows. Dips, whips and slides are written as dissolves of their length
(named for what they were): FCPXML has no portable effect for them."""

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
    otio = otio_api()
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
    otio = otio_api()
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
        before = Fraction(frames_of(item.in_offset, rate)) / rate
        after = Fraction(frames_of(item.out_offset, rate)) / rate
        kind = str(shortfilm_meta(item).get("kind", "crossfade"))
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
