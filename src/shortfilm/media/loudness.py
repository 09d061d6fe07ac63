"""Loudness: measuring an export (EBU R128) and normalising a mix to the social-platform target.

Platforms normalise playback to about -14 LUFS integrated; delivering there means our mix plays as
mixed. True peak is held at or below -1 dBTP after AAC encoding, which needs about half a dB of
headroom, hence the -1.5 dBTP target on the PCM master.

Measurement uses ffmpeg's ``ebur128`` filter (``peak=true``: 4x oversampled true peak) and reads the
Summary block of its log. Normalisation is a linear gain computed from that measurement (what
``loudnorm``'s second pass applies in linear mode), after a peak limiter when the gain alone would
pass the ceiling. ``loudnorm`` itself is not used: its first pass resamples to 192 kHz and took
2.1 s where ``ebur128`` takes 0.3 s on the example's 51 s mix, and it ran twice per render.
"""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class Normalization:
    """What :func:`normalize` did: the mix as measured, whether it was limited, the final gain."""

    measured: Loudness
    """The source, measured before anything was done to it."""
    limited: bool
    """The gain alone would have passed the true-peak ceiling, so a limiter ran first."""
    gain_db: float
    """The linear gain of the last pass (after the limiter, if one ran)."""


def normalize(
    src: Path | str,
    dst: Path | str,
    target: LoudnessTarget = TARGET,
    *,
    sample_rate: int = 48_000,
) -> Normalization:
    """Write ``src`` normalised to ``target`` as a float WAV ``dst``: a linear gain.

    A mix whose peaks would pass the true-peak ceiling once gained (a loud impact over a quiet
    bed) is first brought to the target by :func:`_limit_to_target`, so the last pass is a small
    clean gain and never a compressor that pumps. A programme with nothing above the -70 LUFS
    gate (takes whose sound is digital silence, e.g. the animatic's, and no effect or music) is
    written ungained: no gain reaches a target. Temporary files sit next to ``dst``. Raises
    :class:`MediaError` naming the file on any ffmpeg failure.
    """
    source, out = Path(src), Path(dst)
    measured = measure(source)
    if measured.digital_silence or measured.integrated_lufs <= _ABSOLUTE_GATE_LUFS:
        _gain(source, out, 0.0, sample_rate, what="silent master")
        return Normalization(measured, limited=False, gain_db=0.0)
    limited = out.with_name(out.stem + ".limited.wav")
    gain = target.integrated_lufs - measured.integrated_lufs
    try:
        over = measured.true_peak_dbtp + gain > target.true_peak_dbtp
        if over:
            got = _limit_to_target(source, limited, measured.integrated_lufs, target, sample_rate)
            source, gain = limited, target.integrated_lufs - got.integrated_lufs
        _gain(source, out, gain, sample_rate, what="loudness normalisation")
    finally:
        limited.unlink(missing_ok=True)
    return Normalization(measured, limited=over, gain_db=gain)


_ABSOLUTE_GATE_LUFS = -70.0
"""BS.1770's absolute gate: ``ebur128`` reports -70 LUFS when nothing is above it."""


def _gain(src: Path, dst: Path, gain_db: float, sample_rate: int, *, what: str) -> None:
    run_ffmpeg(
        [
            "-nostats",
            "-i",
            src,
            "-af",
            f"volume={gain_db:.3f}dB,aresample={sample_rate}",
            "-c:a",
            "pcm_f32le",
            dst,
        ],
        what=what,
        file=src,
    )


def _limit_to_target(
    src: Path, dst: Path, measured_i: float, target: LoudnessTarget, sample_rate: int
) -> Loudness:
    """Write ``src`` gained and peak-limited to about the target loudness; return its measure.

    The limiter runs at 4x the rate (so it also catches inter-sample peaks) with its ceiling half a
    dB under the true-peak target, leaving room for the last pass's residual gain: a result up to
    0.45 LU under the target is close enough (that gain cannot reach the ceiling), and one up to
    1 LU over it (the last gain is then a cut, which never can). Limiting eats some of the gain,
    the more so the more a few loud hits dominate the programme, so the gain is found by secant
    steps on measured loudness (``ebur128``; usually 2-4 quick passes, at most 8).
    """
    ceiling_dbtp = target.true_peak_dbtp - 0.5
    gain = target.integrated_lufs - measured_i if math.isfinite(measured_i) else 0.0
    previous: tuple[float, float] | None = None
    for _ in range(8):
        _gain_and_limit(src, dst, gain, ceiling_dbtp, sample_rate)
        got = measure(dst)
        error = target.integrated_lufs - got.integrated_lufs
        if -1.0 <= error <= 0.45 or not math.isfinite(got.integrated_lufs):
            break
        slope = 0.5  # first guess: half of each extra dB survives the limiter
        if previous is not None and gain != previous[0]:
            slope = min(1.0, max(0.1, (got.integrated_lufs - previous[1]) / (gain - previous[0])))
        previous = (gain, got.integrated_lufs)
        gain = min(gain + max(-6.0, min(6.0, error / slope)), 40.0)
    return got


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


def measure_unchanged(path: Path) -> Loudness:
    """:func:`measure`, remembered for the same file unchanged (path, size, modification time):
    for a stored film read again and again, such as the approved film whose sound every texts-only
    variant copies (:mod:`shortfilm.media.delta_render`)."""
    found = Path(path).stat()
    return _measured(str(path), found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=64)
def _measured(path: str, mtime_ns: int, size: int) -> Loudness:
    return measure(path)
