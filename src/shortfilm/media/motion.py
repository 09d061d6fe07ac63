"""Camera motion for the animatic: per-frame poses over an oversized still, and the frames.

A shot is one still (a reference image, or a palette gradient when there is none) composed larger
than the output frame, so a virtual camera can push, pan, tilt, orbit and shake inside it without
ever showing an edge. Everything here is pure: same inputs, same pixels. No ffmpeg, no files.
The stills themselves are composed in :mod:`.shot_stills`.

Units used throughout:

* a :class:`Pose` offset is a fraction of the output frame (``x=0.1`` is a tenth of its width);
* ``zoom`` is relative to a view the size of the output frame (``1.0``: one source pixel per output
  pixel, ``1.25``: the view is 1/1.25 as wide, so the picture is 25 % bigger);
* angles are degrees, positive counter-clockwise on screen.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from shortfilm.domain.camera import CameraMove

SOURCE_SCALE = 1.35
"""How much larger than the output the composed still is, per side: room for pans and shake."""

PUSH_ZOOM = 1.25
"""Zoom reached at the end of a push-in (and left at the start of a pull-out)."""

Size = tuple[int, int]


@dataclass(frozen=True)
class Pose:
    """Where the virtual camera looks in one frame."""

    x: float = 0.0
    """Horizontal offset of the view centre from the still's centre, fraction of output width."""
    y: float = 0.0
    """Vertical offset (positive is down), fraction of output height."""
    zoom: float = 1.0
    """>= 1; 1 shows an output-sized window of the still."""
    angle_deg: float = 0.0
    """Roll of the camera in degrees; the animatic keeps it within about ±2."""


def smoothstep(t: float) -> float:
    """Ease in and out: 0 -> 0, 1 -> 1, zero slope at both ends; ``t`` is clamped to [0, 1]."""
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def source_size(out_size: Size, scale: float = SOURCE_SCALE) -> Size:
    """Pixel size of the oversized still for an output of ``out_size`` (width, height)."""
    return (math.ceil(out_size[0] * scale), math.ceil(out_size[1] * scale))


def pan_room(zoom: float, scale: float = SOURCE_SCALE) -> float:
    """How far the view centre may move each way at ``zoom`` without showing the still's edge, as
    a fraction of the output size (the same on both axes: the still keeps the frame's aspect)."""
    return (scale - 1.0 / zoom) / 2.0


def shot_rng(seed: int, shot_index: int) -> np.random.Generator:
    """The RNG of one shot: seeded by the take's seed and the shot index, negative seeds allowed."""
    return np.random.default_rng([seed & 0xFFFF_FFFF_FFFF_FFFF, shot_index])


def _smooth_noise(rng: np.random.Generator, n: int, knot_every: float) -> np.ndarray:
    """``n`` samples of smooth noise in about [-1, 1]: random knots ``knot_every`` frames apart,
    joined with smoothstep so there is no jitter between knots (a hand, not a vibration)."""
    knots = max(2, math.ceil(n / knot_every) + 2)
    values = rng.uniform(-1.0, 1.0, knots)
    pos = np.arange(n, dtype=np.float64) / knot_every
    i = np.floor(pos).astype(np.int64)
    f = pos - i
    f = f * f * (3.0 - 2.0 * f)
    return np.asarray(values[i] * (1.0 - f) + values[i + 1] * f, dtype=np.float64)


def plan_poses(
    move: CameraMove | None,
    n_frames: int,
    *,
    seed: int,
    shot_index: int,
    fps: int,
) -> list[Pose]:
    """One :class:`Pose` per frame of a shot of ``n_frames`` for ``move``.

    ``None`` (the shot names no movement) is a static frame with a slight drift, so a held shot
    still reads as footage. Travelling moves are eased with :func:`smoothstep`; the handheld
    shake is smoothed noise of a few pixels and a fraction of a degree from an RNG seeded by
    ``seed`` and ``shot_index``, so the same seed always shakes the same way.
    """
    if n_frames <= 0:
        return []
    rng = shot_rng(seed, shot_index)
    span = max(n_frames - 1, 1)
    ts = [smoothstep(i / span) for i in range(n_frames)]
    room = pan_room(1.04)
    if move is None:
        # Drift: a slow creep in plus a little sideways slide in a seeded direction.
        dx, dy = rng.uniform(-1.0, 1.0, 2) * 0.012
        return [Pose(x=dx * t, y=dy * t, zoom=1.02 + 0.03 * t) for t in ts]
    if move is CameraMove.STATIC:
        return [Pose(zoom=1.02) for _ in ts]
    if move is CameraMove.PUSH_IN:
        return [Pose(zoom=1.0 + (PUSH_ZOOM - 1.0) * t) for t in ts]
    if move is CameraMove.PULL_OUT:
        return [Pose(zoom=PUSH_ZOOM - (PUSH_ZOOM - 1.0) * t) for t in ts]
    if move in (CameraMove.PAN_LEFT, CameraMove.PAN_RIGHT):
        sign = -1.0 if move is CameraMove.PAN_LEFT else 1.0
        reach = 0.9 * room
        return [Pose(x=sign * reach * (2.0 * t - 1.0), zoom=1.04) for t in ts]
    if move in (CameraMove.TILT_UP, CameraMove.TILT_DOWN):
        sign = -1.0 if move is CameraMove.TILT_UP else 1.0
        reach = 0.9 * room
        return [Pose(y=sign * reach * (2.0 * t - 1.0), zoom=1.04) for t in ts]
    if move is CameraMove.ORBIT:
        # An arc around the subject: slide sideways while rolling a little and closing in.
        sign = 1.0 if shot_index % 2 == 0 else -1.0
        reach = 0.5 * pan_room(1.1)
        return [
            Pose(
                x=sign * reach * (2.0 * t - 1.0),
                zoom=1.1 + 0.06 * t,
                angle_deg=sign * 0.5 * (2.0 * t - 1.0),
            )
            for t in ts
        ]
    if move is CameraMove.HANDHELD:
        knot = max(fps * 0.45, 2.0)
        nx = _smooth_noise(rng, n_frames, knot) + 0.35 * _smooth_noise(rng, n_frames, knot / 3)
        ny = _smooth_noise(rng, n_frames, knot) + 0.35 * _smooth_noise(rng, n_frames, knot / 3)
        na = _smooth_noise(rng, n_frames, knot * 1.3)
        # About 4 px of sway at 720p (0.3 % of the width) and a quarter of a degree of roll.
        return [
            Pose(
                x=float(nx[i]) * 0.003,
                y=float(ny[i]) * 0.005,
                zoom=1.06,
                angle_deg=float(na[i]) * 0.25,
            )
            for i in range(n_frames)
        ]
    raise ValueError(f"unknown camera move {move!r}")


# --- frames from poses ------------------------------------------------------------------------


def _clamped_centre(pose: Pose, src: Size, out: Size) -> tuple[float, float]:
    """View centre in still pixels, moved back inside the still if the rotated view would leave."""
    w, h = out[0] / pose.zoom, out[1] / pose.zoom
    a = math.radians(pose.angle_deg)
    half_x = (w * abs(math.cos(a)) + h * abs(math.sin(a))) / 2.0
    half_y = (w * abs(math.sin(a)) + h * abs(math.cos(a))) / 2.0
    cx = src[0] / 2.0 + pose.x * out[0]
    cy = src[1] / 2.0 + pose.y * out[1]
    cx = min(max(cx, half_x), src[0] - half_x) if 2 * half_x <= src[0] else src[0] / 2.0
    cy = min(max(cy, half_y), src[1] - half_y) if 2 * half_y <= src[1] else src[1] / 2.0
    return cx, cy


def view_box(pose: Pose, src: Size, out: Size) -> tuple[float, float, float, float]:
    """The (left, top, right, bottom) window of the still, in still pixels, that ``pose`` shows
    (ignoring roll); kept inside the still."""
    cx, cy = _clamped_centre(pose, src, out)
    w, h = out[0] / pose.zoom, out[1] / pose.zoom
    return (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)


def render_view(source: Image.Image, pose: Pose, out_size: Size, *, roll: bool) -> Image.Image:
    """The output frame ``pose`` sees in ``source`` (an RGB still from :func:`compose_still`).

    Without ``roll`` the frame is a bilinear resize of :func:`view_box` (about 9 ms at 720p);
    with it, an affine transform that also rotates (about 25 ms), so callers pass ``roll`` only
    for shots whose poses actually roll, keeping one resampler for the whole shot.
    """
    if not roll:
        return source.resize(
            out_size, Image.Resampling.BILINEAR, box=view_box(pose, source.size, out_size)
        )
    cx, cy = _clamped_centre(pose, source.size, out_size)
    s = 1.0 / pose.zoom
    ang = math.radians(pose.angle_deg)
    a, b = s * math.cos(ang), -s * math.sin(ang)
    d, e = s * math.sin(ang), s * math.cos(ang)
    half_w, half_h = out_size[0] / 2.0, out_size[1] / 2.0
    coeffs = (a, b, cx - a * half_w - b * half_h, d, e, cy - d * half_w - e * half_h)
    return source.transform(out_size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)


ROLL_TOLERANCE_PX = 0.5
"""Largest shift (output pixels, at the frame corners) a rounded roll angle may cause."""

_ROTATE_STILL_COST = 2.0
"""Cost of rotating a whole still, in per-frame affine transforms (it has 1.82x the pixels)."""

_RESIZE_COST = 0.43
"""Cost of an unrolled frame (a windowed resize), in per-frame affine transforms (measured)."""


class _Once:
    """A value computed by the first thread that asks for it; the others wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Image.Image | None = None

    def get(self, make: Callable[[], Image.Image]) -> Image.Image:
        with self._lock:
            if self._value is None:
                self._value = make()
            return self._value


class ShotCamera:
    """Draws the frames of one shot: a still seen through one :class:`Pose` per frame.

    Unrolled frames are a bilinear resize of a window of the still (about 9 ms at 720p). Rolled
    frames need a rotation: an affine transform per frame (about 21 ms), or, when the shot's roll
    angles rounded to a step that moves the frame corners by at most ``ROLL_TOLERANCE_PX`` take
    few distinct values (handheld sway), one rotated copy of the still per angle, cached, and then
    the same cheap resize. The choice is made per shot so a shot never switches resampler midway.
    :meth:`frame` may be called from several threads at once.
    """

    def __init__(self, still: Image.Image, poses: Sequence[Pose], out_size: Size) -> None:
        self.still = still
        self.out_size = out_size
        self.rolls = any(abs(p.angle_deg) > 1e-6 for p in poses)
        half_diagonal = math.hypot(*out_size) / 2.0
        step = math.degrees(2.0 * ROLL_TOLERANCE_PX / half_diagonal)
        rounded = [replace(p, angle_deg=round(p.angle_deg / step) * step) for p in poses]
        n_angles = len({p.angle_deg for p in rounded})
        self.cached_roll = self.rolls and (
            n_angles * _ROTATE_STILL_COST < len(poses) * (1.0 - _RESIZE_COST)
        )
        self.poses: list[Pose] = rounded if self.cached_roll else list(poses)
        self._rotated: dict[float, _Once] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.poses)

    def frame(self, index: int) -> Image.Image:
        """Frame ``index`` (0-based) of the shot, an RGB image of ``out_size``."""
        pose = self.poses[index]
        if not self.cached_roll:
            return render_view(self.still, pose, self.out_size, roll=self.rolls)
        with self._lock:
            once = self._rotated.setdefault(pose.angle_deg, _Once())
        rotated = once.get(lambda: _rotate_still(self.still, pose.angle_deg))
        # The view centre in the rotated still: the still's centre plus the rotated-back offset.
        cx, cy = _clamped_centre(pose, self.still.size, self.out_size)
        ox, oy = self.still.width / 2.0, self.still.height / 2.0
        ang = math.radians(pose.angle_deg)
        qx = ox + math.cos(ang) * (cx - ox) + math.sin(ang) * (cy - oy)
        qy = oy - math.sin(ang) * (cx - ox) + math.cos(ang) * (cy - oy)
        w, h = self.out_size[0] / pose.zoom, self.out_size[1] / pose.zoom
        box = (qx - w / 2.0, qy - h / 2.0, qx + w / 2.0, qy + h / 2.0)
        return rotated.resize(self.out_size, Image.Resampling.BILINEAR, box=box)

    def release(self) -> None:
        """Drop the cached rotated stills (5 MB each at 720p) once the shot is drawn."""
        with self._lock:
            self._rotated.clear()


def _rotate_still(still: Image.Image, angle_deg: float) -> Image.Image:
    """``still`` rolled by ``angle_deg`` about its centre, the same sense as :func:`render_view`."""
    ang = math.radians(angle_deg)
    cos, sin = math.cos(ang), math.sin(ang)
    ox, oy = still.width / 2.0, still.height / 2.0
    coeffs = (cos, -sin, ox - cos * ox + sin * oy, sin, cos, oy - sin * ox - cos * oy)
    return still.transform(still.size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)
