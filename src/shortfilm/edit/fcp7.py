"""FCP 7 XML (xmeml) as Premiere and Resolve read it, through OTIO's ``fcp_xml`` adapter.

The adapter writes a ``GeneratorReference`` as a ``<generatoritem>`` only when the reference
carries the generator's ``<effect>`` in its ``metadata["fcp_xml"]``, and names every transition's
effect ``Cross Dissolve`` unless the transition carries its own. :func:`fcp7_string` gives a
copy of the timeline both, so the titles arrive as Text generators with their words, font, size,
alignment and origin, and a dip or a whip as the effect :data:`TRANSITION_NAMES` names.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from shortfilm.edit.otio_mapping import otio_api, plain, shortfilm_meta
from shortfilm.edit.otio_text import is_title_clip
from shortfilm.edit.text_styles import DEFAULT_FRAME
from shortfilm.edit.transition_names import TRANSITION_NAMES, kind_named

FCP_XML = "fcp_xml"
"""The metadata key OTIO's FCP 7 adapter reads and writes XML elements under."""

_ALIGN = {"left": 1, "center": 2, "right": 3}
"""FCP 7's ``fontalign`` values."""


def _parameter(pid: str, name: str, value: Any) -> dict[str, Any]:
    return {"parameterid": pid, "name": name, "value": value}


def text_effect(parameters: Any, frame: tuple[int, int]) -> dict[str, Any]:
    """The ``<effect>`` of FCP 7's Text generator drawing a title clip's ``parameters`` (see
    :func:`~shortfilm.edit.otio_text.text_parameters`) on ``frame`` (width, height): the text
    (a second line after a line break), font, size, bold, alignment,
    white, and the origin as a share of the frame from its centre, down positive."""
    w, h = frame
    x, y = (Fraction(int(v)) for v in parameters.get("position", (0, 0)))
    words = str(parameters.get("text", ""))
    if parameters.get("subtitle"):
        words += "\n" + str(parameters["subtitle"])
    return {
        "effectcategory": "Text",
        "effecttype": "generator",
        "mediatype": "video",
        "parameter": [
            _parameter("str", "Text", words),
            _parameter("fontname", "Font", str(parameters.get("font", ""))),
            _parameter("fontsize", "Size", int(parameters.get("size", 36))),
            _parameter("fontstyle", "Style", 2 if parameters.get("bold") else 1),
            _parameter("fontalign", "Alignment", _ALIGN.get(str(parameters.get("align")), 2)),
            _parameter(
                "fontcolor", "Font Color", {"alpha": 255, "red": 255, "green": 255, "blue": 255}
            ),
            _parameter(
                "origin",
                "Origin",
                {"horiz": f"{float(x / w):.4f}", "vert": f"{float(-y / h):.4f}"},
            ),
        ],
    }


def fcp7_string(otio_timeline: Any) -> str:
    """``otio_timeline`` as FCP 7 XML, titles as Text generators and transitions named (see
    the module). The timeline itself is left as it was."""
    otio = otio_api()
    copy = otio_timeline.deepcopy()
    written = plain(shortfilm_meta(copy).get("frame"))
    frame = (int(written[0]), int(written[1])) if isinstance(written, list) else DEFAULT_FRAME
    for track in copy.tracks:
        for item in track:
            if is_title_clip(item):
                reference = item.media_reference
                reference.metadata[FCP_XML] = text_effect(reference.parameters, frame)
            elif isinstance(item, otio.schema.Transition):
                meta_kind = str(shortfilm_meta(item).get("kind", ""))
                kind = kind_named(meta_kind) or kind_named(item.name or "")
                names = TRANSITION_NAMES.get(kind) if kind is not None else None
                if names is not None:
                    item.metadata[FCP_XML] = {
                        "effect": {
                            "name": names.fcp7_effect,
                            "effectid": names.fcp7_effect,
                            "effectcategory": names.fcp7_category,
                            "effecttype": "transition",
                            "mediatype": "video",
                        }
                    }
    return str(otio.adapters.write_to_string(copy, adapter_name="fcp_xml"))
