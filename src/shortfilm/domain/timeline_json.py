"""A timeline's stored form: :func:`timeline_to_json` / :func:`timeline_from_json`, labelled
``shortfilm.timeline/1``; :func:`upgrade_timeline_json` turns the dicts that earlier versions
stored for an Edit into that form, and :func:`read_timeline` reads any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from shortfilm.domain.production import ChannelLoudness, TransitionKind
from shortfilm.domain.timeline import Timeline, frames_for
from shortfilm.domain.timeline_parts import (
    DEFAULT_RATE,
    AudioPlan,
    MusicBed,
    Segment,
    SoundCue,
    TextItem,
    TextKind,
    TimelineError,
    Transition,
)

SCHEMA = "shortfilm.timeline/1"
"""The label every stored timeline carries; bump the number and add an upgrade when the shape
changes."""


def timeline_to_json(tl: Timeline) -> dict[str, Any]:
    """The stored form: plain JSON values, keys in a fixed order, labelled :data:`SCHEMA`."""
    music = tl.audio.music
    return {
        "schema": SCHEMA,
        "rate": str(tl.rate),
        "segments": [
            {
                "clip": s.clip,
                "take": s.take,
                "take_id": s.take_id,
                "media_sha256": s.media_sha256,
                "in": s.source_in,
                "out": s.source_out,
                "speed": float(s.speed),
                "audio": s.audio,
                "gain_db": float(s.gain_db),
            }
            for s in tl.segments
        ],
        "transitions": [
            {"kind": t.kind.value, "frames": t.frames}
            | ({"direction": t.direction} if t.kind in _DIRECTIONAL else {})
            for t in tl.transitions
        ],
        "texts": [
            {"kind": t.kind.value, "text": t.text, "start": t.start, "end": t.end}
            | ({"subtitle": t.subtitle} if t.subtitle else {})
            for t in tl.texts
        ],
        "audio": {
            "sfx": [
                {"kind": c.kind, "at": c.at, "gain_db": float(c.gain_db), "frames": c.frames}
                for c in tl.audio.sfx
            ],
            "music": None
            if music is None
            else {
                "path": music.path,
                "gain_db": float(music.gain_db),
                "fade_in": music.fade_in,
                "fade_out": music.fade_out,
                "duck_db": float(music.duck_db),
            },
            "loudness": [{"channel": x.channel, "lufs": float(x.lufs)} for x in tl.audio.loudness],
        },
    }


_DIRECTIONAL = (TransitionKind.WHIP, TransitionKind.SLIDE)


def timeline_from_json(data: Mapping[str, Any]) -> Timeline:
    """A timeline from its stored form (:data:`SCHEMA` only; see :func:`upgrade_timeline_json`).

    Raises :class:`TimelineError` naming the key that is missing or of the wrong type, or the rule
    the content breaks.
    """
    schema = data.get("schema")
    if schema != SCHEMA:
        raise TimelineError(f"timeline schema {schema!r} is not {SCHEMA!r}: upgrade it first")
    try:
        audio = data.get("audio") or {}
        music = audio.get("music")
        return Timeline(
            rate=Fraction(str(data["rate"])),
            segments=tuple(
                Segment(
                    clip=int(s["clip"]),
                    take=int(s["take"]),
                    take_id=int(s["take_id"]),
                    media_sha256=str(s["media_sha256"]),
                    source_in=int(s["in"]),
                    source_out=int(s["out"]),
                    speed=float(s.get("speed", 1.0)),
                    audio=bool(s.get("audio", True)),
                    gain_db=float(s.get("gain_db", 0.0)),
                )
                for s in data["segments"]
            ),
            transitions=tuple(
                Transition(
                    TransitionKind(t["kind"]), int(t["frames"]), str(t.get("direction", "left"))
                )
                for t in data["transitions"]
            ),
            texts=tuple(
                TextItem(
                    TextKind(t["kind"]),
                    str(t["text"]),
                    int(t["start"]),
                    int(t["end"]),
                    str(t.get("subtitle", "")),
                )
                for t in data.get("texts", ())
            ),
            audio=AudioPlan(
                sfx=tuple(
                    SoundCue(
                        str(c["kind"]),
                        int(c["at"]),
                        float(c.get("gain_db", 0.0)),
                        None if c.get("frames") is None else int(c["frames"]),
                    )
                    for c in audio.get("sfx", ())
                ),
                music=None
                if music is None
                else MusicBed(
                    path=music.get("path"),
                    gain_db=float(music.get("gain_db", -18.0)),
                    fade_in=None if music.get("fade_in") is None else int(music["fade_in"]),
                    fade_out=None if music.get("fade_out") is None else int(music["fade_out"]),
                    duck_db=float(music.get("duck_db", 0.0)),
                ),
                loudness=tuple(
                    ChannelLoudness(str(x["channel"]), float(x["lufs"]))
                    for x in audio.get("loudness", ())
                ),
            ),
        )
    except KeyError as exc:
        raise TimelineError(f"timeline JSON lacks the key {exc.args[0]!r}") from exc
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        if isinstance(exc, TimelineError):
            raise
        raise TimelineError(f"timeline JSON has a value of the wrong kind: {exc}") from exc


SourceFrames = Callable[[str], int]
"""``source_frames(media_sha256)``: how many frames a take holds at the timeline rate."""


def is_legacy(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` is the dict ``assemble_edit`` stored before timelines had a schema."""
    return "schema" not in data and "clips" in data and "crossfade_s" in data


def upgrade_timeline_json(
    data: Mapping[str, Any], source_frames: SourceFrames, rate: Fraction = DEFAULT_RATE
) -> dict[str, Any]:
    """Any stored timeline dict in the current shape (a current one is returned as a copy).

    The first stored shape (``{"clips", "crossfade_s", "title_card", "captions", "sfx",
    "music"}``) recorded only which takes played and the edit intent in seconds; the film it made
    played every take whole, joined by one crossfade. That film is rebuilt here, which is why the
    takes' lengths are needed (``source_frames``). Texts and cues that started after the film's
    end were never rendered, so they are dropped; a caption running past the end is cut there, as
    the renderer did.
    """
    if data.get("schema") == SCHEMA:
        return dict(data)
    if not is_legacy(data):
        raise TimelineError(f"unknown timeline shape (schema {data.get('schema')!r})")
    xf = frames_for(float(data["crossfade_s"]), rate)
    card = data.get("title_card")
    segments: list[dict[str, Any]] = [
        {
            "clip": int(c["position"]),
            "take": int(c["take"]),
            "take_id": int(c["take_id"]),
            "media_sha256": str(c["video_sha256"]),
            "in": 0,
            "out": source_frames(str(c["video_sha256"])),
        }
        for c in data["clips"]
    ]
    texts: list[dict[str, Any]] = []
    pictures = [int(c["out"]) for c in segments]
    if card:
        lead = max(1, frames_for(float(card["duration_s"]), rate))
        pictures.insert(0, lead)
        texts.append(
            {
                "kind": TextKind.TITLE_CARD.value,
                "text": str(card["text"]),
                "subtitle": str(card.get("subtitle") or ""),
                "start": 0,
                "end": lead,
            }
        )
    joins = len(pictures) - 1
    kind = TransitionKind.CROSSFADE if xf > 0 else TransitionKind.CUT
    total = sum(pictures) - (xf if xf > 0 else 0) * joins
    for text, start_s, end_s in data.get("captions", ()):
        start, end = frames_for(float(start_s), rate), frames_for(float(end_s), rate)
        if start < total:
            texts.append(
                {"kind": "caption", "text": str(text), "start": start, "end": min(end, total)}
            )
    sfx = []
    for kind_name, at_s, gain_db, duration_s in data.get("sfx", ()):
        at = frames_for(float(at_s), rate)
        if at < total:
            length = None if duration_s is None else max(1, frames_for(float(duration_s), rate))
            sfx.append(
                {"kind": str(kind_name), "at": at, "gain_db": float(gain_db), "frames": length}
            )
    music = data.get("music")
    return {
        "schema": SCHEMA,
        "rate": str(rate),
        "segments": segments,
        "transitions": [{"kind": kind.value, "frames": xf if xf > 0 else 0}] * joins,
        "texts": texts,
        "audio": {
            "sfx": sfx,
            "music": None
            if music is None
            else {"path": music.get("path"), "gain_db": float(music.get("gain_db", -18.0))},
            "loudness": [],
        },
    }


def read_timeline(
    data: Mapping[str, Any], source_frames: SourceFrames, rate: Fraction = DEFAULT_RATE
) -> Timeline:
    """A stored timeline of any shape this version knows, upgraded and checked."""
    return timeline_from_json(upgrade_timeline_json(data, source_frames, rate))
