"""Loudness: measuring an export (EBU R128) and normalising a mix to the social-platform target.

Platforms normalise playback to about -14 LUFS integrated; delivering there means our mix plays as
mixed. True peak is held at or below -1 dBTP after AAC encoding, which needs about half a dB of
headroom, hence the -1.5 dBTP target on the PCM master.

Measurement uses ffmpeg's ``ebur128`` filter (``peak=true``: 4x oversampled true peak) and reads the
Summary block of its log. Normalisation is the classic two-pass ``loudnorm``: pass 1 measures and
prints JSON, pass 2 applies a linear gain computed from the measurement.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from shortfilm.errors import MediaError
from shortfilm.media.ffmpeg import run_ffmpeg


@dataclass(frozen=True)
class Loudness:
    """EBU R128 facts of a programme."""

    integrated_lufs: float
    """Gated integrated loudness (LUFS); -70.0 for silence."""
    true_peak_dbtp: float
    """Highest 4x-oversampled sample peak over all channels (dBTP); ``-inf`` for digital silence."""
    lra: float
    """Loudness range (LU): how much the short-term loudness varies."""

    @property
    def digital_silence(self) -> bool:
        """Every sample is zero (no peak at all): a film whose takes carry silent tracks."""
        return self.true_peak_dbtp == -math.inf


@dataclass(frozen=True)
class LoudnessTarget:
    integrated_lufs: float = -14.0
    true_peak_dbtp: float = -1.5
    lra: float = 11.0


TARGET = LoudnessTarget()
"""Where every export is normalised to: -14 LUFS, -1.5 dBTP on the master, LRA 11 LU."""

_SUMMARY_FIELDS = {
    "integrated_lufs": re.compile(r"^\s*I:\s*(\S+)\s*LUFS", re.MULTILINE),
    "lra": re.compile(r"^\s*LRA:\s*(\S+)\s*LU\b", re.MULTILINE),
    "true_peak_dbtp": re.compile(r"^\s*Peak:\s*(\S+)\s*dBFS", re.MULTILINE),
}


def parse_ebur128_summary(log: str) -> Loudness:
    """Read I, LRA and true peak from the ``Summary:`` block of an ``ebur128=peak=true`` log.

    Raises ``ValueError`` if the log has no complete summary (e.g. the input had no audio).
    """
    start = log.rfind("Summary:")
    if start < 0:
        raise ValueError("no ebur128 Summary block in the ffmpeg log")
    block = log[start:]
    values: dict[str, float] = {}
    for name, pattern in _SUMMARY_FIELDS.items():
        match = pattern.search(block)
        if match is None:
            raise ValueError(f"ebur128 summary has no {name}")
        values[name] = float(match.group(1))  # accepts -inf for silence
    return Loudness(**values)


def _audio_pass(p: Path, audio_filter: str, what: str) -> str:
    """ffmpeg's log of ``audio_filter`` run over the first audio stream of ``p``, output
    discarded: how both the measurement and loudnorm's first pass read a file."""
    return run_ffmpeg(
        ["-nostats", "-i", p, "-map", "0:a:0", "-af", audio_filter, "-f", "null", "-"],
        what=what,
        file=p,
    )


def measure(path: Path | str) -> Loudness:
    """Integrated loudness, true peak and LRA of the first audio stream of ``path``.

    Decodes the whole stream (about 1-2 s per minute of stereo audio). Raises :class:`MediaError`
    naming the file if it cannot be decoded or has no audio.
    """
    p = Path(path)
    if not p.is_file():
        raise MediaError("no such file", file=p)
    log = _audio_pass(p, "ebur128=peak=true:framelog=verbose", "loudness measurement")
    try:
        return parse_ebur128_summary(log)
    except ValueError as exc:
        raise MediaError(f"cannot measure loudness: {exc}", file=p) from exc


def parse_loudnorm_json(log: str) -> dict[str, str]:
    """The JSON object ``loudnorm=print_format=json`` prints at the end of its log, as strings.

    Keys include ``input_i``, ``input_tp``, ``input_lra``, ``input_thresh``, ``target_offset``,
    ``output_i`` ... and ``normalization_type``. Raises ``ValueError`` if there is none.
    """
    start = log.rfind("{")
    end = log.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no loudnorm JSON in the ffmpeg log")
    data = json.loads(log[start : end + 1])
    if not isinstance(data, dict) or "input_i" not in data:
        raise ValueError("loudnorm JSON lacks input_i")
    return {str(k): str(v) for k, v in data.items()}


def _target_args(target: LoudnessTarget) -> str:
    return f"I={target.integrated_lufs:g}:TP={target.true_peak_dbtp:g}:LRA={target.lra:g}"


def loudnorm_analysis_filter(target: LoudnessTarget = TARGET) -> str:
    """The pass-1 filter: measures and prints JSON (its audio output is discarded).

    Three seconds of silence are appended first: loudnorm works in 3 s frames and leaves the last
    partial one out of its input statistics, which on a 10 s programme shifts ``input_i`` by about
    a dB. Silence is below the absolute gate, so it changes nothing else.
    """
    return f"apad=pad_dur=3,loudnorm={_target_args(target)}:print_format=json"


def _clamped(measured: dict[str, str], key: str, low: float, high: float) -> str:
    """A measured value inside the range loudnorm accepts (silence measures as ``-inf``)."""
    try:
        value = float(measured[key])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"loudnorm measurement lacks a numeric {key}") from exc
    if math.isnan(value):
        value = low
    return f"{min(max(value, low), high):.2f}"


def loudnorm_filter(measured: dict[str, str], target: LoudnessTarget = TARGET) -> str:
    """The pass-2 filter: linear gain from pass-1 ``measured`` (see :func:`parse_loudnorm_json`).

    ``loudnorm`` only stays linear (a pure gain, dynamics untouched) when the gained true peak stays
    under the target and the measured LRA is within the target; otherwise it silently switches to
    dynamic compression. :func:`normalize` prepares the mix so the linear path is taken.
    """
    parts = [
        "loudnorm=" + _target_args(target),
        "measured_I=" + _clamped(measured, "input_i", -99.0, 0.0),
        "measured_TP=" + _clamped(measured, "input_tp", -99.0, 99.0),
        # loudnorm treats measured_LRA == 0 (a steady tone) as "not measured" and goes dynamic.
        "measured_LRA=" + _clamped(measured, "input_lra", 0.01, 99.0),
        "measured_thresh=" + _clamped(measured, "input_thresh", -99.0, 0.0),
        "offset=" + _clamped(measured, "target_offset", -99.0, 99.0),
        "linear=true",
        "print_format=json",
    ]
    return ":".join(parts)


def analyze(path: Path | str, target: LoudnessTarget = TARGET) -> dict[str, str]:
    """Loudnorm pass 1 over ``path``: the measured values as strings (``input_i`` in LUFS, ...)."""
    p = Path(path)
    log = _audio_pass(p, loudnorm_analysis_filter(target), "loudness analysis")
    try:
        return parse_loudnorm_json(log)
    except ValueError as exc:
        raise MediaError(f"cannot analyse loudness: {exc}", file=p) from exc


def normalize(
    src: Path | str,
    dst: Path | str,
    target: LoudnessTarget = TARGET,
    *,
    sample_rate: int = 48_000,
) -> dict[str, str]:
    """Write ``src`` normalised to ``target`` as a float WAV ``dst``; return pass-2 loudnorm stats.

    Two-pass loudnorm, kept linear (a pure gain). A mix whose peaks would pass the true-peak
    ceiling once gained (a loud impact over a quiet bed) would make loudnorm fall back to dynamic
    mode, which pumps and misses the integrated target; such a mix is first brought to the target
    by :func:`_limit_to_target`, so pass 2 is a small clean gain. Temporary files sit next to
    ``dst``. Raises :class:`MediaError` naming the file on any ffmpeg failure.
    """
    source, out = Path(src), Path(dst)
    measured = analyze(source, target)
    if not math.isfinite(float(measured["input_i"])):
        # nothing above the -70 LUFS gate (takes whose sound is digital silence, e.g. the
        # animatic's, and no effect or music): no gain reaches a target, and loudnorm's infinite
        # offset would write NaN samples that the AAC encoder then refuses
        run_ffmpeg(
            ["-nostats", "-i", source, "-af", f"aresample={sample_rate}", "-c:a", "pcm_f32le", out],
            what="silent master",
            file=source,
        )
        return measured
    limited = out.with_name(out.stem + ".limited.wav")
    try:
        if not _linear_possible(measured, target):
            _limit_to_target(source, limited, float(measured["input_i"]), target, sample_rate)
            source = limited
            measured = analyze(source, target)
        log = run_ffmpeg(
            [
                "-nostats",
                "-i",
                source,
                "-af",
                f"{loudnorm_filter(measured, _relaxed(measured, target))},aresample={sample_rate}",
                "-c:a",
                "pcm_f32le",
                out,
            ],
            what="loudness normalisation",
            file=source,
        )
    finally:
        limited.unlink(missing_ok=True)
    try:
        return parse_loudnorm_json(log)
    except ValueError as exc:
        raise MediaError(f"cannot read loudnorm result: {exc}", file=source) from exc


def _limit_to_target(
    src: Path, dst: Path, measured_i: float, target: LoudnessTarget, sample_rate: int
) -> None:
    """Write ``src`` gained and peak-limited to within 0.3 LU of the target loudness.

    The limiter runs at 4x the rate (so it also catches inter-sample peaks) with its ceiling half a
    dB under the true-peak target, leaving room for pass 2's residual gain. Limiting eats some of
    the gain, the more so the more a few loud hits dominate the programme, so the gain is found by
    secant steps on measured loudness (``ebur128``; usually 2-4 quick passes, at most 8).
    """
    ceiling_dbtp = target.true_peak_dbtp - 0.5
    gain = target.integrated_lufs - measured_i if math.isfinite(measured_i) else 0.0
    previous: tuple[float, float] | None = None
    for _ in range(8):
        _gain_and_limit(src, dst, gain, ceiling_dbtp, sample_rate)
        got = measure(dst).integrated_lufs
        error = target.integrated_lufs - got
        if abs(error) <= 0.3 or not math.isfinite(got):
            return
        slope = 0.5  # first guess: half of each extra dB survives the limiter
        if previous is not None and gain != previous[0]:
            slope = min(1.0, max(0.1, (got - previous[1]) / (gain - previous[0])))
        previous = (gain, got)
        gain = min(gain + max(-6.0, min(6.0, error / slope)), 40.0)


def _gain_and_limit(
    src: Path, dst: Path, gain_db: float, ceiling_dbtp: float, sample_rate: int
) -> None:
    """Apply ``gain_db`` then a look-ahead limiter at ``ceiling_dbtp``, run at 4x the rate."""
    ceiling = 10 ** (ceiling_dbtp / 20)
    run_ffmpeg(
        [
            "-nostats",
            "-i",
            src,
            "-af",
            f"aresample={4 * sample_rate},volume={gain_db:.3f}dB,"
            f"alimiter=limit={ceiling:.5f}:attack=2:release=80:level=false:latency=true,"
            f"aresample={sample_rate}",
            "-c:a",
            "pcm_f32le",
            dst,
        ],
        what="peak limiting",
        file=src,
    )


def _linear_possible(measured: dict[str, str], target: LoudnessTarget) -> bool:
    """Whether loudnorm's linear mode would apply the full gain without hitting the peak ceiling."""
    try:
        i, tp = float(measured["input_i"]), float(measured["input_tp"])
    except (KeyError, ValueError):
        return False
    if not (math.isfinite(i) and math.isfinite(tp)):
        return True
    return tp + (target.integrated_lufs - i) <= target.true_peak_dbtp


def _relaxed(measured: dict[str, str], target: LoudnessTarget) -> LoudnessTarget:
    """``target`` with its LRA widened to the measured range, so loudnorm stays a linear gain.

    A film is meant to have quiet and loud moments; the LRA target would only be used by the dynamic
    compressor we deliberately avoid.
    """
    try:
        lra = float(measured["input_lra"])
    except (KeyError, ValueError):
        return target
    if not math.isfinite(lra) or lra <= target.lra:
        return target
    return LoudnessTarget(target.integrated_lufs, target.true_peak_dbtp, min(lra + 0.1, 50.0))
