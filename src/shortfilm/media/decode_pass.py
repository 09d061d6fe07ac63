"""One ffmpeg decode of a clip: small I420 frames on a pipe, and EBU R128 loudness from that pass.

ffmpeg decodes with its own threads (:func:`decoder_threads`), scales each picture down inside
the decoder process (:func:`downscale_filter`: an antialiased resize, so fine detail and noise
do not alias into the small frame) and writes raw 8-bit I420 frames, limited range, to stdout
(see :mod:`shortfilm.media.yuv`). H.264 and HEVC B-frames are decoded without the deblocking
filter (:data:`SKIP_LOOP_FILTER`), which saves about a tenth of the decode, itself nearly all
that the pass costs. In the same process the first audio stream goes through
``ebur128=peak=true`` into the null muxer, so integrated loudness and true peak cost no second
decode. A reader thread copies frames off the pipe into a short queue so ffmpeg never waits for
Python, and a second thread drains the log.

Frames come out at a constant rate (``-fps_mode cfr`` at the stream's average rate): frame ``i``
is at ``i / fps`` seconds. For a variable-rate source that means some frames are repeated or
dropped to fit the grid, which is what an editor's timeline does too. Rotation metadata is not
applied (``-noautorotate``): frames are measured as stored, which no measure depends on, and
turning a full-size frame would cost a transpose per frame; the few images handed out are
turned upright afterwards (:func:`shortfilm.media.stills.upright`).
"""

from __future__ import annotations

import io
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import cast

import numpy as np
from numpy.typing import NDArray

from shortfilm.errors import MediaError
from shortfilm.media.ffmpeg import ffmpeg_exe, ffmpeg_filters
from shortfilm.media.limits import DEFAULT_LIMITS, MediaLimits
from shortfilm.media.yuv import frame_bytes

DEFAULT_SHORT_SIDE = 288
"""Analysis frames are this many pixels across their short side unless a width is given.

Fixing the short side (not the width) makes per-frame measures such as sharpness comparable
between a 720p and a 1080p take, and between portrait and landscape ones. 288 px keeps a face
of a tenth of the frame at about 29 px, enough for the Haar detector.
"""

SKIP_LOOP_FILTER = "bidir"
"""Which frames the H.264/HEVC decoder leaves un-deblocked (libavcodec's ``skip_loop_filter``).

The in-loop deblocking filter is about a sixth of an H.264 decode, and the analysis frames are
shrunk several times over, which averages block edges away. Skipping it on B-frames only
(``bidir``) saves about a tenth of the decode, and errors cannot build up: P- and I-frames, which
everything else is predicted from, are still filtered, so only a B-frame's few neighbours predicted
from it can carry its difference. Measured at the analysis size against a full decode, frames stay
above 46 dB PSNR (invisible) and median sharpness moves by under 2 % on camera footage of
ordinary quality, 3 % on a crf 45 copy of 640x272 footage and 8 % on a crf 40 copy of a
1080x1920 take (the heavier the compression, the more there is to deblock); HEVC moves under
0.5 %; cuts do not move. Skipping it on every frame (``all``) saves 17 % but lets blocking build
up until the next keyframe: a crf 45 copy then measured sharper than its original, so that is
not done. ``noref`` (non-reference frames only) saves less: 0.25 CPU-s on the bench clip to 0.4.
``-flags2 fast`` was tried too: bit-identical frames here, and no measurable saving.
"""


def decoder_threads(cpus: int | None = None) -> int:
    """Frame-decoding threads for the analysis pass: one more than the cores, but at least 8.

    libavcodec's own choice (``-threads 0``) is cores + 1: 3 on a 2-core machine. A frame
    thread waits whenever the rows it predicts from are not decoded yet, and with three frames
    in flight both cores often sit idle; with eight they rarely do. On the 1080x1920 bench clip
    on 2 cores the pass took 1.55 s instead of 1.70 (median of nine runs each; 12 and 16
    threads were no faster) for 42 MB more memory (137 MB peak against 95). Capped at 16, as
    libavcodec caps its own choice.
    """
    n = cpus if cpus is not None else (os.cpu_count() or 1)
    return min(16, max(8, n + 1))


SKIP_LOOP_FILTER_CODECS = frozenset({"h264", "hevc"})
"""Decoders whose ``skip_loop_filter`` is known to behave as described above."""

_QUEUE_FRAMES = 24
"""Frames buffered between the pipe reader and the consumer (about 5 MB at 288x512)."""

_PIPE_BYTES = 1 << 20
"""Requested stdout pipe size (Linux): fewer, larger reads than the 64 KiB default."""


def analysis_size(width: int, height: int, target_width: int | None = None) -> tuple[int, int]:
    """(width, height) of the analysis frames for a ``width`` x ``height`` source.

    ``target_width`` fixes the analysis width (height follows the aspect ratio); ``None`` scales
    the short side to :data:`DEFAULT_SHORT_SIDE`. Sizes are rounded to even numbers, at least 2.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"bad frame size {width}x{height}")
    if target_width is not None:
        if target_width < 2:
            raise ValueError("analysis width must be at least 2 px")
        scale = target_width / width
    else:
        scale = DEFAULT_SHORT_SIDE / min(width, height)

    def even(x: float) -> int:
        return max(2, int(round(x / 2.0)) * 2)

    return even(width * scale), even(height * scale)


def downscale_filter(width: int, height: int) -> str:
    """The filter chain that shrinks decoded pictures to ``width`` x ``height`` limited-range I420.

    zimg's resizer (``zscale``, ``filter=bilinear``: a triangle filter widened by the shrink
    factor, so it averages like ``area``; a one-pixel checkerboard comes out flatter than with
    ``area``, grey +-0.33 against +-0.5) costs half the CPU of libswscale's ``area`` at these
    ratios: on the 1080x1920 bench clip about 0.2 CPU-s against 0.45, and 0.1 s less wall time
    on 2 cores, where the pass is decode-bound. It only resizes, in the source's own pixel
    format; the small frames then go through libswscale for range and format (8-bit I420,
    limited range), a no-op for the usual 8-bit limited-range 4:2:0 source and cheap at this
    size for the rest (full-range phone video, 10-bit, 4:4:4, RGB). A source smaller than the
    analysis size is enlarged with the same triangle filter (smoothly; ``area`` enlarges in
    steps), so a tiny source measures a little softer than with ``area``. Builds of ffmpeg without
    zimg use ``scale=flags=area``: frames within 36-42 dB PSNR of zimg's on sharp-edged test
    patterns (the two filters' shapes differ; no measure here depends on which).
    """
    if "zscale" in ffmpeg_filters():
        return f"zscale=w={width}:h={height}:filter=bilinear,scale=out_range=tv,format=yuv420p"
    return f"scale={width}:{height}:flags=area:out_range=tv,format=yuv420p"


class FramePass:
    """A running ffmpeg decode of ``path``: iterate :meth:`frames`, then call :meth:`finish`.

    Use as a context manager; leaving the block early stops ffmpeg and its threads.
    """

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        fps: Fraction,
        *,
        loudness: bool,
        codec: str | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> None:
        self.path = path
        self.limits = limits
        """The decoder refuses frames over its pixel cap; at most one frame over its frame
        count is written (so the reader can tell the video is too long and stop)."""
        self.codec = codec
        """The video decoder's name (``h264``, ``hevc`` ...) as probed; decides decoder options."""
        self.size = size
        self.fps = fps
        self.loudness = loudness
        self._proc: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[NDArray[np.uint8] | None] = queue.Queue(_QUEUE_FRAMES)
        self._log: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._drained = False
        self.partial_frame = False
        """Whether the pipe ended inside a frame (a truncated last frame, which is dropped)."""

    def command(self) -> list[str]:
        """The ffmpeg argument list (program first); never passed through a shell."""
        w, h = self.size
        graph = f"[0:v:0]{downscale_filter(w, h)}[v]"
        if self.loudness:
            # framelog=verbose: the per-100 ms lines go to the verbose level, which we do not log.
            graph += ";[0:a:0]ebur128=peak=true:framelog=verbose[a]"
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-loglevel",
            "info",
            "-threads",
            str(decoder_threads()),
            "-noautorotate",
            *self._decoder_options(),
            "-i",
            str(self.path.resolve()),
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-frames:v",
            str(self.limits.max_frames + 1),
            "-fps_mode",
            "cfr",
            "-r",
            f"{self.fps.numerator}/{self.fps.denominator}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "pipe:1",
        ]
        if self.loudness:
            cmd += ["-map", "[a]", "-f", "null", "-"]
        return cmd

    def _decoder_options(self) -> list[str]:
        options = ["-max_pixels", str(self.limits.max_frame_pixels)]
        if self.codec in SKIP_LOOP_FILTER_CODECS:
            options += ["-skip_loop_filter:v:0", SKIP_LOOP_FILTER]
        return options

    def __enter__(self) -> FramePass:
        self._proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        _grow_pipe(self._proc.stdout.fileno())
        self._threads = [
            threading.Thread(target=self._read_frames, name="ffmpeg-frames", daemon=True),
            threading.Thread(target=self._read_log, name="ffmpeg-log", daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._shutdown()

    def frames(self) -> Iterator[NDArray[np.uint8]]:
        """Each decoded frame in order, as a fresh flat uint8 I420 array (see ``yuv.planes``)."""
        while not self._drained:
            frame = self._frames.get()
            if frame is None:
                self._drained = True
                return
            yield frame

    def finish(self) -> str:
        """Wait for ffmpeg (dropping frames not read); return its log.

        Raises :class:`MediaError` naming the file if ffmpeg failed.
        """
        assert self._proc is not None
        for _ in self.frames():
            pass
        code = self._proc.wait()
        for t in self._threads:
            t.join()
        log = b"".join(self._log).decode("utf-8", "replace")
        if code != 0:
            tail = " | ".join(log.strip().splitlines()[-4:])
            raise MediaError(f"analysis decode failed (ffmpeg exit {code}): {tail}", file=self.path)
        return log

    def _read_frames(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        n = frame_bytes(*self.size)
        pipe = cast(io.BufferedReader, self._proc.stdout)
        try:
            while not self._stop.is_set():
                frame = np.empty(n, dtype=np.uint8)
                view = frame.data.cast("B")
                got = 0
                while got < n:
                    k = pipe.readinto(view[got:])
                    if not k:
                        break
                    got += k
                if got < n:
                    self.partial_frame = got > 0
                    return
                self._put(frame)
        finally:
            self._put(None)

    def _put(self, item: NDArray[np.uint8] | None) -> None:
        """Queue ``item`` unless the consumer has gone away (then drop it and stop waiting)."""
        while True:
            try:
                self._frames.put(item, timeout=0.1)
                return
            except queue.Full:
                if self._stop.is_set():
                    return

    def _read_log(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        err = self._proc.stderr
        for chunk in iter(lambda: err.read(65536), b""):
            self._log.append(chunk)

    def _shutdown(self) -> None:
        """Stop ffmpeg if it still runs, and join the threads; safe to call twice."""
        self._stop.set()
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for t in self._threads:
            t.join()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _grow_pipe(fd: int) -> None:
    """Ask Linux for a bigger pipe buffer; harmless where that is not supported."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass
