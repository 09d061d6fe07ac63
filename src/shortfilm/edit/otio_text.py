"""The film's texts (title card, hook, captions, lower thirds, end card) as OTIO title clips on
their own video tracks, and read back from them.

OTIO has no schema for text or titles (OpenTimelineIO discussion #1570), so a title is what the
adapters already carry between tools: a generator clip, plus a marker per text (written by
:mod:`~shortfilm.edit.otio_export`) for the tools that drop generators but keep markers.

Each text is a ``Clip`` whose media is a ``GeneratorReference`` of kind :data:`TEXT_GENERATOR`
(the name OTIO's FCP 7 adapter gives the Text generator it reads, so the same clip comes back
from either file). Its ``parameters`` hold what an editor sees and edits: the text, the second
line, font, size, alignment and position (:mod:`shortfilm.edit.text_styles`). Texts that overlap
in time go on separate tracks, ``Text 1``, ``Text 2`` ..., above the picture (later tracks are on
top in OTIO). Each clip's place on its track is the text's place on the film, so moving or
trimming a title in the editor moves or trims the text that comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortfilm.domain.timeline_parts import TextItem, TextKind
from shortfilm.edit.otio_limits import checked_count, checked_string, checked_time, field_error
from shortfilm.edit.otio_mapping import NAMESPACE, otio_api, shortfilm_meta, time_range, tracks_of
from shortfilm.edit.text_styles import FONT, SUBTITLE_SHARE, TEXT_STYLES, points

TEXT_GENERATOR = "Text"
"""``generator_kind`` of a title clip (FCP 7's and Premiere's Text generator ``effectid``)."""

TEXTS_KEY, TEXTS_AS_CLIPS = "texts", "clips"
"""Timeline metadata saying the texts were written as title clips: a file saying so whose title
clips are gone had its texts deleted in the editor, so the markers (left behind) are not read."""

TEXT_TRACK = "Text"
"""Name prefix of the tracks holding the title clips (``Text 1``, ``Text 2`` ...)."""


def kind_label(kind: TextKind) -> str:
    """``lower third`` for ``lower_third``: how clips and markers name a kind."""
    return kind.value.replace("_", " ")


def text_parameters(text: TextItem, frame: tuple[int, int]) -> dict[str, Any]:
    """The title's editable values on ``frame`` (width, height in pixels): ``text``,
    ``subtitle``, ``font``, ``size`` (points), ``align``, ``position`` (pixels from the centre,
    up positive) and ``color`` (RGBA 0-1)."""
    style = TEXT_STYLES[text.kind]
    w, h = frame
    params: dict[str, Any] = {
        "text": text.text,
        "font": FONT,
        "size": points(style.size, frame),
        "bold": style.bold,
        "align": style.align,
        "position": [round(style.x * w), round(style.y * h)],
        "color": [1.0, 1.0, 1.0, 1.0],
    }
    if text.subtitle:
        params["subtitle"] = text.subtitle
        params["subtitle_size"] = points(SUBTITLE_SHARE, frame)
    return params


def text_tracks(texts: Iterable[TextItem], rate: Fraction, frame: tuple[int, int]) -> list[Any]:
    """The tracks ``Text 1`` ... holding one title clip per text, each at its film frames."""
    otio = otio_api()
    clips = []
    for text in sorted(texts, key=lambda t: (t.start, -t.end)):  # longest lowest
        length = text.end - text.start
        meta: dict[str, Any] = {"kind": text.kind.value, "text": text.text}
        if text.subtitle:
            meta["subtitle"] = text.subtitle
        clip = otio.schema.Clip(
            name=f"{kind_label(text.kind)}: {text.text}",
            media_reference=otio.schema.GeneratorReference(
                name=kind_label(text.kind),
                generator_kind=TEXT_GENERATOR,
                parameters=text_parameters(text, frame),
                available_range=time_range(0, length, rate),
            ),
            source_range=time_range(0, length, rate),
            metadata={NAMESPACE: meta},
        )
        clips.append((text.start, text.end, clip))
    return tracks_of(clips, TEXT_TRACK, otio.schema.TrackKind.Video, rate)


def is_title_clip(item: Any) -> bool:
    """Whether ``item`` is a title clip (a clip drawn by the Text generator)."""
    otio = otio_api()
    reference = getattr(item, "media_reference", None)
    return (
        isinstance(item, otio.schema.Clip)
        and isinstance(reference, otio.schema.GeneratorReference)
        and reference.generator_kind == TEXT_GENERATOR
    )


def texts_from_tracks(tracks: Iterable[Any], rate: Fraction, file: Path) -> list[TextItem] | None:
    """The texts of the title clips on ``tracks`` (video tracks after the picture), or ``None``
    when there are none (a file from before titles were tracks, or a tool that dropped them).

    A clip's text is its generator's ``text`` parameter (what the editor typed), its kind the
    one shortfilm wrote (a title made in the editor, without one, is a caption); its frames are
    its place on its track.
    """
    found: list[TextItem] = []
    for track in tracks:
        for item in checked_count(list(track), file, f"track {track.name!r}"):
            if not is_title_clip(item):
                continue
            meta = shortfilm_meta(item)
            params = item.media_reference.parameters
            where = f"title clip {str(item.name)[:40]!r}"
            raw_kind = meta.get("kind", TextKind.CAPTION.value)
            try:
                kind = TextKind(raw_kind)
            except (ValueError, TypeError):
                known = ", ".join(k.value for k in TextKind)
                raise field_error(
                    file, f"{where} metadata {NAMESPACE}.kind", f"{raw_kind!r:.40} is not {known}"
                ) from None
            text = params.get("text", meta.get("text"))
            subtitle = params.get("subtitle", meta.get("subtitle")) or ""
            placed = item.range_in_parent()
            start = checked_time(placed.start_time, rate, file, f"{where} position")
            length = checked_time(placed.duration, rate, file, f"{where} duration", length=True)
            found.append(
                TextItem(
                    kind,
                    checked_string(text, file, f"{where} text"),
                    start,
                    start + length,
                    checked_string(subtitle, file, f"{where} subtitle"),
                )
            )
    return found or None
