"""The edit render: a :class:`~shortfilm.domain.timeline.Timeline` and its clip files -> a finished,
loudness-normalised export per preset.

A film is a picture sequence (the title card, then the trimmed and re-timed takes) whose
neighbours are joined by a video ``xfade`` and an audio ``acrossfade`` of the transition's length,
or by a plain ``concat`` for a cut. The title card is a picture; captions, lower thirds, the hook
and the end card are drawn over the film; sound effects and the music bed sit on the film
timeline (title card included).

Time is exact: the timeline counts whole frames at the film's rate, and seconds are derived from
frame counts with :class:`fractions.Fraction` only when ffmpeg needs an argument or a person needs
a number. Audio positions are the matching sample counts. A :class:`RenderPlan` built from seconds
(the older way, still used by tests and scripts) is laid out as the same kind of timeline first.

The work is split so that several presets cost little more than one:

1. the audio is mixed once (take audio + SFX + music, ducked and faded) to a WAV, measured and
   normalised to the plan's loudness target (-14 LUFS by default) with a two-pass loudnorm
   (:mod:`shortfilm.media.loudness`) into a *master*, cached in ``workdir`` under a key of
   everything it depends on;
2. each preset is then ONE ffmpeg pass: a filter graph that trims and re-times every take, fits it
   to the frame, joins the pictures, burns in the Pillow-rendered texts, and muxes the master as
   AAC.

Exports are written to a hidden temporary file next to ``out`` and moved into place with
``os.replace`` once complete and measured, so ``out`` is either the previous file or the new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from shortfilm.domain.production import Caption, EditIntent, SoundKind, TitleCard, TransitionKind
from shortfilm.domain.spec_cut import TakeSource, default_timeline
from shortfilm.domain.timeline import Timeline, frames_for
from shortfilm.domain.timeline_json import timeline_to_json
from shortfilm.domain.timeline_parts import AudioPlan, MusicBed, SoundCue, TextKind, Transition
from shortfilm.errors import InputError, MediaError
from shortfilm.media import sfx as sfx_synth
from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from shortfilm.media.joins import join_chains
from shortfilm.media.loudness import TARGET, Loudness, LoudnessTarget, measure, normalize
from shortfilm.media.presets import Preset, SafeArea
from shortfilm.media.probe import probe
from shortfilm.media.stream_facts import MediaInfo
from shortfilm.media.text import draw_text_block

SAMPLE_RATE = sfx_synth.SAMPLE_RATE
"""Audio rate of the mix and of every export (Hz)."""

DEFAULT_FPS = Fraction(24)
"""Film rate when neither the plan nor the first clip says otherwise (frames per second)."""

_AUDIO_VERSION = 2
"""Bump when the audio graph changes, so cached masters from older code are not reused."""

DUCK_RAMP_S = 0.12
"""Seconds the music takes to dip under a sound effect, and to come back after it."""

Progress = Callable[[str, float], None]
"""``progress(stage, fraction)``: stage name (``probe``, ``audio``, ``video:<preset>``, ``measure``)
and how much of that stage is done, 0.0-1.0."""


class TitleSpec(NamedTuple):
    text: str
    subtitle: str = ""
    duration_s: float = 2.5


class CaptionSpec(NamedTuple):
    text: str
    start_s: float
    """Film time (title card included), seconds."""
    end_s: float


class SfxSpec(NamedTuple):
    kind: SoundKind | str
    """A :class:`SoundKind` or ``"drone"``."""
    at_s: float
    """Film time of the cue's first sample, seconds."""
    gain_db: float = 0.0
    duration_s: float | None = None
    """``None``: the kind's natural length; for ambience, the rest of the film."""


class MusicSpec(NamedTuple):
    path: Path | None
    """An audio file (looped to the film's length); ``None`` synthesises the drone bed."""
    gain_db: float = -18.0
    fade_in_s: float | None = None
    """``None``: 1 s for a music file (a quarter of a short film at most), none for the drone."""
    fade_out_s: float | None = None
    """``None``: 2 s for a music file (a quarter of a short film at most), none for the drone."""
    duck_db: float = 0.0
    """How far the bed dips under impacts and whooshes (dB); 0: no ducking."""


class TimelineEntry(NamedTuple):
    what: str
    start_s: float
    end_s: float


@dataclass
class RenderPlan:
    """Everything the edit render needs.

    Either ``timeline`` holds the exact edit (see :meth:`from_timeline`) and ``clips`` one file per
    segment in film order, or the film is described the older way, in seconds: whole ``clips``
    joined by ``crossfade_s``, with ``title``, ``captions``, ``sfx`` and ``music`` on the film
    timeline; :func:`film_timeline` lays that out as a timeline too.
    """

    clips: list[Path]
    """Clip videos in order. Any size and rate; they are fitted to each preset's frame."""
    crossfade_s: float = 0.4
    """Length of every transition, rounded to whole frames; 0 cuts."""
    title: TitleSpec | None = None
    captions: list[CaptionSpec] = field(default_factory=list)
    sfx: list[SfxSpec] = field(default_factory=list)
    music: MusicSpec | None = None
    """The music file (``path``); with a ``timeline``, gain, fades and ducking come from it."""
    fps: Fraction | None = None
    """Film rate; ``None`` takes the first clip's rate (24 if it has none)."""
    seed: int = 0
    """Seed of the synthesised sounds (cue ``i`` uses ``seed + i``)."""
    timeline: Timeline | None = None
    """The exact edit; when set, ``crossfade_s``, ``title``, ``captions`` and ``sfx`` are unused."""
    intent: EditIntent | None = None
    """Per-clip cuts, hook, end card, lower thirds and loudness of a seconds-based plan
    (:meth:`from_edit`); its title, captions, sfx and crossfade are this plan's fields."""
    loudness_lufs: float = TARGET.integrated_lufs
    """Integrated loudness the audio master is normalised to (LUFS)."""

    def __post_init__(self) -> None:
        # Accept plain tuples from callers that do not import the NamedTuples.
        self.clips = [Path(c) for c in self.clips]
        if self.title is not None and not isinstance(self.title, TitleSpec):
            self.title = TitleSpec(*self.title)
        self.captions = [
            c if isinstance(c, CaptionSpec) else CaptionSpec(*c) for c in self.captions
        ]
        self.sfx = [s if isinstance(s, SfxSpec) else SfxSpec(*s) for s in self.sfx]
        if self.music is not None and not isinstance(self.music, MusicSpec):
            self.music = MusicSpec(*self.music)
        if self.fps is not None:
            self.fps = Fraction(self.fps)
        if not self.clips:
            raise InputError("a render plan needs at least one clip")
        if self.timeline is not None and len(self.clips) != len(self.timeline.segments):
            raise InputError(
                f"the timeline has {len(self.timeline.segments)} segments but the plan "
                f"{len(self.clips)} clip files: give one file per segment"
            )
        if self.crossfade_s < 0:
            raise InputError(f"crossfade must be >= 0 seconds, got {self.crossfade_s}")
        if self.title is not None and self.title.duration_s <= 0:
            raise InputError(
                f"title card duration must be > 0 seconds, got {self.title.duration_s}"
            )
        if self.fps is not None and self.fps <= 0:
            raise InputError(f"fps must be > 0, got {self.fps}")
        for c in self.captions:
            if c.start_s < 0 or c.end_s <= c.start_s:
                raise InputError(f"caption {c.text!r}: needs 0 <= start < end, got {c[1:]}")
        for s in self.sfx:
            if s.at_s < 0:
                raise InputError(f"sound {s.kind}: at_s must be >= 0, got {s.at_s}")

    @classmethod
    def from_edit(
        cls,
        clips: Sequence[Path | str],
        edit: EditIntent,
        *,
        base_dir: Path | str = ".",
        fps: Fraction | None = None,
        seed: int = 0,
    ) -> RenderPlan:
        """A plan from a production's :class:`EditIntent`; music paths relative to ``base_dir``."""
        music = None
        if edit.music is not None:
            m = edit.music
            path = Path(base_dir) / m.path if m.path else None
            music = MusicSpec(path, m.gain_db, m.fade_in_s, m.fade_out_s, m.duck_db)
        card = edit.title_card
        return cls(
            clips=[Path(c) for c in clips],
            crossfade_s=edit.crossfade_s,
            title=TitleSpec(card.text, card.subtitle, card.duration_s) if card else None,
            captions=[CaptionSpec(c.text, c.start_s, c.end_s) for c in edit.captions],
            sfx=[SfxSpec(s.kind, s.at_s, s.gain_db, s.duration_s) for s in edit.sfx],
            music=music,
            fps=fps,
            seed=seed,
            intent=edit,
        )

    @classmethod
    def from_timeline(
        cls,
        timeline: Timeline,
        clips: Sequence[Path | str],
        *,
        music_file: Path | None = None,
        seed: int = 0,
        loudness_lufs: float = TARGET.integrated_lufs,
    ) -> RenderPlan:
        """A plan playing ``timeline``: ``clips`` holds each segment's file, in film order.

        ``music_file`` is the timeline's music file where the caller keeps it (the timeline names
        it as the spec did); leave it ``None`` for the drone bed. :class:`InputError` when the
        timeline names a music file and none is given.
        """
        music = None
        bed = timeline.audio.music
        if bed is not None:
            if bed.path is not None and music_file is None:
                raise InputError(f"the timeline's music {bed.path!r} needs its file")
            music = MusicSpec(music_file, bed.gain_db)
        return cls(
            clips=[Path(c) for c in clips],
            crossfade_s=0.0,
            music=music,
            fps=timeline.rate,
            seed=seed,
            timeline=timeline,
            loudness_lufs=loudness_lufs,
        )


@dataclass(frozen=True)
class RenderResult:
    path: Path
    duration_s: float
    """Film length from the timeline (exact frames / fps), seconds."""
    width: int
    height: int
    loudness: Loudness
    """Measured on the written export (after AAC)."""
    timeline: list[TimelineEntry]
    silent: bool = False
    """The film has no sound at all (see :attr:`FilmTimeline.silent`): its audio track is
    digital silence, not mastered to a loudness."""


@dataclass(frozen=True)
class FilmTimeline:
    """The pictures (title card first, then clips) as whole frames at ``fps``, and what sits where.

    ``join_frames`` holds the length of each join (0 for a cut); when empty every join is
    ``crossfade_frames`` long. ``timeline`` is the edit it was laid out from.
    """

    fps: Fraction
    segment_frames: tuple[int, ...]
    crossfade_frames: int
    has_title: bool
    clips: tuple[MediaInfo, ...]
    entries: tuple[TimelineEntry, ...]
    join_frames: tuple[int, ...] = ()
    timeline: Timeline | None = None

    @property
    def joins(self) -> tuple[int, ...]:
        if self.join_frames or len(self.segment_frames) < 2:
            return self.join_frames
        return (self.crossfade_frames,) * (len(self.segment_frames) - 1)

    @property
    def starts(self) -> tuple[int, ...]:
        """First frame of each segment on the film timeline."""
        out, at = [], 0
        for n, join in zip(self.segment_frames, (0, *self.joins), strict=True):
            at -= join
            out.append(at)
            at += n
        return tuple(out)

    @property
    def total_frames(self) -> int:
        return sum(self.segment_frames) - sum(self.joins)

    @property
    def duration(self) -> Fraction:
        """Exact film length in seconds."""
        return self.total_frames / self.fps

    def seconds(self, frames: int | Fraction) -> Fraction:
        return frames / self.fps

    @property
    def silent(self) -> bool:
        """No sound anywhere: no segment plays a take that has audio, no effect, no music.

        Such a film still gets an audio track (a silent stereo AAC track: the 9:16 platforms
        accept it, and some players and editors expect one), but there is nothing to master to a
        loudness target, so the mix is not normalised and verification does not ask for one.
        """
        edit = self.timeline
        if edit is None or edit.audio.sfx or edit.audio.music is not None:
            return False
        return not any(
            seg.audio and info.has_audio
            for seg, info in zip(edit.segments, self.clips, strict=True)
        )

    def samples(self, frames: int) -> int:
        """Audio samples spanning ``frames`` video frames (rounded to the nearest sample)."""
        return round(frames * SAMPLE_RATE / self.fps)


_STANDARD_RATES = tuple(
    Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60")
)


def _film_rate(clip_fps: Fraction | None) -> Fraction:
    """The clip's rate snapped to a standard one within 0.5 % (containers report averages such as
    2997/100 or 1439/60 for variable-rate phone clips); :data:`DEFAULT_FPS` if unknown."""
    if not clip_fps or clip_fps <= 0:
        return DEFAULT_FPS
    nearest = min(_STANDARD_RATES, key=lambda r: abs(r - clip_fps))
    if abs(nearest - clip_fps) / nearest < Fraction(1, 200):
        return nearest
    return clip_fps.limit_denominator(1001)


def _clip_frames(info: MediaInfo, fps: Fraction) -> int:
    """Whole frames of the clip at the film rate (never more than the clip holds)."""
    if info.video_frames and info.fps:
        length = Fraction(info.video_frames) / info.fps
    else:
        length = Fraction(info.duration_s).limit_denominator(1_000_000)
    return max(1, math.floor(length * fps + Fraction(1, 1000)))


def _probe_clip(path: Path) -> MediaInfo:
    if not path.is_file():
        raise MediaError("clip not found", file=path)
    info = probe(path)
    if info.video_codec is None or info.width <= 0 or info.height <= 0:
        raise MediaError("clip has no video stream", file=path)
    return info


def take_frames(path: Path, fps: Fraction) -> int:
    """Whole frames of the video at ``path`` at the film rate ``fps``: what a timeline may cut.

    :class:`MediaError` names a missing file or one without video.
    """
    return _clip_frames(_probe_clip(Path(path)), Fraction(fps))


def film_timeline(plan: RenderPlan) -> FilmTimeline:
    """Probe the clips and lay the film out in frames; :class:`MediaError` names a bad clip/music.

    Raises :class:`InputError` (a :class:`TimelineError`) if a transition is too long for a
    picture, or if a text or sound starts after the film ends (a seconds-based caption running
    past the end is cut at the end).
    """
    infos = tuple(_probe_clip(p) for p in plan.clips)
    if plan.music is not None and plan.music.path is not None:
        if not plan.music.path.is_file():
            raise MediaError("music file not found", file=plan.music.path)
        if not probe(plan.music.path).has_audio:
            raise MediaError("music file has no audio stream", file=plan.music.path)
    if plan.timeline is not None:
        tl = plan.timeline
    else:
        tl = _plan_timeline(plan, infos, plan.fps or _film_rate(infos[0].fps))
    fps = tl.rate
    frames = tl.picture_frames
    names = [f"title: {tl.title.text}"] if tl.title is not None else []
    names += [
        f"clip {seg.clip}: {path.name}" for seg, path in zip(tl.segments, plan.clips, strict=True)
    ]
    joins = tuple(t.frames for t in tl.transitions)
    shared = joins[0] if joins and len(set(joins)) == 1 else 0
    base = FilmTimeline(fps, frames, shared, tl.title is not None, infos, (), joins, tl)
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
            TimelineEntry(f"sfx: {cue.kind}", float(at_s), float(at_s) + _cue_seconds(cue, base))
        )
    if plan.music is not None:
        what = f"music: {plan.music.path.name}" if plan.music.path else "music: drone"
        entries.append(TimelineEntry(what, 0.0, float(total)))
    return replace(base, entries=tuple(entries))


def _plan_timeline(plan: RenderPlan, infos: Sequence[MediaInfo], fps: Fraction) -> Timeline:
    """A seconds-based plan as the timeline it describes: whole clips (unless ``plan.intent`` cuts
    them), one crossfade, texts and cues on the nearest frames."""
    sources = [
        TakeSource(clip=i, take=1, take_id=0, media_sha256="", frames=_clip_frames(info, fps))
        for i, info in enumerate(infos, start=1)
    ]
    intent = replace(
        plan.intent or EditIntent(),
        title_card=TitleCard(*plan.title) if plan.title is not None else None,
        captions=tuple(Caption(c.text, c.start_s, c.end_s) for c in plan.captions),
        sfx=(),
        music=None,
        crossfade_s=plan.crossfade_s,
    )
    laid = default_timeline(intent, sources, fps)
    cues = tuple(
        SoundCue(
            kind=_kind_name(s.kind),
            at=frames_for(s.at_s, fps),
            gain_db=s.gain_db,
            frames=None if s.duration_s is None else max(1, frames_for(s.duration_s, fps)),
        )
        for s in plan.sfx
    )
    bed = None
    if plan.music is not None:
        m = plan.music
        bed = MusicBed(
            path=str(m.path) if m.path is not None else None,
            gain_db=m.gain_db,
            fade_in=None if m.fade_in_s is None else frames_for(m.fade_in_s, fps),
            fade_out=None if m.fade_out_s is None else frames_for(m.fade_out_s, fps),
            duck_db=m.duck_db,
        )
    audio = AudioPlan(sfx=cues, music=bed, loudness=laid.audio.loudness)
    return Timeline(laid.rate, laid.segments, laid.transitions, laid.texts, audio)


def _kind_name(kind: SoundKind | str) -> str:
    return kind.value if isinstance(kind, SoundKind) else str(kind).lower()


def _cue_seconds(cue: SoundCue, tl: FilmTimeline) -> float:
    """Seconds of the cue, cut at the film's end; ambience without a length runs to the end."""
    remaining = float(tl.duration - tl.seconds(cue.at))
    if cue.frames is not None:
        return min(float(tl.seconds(cue.frames)), remaining)
    if cue.kind == SoundKind.AMBIENCE.value:
        return remaining
    return min(sfx_synth.DEFAULT_DURATION_S.get(cue.kind, remaining), remaining)


# --------------------------------------------------------------------------------------------
# Audio: one mix, one master, shared by every preset.


def _stat_key(path: Path) -> list[object]:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _edit(tl: FilmTimeline) -> Timeline:
    if tl.timeline is None:
        raise InputError("this film layout was not made from a timeline (use film_timeline)")
    return tl.timeline


def _target(plan: RenderPlan) -> LoudnessTarget:
    return replace(TARGET, integrated_lufs=plan.loudness_lufs)


def _audio_key(plan: RenderPlan, tl: FilmTimeline) -> str:
    edit = _edit(tl)
    sound = timeline_to_json(edit)
    sound.pop("texts")
    music: object = None
    if plan.music is not None:
        music = _stat_key(plan.music.path) if plan.music.path else None
    target = _target(plan)
    parts = {
        "version": _AUDIO_VERSION,
        "clips": [_stat_key(p) for p in plan.clips],
        "timeline": sound,
        "title": tl.has_title,
        "frames": tl.segment_frames,
        "music": music,
        "seed": plan.seed,
        "target": [target.integrated_lufs, target.true_peak_dbtp, target.lra],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


_STEREO = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"


def _atempo(speed: Fraction) -> str:
    """An ``atempo`` chain for ``speed`` (each stage takes 0.5-2.0), or "" at normal speed."""
    stages: list[str] = []
    rest = speed
    while rest > 2:
        stages.append("atempo=2")
        rest /= 2
    while rest < Fraction(1, 2):
        stages.append("atempo=0.5")
        rest *= 2
    if rest != 1:
        stages.append(f"atempo={float(rest):.6f}")
    return "".join(f",{s}" for s in stages)


def _duck_expression(tl: FilmTimeline, duck_db: float) -> str | None:
    """A ``volume`` expression dipping the music ``duck_db`` under each impact and whoosh.

    The dip ramps over :data:`DUCK_RAMP_S` before and after each cue, so the bed breathes instead
    of clicking; ambience is a bed itself and never ducks the music.
    """
    edit = _edit(tl)
    spans = []
    for cue in edit.audio.sfx:
        if cue.kind in (SoundKind.AMBIENCE.value, "drone"):
            continue
        start = float(tl.seconds(cue.at))
        spans.append((start, start + _cue_seconds(cue, tl)))
    if duck_db <= 0 or not spans:
        return None
    r = DUCK_RAMP_S
    envelopes = [f"clip((t-{a - r:.4f})/{r},0,1)*clip(({b + r:.4f}-t)/{r},0,1)" for a, b in spans]
    combined = envelopes[0]
    for env in envelopes[1:]:
        combined = f"max({combined},{env})"
    floor = 10 ** (-duck_db / 20)
    return f"1-{1 - floor:.6f}*{combined}"


def _audio_graph(plan: RenderPlan, tl: FilmTimeline, folder: Path) -> tuple[list[str], list[str]]:
    """Input arguments and filter chains of the mix (output ``[aout]``); writes synthesised WAVs."""
    edit = _edit(tl)
    inputs: list[str] = []
    chains: list[str] = []
    total_s = float(tl.duration)
    total_samples = tl.samples(tl.total_frames)

    count = 0

    def add_input(*args: str | Path) -> int:
        nonlocal count
        inputs.extend(str(a) for a in args)
        count += 1
        return count - 1

    labels = []
    offset = 1 if tl.has_title else 0
    for k, n in enumerate(tl.segment_frames):
        samples = tl.samples(n)
        label = f"seg{k}"
        seg = edit.segments[k - offset] if k >= offset else None
        info = tl.clips[k - offset] if k >= offset else None
        if seg is not None and info is not None and info.has_audio and seg.audio:
            i = add_input("-i", info.path)
            tempo = _atempo(seg.speed_ratio)
            gain = f",volume={seg.gain_db:.2f}dB" if seg.gain_db else ""
            chains.append(
                f"[{i}:a:0]asetpts=PTS-STARTPTS,{_STEREO},apad,"
                f"atrim=start_sample={tl.samples(seg.source_in)}:"
                f"end_sample={tl.samples(seg.source_out)},asetpts=PTS-STARTPTS{tempo}{gain},"
                f"apad,atrim=end_sample={samples}[{label}]"
            )
        else:
            chains.append(
                f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=end_sample={samples},{_STEREO}[{label}]"
            )
        labels.append(label)
    prev = labels[0]
    for k, (label, join) in enumerate(zip(labels[1:], tl.joins, strict=True), start=1):
        out = f"xa{k}"
        if join == 0:
            chains.append(f"[{prev}][{label}]concat=n=2:v=0:a=1[{out}]")
        else:
            ns = tl.samples(join)
            chains.append(f"[{prev}][{label}]acrossfade=ns={ns}:c1=qsin:c2=qsin[{out}]")
        prev = out
    chains.append(f"[{prev}]apad=whole_len={total_samples},atrim=end_sample={total_samples}[bed0]")
    mix = ["bed0"]

    for j, cue in enumerate(edit.audio.sfx):
        length = _cue_seconds(cue, tl)
        wav = folder / f"sfx-{j}-{cue.kind}.wav"
        sfx_synth.write_wav(sfx_synth.synth(cue.kind, length, seed=plan.seed + j), wav)
        i = add_input("-i", wav)
        delay = tl.samples(cue.at)
        chains.append(
            f"[{i}:a]{_STEREO},volume={cue.gain_db:.2f}dB,adelay=delays={delay}S:all=1[sfx{j}]"
        )
        mix.append(f"sfx{j}")

    bed = edit.audio.music
    if plan.music is not None and bed is not None:
        path = plan.music.path
        if path is None:
            wav = folder / "music-drone.wav"
            sfx_synth.write_wav(sfx_synth.drone(total_s, seed=plan.seed + 1000), wav)
            i = add_input("-i", wav)
        else:
            i = add_input("-stream_loop", "-1", "-i", path)
        auto_in, auto_out = (min(1.0, total_s / 4), min(2.0, total_s / 4)) if path else (0, 0)
        fade_in = auto_in if bed.fade_in is None else float(tl.seconds(bed.fade_in))
        fade_out = auto_out if bed.fade_out is None else float(tl.seconds(bed.fade_out))
        fades = f",afade=t=in:d={fade_in:.3f}" if fade_in > 0 else ""
        if fade_out > 0:
            fades += f",afade=t=out:st={total_s - fade_out:.3f}:d={fade_out:.3f}"
        duck = _duck_expression(tl, bed.duck_db)
        ducking = f",volume='{duck}':eval=frame" if duck else ""
        chains.append(
            f"[{i}:a:0]asetpts=PTS-STARTPTS,{_STEREO},atrim=end_sample={total_samples},"
            f"volume={bed.gain_db:.2f}dB{fades}{ducking}[music]"
        )
        mix.append("music")

    if len(mix) == 1:
        chains.append("[bed0]anull[aout]")
    else:
        chains.append(
            "".join(f"[{x}]" for x in mix)
            + f"amix=inputs={len(mix)}:normalize=0:duration=first:dropout_transition=0,"
            f"apad=whole_len={total_samples},atrim=end_sample={total_samples}[aout]"
        )
    return inputs, chains


def prepare_audio(
    plan: RenderPlan,
    workdir: Path,
    timeline: FilmTimeline | None = None,
    progress: Progress | None = None,
) -> Path:
    """Mix and normalise the film's audio once; return the master WAV (48 kHz stereo float).

    The master lives in ``workdir`` under a key of everything it depends on (clip files, cues,
    music, timing, seed), so rendering a second preset of the same plan reuses it.
    """
    tl = timeline or film_timeline(plan)
    folder = Path(workdir) / f"audio-{_audio_key(plan, tl)}"
    master = folder / "master.wav"
    if master.is_file():
        if progress:
            progress("audio", 1.0)
        return master
    folder.mkdir(parents=True, exist_ok=True)
    if progress:
        progress("audio", 0.0)
    inputs, chains = _audio_graph(plan, tl, folder)
    mix = folder / f".mix.{os.getpid()}.wav"  # per process: two renders may share a workdir
    run_ffmpeg(
        [
            "-nostats",
            *inputs,
            "-filter_complex",
            ";".join(chains),
            "-map",
            "[aout]",
            "-c:a",
            "pcm_f32le",
            mix,
        ],
        what="audio mix",
        file=mix,
    )
    if progress:
        progress("audio", 0.5)
    partial = folder / f".master.{os.getpid()}.wav"
    try:
        if tl.silent:  # digital silence: no loudness to reach (see FilmTimeline.silent)
            os.replace(mix, partial)
        else:
            normalize(mix, partial, _target(plan), sample_rate=SAMPLE_RATE)
        os.replace(partial, master)
    finally:
        partial.unlink(missing_ok=True)
        mix.unlink(missing_ok=True)
    if progress:
        progress("audio", 1.0)
    return master


# --------------------------------------------------------------------------------------------
# Pictures drawn with Pillow: the title card and the captions.


def grab_frame(path: Path, at_s: float = 1.0) -> Image.Image:
    """An RGB frame of the video at about ``at_s`` seconds (the last one if it is shorter)."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            picked = None
            for frame in container.decode(stream):
                picked = frame
                if frame.time is not None and frame.time >= at_s:
                    break
            if picked is None:
                raise MediaError("no video frame to grab", file=path)
            rgb = picked.to_ndarray(format="rgb24")
            return Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot grab a frame: {exc}", file=path) from exc


def _graded_background(frame: Image.Image | None, size: tuple[int, int]) -> Image.Image:
    """A dark, blurred, cool-graded version of ``frame`` filling ``size`` (a gradient if None).

    Everything in it is smooth (blur, grade, vignette), so it is made at a quarter of the size
    and scaled up: a sixteenth of the arithmetic of a full 1080x1920 frame.
    """
    w, h = size
    sw, sh = max(2, w // 4), max(2, h // 4)
    if frame is None:
        top, bottom = np.array([20.0, 26.0, 40.0]), np.array([5.0, 6.0, 10.0])
        ramp = np.linspace(0.0, 1.0, sh)[:, None, None]
        arr = np.broadcast_to(top + (bottom - top) * ramp, (sh, sw, 3)).copy()
    else:
        small = ImageOps.fit(frame, (sw, sh), Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(radius=max(1.0, min(w, h) / 160)))
        small = ImageEnhance.Color(small).enhance(0.7)
        arr = np.asarray(small, dtype=np.float64) * 0.32
        arr = arr * np.array([0.85, 0.95, 1.1]) + np.array([4.0, 6.0, 10.0])
    yy, xx = np.mgrid[0:sh, 0:sw]
    r2 = ((xx + 0.5 - sw / 2) / (sw / 2)) ** 2 + ((yy + 0.5 - sh / 2) / (sh / 2)) ** 2
    vignette = np.clip(1.0 - 0.35 * r2, 0.3, 1.0)[:, :, None]
    graded = Image.fromarray(np.clip(arr * vignette, 0, 255).astype(np.uint8))
    return graded.resize(size, Image.Resampling.BICUBIC)


def render_title_card(
    title: TitleSpec, size: tuple[int, int], safe: SafeArea, frame: Image.Image | None = None
) -> Image.Image:
    """The title card as an RGB image: graded background, big title above a rule, subtitle below.

    Type sizes follow the frame's short side (title 8.5 %, subtitle 4 %) and lines wrap inside the
    safe area, so the same card reads on a 9:16 phone and a 16:9 screen.
    """
    w, h = size
    card = _graded_background(frame, size).convert("RGBA")
    short = min(w, h)
    margin = round(max(safe.left, safe.right) * w)
    _, safe_top, _, safe_bottom = safe.box(w, h)
    title_size, sub_size = max(12, round(short * 0.085)), max(9, round(short * 0.04))
    gap = max(4, round(short * 0.03))
    shadow = max(1, title_size // 24)
    mid = h // 2
    blocks = [(title.text, title_size, (margin, safe_top, w - margin, mid - gap), "bottom", 255)]
    if title.subtitle:
        sub_box = (margin, mid + gap, w - margin, safe_bottom)
        blocks.append((title.subtitle, sub_size, sub_box, "top", 215))
    for text, size_px, box, valign, level in blocks:
        shifted = (box[0] + shadow, box[1] + shadow, box[2] + shadow, box[3] + shadow)
        for fill, where in (((0, 0, 0, 170), shifted), ((level, level, level, 255), box)):
            draw_text_block(
                card,
                text,
                size=size_px,
                box=where,
                fill=fill,
                background=None,
                valign=valign,
                padding=0,
            )
    rule_w, rule_h = max(8, round(w * 0.12)), max(2, round(short / 360))
    ImageDraw.Draw(card).rectangle(
        ((w - rule_w) // 2, mid - rule_h // 2, (w + rule_w) // 2, mid + rule_h - rule_h // 2),
        fill=(232, 188, 110, 255),
    )
    return card.convert("RGB")


def render_caption(
    text: str, size: tuple[int, int], safe: SafeArea
) -> tuple[Image.Image, int, int]:
    """A caption as a tight RGBA image and its (x, y) on the frame, in the bottom third.

    Text is 5 % of the frame's short side, white on a translucent plate, wrapped between the safe
    margins and resting on the safe bottom edge (above TikTok/Reels UI on vertical presets).
    """
    return render_text(TextKind.CAPTION, text, size, safe)


_0, _1, _1_3, _2_3 = Fraction(0), Fraction(1), Fraction(1, 3), Fraction(2, 3)
_NAVY = (12, 18, 30, 190)
_TEXT_LOOK: dict[
    TextKind,
    tuple[
        float,
        tuple[Fraction, Fraction, Fraction, Fraction],
        str,
        str,
        tuple[int, int, int, int],
    ],
] = {
    # kind: (type size as a share of the short side, box as shares of the safe frame, align,
    #        vertical align, plate)
    TextKind.CAPTION: (0.05, (_0, _2_3, _1, _1), "center", "bottom", (0, 0, 0, 150)),
    TextKind.LOWER_THIRD: (0.042, (_0, _2_3, Fraction(18, 25), _1), "left", "bottom", _NAVY),
    TextKind.HOOK: (0.07, (_0, _0, _1, _1_3), "center", "top", (0, 0, 0, 170)),
    TextKind.END_CARD: (0.065, (_0, _1_3, _1, _2_3), "center", "center", (0, 0, 0, 190)),
}
"""How each kind of on-film text is drawn: captions at the bottom, centred; lower thirds bottom
left, smaller, on a blue-black plate; the hook large at the top; the end card large, centred."""


def render_text(
    kind: TextKind, text: str, size: tuple[int, int], safe: SafeArea
) -> tuple[Image.Image, int, int]:
    """Text drawn over the film as a tight RGBA image and its (x, y) on the frame.

    Sizes follow the frame's short side and lines wrap inside the safe area (see
    :data:`_TEXT_LOOK`), so one edit reads on a 9:16 phone and a 16:9 screen. The title card is
    a picture of its own (:func:`render_title_card`), not drawn over the film.
    """
    if kind is TextKind.TITLE_CARD:
        raise InputError("the title card is a picture of its own: use render_title_card")
    w, h = size
    share, (bx0, by0, bx1, by1), align, valign, plate = _TEXT_LOOK[kind]
    text_size = max(10, round(min(w, h) * share))
    safe_box = safe.box(w, h)
    left, top, right, bottom = safe_box
    box = (
        left + math.floor((right - left) * bx0),
        max(top, math.floor(h * by0)),
        left + math.floor((right - left) * bx1),
        min(bottom, math.floor(h * by1)),
    )
    while True:
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        draw_text_block(
            canvas,
            text,
            size=text_size,
            box=box,
            background=plate,
            align=align,
            valign=valign,
            padding=max(4, text_size // 3),
        )
        bbox = canvas.getchannel("A").getbbox()
        if bbox is None:
            return Image.new("RGBA", (2, 2), (0, 0, 0, 0)), 0, 0
        inside = bbox[0] >= left and bbox[1] >= top and bbox[2] <= right and bbox[3] <= bottom
        if inside or text_size <= 10:
            break
        # A long line or many lines spill out of the safe area: smaller type, then retry.
        text_size = max(10, text_size * 7 // 8)
    # Whatever still spills (a word wider than the safe area at the smallest size) is cut off
    # rather than drawn under the platform's buttons.
    bbox = (max(bbox[0], left), max(bbox[1], top), min(bbox[2], right), min(bbox[3], bottom))
    # even: yuv420 chroma alignment; the extra row/column is transparent when it leaves the safe box
    x0, y0 = bbox[0] - bbox[0] % 2, bbox[1] - bbox[1] % 2
    x1, y1 = min(w, bbox[2] + bbox[2] % 2), min(h, bbox[3] + bbox[3] % 2)
    visible = Image.new("RGBA", size, (0, 0, 0, 0))
    visible.paste(canvas.crop(bbox), bbox[:2])
    return visible.crop((x0, y0, x1, y1)), x0, y0


# --------------------------------------------------------------------------------------------
# Video: one ffmpeg pass per preset.


def _secs(value: Fraction | float) -> str:
    """Seconds as an ffmpeg argument (microsecond precision, which ffmpeg rounds to frames)."""
    return f"{float(value):.6f}"


def _fit_chain(src: str, info: MediaInfo, preset: Preset, label: str) -> list[str]:
    """Filters fitting a clip to the preset frame: scale if the aspect matches, else blur fill.

    Blur fill = a cover-scaled, blurred, dimmed copy as background with the whole clip scaled to fit
    (contain) and centred over it. The blur runs at 1/8 size, which is what keeps a 1080x1920 pass
    fast on two cores.
    """
    w, h = preset.size
    if abs(info.width / info.height - preset.aspect) < 0.01:
        return [f"[{src}]scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p[{label}]"]
    sw, sh = max(4, (w // 8) // 2 * 2), max(4, (h // 8) // 2 * 2)
    radius = max(1, min(sw, sh) // 16)
    chroma = max(1, min(radius, min(sw, sh) // 4 - 1))
    return [
        f"[{src}]split=2[{label}bg][{label}fg]",
        f"[{label}bg]scale={sw}:{sh}:force_original_aspect_ratio=increase:flags=bilinear,"
        f"crop={sw}:{sh},boxblur=luma_radius={radius}:luma_power=2:chroma_radius={chroma}:"
        f"chroma_power=2,eq=brightness=-0.06:saturation=0.8,scale={w}:{h}:flags=bilinear,"
        f"setsar=1[{label}b]",
        f"[{label}fg]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:"
        f"flags=bicubic,setsar=1[{label}f]",
        f"[{label}b][{label}f]overlay=x=(W-w)/2:y=(H-h)/2,format=yuv420p[{label}]",
    ]


_XFADE = {
    TransitionKind.CROSSFADE: "fade",
    TransitionKind.DIP: "fade",
    TransitionKind.WHIP: "smooth",
    TransitionKind.SLIDE: "slide",
}
"""ffmpeg ``xfade`` transition of each kind; whip and slide take their direction as a suffix.

A dip is a plain fade between two pictures that are themselves faded to black, the outgoing one
over the first half of the overlap and the incoming one over the second (:func:`_dip_fades`), so
the film is black at the transition's midpoint. (``xfade``'s own ``fadeblack`` is asymmetric: black
after two frames, then a long fade in.)"""


def _dip_fades(
    frames: int,
    incoming: Transition | None,
    outgoing: Transition | None,
    first: int = 0,
    end: int | None = None,
) -> str:
    """``fade`` filters for a picture of ``frames`` frames next to dips ("" when there is none).

    ``[first, end)`` is the part of the picture the filters see (a draft's window, see
    :mod:`shortfilm.media.smart_render`); a fade wholly outside it is left out. A window never
    starts inside a transition, so a fade it holds is held from its first frame.
    """
    end = frames if end is None else end
    fades = []
    if incoming is not None and incoming.kind is TransitionKind.DIP and first == 0:
        half = incoming.frames // 2
        fades.append(f"fade=t=in:start_frame={half}:nb_frames={incoming.frames - half}")
    if outgoing is not None and outgoing.kind is TransitionKind.DIP:
        start = frames - outgoing.frames
        if first <= start < end:
            fades.append(f"fade=t=out:start_frame={start - first}:nb_frames={outgoing.frames // 2}")
    return ",".join(fades)


def xfade_name(transition: Transition) -> str:
    """The ``xfade`` transition that draws ``transition`` (``smoothleft`` for a whip left ...)."""
    name = _XFADE[transition.kind]
    if transition.kind in (TransitionKind.WHIP, TransitionKind.SLIDE):
        name += transition.direction
    return name


def _video_graph(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    folder: Path,
    master: Path,
) -> tuple[list[str], str, int]:
    """Input arguments, the filter_complex (video ``[vout]``) and the input index of the master."""
    edit = _edit(tl)
    fps = str(tl.fps)
    inputs: list[str] = []
    chains: list[str] = []
    n_inputs = 0

    def add_input(*args: str | Path) -> int:
        nonlocal n_inputs
        inputs.extend(str(a) for a in args)
        n_inputs += 1
        return n_inputs - 1

    segs: list[str] = []
    frames = list(tl.segment_frames)
    if edit.title is not None:
        first = edit.segments[0]
        at_s = float(tl.seconds(first.source_in)) + 1.0
        title = TitleSpec(edit.title.text, edit.title.subtitle)
        card = render_title_card(title, preset.size, preset.safe, grab_frame(plan.clips[0], at_s))
        card_path = folder / "title.png"
        card.save(card_path, compress_level=1)  # read once, by ffmpeg: speed over size
        # one decoded and converted picture, repeated by the loop filter (-loop 1 decoded the
        # PNG per frame; converting after the loop converted it per frame)
        i = add_input("-framerate", fps, "-i", card_path)
        chains.append(
            f"[{i}:v]scale={preset.width}:{preset.height},setsar=1,format=yuv420p,"
            f"loop=loop=-1:size=1,fps={fps},trim=end_frame={frames[0]},setpts=PTS-STARTPTS[s0]"
        )
        segs.append("s0")
    pad = math.ceil(tl.fps) * 2
    for seg, path, info in zip(edit.segments, plan.clips, tl.clips, strict=True):
        k = len(segs)
        i = add_input("-i", path)
        speed = seg.speed_ratio
        retime = (
            f",setpts=PTS*{speed.denominator}/{speed.numerator},fps={fps}" if speed != 1 else ""
        )
        chains.append(
            f"[{i}:v:0]setpts=PTS-STARTPTS,fps={fps},"
            f"trim=start_frame={seg.source_in}:end_frame={seg.source_out},"
            f"setpts=PTS-STARTPTS{retime},tpad=stop_mode=clone:stop={pad},"
            f"trim=end_frame={frames[k]},setpts=PTS-STARTPTS[r{k}]"
        )
        chains.extend(_fit_chain(f"r{k}", info, preset, f"s{k}"))
        segs.append(f"s{k}")

    joins: list[Transition | None] = [None, *edit.transitions, None]
    for k, label in enumerate(segs):
        fades = _dip_fades(frames[k], joins[k], joins[k + 1])
        if fades:
            chains.append(f"[{label}]{fades}[{label}d]")
            segs[k] = f"{label}d"
    # xfade only over each transition's frames, not the whole film (see media/joins.py)
    current = "joined"
    chains += join_chains(segs, frames, edit.transitions, tl.starts, tl.fps, xfade_name, current)

    half = Fraction(1, 2)
    for j, text in enumerate(t for t in edit.texts if t.kind is not TextKind.TITLE_CARD):
        image, x, y = render_text(text.kind, text.text, preset.size, preset.safe)
        png = folder / f"{text.kind.value}-{j}.png"
        image.save(png)
        i = add_input("-i", png)
        # half a frame either side: frame f shows the text exactly when start <= f < end
        shown, hidden = tl.seconds(text.start - half), tl.seconds(text.end - half)
        out = f"c{j}"
        chains.append(
            f"[{current}][{i}:v]overlay=x={x}:y={y}:eof_action=repeat:"
            f"enable='between(t,{_secs(shown)},{_secs(hidden)})'[{out}]"
        )
        current = out
    chains.append(f"[{current}]format=yuv420p[vout]")
    audio_index = add_input("-i", master)
    return inputs, ";".join(chains), audio_index


def _run_with_progress(
    args: list[str | Path],
    *,
    what: str,
    file: Path,
    total_s: float,
    on_fraction: Callable[[float], None],
) -> None:
    """Like :func:`run_ffmpeg`, but reports the encoded fraction from ``-progress`` as it goes."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"]
    cmd += [str(a) for a in args]
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log) as proc,
    ):
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit() and total_s > 0:
                    on_fraction(min(1.0, max(0.0, int(value) / 1e6 / total_s)))
            code = proc.wait()
        finally:
            if proc.poll() is None:  # the callback raised: do not leave ffmpeg running
                proc.kill()
                proc.wait()
        if code != 0:
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            tail = " | ".join(text.strip().splitlines()[-4:])
            raise MediaError(f"{what} failed (ffmpeg exit {code}): {tail}", file=file)


def render(
    plan: RenderPlan,
    preset: Preset,
    out: Path,
    workdir: Path,
    progress: Progress | None = None,
) -> RenderResult:
    """Render ``plan`` for ``preset`` to ``out`` (MP4, H.264 + AAC); return what was written.

    ``workdir`` holds intermediates (title/caption PNGs, synthesised sounds, the audio master) and
    may be shared between presets of the same plan to mix the audio only once. Raises
    :class:`MediaError` naming the file for a missing or unreadable clip or any ffmpeg failure,
    :class:`InputError` for a plan that does not fit its clips; in both cases ``out`` is untouched.
    """
    out, workdir = Path(out), Path(workdir)
    if progress:
        progress("probe", 0.0)
    tl = film_timeline(plan)
    preset.check_duration(float(tl.duration))
    if progress:
        progress("probe", 1.0)
    master = prepare_audio(plan, workdir, tl, progress)
    folder = workdir / f"video-{preset.name}-{preset.width}x{preset.height}"
    folder.mkdir(parents=True, exist_ok=True)
    inputs, graph, audio_index = _video_graph(plan, tl, preset, folder, master)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    stage = f"video:{preset.name}"
    args: list[str | Path] = [
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[vout]",
        "-map",
        f"{audio_index}:a:0",
        *preset.video_args(),
        *preset.audio_args(),
        "-f",
        "mp4",
        partial,
    ]
    try:
        if progress:
            progress(stage, 0.0)
            _run_with_progress(
                args,
                what=f"{preset.name} render",
                file=out,
                total_s=float(tl.duration),
                on_fraction=lambda f: progress(stage, f),
            )
            progress(stage, 1.0)
            progress("measure", 0.0)
        else:
            run_ffmpeg(args, what=f"{preset.name} render", file=out)
        info = probe(partial)
        loudness = measure(partial)
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    if progress:
        progress("measure", 1.0)
    return RenderResult(
        path=out,
        duration_s=float(tl.duration),
        width=info.width,
        height=info.height,
        loudness=loudness,
        timeline=list(tl.entries),
        silent=tl.silent,
    )


def render_presets(
    plan: RenderPlan,
    targets: Iterable[tuple[Preset, Path]],
    workdir: Path,
    progress: Progress | None = None,
) -> list[RenderResult]:
    """Render ``plan`` once per ``(preset, out)``, sharing one audio master."""
    return [render(plan, preset, out, workdir, progress) for preset, out in targets]
