"""What the edit render plays: a :class:`~shortfilm.domain.timeline.Timeline`, the files it needs,
and the film laid out from them with every clip probed.

The timeline is the one vocabulary of the edit, from the spec's cut to the filter graph: it counts
whole frames at the film's rate, and seconds are derived from frame counts with
:class:`fractions.Fraction` only when ffmpeg needs an argument or a person needs a number. A
:class:`RenderPlan` adds only what the timeline does not hold: where each take's file is, the
music bed's file, the seed of the synthesised sounds and the loudness target of the master.
"""

from __future__ import annotations

import functools
import math
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from shortfilm.domain.production import SoundKind
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import SoundCue, TextKind
from shortfilm.errors import InputError, MediaError
from shortfilm.media import sfx as sfx_synth
from shortfilm.media.limits import MediaLimits, limits_from_env
from shortfilm.media.loudness import TARGET
from shortfilm.media.probe import probe
from shortfilm.media.stream_facts import MediaInfo

SAMPLE_RATE = sfx_synth.SAMPLE_RATE
"""Audio rate of the mix and of every export (Hz)."""

Progress = Callable[[str, float], None]
"""``progress(stage, fraction)``: stage name (``probe``, ``audio``, ``video:<preset>``, ``measure``)
and how much of that stage is done, 0.0-1.0."""


class TimelineEntry(NamedTuple):
    what: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class RenderPlan:
    """Everything the edit render needs: the timeline and the files it names.

    The timeline names each take by its content hash and the music bed as the spec did; the plan
    says where their files are. :class:`InputError` when the files do not fit the timeline.
    """

    timeline: Timeline
    """The exact edit: pictures, joins, texts, sound cues, music bed."""
    clips: Sequence[Path]
    """One clip video per segment, in film order. Any size and rate; they are fitted to each
    preset's frame."""
    music_file: Path | None = None
    """The music bed's file when the timeline names one; ``None`` for the drone bed."""
    seed: int = 0
    """Seed of the synthesised sounds (cue ``i`` uses ``seed + i``)."""
    loudness_lufs: float = TARGET.integrated_lufs
    """Integrated loudness the audio master is normalised to (LUFS)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "clips", tuple(Path(c) for c in self.clips))
        if self.music_file is not None:
            object.__setattr__(self, "music_file", Path(self.music_file))
        if len(self.clips) != len(self.timeline.segments):
            raise InputError(
                f"the timeline has {len(self.timeline.segments)} segments but the plan "
                f"{len(self.clips)} clip files: give one file per segment"
            )
        bed = self.timeline.audio.music
        if bed is None and self.music_file is not None:
            raise InputError(f"the timeline has no music bed to play {self.music_file.name}")
        if bed is not None and bed.path is not None and self.music_file is None:
            raise InputError(f"the timeline's music {bed.path!r} needs its file")


@dataclass(frozen=True)
class FilmTimeline:
    """The plan's timeline with its clips probed, and a readable list of what sits where.

    The pictures are the title card (if any), then the segments; their frames, joins and starts
    are the timeline's own (:class:`~shortfilm.domain.timeline.Timeline`).
    """

    timeline: Timeline
    clips: tuple[MediaInfo, ...]
    """The probed file of each segment, in film order."""
    entries: tuple[TimelineEntry, ...] = ()

    @property
    def fps(self) -> Fraction:
        return self.timeline.rate

    @property
    def segment_frames(self) -> tuple[int, ...]:
        """Frames of each picture: the title card (if any), then the segments."""
        return self.timeline.picture_frames

    @property
    def has_title(self) -> bool:
        return self.timeline.title is not None

    @property
    def joins(self) -> tuple[int, ...]:
        """Frames of each join between pictures (0 for a cut)."""
        return tuple(t.frames for t in self.timeline.transitions)

    @property
    def starts(self) -> tuple[int, ...]:
        """First frame of each picture on the film timeline."""
        return self.timeline.starts

    @property
    def total_frames(self) -> int:
        return self.timeline.total_frames

    @property
    def duration(self) -> Fraction:
        """Exact film length in seconds."""
        return self.timeline.duration

    def seconds(self, frames: int | Fraction) -> Fraction:
        return self.timeline.seconds(frames)

    @property
    def silent(self) -> bool:
        """No sound anywhere: no segment plays a take that has audio, no effect, no music.

        Such a film still gets an audio track (a silent stereo AAC track: the 9:16 platforms
        accept it, and some players and editors expect one), but there is nothing to master to a
        loudness target, so the mix is not normalised and verification does not ask for one.
        """
        edit = self.timeline
        if edit.audio.sfx or edit.audio.music is not None:
            return False
        return not any(
            seg.audio and info.has_audio
            for seg, info in zip(edit.segments, self.clips, strict=True)
        )

    def samples(self, frames: int) -> int:
        """Audio samples spanning ``frames`` video frames (rounded to the nearest sample)."""
        return round(frames * SAMPLE_RATE / self.fps)


def _clip_frames(info: MediaInfo, fps: Fraction) -> int:
    """Whole frames of the clip at the film rate (never more than the clip holds)."""
    if info.video_frames and info.fps:
        length = Fraction(info.video_frames) / info.fps
    else:
        length = Fraction(info.duration_s).limit_denominator(1_000_000)
    return max(1, math.floor(length * fps + Fraction(1, 1000)))


def _probe_clip(path: Path) -> MediaInfo:
    try:
        found = path.stat()
    except OSError:
        raise MediaError("clip not found", file=path) from None
    if not stat.S_ISREG(found.st_mode):
        raise MediaError("clip not found", file=path)
    info = _probed(str(path), found.st_mtime_ns, found.st_size, limits_from_env())
    if info.video_codec is None or info.width <= 0 or info.height <= 0:
        raise MediaError("clip has no video stream", file=path)
    return info


@functools.lru_cache(maxsize=256)
def _probed(path: str, mtime_ns: int, size: int, limits: MediaLimits) -> MediaInfo:
    """:func:`probe`, remembered for the same file unchanged (path, size, modification time)
    under the same limits: a film is laid out several times per render (a variant's delta lays
    out the approved film and the variant, and places their texts: three probes of every take)."""
    return probe(path, limits=limits)


def take_frames(path: Path, fps: Fraction) -> int:
    """Whole frames of the video at ``path`` at the film rate ``fps``: what a timeline may cut.

    :class:`MediaError` names a missing file or one without video.
    """
    return _clip_frames(_probe_clip(Path(path)), Fraction(fps))


def film_timeline(plan: RenderPlan) -> FilmTimeline:
    """Probe the clips and lay the film out; :class:`MediaError` names a bad clip or music file."""
    infos = tuple(_probe_clip(p) for p in plan.clips)
    if plan.music_file is not None:
        if not plan.music_file.is_file():
            raise MediaError("music file not found", file=plan.music_file)
        if not probe(plan.music_file).has_audio:
            raise MediaError("music file has no audio stream", file=plan.music_file)
    tl = plan.timeline
    frames = tl.picture_frames
    names = [f"title: {tl.title.text}"] if tl.title is not None else []
    names += [
        f"clip {seg.clip}: {path.name}" for seg, path in zip(tl.segments, plan.clips, strict=True)
    ]
    base = FilmTimeline(tl, infos)
    total = base.duration
    entries = [
        TimelineEntry(name, float(base.seconds(start)), float(base.seconds(start + n)))
        for name, start, n in zip(names, base.starts, frames, strict=True)
    ]
    for text in tl.texts:
        if text.kind is not TextKind.TITLE_CARD:
            what = f"{text.kind.value.replace('_', ' ')}: {text.text}"
            entries.append(
                TimelineEntry(what, float(tl.seconds(text.start)), float(tl.seconds(text.end)))
            )
    for cue in tl.audio.sfx:
        at_s = tl.seconds(cue.at)
        entries.append(
            TimelineEntry(f"sfx: {cue.kind}", float(at_s), float(at_s) + cue_seconds(cue, base))
        )
    if tl.audio.music is not None:
        what = f"music: {plan.music_file.name}" if plan.music_file else "music: drone"
        entries.append(TimelineEntry(what, 0.0, float(total)))
    return FilmTimeline(tl, infos, tuple(entries))


def cue_seconds(cue: SoundCue, tl: FilmTimeline) -> float:
    """Seconds of the cue, cut at the film's end; ambience without a length runs to the end."""
    remaining = float(tl.duration - tl.seconds(cue.at))
    if cue.frames is not None:
        return min(float(tl.seconds(cue.frames)), remaining)
    if cue.kind == SoundKind.AMBIENCE.value:
        return remaining
    return min(sfx_synth.DEFAULT_DURATION_S.get(cue.kind, remaining), remaining)
