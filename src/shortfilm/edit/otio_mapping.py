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
- texts (title card, hook, captions, lower thirds, end card) as title clips on video tracks
  ``Text 1``, ``Text 2`` ... above the picture (:mod:`~shortfilm.edit.otio_text`): a
  ``GeneratorReference`` of kind ``Text`` whose parameters hold the words and their look, placed
  at the text's film frames; and, for tools that show markers and not generators, a marker per
  text on the timeline's stack, ``marked_range`` in film frames. The title card's own picture is
  still a ``Gap`` on ``Video`` (the leader) with its title clip above it;
- tracks ``SFX 1``, ``SFX 2`` ... (cues that overlap go on separate tracks) and ``Music``: the
  synthesised effects and the drone bed are ``GeneratorReference`` clips, a music file an
  ``ExternalReference``. FCP XML has no generators shortfilm could use, so for ``fcp7`` and
  ``fcpxml`` those clips are left out (the markers still name each cue);
- transitions named for their kind in every format from one table
  (:mod:`~shortfilm.edit.transition_names`): a dip is ``Dip to Black``, a whip ``Whip Pan``;
- ``metadata["shortfilm"]`` on the timeline, clips, transitions, markers and audio clips: ids
  and the values OTIO has no field for (take ids, gain, audio on/off, loudness targets, the
  takes' frame size ...);
- FCPXML: OTIO's adapter writes neither transitions, titles nor 23.976 / 29.97 / 59.94 fps, so
  :func:`~shortfilm.edit.fcpxml.fcpxml_string` adds them to what it writes (titles as Basic
  Titles, :mod:`~shortfilm.edit.fcpxml_titles`);
- FCP 7 XML: :func:`~shortfilm.edit.fcp7.fcp7_string` gives OTIO's adapter what it needs to
  write the title clips as Text ``generatoritem`` s and each transition as its named effect.

Reading back (:func:`~shortfilm.edit.otio_import.timeline_from_otio`) takes order, trims and
transitions from the OTIO structure (what another tool edits), texts from the title clips (the
markers when there are none), and only fills in from the metadata what OTIO cannot say, so an
edit made in Resolve and exported as ``.otio`` comes back with the editor's cut.

This module holds what writing and reading share: the formats, the metadata namespace, the
facts about a take's file, OTIO's time types at the timeline rate, and the layout of clips that
overlap on numbered tracks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.domain.edit_version import TakeIdentity

FORMATS = {"otio": "otio_json", "fcp7": "fcp_xml", "fcpxml": "fcpx_xml"}
"""Export format names (as the CLI takes them) and the OTIO adapter writing each."""

SUFFIXES = {"otio": ".otio", "fcp7": ".xml", "fcpxml": ".fcpxml"}

NAMESPACE = "shortfilm"
"""The metadata key every object written here carries its shortfilm values under."""


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


def otio_api() -> Any:
    import opentimelineio as otio  # type: ignore[import-untyped]

    return otio


def rational_time(frames: float | Fraction, rate: Fraction) -> Any:
    value = float(frames)
    return otio_api().opentime.RationalTime(value, float(rate))


def time_range(start: float | Fraction, duration: float | Fraction, rate: Fraction) -> Any:
    return otio_api().opentime.TimeRange(rational_time(start, rate), rational_time(duration, rate))


def frames_of(time: Any, rate: Fraction) -> float:
    """An OTIO time as (possibly fractional) frames at ``rate``."""
    return float(time.value) * float(rate) / float(time.rate)


def split_join(frames: int) -> tuple[int, int]:
    """A transition's frames before and after its cut (the odd frame after)."""
    return frames // 2, frames - frames // 2


def shortfilm_meta(item: Any) -> dict[str, Any]:
    raw = item.metadata.get(NAMESPACE) if item.metadata is not None else None
    if not isinstance(raw, Mapping):
        return {}
    return dict(raw)


def tracks_of(
    clips: Sequence[tuple[int, int, Any]], name: str, kind: Any, rate: Fraction
) -> list[Any]:
    """OTIO tracks ``{name} 1``, ``{name} 2`` ... of ``kind`` holding each ``(start, end,
    clip)`` at its film frames (gaps between), on as few tracks as keep clips that overlap apart:
    each clip, in order, goes on the first track free by its start."""
    otio = otio_api()
    tracks: list[Any] = []
    ends: list[int] = []
    for start, end, clip in clips:
        lane = next((i for i, last in enumerate(ends) if last <= start), len(ends))
        if lane == len(tracks):
            tracks.append(otio.schema.Track(name=f"{name} {lane + 1}", kind=kind))
            ends.append(0)
        if start > ends[lane]:
            tracks[lane].append(
                otio.schema.Gap(source_range=time_range(0, start - ends[lane], rate))
            )
        tracks[lane].append(clip)
        ends[lane] = end
    return tracks


def plain(value: Any) -> Any:
    """An OTIO metadata value (``AnyDictionary``, ``AnyVector``) as plain dicts and lists, which
    outlive the object they came from."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return [plain(v) for v in value]
    return value
