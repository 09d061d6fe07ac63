"""Synthesised sound effects and loudness measurement / normalisation, checked on real audio."""

from __future__ import annotations

import math
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shortfilm.domain.production import SoundKind
from shortfilm.media import sfx
from shortfilm.media.loudness import (
    TARGET,
    Loudness,
    measure,
    normalize,
    parse_ebur128_summary,
)

SR = sfx.SAMPLE_RATE


def peak_dbfs(x: np.ndarray) -> float:
    return 20 * math.log10(float(np.max(np.abs(x))))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


# ------------------------------------------------------------------------------------ sfx


@pytest.mark.parametrize(
    ("kind", "duration", "frames", "peak"),
    [
        (SoundKind.IMPACT, None, round(1.2 * SR), -1.0),
        (SoundKind.WHOOSH, None, round(0.8 * SR), -3.0),
        (SoundKind.AMBIENCE, 3.0, 3 * SR, -6.0),
        ("ambience", 0.5, SR // 2, -6.0),
        ("drone", 5.0, 5 * SR, -6.0),
        ("impact", 0.3, round(0.3 * SR), -1.0),
    ],
)
def test_synth_has_the_asked_length_peak_and_format(
    kind: SoundKind | str, duration: float | None, frames: int, peak: float
) -> None:
    samples = sfx.synth(kind, duration, seed=3)
    assert samples.shape == (frames, 2)
    assert samples.dtype == np.float32
    assert np.isfinite(samples).all()
    assert peak_dbfs(samples) == pytest.approx(peak, abs=0.01)


@pytest.mark.parametrize("kind", ["impact", "whoosh", "ambience", "drone"])
def test_synth_is_deterministic_per_seed(kind: str) -> None:
    a = sfx.synth(kind, 2.0, seed=7)
    b = sfx.synth(kind, 2.0, seed=7)
    c = sfx.synth(kind, 2.0, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_impact_front_loads_its_energy_and_has_low_end() -> None:
    hit = sfx.synth(SoundKind.IMPACT).mean(axis=1)
    assert rms(hit[: SR // 2]) > 5 * rms(hit[-SR // 2 :])
    spectrum = np.abs(np.fft.rfft(hit))
    freqs = np.fft.rfftfreq(hit.size, 1 / SR)
    low = spectrum[(freqs > 40) & (freqs < 120)].sum()
    assert low > spectrum[(freqs > 120) & (freqs < 200)].sum()  # the thump sits around 55 Hz


def test_whoosh_swells_then_fades() -> None:
    w = sfx.synth("whoosh").mean(axis=1)
    tenth = w.size // 10
    parts = [rms(w[i * tenth : (i + 1) * tenth]) for i in range(10)]
    assert parts.index(max(parts)) in (5, 6, 7)
    assert parts[0] < 0.2 * max(parts) and parts[-1] < 0.5 * max(parts)


def test_ambience_swells_slowly() -> None:
    bed = sfx.synth("ambience", 30.0, seed=1).mean(axis=1)
    seconds = [rms(bed[i * SR : (i + 1) * SR]) for i in range(2, 28)]
    assert max(seconds) > 1.3 * min(seconds)


def test_synth_rejects_unknown_kind_and_bad_length() -> None:
    with pytest.raises(ValueError, match="unknown sound kind"):
        sfx.synth("laser")
    with pytest.raises(ValueError, match="> 0"):
        sfx.synth("impact", 0.0)


def test_write_wav_is_16_bit_stereo_48k(tmp_path: Path) -> None:
    samples = sfx.synth("whoosh", seed=2)
    path = sfx.write_wav(samples, tmp_path / "w.wav")
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, SR)
        assert w.getnframes() == samples.shape[0]
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.max(np.abs(pcm / 32767.0 - samples)) < 1e-4


def test_write_wav_clips_and_accepts_mono(tmp_path: Path) -> None:
    path = sfx.write_wav(np.array([0.0, 2.0, -2.0]), tmp_path / "m.wav")
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1
        pcm = np.frombuffer(w.readframes(3), dtype="<i2")
    assert list(pcm) == [0, 32767, -32767]


@pytest.mark.parametrize("kind", ["ambience", "drone"])
def test_a_bed_under_a_ten_minute_film_is_written_in_bounded_memory(
    kind: str, tmp_path: Path
) -> None:
    """A bed runs the film's length: made whole, the 10-minute ambience took 3.2 GB (its FFTs)
    and the drone 2.5 GB, so each is made and written in blocks, the noise a seamless 60 s loop."""
    import tracemalloc

    seconds = 600.0
    tracemalloc.start()
    try:
        path = sfx.write(kind, seconds, tmp_path / "bed.wav", seed=4)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200e6, f"{peak / 1e6:.0f} MB"  # the 60 s loop and a block, not 10 minutes
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getnframes()) == (2, round(seconds * SR))
        w.setpos(round(58 * SR))
        around_loop = np.frombuffer(w.readframes(4 * SR), dtype="<i2").reshape(-1, 2) / 32767
        w.setpos(0)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert peak_dbfs(pcm / 32767) == pytest.approx(-6.0, abs=0.05)
    steps = np.abs(np.diff(around_loop, axis=0)).max(axis=1)
    at_loop = steps[2 * SR - 3 : 2 * SR + 3].max()
    assert at_loop <= 3 * np.percentile(steps, 99.9), "the loop joins without a click"
    if kind == "ambience":  # the same noise again after a minute, under other swells
        head = pcm.reshape(-1, 2)[SR : 2 * SR, 0].astype(float)
        later = pcm.reshape(-1, 2)[61 * SR : 62 * SR, 0].astype(float)
        assert abs(np.corrcoef(head, later)[0, 1]) > 0.5


def test_a_bed_written_in_blocks_is_the_bed_synthesised_whole(tmp_path: Path) -> None:
    for kind in ("ambience", "drone"):
        path = sfx.write(kind, 21.5, tmp_path / f"{kind}.wav", seed=9)
        whole = sfx.write_wav(sfx.synth(kind, 21.5, seed=9), tmp_path / f"{kind}-whole.wav")
        assert path.read_bytes() == whole.read_bytes(), kind


def test_a_bed_is_made_once_per_process_and_written_as_if_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every render of a film writes its beds again (each preset's master, each re-render, each
    variant): the process keeps the short ones' bytes, which must be the bytes made anew."""
    made: list[float] = []
    drone = sfx._BEDS["drone"]

    def counted(length: float, seed: int) -> Iterator[Any]:
        made.append(length)
        return drone(length, seed)

    monkeypatch.setitem(sfx._BEDS, "drone", counted)
    sfx._bed_wav.cache_clear()
    first = sfx.write("drone", 7.25, tmp_path / "a.wav", seed=11).read_bytes()
    again = sfx.write("drone", 7.25, tmp_path / "b.wav", seed=11).read_bytes()
    assert len(made) == 2  # the peak pass and the samples pass, once
    other_seed = sfx.write("drone", 7.25, tmp_path / "c.wav", seed=12).read_bytes()
    assert len(made) == 4 and other_seed != first
    monkeypatch.setattr(sfx, "REMEMBERED_BED_S", 0)  # too long to keep: streamed to the file
    streamed = sfx.write("drone", 7.25, tmp_path / "d.wav", seed=11).read_bytes()
    assert len(made) == 6
    assert first == again == streamed
    sfx._bed_wav.cache_clear()  # nothing made with the counted blocks outlives this test


# ------------------------------------------------------------------------------- loudness

EBUR128_LOG = """
[Parsed_ebur128_0 @ 0x55d] Summary:

  Integrated loudness:
    I:         -16.4 LUFS
    Threshold: -26.9 LUFS

  Loudness range:
    LRA:         7.3 LU
    Threshold: -36.8 LUFS
    LRA low:   -21.0 LUFS
    LRA high:  -13.7 LUFS

  True peak:
    Peak:       -0.8 dBFS
"""


def test_parse_ebur128_summary() -> None:
    assert parse_ebur128_summary(EBUR128_LOG) == Loudness(-16.4, -0.8, 7.3)
    silent = EBUR128_LOG.replace("-16.4", "-70.0").replace("-0.8 dBFS", "-inf dBFS")
    assert parse_ebur128_summary(silent).true_peak_dbtp == -math.inf
    with pytest.raises(ValueError):
        parse_ebur128_summary("no summary here")


def tone(seconds: float, dbfs: float, hz: float = 1000.0) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    x = 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t)
    return np.stack([x, x], axis=1)


@pytest.mark.media
def test_measure_reads_the_ebu_reference_tone(tmp_path: Path) -> None:
    # EBU Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS reads -23 LUFS.
    path = sfx.write_wav(tone(5.0, -23.0), tmp_path / "ref.wav")
    got = measure(path)
    assert got.integrated_lufs == pytest.approx(-23.0, abs=0.2)
    assert got.true_peak_dbtp == pytest.approx(-23.0, abs=0.2)
    assert got.lra < 1.0


@pytest.mark.media
def test_measure_names_a_missing_or_silent_file(tmp_path: Path) -> None:
    from shortfilm.errors import MediaError

    with pytest.raises(MediaError, match="nope.wav"):
        measure(tmp_path / "nope.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(MediaError, match="bad.wav"):
        measure(bad)


@pytest.mark.media
def test_normalize_a_steady_programme_is_a_linear_gain(tmp_path: Path) -> None:
    src = sfx.write_wav(tone(8.0, -30.0, 440.0), tmp_path / "quiet.wav")
    done = normalize(src, tmp_path / "out.wav")
    assert not done.limited and done.gain_db == pytest.approx(-14.0 - done.measured.integrated_lufs)
    got = measure(tmp_path / "out.wav")
    assert got.integrated_lufs == pytest.approx(TARGET.integrated_lufs, abs=0.3)
    assert got.true_peak_dbtp <= TARGET.true_peak_dbtp + 0.05
    assert not (tmp_path / "out.limited.wav").exists()


@pytest.mark.media
def test_normalize_a_quiet_bed_with_loud_hits_reaches_target_under_the_ceiling(
    tmp_path: Path,
) -> None:
    bed = sfx.synth("drone", 12.0) * 0.3  # -16 LUFS, peaks at -0.5 dBTP
    for at in (2.0, 7.0):
        hit = sfx.synth("impact", seed=int(at))
        start = round(at * SR)
        bed[start : start + hit.shape[0]] += hit
    src = sfx.write_wav(bed, tmp_path / "hits.wav")
    done = normalize(src, tmp_path / "out.wav")
    assert done.limited and abs(done.gain_db) <= 0.3  # limited first, then a clean small gain
    got = measure(tmp_path / "out.wav")
    assert got.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert got.true_peak_dbtp <= -1.4
