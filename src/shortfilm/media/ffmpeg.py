"""Running the ffmpeg that ships in the imageio-ffmpeg wheel: never a system ffmpeg.

Commands are argument lists, never shell strings, so user text (captions, titles) cannot
reach a shell.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from shortfilm.errors import MediaError


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the wheel's ffmpeg binary (imported lazily: importing shortfilm runs nothing)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


_FILTER_LINE = re.compile(r"^\s*[A-Z.]{2,3}\s+(\w+)\s+\S+->\S+")


@functools.cache
def ffmpeg_filters() -> frozenset[str]:
    """Names of the filters this ffmpeg was built with, read once from ``ffmpeg -filters``.

    The wheels differ by platform (and ``IMAGEIO_FFMPEG_EXE`` may name any build), so optional
    filters such as ``zscale`` (zimg) are looked for rather than assumed; empty if ffmpeg
    cannot list them.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-filters"]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    text = proc.stdout.decode("utf-8", "replace")
    return frozenset(m.group(1) for line in text.splitlines() if (m := _FILTER_LINE.match(line)))


def run_ffmpeg(
    args: Sequence[str | Path],
    *,
    what: str,
    file: Path | str | None = None,
    stdin: bytes | None = None,
) -> str:
    """Run ffmpeg with ``args`` (without the program name); return its stderr (the log).

    Raises :class:`MediaError` naming ``file`` and the last lines of ffmpeg's log on failure.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *map(str, args)]
    if stdin is not None:
        cmd.remove("-nostdin")
    proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    log = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = " | ".join(line for line in log.strip().splitlines()[-4:])
        raise MediaError(f"{what} failed (ffmpeg exit {proc.returncode}): {tail}", file=file)
    return log


def run_ffmpeg_progress(
    args: list[str | Path],
    *,
    what: str,
    file: Path,
    total_s: float,
    on_fraction: Callable[[float], None],
) -> None:
    """Like :func:`run_ffmpeg`, but reports the encoded fraction of ``total_s`` from ``-progress``
    as it goes (``on_fraction(0.0-1.0)``)."""
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


def open_ffmpeg_writer(args: Sequence[str | Path]) -> subprocess.Popen[bytes]:
    """Start ffmpeg reading raw frames on stdin; the caller writes them, then ``finish_writer``."""
    # Only errors are logged: stderr is read at the end, and a chatty log could fill the pipe.
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostats", "-y", *map(str, args)]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)


def finish_writer(proc: subprocess.Popen[bytes], *, what: str, file: Path | str) -> None:
    """Close stdin of a writer started by :func:`open_ffmpeg_writer` and check it succeeded."""
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.close()
    log = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.wait() != 0:
        tail = " | ".join(log.strip().splitlines()[-4:])
        raise MediaError(f"{what} failed (ffmpeg exit {proc.returncode}): {tail}", file=file)
