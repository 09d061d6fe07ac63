"""The edit render: selected clip files -> a finished, loudness-normalised export per preset.

A film is a title card followed by the clips, every neighbouring pair joined by a video ``xfade``
and an audio ``acrossfade`` of the same length. Captions, sound effects and the music bed are placed
on the *film* timeline (title card included).

Time is exact: every segment is a whole number of frames at the film's rate, crossfades are whole
frames, and seconds are derived from frame counts with :class:`fractions.Fraction` only when ffmpeg
needs an argument or a person needs a number. Audio positions are the matching sample counts.

The work is split so that several presets cost little more than one:

1. the audio is mixed once (clip audio + SFX + music) to a WAV, measured and normalised to -14 LUFS
   with a two-pass loudnorm (:mod:`shortfilm.media.loudness`) into a *master*, cached in ``workdir``
   under a key of everything it depends on;
2. each preset is then ONE ffmpeg pass: a filter graph that fits every clip to the frame, joins the
   segments, burns in the Pillow-rendered captions, and muxes the master as AAC.

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
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from shortfilm.domain.production import EditIntent, SoundKind
from shortfilm.errors import InputError, MediaError
from shortfilm.media import sfx as sfx_synth
from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from shortfilm.media.loudness import TARGET, Loudness, measure, normalize
from shortfilm.media.presets import Preset, SafeArea
from shortfilm.media.probe import MediaInfo, probe
from shortfilm.media.text import draw_text_block

SAMPLE_RATE = sfx_synth.SAMPLE_RATE
"""Audio rate of the mix and of every export (Hz)."""

DEFAULT_FPS = Fraction(24)
"""Film rate when neither the plan nor the first clip says otherwise (frames per second)."""

_AUDIO_VERSION = 1
"""Bump when the audio graph changes, so cached masters from older code are not reused."""

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


class TimelineEntry(NamedTuple):
    what: str
    start_s: float
    end_s: float


@dataclass
class RenderPlan:
    """Everything the edit render needs; times are seconds on the film timeline."""

    clips: list[Path]
    """Clip videos in order. Any size and rate; they are fitted to each preset's frame."""
    crossfade_s: float = 0.4
    """Length of every transition, rounded to whole frames; 0 cuts."""
    title: TitleSpec | None = None
    captions: list[CaptionSpec] = field(default_factory=list)
    sfx: list[SfxSpec] = field(default_factory=list)
    music: MusicSpec | None = None
    fps: Fraction | None = None
    """Film rate; ``None`` takes the first clip's rate (24 if it has none)."""
    seed: int = 0
    """Seed of the synthesised sounds (cue ``i`` uses ``seed + i``)."""

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
            path = Path(base_dir) / edit.music.path if edit.music.path else None
            music = MusicSpec(path, edit.music.gain_db)
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


@dataclass(frozen=True)
class FilmTimeline:
    """Segments (title card first, then clips) as whole frames at ``fps``, and what sits where."""

    fps: Fraction
    segment_frames: tuple[int, ...]
    crossfade_frames: int
    has_title: bool
    clips: tuple[MediaInfo, ...]
    entries: tuple[TimelineEntry, ...]

    @property
    def starts(self) -> tuple[int, ...]:
        """First frame of each segment on the film timeline."""
        out, at = [], 0
        for n in self.segment_frames:
            out.append(at)
            at += n - self.crossfade_frames
        return tuple(out)

    @property
    def total_frames(self) -> int:
        return sum(self.segment_frames) - self.crossfade_frames * (len(self.segment_frames) - 1)

    @property
    def duration(self) -> Fraction:
        """Exact film length in seconds."""
        return self.total_frames / self.fps

    def seconds(self, frames: int | Fraction) -> Fraction:
        return frames / self.fps

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


def film_timeline(plan: RenderPlan) -> FilmTimeline:
    """Probe the clips and lay the film out in frames; :class:`MediaError` names a bad clip/music.

    Raises :class:`InputError` if a crossfade is as long as a segment, or if a caption or sound
    starts after the film ends (a caption running past the end is cut at the end).
    """
    infos = tuple(_probe_clip(p) for p in plan.clips)
    if plan.music is not None and plan.music.path is not None:
        if not plan.music.path.is_file():
            raise MediaError("music file not found", file=plan.music.path)
        if not probe(plan.music.path).has_audio:
            raise MediaError("music file has no audio stream", file=plan.music.path)
    fps = plan.fps or _film_rate(infos[0].fps)
    frames: list[int] = []
    names: list[str] = []
    if plan.title is not None:
        frames.append(max(1, round(Fraction(plan.title.duration_s) * fps)))
        names.append(f"title: {plan.title.text}")
    for i, (path, info) in enumerate(zip(plan.clips, infos, strict=True), start=1):
        frames.append(_clip_frames(info, fps))
        names.append(f"clip {i}: {path.name}")
    xf = round(Fraction(plan.crossfade_s) * fps) if len(frames) > 1 else 0
    for k, (name, n) in enumerate(zip(names, frames, strict=True)):
        # A segment must outlast its transitions: one at either end, two in the middle.
        overlaps = 1 if k in (0, len(frames) - 1) else 2
        if xf and n <= overlaps * xf:
            raise InputError(
                f"{name} is {n} frames, too short for {overlaps} crossfade(s) of {xf} frames"
            )
    base = FilmTimeline(fps, tuple(frames), xf, plan.title is not None, infos, ())
    total = float(base.duration)
    entries = [
        TimelineEntry(name, float(base.seconds(start)), float(base.seconds(start + n)))
        for name, start, n in zip(names, base.starts, frames, strict=True)
    ]
    for c in plan.captions:
        if c.start_s >= total:
            raise InputError(
                f"caption {c.text!r} starts at {c.start_s}s, after the film ({total:.3f}s)"
            )
        entries.append(TimelineEntry(f"caption: {c.text}", c.start_s, min(c.end_s, total)))
    for s in plan.sfx:
        if s.at_s >= total:
            raise InputError(f"sound {s.kind} at {s.at_s}s starts after the film ({total:.3f}s)")
        entries.append(TimelineEntry(f"sfx: {s.kind}", s.at_s, s.at_s + _sfx_length(s, total)))
    if plan.music is not None:
        what = f"music: {plan.music.path.name}" if plan.music.path else "music: drone"
        entries.append(TimelineEntry(what, 0.0, total))
    return FilmTimeline(fps, tuple(frames), xf, plan.title is not None, infos, tuple(entries))


def _kind_name(kind: SoundKind | str) -> str:
    return kind.value if isinstance(kind, SoundKind) else str(kind).lower()


def _sfx_length(cue: SfxSpec, total_s: float) -> float:
    """Seconds of the cue, cut at the film's end; ambience without a length runs to the end."""
    remaining = total_s - cue.at_s
    if cue.duration_s is not None:
        return min(cue.duration_s, remaining)
    name = _kind_name(cue.kind)
    if name == SoundKind.AMBIENCE.value:
        return remaining
    return min(sfx_synth.DEFAULT_DURATION_S.get(name, remaining), remaining)


# --------------------------------------------------------------------------------------------
# Audio: one mix, one master, shared by every preset.


def _stat_key(path: Path) -> list[object]:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _audio_key(plan: RenderPlan, tl: FilmTimeline) -> str:
    music: object = None
    if plan.music is not None:
        music = [_stat_key(plan.music.path) if plan.music.path else None, plan.music.gain_db]
    parts = {
        "version": _AUDIO_VERSION,
        "clips": [_stat_key(p) for p in plan.clips],
        "fps": str(tl.fps),
        "frames": tl.segment_frames,
        "xf": tl.crossfade_frames,
        "title": tl.has_title,
        "sfx": [[_kind_name(s.kind), s.at_s, s.gain_db, s.duration_s] for s in plan.sfx],
        "music": music,
        "seed": plan.seed,
        "target": [TARGET.integrated_lufs, TARGET.true_peak_dbtp, TARGET.lra],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


_STEREO = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"


def _audio_graph(plan: RenderPlan, tl: FilmTimeline, folder: Path) -> tuple[list[str], list[str]]:
    """Input arguments and filter chains of the mix (output ``[aout]``); writes synthesised WAVs."""
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
    clip_index = 0
    for k, n in enumerate(tl.segment_frames):
        samples = tl.samples(n)
        is_title = tl.has_title and k == 0
        info = None if is_title else tl.clips[clip_index]
        if info is not None:
            clip_index += 1
        label = f"seg{k}"
        if info is not None and info.has_audio:
            i = add_input("-i", info.path)
            chains.append(
                f"[{i}:a:0]asetpts=PTS-STARTPTS,{_STEREO},apad,atrim=end_sample={samples}[{label}]"
            )
        else:
            chains.append(
                f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=end_sample={samples},{_STEREO}[{label}]"
            )
        labels.append(label)
    if len(labels) == 1:
        chains.append(f"[{labels[0]}]anull[joined]")
    elif tl.crossfade_frames == 0:
        chains.append("".join(f"[{x}]" for x in labels) + f"concat=n={len(labels)}:v=0:a=1[joined]")
    else:
        ns = tl.samples(tl.crossfade_frames)
        prev = labels[0]
        for k, label in enumerate(labels[1:], start=1):
            out = "joined" if k == len(labels) - 1 else f"xa{k}"
            chains.append(f"[{prev}][{label}]acrossfade=ns={ns}:c1=qsin:c2=qsin[{out}]")
            prev = out
    chains.append(f"[joined]apad=whole_len={total_samples},atrim=end_sample={total_samples}[bed0]")
    mix = ["bed0"]

    for j, cue in enumerate(plan.sfx):
        length = _sfx_length(cue, total_s)
        wav = folder / f"sfx-{j}-{_kind_name(cue.kind)}.wav"
        sfx_synth.write_wav(sfx_synth.synth(cue.kind, length, seed=plan.seed + j), wav)
        i = add_input("-i", wav)
        delay = round(cue.at_s * SAMPLE_RATE)
        chains.append(
            f"[{i}:a]{_STEREO},volume={cue.gain_db:.2f}dB,adelay=delays={delay}S:all=1[sfx{j}]"
        )
        mix.append(f"sfx{j}")

    if plan.music is not None:
        if plan.music.path is None:
            wav = folder / "music-drone.wav"
            sfx_synth.write_wav(sfx_synth.drone(total_s, seed=plan.seed + 1000), wav)
            i = add_input("-i", wav)
            fades = ""
        else:
            i = add_input("-stream_loop", "-1", "-i", plan.music.path)
            fade_out = min(2.0, total_s / 4)
            fades = (
                f",afade=t=in:d={min(1.0, total_s / 4):.3f}"
                f",afade=t=out:st={total_s - fade_out:.3f}:d={fade_out:.3f}"
            )
        chains.append(
            f"[{i}:a:0]asetpts=PTS-STARTPTS,{_STEREO},atrim=end_sample={total_samples},"
            f"volume={plan.music.gain_db:.2f}dB{fades}[music]"
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
        normalize(mix, partial, TARGET, sample_rate=SAMPLE_RATE)
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
    """A dark, blurred, cool-graded version of ``frame`` filling ``size`` (a gradient if None)."""
    w, h = size
    if frame is None:
        top, bottom = np.array([20.0, 26.0, 40.0]), np.array([5.0, 6.0, 10.0])
        ramp = np.linspace(0.0, 1.0, h)[:, None, None]
        arr = np.broadcast_to(top + (bottom - top) * ramp, (h, w, 3)).copy()
    else:
        small = ImageOps.fit(frame, (max(2, w // 4), max(2, h // 4)), Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(radius=max(1.0, min(w, h) / 160)))
        small = ImageEnhance.Color(small).enhance(0.7)
        base = small.resize(size, Image.Resampling.BICUBIC)
        arr = np.asarray(base, dtype=np.float64) * 0.32
        arr = arr * np.array([0.85, 0.95, 1.1]) + np.array([4.0, 6.0, 10.0])
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    vignette = np.clip(1.0 - 0.35 * r2, 0.3, 1.0)[:, :, None]
    return Image.fromarray(np.clip(arr * vignette, 0, 255).astype(np.uint8))


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
    title_size, sub_size = max(12, round(short * 0.085)), max(9, round(short * 0.04))
    gap = max(4, round(short * 0.03))
    shadow = max(1, title_size // 24)
    mid = h // 2
    blocks = [(title.text, title_size, (margin, 0, w - margin, mid - gap), "bottom", 255)]
    if title.subtitle:
        blocks.append((title.subtitle, sub_size, (margin, mid + gap, w - margin, h), "top", 215))
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
    w, h = size
    text_size = max(10, round(min(w, h) * 0.05))
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    box = (
        round(safe.left * w),
        (2 * h) // 3,
        w - round(safe.right * w),
        h - round(safe.bottom * h),
    )
    draw_text_block(canvas, text, size=text_size, box=box, padding=max(4, text_size // 3))
    bbox = canvas.getchannel("A").getbbox()
    if bbox is None:
        return Image.new("RGBA", (2, 2), (0, 0, 0, 0)), 0, 0
    left, top = bbox[0] - bbox[0] % 2, bbox[1] - bbox[1] % 2  # even: yuv420 chroma alignment
    right, bottom = min(w, bbox[2] + bbox[2] % 2), min(h, bbox[3] + bbox[3] % 2)
    return canvas.crop((left, top, right, bottom)), left, top


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


def _video_graph(
    plan: RenderPlan,
    tl: FilmTimeline,
    preset: Preset,
    folder: Path,
    master: Path,
) -> tuple[list[str], str, int]:
    """Input arguments, the filter_complex (video ``[vout]``) and the input index of the master."""
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
    if plan.title is not None:
        card = render_title_card(
            plan.title, preset.size, preset.safe, grab_frame(plan.clips[0], at_s=1.0)
        )
        card_path = folder / "title.png"
        card.save(card_path)
        seconds = _secs(tl.seconds(frames[0] + tl.fps))
        i = add_input("-loop", "1", "-framerate", fps, "-t", seconds, "-i", card_path)
        chains.append(
            f"[{i}:v]fps={fps},trim=end_frame={frames[0]},setpts=PTS-STARTPTS,"
            f"scale={preset.width}:{preset.height},setsar=1,format=yuv420p[s0]"
        )
        segs.append("s0")
    for path, info in zip(plan.clips, tl.clips, strict=True):
        k = len(segs)
        i = add_input("-i", path)
        pad = math.ceil(tl.fps) * 2
        chains.append(
            f"[{i}:v:0]setpts=PTS-STARTPTS,fps={fps},tpad=stop_mode=clone:stop={pad},"
            f"trim=end_frame={frames[k]},setpts=PTS-STARTPTS[r{k}]"
        )
        chains.extend(_fit_chain(f"r{k}", info, preset, f"s{k}"))
        segs.append(f"s{k}")

    if len(segs) == 1:
        current = segs[0]
    elif tl.crossfade_frames == 0:
        chains.append("".join(f"[{s}]" for s in segs) + f"concat=n={len(segs)}:v=1:a=0[joined]")
        current = "joined"
    else:
        duration = _secs(tl.seconds(tl.crossfade_frames))
        current = segs[0]
        for k, (seg, start) in enumerate(zip(segs[1:], tl.starts[1:], strict=True), start=1):
            out = f"x{k}"
            chains.append(
                f"[{current}][{seg}]xfade=transition=fade:duration={duration}:"
                f"offset={_secs(tl.seconds(start))}[{out}]"
            )
            current = out

    total_s = float(tl.duration)
    for j, cap in enumerate(plan.captions):
        image, x, y = render_caption(cap.text, preset.size, preset.safe)
        png = folder / f"caption-{j}.png"
        image.save(png)
        i = add_input("-i", png)
        end = min(cap.end_s, total_s)
        out = f"c{j}"
        chains.append(
            f"[{current}][{i}:v]overlay=x={x}:y={y}:eof_action=repeat:"
            f"enable='between(t,{_secs(cap.start_s)},{_secs(end)})'[{out}]"
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
    )


def render_presets(
    plan: RenderPlan,
    targets: Iterable[tuple[Preset, Path]],
    workdir: Path,
    progress: Progress | None = None,
) -> list[RenderResult]:
    """Render ``plan`` once per ``(preset, out)``, sharing one audio master."""
    return [render(plan, preset, out, workdir, progress) for preset, out in targets]
