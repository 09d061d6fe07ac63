"""What is in a clip, from one decode: per-frame quality, cuts, frozen and black stretches, colours
and loudness. The facts takes are judged and keyframes are chosen by.

:func:`analyse` runs a single ffmpeg process per file (:mod:`shortfilm.media.decode_pass`): the
video is decoded with ffmpeg's threads and scaled inside ffmpeg to a small analysis size (short
side 288 px), and the audio goes through EBU R128 measurement in the same pass. Per-frame
measures are OpenCV calls on those small frames (:mod:`shortfilm.media.frame_metrics`), cuts come
from an adaptive content detector (:mod:`shortfilm.media.cuts`), and the best frame of every
quarter second is kept (:mod:`shortfilm.media.stills`) so keyframe candidates need no second
decode. On a 2-core machine a 15 s 1080x1920 take analyses, keyframe candidates included, in
about 1.1x the wall time of a bare ``ffmpeg -f null`` decode of it (about 8 times faster than
real time on a quiet machine) and 4-7 % faster than PySceneDetect finds its cuts alone, for
5-10 % more CPU time (``bench/analysis.py``).

Times are seconds from the first frame, on a constant-rate grid: frame ``i`` is at ``i / fps``.
This module is the public face: everything callers need is importable from here.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from shortfilm.domain.analysis import Analysis, AudioStats, KeyframeCandidate, Palette, Span
from shortfilm.errors import MediaError
from shortfilm.media.continuity import frame_distance
from shortfilm.media.cuts import detect_cuts
from shortfilm.media.decode_pass import FramePass, analysis_size
from shortfilm.media.faces import FaceDetector, HaarFaceDetector, default_face_detector
from shortfilm.media.frame_metrics import FrameMeter, opencv_single_threaded
from shortfilm.media.keyframe_candidates import default_pick, keyframe_candidates
from shortfilm.media.limits import MediaLimits, limits_from_env
from shortfilm.media.loudness import parse_ebur128_summary
from shortfilm.media.palette import image_palette, palette_distance, palette_from_rgb
from shortfilm.media.spans import black_spans, frozen_spans, shots_between
from shortfilm.media.stills import StillKeeper, Stills, upright
from shortfilm.media.yuv import matrix_from_log, planes, to_rgb, to_yuv444, yuv444_to_rgb

if TYPE_CHECKING:
    from shortfilm.media.stream_facts import MediaInfo

__all__ = [
    "Analysis",
    "AudioStats",
    "FaceDetector",
    "HaarFaceDetector",
    "KeyframeCandidate",
    "Palette",
    "Span",
    "analyse",
    "default_face_detector",
    "default_pick",
    "frame_distance",
    "image_palette",
    "keyframe_candidates",
    "palette_distance",
]

SILENCE_LUFS = -70.0
"""ebur128 reports this integrated loudness when nothing passes its absolute gate (silence, or
audio shorter than one 400 ms block)."""

_PALETTE_SAMPLES = 24
"""Frames, evenly spread, whose pixels make the clip's palette."""

# Default layout names by channel count, as ffmpeg's av_channel_layout_default gives them.
_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def analyse(path: Path, *, width: int | None = None, limits: MediaLimits | None = None) -> Analysis:
    """Analyse ``path`` with one decode of the file (video and first audio stream), downscaled
    and threaded inside ffmpeg.

    ``width`` fixes the analysis frame width in pixels (as displayed); by default the short side
    is 288 px,
    which keeps sharpness comparable between takes of different sizes and orientations. Raises
    :class:`MediaError` naming the file when it is missing, empty, not a video or undecodable;
    nothing is written anywhere. A video over ``limits`` (default:
    :func:`~shortfilm.media.limits.limits_from_env`) is refused from its headers before the
    decode, and the decode stops at the frame or pixel limit whatever the headers said
    (:class:`~shortfilm.media.limits.MediaTooLarge`).
    """
    from shortfilm.media.probe import display_rotation, probe

    p = Path(path)
    limits = limits or limits_from_env()
    if p.is_file() and p.stat().st_size == 0:
        raise MediaError("empty file, not a video", file=p)
    # Headers only: the rotation (a first-frame decode) is read while ffmpeg starts, below.
    info = probe(p, decode_first=False, limits=limits)
    if info.video_codec is None or info.width <= 0 or info.height <= 0:
        raise MediaError("no video stream", file=p)
    if info.format_name == "image2" or info.format_name.endswith("_pipe"):
        # ffmpeg opens a still image as a one-frame video (png_pipe, jpeg_pipe, ...)
        raise MediaError(f"an image ({info.format_name}), not a video", file=p)
    if info.fps is None or info.fps <= 0:
        raise MediaError("video stream has no frame rate", file=p)
    fps = float(info.fps)
    # Frames are decoded as stored and only the images handed out are turned upright, so the
    # rotation is needed before the decode only when a displayed width is asked for.
    rotation = display_rotation(p, limits=limits) if width is not None else None
    size = analysis_size(
        info.width,
        info.height,
        None if width is None or rotation is None else _stored_width(width, info, rotation),
    )
    expected = info.video_frames or max(1, math.ceil(info.duration_s * fps))

    w, h = size
    meter = FrameMeter()
    keeper = StillKeeper(fps, expected)
    sample_every = max(1, expected // _PALETTE_SAMPLES)
    samples: list[NDArray[np.uint8]] = []
    first: NDArray[np.uint8] | None = None
    last: NDArray[np.uint8] | None = None
    with (
        opencv_single_threaded(),
        FramePass(
            p, size, info.fps, loudness=info.has_audio, codec=info.video_codec, limits=limits
        ) as decode,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis-rotation") as helper,
    ):
        # ffmpeg takes ~0.1 s to its first frame, mostly on one core: the other decodes the
        # first frame for its rotation meanwhile (instead of before ffmpeg starts).
        turned = helper.submit(display_rotation, p, limits=limits) if rotation is None else None
        for index, frame in enumerate(decode.frames()):
            if index >= limits.max_frames:  # the header understated: stop where the limit is
                limits.check_length(str(p), frames=index + 1, seconds=None)
            yuv = planes(frame, w, h)
            measure = meter.add(yuv)
            keeper.offer(index, frame, measure)
            if index % sample_every == 0:
                # Quarter size: plenty of pixels for k-means, a sixteenth of the work.
                samples.append(to_yuv444(yuv, (max(w // 4, 1), max(h // 4, 1))))
            if first is None:
                first = frame
            last = frame
        log = decode.finish()
    if first is None or last is None:
        raise MediaError("no video frames could be decoded", file=p)
    if turned is not None:
        rotation = turned.result()
    assert rotation is not None
    matrix = matrix_from_log(log)
    sideways = (int(round(rotation / 90.0))) % 2 == 1
    shown_w, shown_h = (info.height, info.width) if sideways else (info.width, info.height)

    series = meter.series()
    n = len(meter)
    cut_frames = detect_cuts(series.content, fps, changed=series.changed)
    return Analysis(
        path=str(p),
        duration_s=n / fps,
        fps=fps,
        width=shown_w,
        height=shown_h,
        frame_count=n,
        times_s=np.arange(n, dtype=np.float64) / fps,
        sharpness=series.sharpness,
        exposure=series.exposure,
        luma=series.luma,
        motion=series.motion,
        cuts_s=tuple(i / fps for i in cut_frames),
        shots=tuple(shots_between(cut_frames, n, fps)),
        frozen=tuple(frozen_spans(series.changed, fps)),
        black=tuple(black_spans(series.dark, fps)),
        palette=palette_from_rgb([yuv444_to_rgb(s, matrix) for s in samples]),
        first_frame=upright(to_rgb(planes(first, w, h), matrix), rotation),
        last_frame=upright(to_rgb(planes(last, w, h), matrix), rotation),
        audio=_audio_stats(log, info.channels or 0, info.channel_layout, p)
        if info.has_audio
        else None,
        stills=Stills(keeper.kept(), size, matrix, rotation),
    )


def _stored_width(shown_width: int, info: MediaInfo, rotation: int) -> int:
    """The stored-frame width giving a displayed width of ``shown_width``."""
    if (int(round(rotation / 90.0))) % 2 == 0:
        return shown_width
    # turned a quarter: the displayed width is the stored height
    return max(2, int(round(shown_width * info.width / info.height)))


def _audio_stats(log: str, channels: int, layout: str | None, path: Path) -> AudioStats:
    """Read the ebur128 summary of the analysis pass's log."""
    try:
        loudness = parse_ebur128_summary(log)
    except ValueError as exc:
        raise MediaError(f"cannot measure loudness: {exc}", file=path) from exc
    integrated: float | None = loudness.integrated_lufs
    if integrated is None or not math.isfinite(integrated) or integrated <= SILENCE_LUFS + 0.05:
        integrated = None
    peak: float | None = loudness.true_peak_dbtp
    if peak is None or not math.isfinite(peak):
        peak = None
    return AudioStats(
        channels=channels,
        layout=layout or _LAYOUTS.get(channels, f"{channels} channels"),
        integrated_lufs=integrated,
        true_peak_dbtp=peak,
        silent=integrated is None,
    )
