"""The film's sound: take audio, sound effects and the music bed mixed once to a WAV, measured
and normalised to the plan's loudness target into a *master* that every preset's pass muxes.

The mix is normalised by a measured linear gain (:mod:`shortfilm.media.loudness`, -14 LUFS by
default) and cached in the work folder under a key of everything it depends on, so several
presets cost one mix. Audio positions are the sample counts matching the timeline's frames.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from shortfilm.domain.production import SoundKind
from shortfilm.domain.timeline_json import timeline_to_json
from shortfilm.media import sfx as sfx_synth
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import (
    SAMPLE_RATE,
    FilmTimeline,
    Progress,
    RenderPlan,
    cue_seconds,
    film_timeline,
)
from shortfilm.media.loudness import TARGET, LoudnessTarget, normalize

_AUDIO_VERSION = 3
"""Bump when the audio graph or its normalisation changes, so older masters are not reused."""

DUCK_RAMP_S = 0.12
"""Seconds the music takes to dip under a sound effect, and to come back after it."""


def _stat_key(path: Path) -> list[object]:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _target(plan: RenderPlan, true_peak_dbtp: float | None = None) -> LoudnessTarget:
    peak = TARGET.true_peak_dbtp if true_peak_dbtp is None else true_peak_dbtp
    return replace(TARGET, integrated_lufs=plan.loudness_lufs, true_peak_dbtp=peak)


def _audio_key(plan: RenderPlan, tl: FilmTimeline, true_peak_dbtp: float | None) -> str:
    edit = tl.timeline
    sound = timeline_to_json(edit)
    sound.pop("texts")
    music = _stat_key(plan.music_file) if plan.music_file else None
    target = _target(plan, true_peak_dbtp)
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
    edit = tl.timeline
    spans = []
    for cue in edit.audio.sfx:
        if cue.kind in (SoundKind.AMBIENCE.value, "drone"):
            continue
        start = float(tl.seconds(cue.at))
        spans.append((start, start + cue_seconds(cue, tl)))
    if duck_db <= 0 or not spans:
        return None
    r = DUCK_RAMP_S
    envelopes = [f"clip((t-{a - r:.4f})/{r},0,1)*clip(({b + r:.4f}-t)/{r},0,1)" for a, b in spans]
    floor = 10 ** (-duck_db / 20)
    return f"1-{1 - floor:.6f}*{_max_of(envelopes)}"


def _max_of(terms: list[str]) -> str:
    """``max`` of ``terms`` as a balanced tree: ffmpeg's expression parser refuses nesting deeper
    than about 100, which a chain of maxes reached at some 98 effects (a 10-minute film)."""
    while len(terms) > 1:
        pairs = [f"max({a},{b})" for a, b in zip(terms[::2], terms[1::2], strict=False)]
        terms = pairs + (terms[-1:] if len(terms) % 2 else [])
    return terms[0]


def _audio_graph(plan: RenderPlan, tl: FilmTimeline, folder: Path) -> tuple[list[str], list[str]]:
    """Input arguments and filter chains of the mix (output ``[aout]``); writes synthesised WAVs."""
    edit = tl.timeline
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
        length = cue_seconds(cue, tl)
        wav = folder / f"sfx-{j}-{cue.kind}.wav"
        sfx_synth.write(cue.kind, length, wav, seed=plan.seed + j)
        i = add_input("-i", wav)
        delay = tl.samples(cue.at)
        chains.append(
            f"[{i}:a]{_STEREO},volume={cue.gain_db:.2f}dB,adelay=delays={delay}S:all=1[sfx{j}]"
        )
        mix.append(f"sfx{j}")

    bed = edit.audio.music
    if bed is not None:
        path = plan.music_file
        if path is None:
            wav = folder / "music-drone.wav"
            sfx_synth.write("drone", total_s, wav, seed=plan.seed + 1000)
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
    *,
    true_peak_dbtp: float | None = None,
) -> Path:
    """Mix and normalise the film's audio once; return the master WAV (48 kHz stereo float).

    The master lives in ``workdir`` under a key of everything it depends on (clip files, cues,
    music, timing, seed, target), so rendering a second preset of the same plan reuses it.
    ``true_peak_dbtp`` replaces the usual true-peak target (-1.5 dBTP): what
    :func:`~shortfilm.media.render.deliver` asks for when AAC lifted a peak past the ceiling.
    """
    tl = timeline or film_timeline(plan)
    folder = Path(workdir) / f"audio-{_audio_key(plan, tl, true_peak_dbtp)}"
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
            normalize(mix, partial, _target(plan, true_peak_dbtp), sample_rate=SAMPLE_RATE)
        os.replace(partial, master)
    finally:
        partial.unlink(missing_ok=True)
        mix.unlink(missing_ok=True)
    if progress:
        progress("audio", 1.0)
    return master
