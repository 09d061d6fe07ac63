"""Sound effects and a music bed synthesised in code, so a film has sound with no downloaded assets.

Every generator returns ``float32`` samples of shape ``(frames, 2)`` at :data:`SAMPLE_RATE` (48 kHz
stereo) in ``[-1, 1]``, and is deterministic for a given ``seed``: the same cue renders the same
bytes on every machine, which keeps exports reproducible and tests exact.

Levels are set per kind so that a cue at 0 dB gain is mixed at a sensible level next to the others:
one-shots (``impact`` -1 dBFS peak, ``whoosh`` -3 dBFS) are loud on purpose, beds (``ambience``,
``drone``) peak at -6 dBFS and are meant to be turned down further by the cue's gain.
"""

from __future__ import annotations

import functools
import io
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from shortfilm.domain.production import SoundKind

SAMPLE_RATE = 48_000
"""Samples per second of every generated sound (the export's audio rate)."""

Samples = npt.NDArray[np.float32]
"""``(frames, 2)`` float32 in ``[-1, 1]``."""

_F64 = npt.NDArray[np.float64]

DEFAULT_DURATION_S: dict[str, float] = {
    SoundKind.IMPACT.value: 1.2,
    SoundKind.WHOOSH.value: 0.8,
    SoundKind.AMBIENCE.value: 8.0,
    "drone": 30.0,
}
"""Length used by :func:`synth` when a cue gives none (seconds)."""


def _frames(duration_s: float) -> int:
    if not duration_s > 0:
        raise ValueError(f"sound duration must be > 0 seconds, got {duration_s}")
    return max(1, round(duration_s * SAMPLE_RATE))


def _time(n: int) -> _F64:
    return np.arange(n, dtype=np.float64) / SAMPLE_RATE


def _fade(n: int, fade_in_s: float, fade_out_s: float) -> _F64:
    """Raised-cosine fade in/out gain curve of ``n`` samples (fades shortened to fit)."""
    return _fade_part(n, np.arange(n), fade_in_s, fade_out_s)


def _normalize(stereo: _F64, peak_dbfs: float) -> Samples:
    """Scale so the larger channel peaks at ``peak_dbfs``; silence stays silence."""
    peak = float(np.max(np.abs(stereo))) if stereo.size else 0.0
    if peak > 0:
        stereo = stereo * (10 ** (peak_dbfs / 20) / peak)
    return np.ascontiguousarray(stereo, dtype=np.float32)


def _shaped_noise(rng: np.random.Generator, n: int, gain_of_hz: _F64 | None = None) -> _F64:
    """White noise of ``n`` samples, optionally coloured by a per-bin amplitude curve (FFT)."""
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    if gain_of_hz is not None:
        spectrum = spectrum * gain_of_hz
    out: _F64 = np.fft.irfft(spectrum, n=n)
    return out


def _bin_freqs(n: int) -> _F64:
    return np.asarray(np.fft.rfftfreq(n, d=1.0 / SAMPLE_RATE), dtype=np.float64)


def impact(duration_s: float = 1.2, *, seed: int = 0) -> Samples:
    """A cinematic hit: pitch-dropping ~100->55 Hz sine thump, a noise transient and metallic ring.

    The body decays over ~0.35 s and the ring over ~0.4 s, so most energy sits in the first half
    second; ``duration_s`` only sets where the tail is cut (with a 30 ms fade). Peak -1 dBFS.
    """
    n = _frames(duration_s)
    rng = np.random.default_rng(seed)
    t = _time(n)
    freq = 55.0 + 45.0 * np.exp(-t / 0.08)
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    body = np.tanh(1.8 * np.sin(phase) * np.exp(-t / 0.35)) / np.tanh(1.8)
    f = _bin_freqs(n)
    click_tone = 1.0 / (1.0 + (f / 4000.0) ** 2)
    partials = (
        (612.0, 0.12, 0.40),
        (1395.0, 0.08, 0.30),
        (2231.0, 0.05, 0.22),
        (3170.0, 0.03, 0.15),
    )
    channels = []
    for ch in range(2):
        noise = _shaped_noise(rng, n, click_tone)
        noise /= max(float(np.max(np.abs(noise))), 1e-12)
        click = noise * np.exp(-t / 0.012)
        detune = 1.0 + (0.003 if ch else -0.003)
        ring = np.zeros(n)
        for hz, amp, tau in partials:
            ring += (
                amp
                * np.sin(2 * np.pi * hz * detune * t + rng.uniform(0, 2 * np.pi))
                * np.exp(-t / tau)
            )
        channels.append(body + 0.45 * click + ring)
    stereo = np.stack(channels, axis=1) * _fade(n, 0.001, 0.03)[:, None]
    return _normalize(stereo, -1.0)


def whoosh(duration_s: float = 0.8, *, seed: int = 0) -> Samples:
    """A pass-by: band-passed noise whose centre sweeps ~250 Hz -> 2.5 kHz -> 600 Hz, panning L->R.

    Loudest at 62 % of ``duration_s`` where the sweep peaks. Built by overlap-adding noise frames
    shaped in the frequency domain (a time-varying band-pass with no per-sample loop). Peak -3 dBFS.
    """
    n = _frames(duration_s)
    rng = np.random.default_rng(seed)
    size, hop = 1024, 256
    n_frames = max(1, int(np.ceil(n / hop)) + size // hop)
    centres = np.arange(n_frames) * hop / n
    u = np.clip(centres, 0.0, 1.0)
    peak_at = 0.62
    log_fc = np.where(
        u < peak_at,
        np.log2(250.0) + (np.log2(2500.0) - np.log2(250.0)) * (u / peak_at),
        np.log2(2500.0) + (np.log2(600.0) - np.log2(2500.0)) * ((u - peak_at) / (1 - peak_at)),
    )
    f = np.fft.rfftfreq(size, d=1.0 / SAMPLE_RATE)
    log_f = np.log2(np.maximum(f, 1.0))
    band = np.exp(-0.5 * ((log_f[None, :] - log_fc[:, None]) / 0.8) ** 2)
    window = np.hanning(size)
    channels = []
    for _ in range(2):
        spec = rng.standard_normal((n_frames, f.size)) + 1j * rng.standard_normal(
            (n_frames, f.size)
        )
        grains = np.fft.irfft(spec * band, n=size, axis=1) * window
        out = np.zeros(n_frames * hop + size)
        for i in range(n_frames):
            out[i * hop : i * hop + size] += grains[i]
        channels.append(out[size // 2 : size // 2 + n])
    t = _time(n) / (n / SAMPLE_RATE)
    env = t**2.0 * (1.0 - t) ** 1.2
    env /= max(float(np.max(env)), 1e-12)
    pan = (0.25 + 0.5 * t) * (np.pi / 2)
    stereo = np.stack([channels[0] * np.cos(pan), channels[1] * np.sin(pan)], axis=1)
    stereo *= (env * _fade(n, 0.005, 0.02))[:, None]
    return _normalize(stereo, -3.0)


BLOCK_FRAMES = 10 * SAMPLE_RATE
"""Samples of a bed computed at once: a bed runs the length of the film, so it is made and
written block by block and its memory does not grow with the film."""

LOOP_S = 60.0
"""The ambience's noise is one FFT this long, repeated: an inverse FFT is periodic, so the copies
join without a seam, and the swells over it never repeat with it."""


def ambience(duration_s: float, *, seed: int = 0) -> Samples:
    """A wind/sea bed: brown noise low-passed at ~700 Hz, swelling slowly (0.05-0.3 Hz) like waves.

    Any length (seconds); half-second-or-shorter raised-cosine fades at both ends. Peak -6 dBFS.
    """
    return _normalize(np.concatenate(list(_ambience_blocks(duration_s, seed))), -6.0)


def _ambience_blocks(duration_s: float, seed: int) -> Iterator[_F64]:
    n = _frames(duration_s)
    rng = np.random.default_rng(seed)
    period = min(n, _frames(LOOP_S))
    f = _bin_freqs(period)
    colour = np.where(f > 15.0, 1.0 / np.maximum(f, 1.0), 0.0) / (1.0 + (f / 700.0) ** 4)
    a, b = _shaped_noise(rng, period, colour), _shaped_noise(rng, period, colour)
    left, right = 0.8 * a + 0.2 * b, 0.2 * a + 0.8 * b
    swells = [(hz, rng.uniform(0, 2 * np.pi)) for hz in (0.05, 0.11, 0.29)]
    fades = min(0.5, duration_s / 4), min(0.5, duration_s / 4)
    for at in range(0, n, BLOCK_FRAMES):
        index = np.arange(at, min(n, at + BLOCK_FRAMES))
        t = index / SAMPLE_RATE
        swell = np.zeros(index.size)
        for hz, phase in swells:
            swell += np.sin(2 * np.pi * hz * t + phase)
        mod = 0.65 + 0.35 * swell / 3.0
        looped = index % period
        stereo = np.stack([left[looped], right[looped]], axis=1)
        yield stereo * (mod * _fade_part(n, index, *fades))[:, None]


def drone(duration_s: float, *, seed: int = 0) -> Samples:
    """A soft music bed: A1 (55 Hz) and a copy detuned +0.35 Hz, the fifth above, soft octaves.

    The detuned pair beats slowly and is split left/right for width; a 0.07 Hz swell keeps it
    alive. Fades in over up to 3 s and out over up to 4 s (shorter for short beds). Peak -6 dBFS.
    """
    return _normalize(np.concatenate(list(_drone_blocks(duration_s, seed))), -6.0)


def _drone_blocks(duration_s: float, seed: int) -> Iterator[_F64]:
    n = _frames(duration_s)
    rng = np.random.default_rng(seed)
    voices = [
        (hz, amp, left_share, rng.uniform(0, 2 * np.pi))
        for hz, amp, left_share in (
            (55.0, 1.0, 0.8),
            (55.35, 1.0, 0.2),
            (82.41, 0.6, 0.5),
            (110.0, 0.35, 0.5),
            (164.81, 0.18, 0.5),
        )
    ]
    swell_phase = rng.uniform(0, 2 * np.pi)
    fades = min(3.0, duration_s / 4), min(4.0, duration_s / 3)
    for at in range(0, n, BLOCK_FRAMES):
        index = np.arange(at, min(n, at + BLOCK_FRAMES))
        t = index / SAMPLE_RATE
        left = np.zeros(index.size)
        right = np.zeros(index.size)
        for hz, amp, left_share, phase in voices:
            tone = amp * np.sin(2 * np.pi * hz * t + phase)
            left += tone * left_share
            right += tone * (1 - left_share)
        swell = 0.85 + 0.15 * np.sin(2 * np.pi * 0.07 * t + swell_phase)
        stereo = np.stack([left, right], axis=1)
        yield stereo * (swell * _fade_part(n, index, *fades))[:, None]


_BEDS = {SoundKind.AMBIENCE.value: _ambience_blocks, "drone": _drone_blocks}
"""The sounds made and written block by block (see :func:`write`)."""


def _fade_part(n: int, index: npt.NDArray[np.int64], fade_in_s: float, fade_out_s: float) -> _F64:
    """The fade in/out gain curve of ``n`` samples at the samples ``index`` (a run of them), so a
    bed made in blocks fades exactly as one made whole: raised cosines, shortened to fit."""
    env = np.ones(index.size, dtype=np.float64)
    fin = min(round(fade_in_s * SAMPLE_RATE), n // 2)
    fout = min(round(fade_out_s * SAMPLE_RATE), n // 2)
    if fin > 0 and index[0] < fin:
        head = index < fin
        env[head] *= (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fin)))[index[head]]
    if fout > 0 and index[-1] >= n - fout:
        tail = index >= n - fout
        env[tail] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fout)))[index[tail] - (n - fout)]
    return env


def synth(kind: SoundKind | str, duration_s: float | None = None, seed: int = 0) -> Samples:
    """Render a cue of ``kind`` (a :class:`SoundKind` or ``"drone"``) of ``duration_s`` seconds.

    ``None`` uses the kind's natural length (:data:`DEFAULT_DURATION_S`). Raises ``ValueError`` for
    an unknown kind or a non-positive duration.
    """
    name = kind.value if isinstance(kind, SoundKind) else str(kind).lower()
    if name not in DEFAULT_DURATION_S:
        known = ", ".join(DEFAULT_DURATION_S)
        raise ValueError(f"unknown sound kind {kind!r} (known: {known})")
    length = DEFAULT_DURATION_S[name] if duration_s is None else duration_s
    if name == SoundKind.IMPACT.value:
        return impact(length, seed=seed)
    if name == SoundKind.WHOOSH.value:
        return whoosh(length, seed=seed)
    if name == SoundKind.AMBIENCE.value:
        return ambience(length, seed=seed)
    return drone(length, seed=seed)


def write(kind: SoundKind | str, duration_s: float | None, path: Path, *, seed: int = 0) -> Path:
    """:func:`synth` written to ``path`` as a WAV; a bed (ambience, drone) is made and written
    block by block, in two passes (its peak, then its samples scaled to it), so a bed under a
    10-minute film holds :data:`BLOCK_FRAMES` samples at a time, not the film's.

    A bed of up to :data:`REMEMBERED_BED_S` is remembered by the process (see :func:`_bed_wav`).
    """
    name = kind.value if isinstance(kind, SoundKind) else str(kind).lower()
    length = DEFAULT_DURATION_S.get(name, 0.0) if duration_s is None else duration_s
    if name not in _BEDS:
        return write_wav(synth(kind, duration_s, seed), path)
    if _frames(length) <= REMEMBERED_BED_S * SAMPLE_RATE:
        Path(path).write_bytes(_bed_wav(name, length, seed))
        return Path(path)
    with open(path, "wb") as out:
        _write_bed(name, length, seed, out)
    return Path(path)


REMEMBERED_BED_S = 120
"""The longest bed (seconds) the process keeps: 23 MB of WAV at most, four of them at most."""


@functools.lru_cache(maxsize=4)
def _bed_wav(name: str, length: float, seed: int) -> bytes:
    """A bed's WAV bytes, made once per process for each (kind, length, seed). Beds are the
    costly sounds (about 1.5 CPU-s for a minute of ambience and drone), and the same film is
    rendered again and again: each preset's master, each re-render after a small edit, each
    variant. The bytes are the same on every call, since a bed is deterministic."""
    out = io.BytesIO()
    _write_bed(name, length, seed, out)
    return out.getvalue()


def _write_bed(name: str, length: float, seed: int, out: BinaryIO) -> None:
    blocks = _BEDS[name]
    peak = max(float(np.max(np.abs(block))) for block in blocks(length, seed))
    scale = 10 ** (-6.0 / 20) / peak if peak > 0 else 1.0
    scaled = (
        np.ascontiguousarray(block * scale, dtype=np.float32) for block in blocks(length, seed)
    )
    _write_wav_blocks(scaled, out)


def write_wav(samples: npt.NDArray[np.floating], path: Path | str) -> Path:
    """Write ``samples`` (``(frames, channels)`` or mono 1-D, float in [-1, 1]) as 16-bit PCM WAV.

    Values outside [-1, 1] are clipped. The rate is :data:`SAMPLE_RATE`. Returns the path.
    """
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] < 1:
        raise ValueError(f"samples must be (frames, channels), got shape {data.shape}")
    with open(path, "wb") as out:
        _write_wav_blocks(iter([data]), out)
    return Path(path)


def _write_wav_blocks(blocks: Iterator[npt.NDArray[np.floating]], out: BinaryIO) -> None:
    """Write ``(frames, channels)`` blocks one after the other to ``out`` as one 16-bit PCM WAV
    (the header is completed when the writer closes; ``out`` stays open)."""
    with wave.open(out, "wb") as w:
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        for i, block in enumerate(blocks):
            if i == 0:
                w.setnchannels(block.shape[1])
            pcm = np.round(np.clip(np.asarray(block, np.float64), -1.0, 1.0) * 32767.0)
            w.writeframes(pcm.astype("<i2").tobytes())
