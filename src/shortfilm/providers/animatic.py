"""The offline ``animatic`` provider: a moving storyboard a team reviews before spending credits.

Every shot of the clip plan becomes one segment, hard-cut to the next, showing its own subject
(the board entry its subject text resolves to: that entry's reference framed at the shot size
the camera field names, or a placeholder card naming the subject when there is no picture of
it; a clip in first/last-frame mode opens and closes on its frames) under the camera move it
asks for, with a small tag naming the clip and shot (in a slot the edit keeps clear:
:mod:`shortfilm.media.take_tags`). Timing, framing and continuity can be judged on it; looks
cannot. Each shot's metadata records what it showed.

Rendering is local and synchronous: :meth:`AnimaticProvider.submit` returns once the take is on
disk. The job id is a hash of everything that changes the pixels, so submitting the same request
again returns the finished take instead of rendering it twice. Files appear under their final
names only when complete (written to a temporary name, then ``os.replace``).

Limits are advertised for planning; the renderer itself accepts any even frame size so tests and
quick looks can use small frames.

The drawing (plan to frames) lives in :mod:`.animatic_plan`; this module holds the provider, the
encode (frames streamed to ffmpeg) and the files of a take.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import re
import shutil
import uuid
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from shortfilm.domain import CameraMove
from shortfilm.errors import InputError, MediaError, ProviderError
from shortfilm.media.colour import parse_hex
from shortfilm.media.ffmpeg import finish_writer, open_ffmpeg_writer
from shortfilm.providers.animatic_plan import ShotRender, draw_frame, frame_count, plan_shots
from shortfilm.providers.base import (
    Delivery,
    GenerationRequest,
    ProviderJob,
    ProviderLimits,
    TakeStatus,
)

RENDER_VERSION = "animatic-1/r3"
"""Part of every job id: bump it when the renderer's pixels change, so old takes are not reused."""

VIDEO_NAME = "take.mp4"
LAST_FRAME_NAME = "last_frame.png"
METADATA_NAME = "delivery.json"

_MAX_WORKERS = 4
"""Frame-drawing threads at most; one per core beyond that only fights x264 for the CPU."""

_JOB_ID = re.compile(r"^[0-9a-f]{16}$")


# --- the encode ---------------------------------------------------------------------------------


def _writer_args(request: GenerationRequest, frames: int, out: Path) -> list[str]:
    """ffmpeg arguments: raw RGB frames on stdin plus generated silence -> H.264/AAC MP4.

    An IDR frame every second (``-g`` one second of frames; x264 still adds one at a shot
    change), as files meant for streaming have: a review draft copies a take's packets from
    an IDR frame on (:mod:`shortfilm.media.smart_render`), so with x264's default of one every
    250 frames most of a 12 s take had to be decoded and encoded again, and the draft was
    slower than the full render on the animatic's own takes. Players seek faster too.
    """
    seconds = f"{frames / request.fps:.6f}"
    return [
        "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{request.width}x{request.height}", "-r", str(request.fps), "-i", "-",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
        "-map", "0:v:0", "-map", "1:a:0",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-g", str(request.fps),
        "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
        "-t", seconds, "-frames:v", str(frames),
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip


def drawn_frames(plans: Sequence[ShotRender]) -> Generator[Image.Image]:
    """Every frame of the take, in order, drawn by a small thread pool a few frames ahead.

    Pillow releases the GIL while resampling, so drawing overlaps itself and the encoder; the
    frames, and so the take, stay deterministic because each depends only on its shot and pose
    (``test_same_seed_draws_identical_frames`` holds this to the byte). A shot's cached stills
    are released once its last frame is out. Abandoning the iterator cancels what is queued.
    """
    tasks = [(plan, i) for plan in plans for i in range(len(plan.camera))]
    workers = max(1, min(_MAX_WORKERS, os.cpu_count() or 1))
    pending: deque[Future[Image.Image]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="animatic") as pool:
        try:
            queued = iter(tasks)
            for plan, i in itertools.islice(queued, 2 * workers):
                pending.append(pool.submit(draw_frame, plan, i))
            for plan, i in tasks:
                frame = pending.popleft().result()
                for next_plan, j in itertools.islice(queued, 1):
                    pending.append(pool.submit(draw_frame, next_plan, j))
                yield frame
                if i == len(plan.camera) - 1:
                    plan.camera.release()
        finally:  # before the pool's shutdown waits for them
            for future in pending:
                future.cancel()


def _encode(
    request: GenerationRequest, plans: Sequence[ShotRender], frames: int, out: Path
) -> Image.Image:
    """Stream every frame (:func:`drawn_frames`) to ffmpeg, writing ``out``; return the last
    frame (for its PNG)."""
    proc = open_ffmpeg_writer(_writer_args(request, frames, out))
    assert proc.stdin is not None
    last: Image.Image | None = None
    ok = False
    drawing = drawn_frames(plans)
    try:
        for frame in drawing:
            try:
                proc.stdin.write(frame.tobytes())
            except BrokenPipeError:
                drawing.close()
                finish_writer(proc, what="animatic encode", file=out)
                raise MediaError("ffmpeg stopped reading frames", file=out) from None
            last = frame
        finish_writer(proc, what="animatic encode", file=out)
        ok = True
    finally:
        drawing.close()
        if not ok and proc.poll() is None:
            proc.kill()
            proc.wait()
        # On a failure path the pipes may still be open (a ResourceWarning otherwise).
        for stream in (proc.stdin, proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()
    assert last is not None
    return last


# --- the provider -------------------------------------------------------------------------------


class AnimaticProvider:
    """Renders previz takes into ``workdir/<job_id>/`` (video, last frame, shot metadata)."""

    name = "animatic"
    model = "animatic-1"
    cost_unit = "credits"
    prompt_form = "plain"
    limits = ProviderLimits(
        durations_s=(2.0, 30.0),
        resolutions=((1280, 720), (720, 1280), (960, 540)),
        max_references=9,
        max_concurrent=2,  # CPU-bound: one clip per core, each with its own drawing threads
    )
    qc_not_judged = {
        "audio": "the animatic is a silent storyboard (its sound is judged on generated takes)",
        "frozen": "the animatic moves still pictures; a static shot holds one on purpose",
    }
    """QC checks an animatic is not judged on, and why (read by ``generate``)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)

    # The protocol ----------------------------------------------------------------------------

    def estimate_cost(self, request: GenerationRequest) -> float:
        """Offline previz is free."""
        return 0.0

    def recover(self, request: GenerationRequest) -> str | None:
        """A take rendered earlier for this exact request, if its files are on disk."""
        job = self.job_id(request)
        return job if self._finished(job) else None

    def submit(self, request: GenerationRequest) -> str:
        """Render the take (synchronously) unless an identical request already has; return its id.

        Raises :class:`InputError` for an unusable request (odd or tiny size, no duration, bad
        palette colour) and :class:`MediaError` naming the file for an unreadable reference or a
        failed encode; either way no output is left under its final name.
        """
        _validate(request)
        job_id = self.job_id(request)
        if self._finished(job_id):
            return job_id
        self._render(job_id, request)
        return job_id

    def status(self, job_id: str) -> ProviderJob:
        """SUCCEEDED (cost 0) once the take is on disk; FAILED for a job never finished here."""
        if self._finished(job_id):
            return ProviderJob(job_id=job_id, status=TakeStatus.SUCCEEDED, cost=0.0)
        return ProviderJob(
            job_id=job_id,
            status=TakeStatus.FAILED,
            error=f"unknown animatic job {job_id!r}: no finished take in {self.workdir}",
        )

    def fetch(self, job_id: str, dest: Path) -> Delivery:
        """Copy the take's video and last frame into folder ``dest`` as ``<job_id>.mp4`` and
        ``<job_id>.last.png``; :class:`ProviderError` (not retryable) for an unknown job."""
        if not self._finished(job_id):
            raise ProviderError(f"animatic job {job_id!r} has no finished take", retryable=False)
        folder = self.workdir / job_id
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        video = _copy_atomic(folder / VIDEO_NAME, dest / f"{job_id}.mp4")
        last = _copy_atomic(folder / LAST_FRAME_NAME, dest / f"{job_id}.last.png")
        metadata: dict[str, object] = json.loads((folder / METADATA_NAME).read_text("utf-8"))
        return Delivery(video=video, last_frame=last, metadata=metadata)

    # Helpers ---------------------------------------------------------------------------------

    def job_id(self, request: GenerationRequest) -> str:
        """sha256 (first 16 hex digits) of everything that changes the output: the renderer
        version, prompt, clip plan, reference contents (not paths: a moved home still reuses
        takes), roles and labels, duration in frames, size, fps, seed and palette."""
        key = {
            "renderer": RENDER_VERSION,
            "prompt": request.prompt_text,
            "clip": dataclasses.asdict(request.clip),
            "references": [
                {"sha256": _file_sha256(Path(r.path)), "role": r.role, "label": r.label}
                for r in request.references
            ],
            "duration_s": request.duration_s,
            "frames": frame_count(request.duration_s, request.fps),
            "size": [request.width, request.height],
            "fps": request.fps,
            "seed": request.seed,
            "palette": list(request.palette),
            "subjects": [dataclasses.asdict(s) for s in request.subjects],
        }
        blob = json.dumps(key, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def _finished(self, job_id: str) -> bool:
        if not _JOB_ID.match(job_id):
            return False
        folder = self.workdir / job_id
        return all((folder / n).is_file() for n in (VIDEO_NAME, LAST_FRAME_NAME, METADATA_NAME))

    def _render(self, job_id: str, request: GenerationRequest) -> None:
        frames = frame_count(request.duration_s, request.fps)
        plans = plan_shots(request, frames)  # reads every reference: fails before any write
        folder = self.workdir / job_id
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        tmp_video = folder / f".{tag}.{VIDEO_NAME}.partial"
        tmp_png = folder / f".{tag}.{LAST_FRAME_NAME}.partial"
        tmp_json = folder / f".{tag}.{METADATA_NAME}.partial"
        try:
            last = _encode(request, plans, frames, tmp_video)
            last.save(tmp_png, format="PNG")
            metadata = _metadata(request, plans, frames)
            tmp_json.write_text(json.dumps(metadata, indent=2, ensure_ascii=False), "utf-8")
            # The video goes last: its presence is what marks the take finished.
            os.replace(tmp_png, folder / LAST_FRAME_NAME)
            os.replace(tmp_json, folder / METADATA_NAME)
            os.replace(tmp_video, folder / VIDEO_NAME)
        finally:
            for tmp in (tmp_video, tmp_png, tmp_json):
                tmp.unlink(missing_ok=True)
            if created and not any(folder.iterdir()):
                # a shared folder (SHORTFILM_ANIMATIC_CACHE): another process may be drawing the
                # same take into it now, so an emptied folder may not stay empty
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _validate(request: GenerationRequest) -> None:
    if request.width < 16 or request.height < 16 or request.width % 2 or request.height % 2:
        size = f"{request.width}x{request.height}"
        raise InputError(f"animatic frame size must be even and at least 16 px, got {size}")
    if request.fps <= 0:
        raise InputError(f"fps must be positive, got {request.fps}")
    if not request.duration_s > 0:
        raise InputError(f"duration must be positive seconds, got {request.duration_s}")
    for colour in request.palette:
        try:
            parse_hex(colour)
        except ValueError as exc:
            raise InputError(f"palette: {exc}") from exc


def _metadata(
    request: GenerationRequest, plans: Sequence[ShotRender], frames: int
) -> dict[str, object]:
    """Facts worth keeping with the take: shot boundaries (frames and seconds), moves, sources."""
    fps = request.fps
    return {
        "model": AnimaticProvider.model,
        "renderer": RENDER_VERSION,
        "fps": fps,
        "frames": frames,
        "duration_s": frames / fps,
        "width": request.width,
        "height": request.height,
        "seed": request.seed,
        "shots": [
            {
                "start_s": p.start / fps,
                "end_s": p.end / fps,
                "start_frame": p.start,
                "end_frame": p.end,
                "move": (p.move or CameraMove.STATIC).value,
                "reference": p.reference.label if p.reference else None,
                "reference_role": p.reference.role if p.reference else None,
                **p.facts,
            }
            for p in plans
        ],
    }


def _copy_atomic(src: Path, dst: Path) -> Path:
    tmp = dst.with_name(f".{uuid.uuid4().hex[:8]}.{dst.name}.partial")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise MediaError(f"cannot read reference image: {exc.strerror or exc}", file=path) from exc
    return digest.hexdigest()
