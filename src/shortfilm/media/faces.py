"""Finding faces in a frame, behind a one-method interface so any detector can be plugged in.

Faces matter to keyframe choice: a reference frame that shows the character's face carries their
identity into the next clip. Detection runs only on the few frames short-listed as keyframe
candidates, never on every frame of a clip.

The default is OpenCV's frontal-face Haar cascade. OpenCV 4.x wheels ship it (``cv2.data``) and
run it with ``cv2.CascadeClassifier``; OpenCV 5.0 wheels ship neither (Haar cascades moved to the
contrib modules), so there :func:`default_face_detector` finds no detector and keyframe
candidates are chosen without faces (each says so with ``faces_checked=False``). A cascade file
can also be named with ``SHORTFILM_FACE_CASCADE`` or found in Debian's ``opencv-data`` folders.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Box = tuple[int, int, int, int]
"""A face as (x, y, width, height) in pixels of the image it was found in."""

CASCADE_NAME = "haarcascade_frontalface_default.xml"

CASCADE_ENV = "SHORTFILM_FACE_CASCADE"
"""Environment variable naming a Haar cascade XML file to use instead of searching for one."""

_SYSTEM_DIRS = ("/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades")


class FaceDetector(Protocol):
    """Anything that finds faces in a grey 8-bit image (shape (height, width)).

    A detector may also set ``thread_safe = True``: :func:`detect_many` then runs it on two
    threads at once (keyframe choice runs after the decode, when both cores are free).
    """

    def detect(self, grey: NDArray[np.uint8]) -> list[Box]:
        """The faces found, as boxes in the image's pixels; empty when there are none."""
        ...


_POOL_LOCK = threading.Lock()
_POOL: ThreadPoolExecutor | None = None


def detect_many(detector: FaceDetector, images: Sequence[NDArray[np.uint8]]) -> list[int]:
    """The number of faces in each of ``images``, in order.

    A thread-safe detector runs on the calling thread and one long-lived helper thread at once
    (OpenCV releases the GIL, and a Haar search uses one core); any other runs on this thread
    alone. The helper lives as long as the process so its cascade is loaded once. Meanwhile
    OpenCV's own thread pool is off: two searches already fill two cores, and splitting each
    over the pool too only adds hand-offs (ten 512x288 stills: 117 ms against 125).
    """
    from shortfilm.media.frame_metrics import opencv_single_threaded

    if len(images) < 2 or not getattr(detector, "thread_safe", False):
        return [len(detector.detect(img)) for img in images]
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faces")
        pool = _POOL
    # the helper takes every other image from the end, this thread the rest from the start
    helper_part = range(len(images) - 1, -1, -2)
    mine = [i for i in range(len(images)) if i not in helper_part]
    with opencv_single_threaded():
        helped = pool.submit(lambda: {i: len(detector.detect(images[i])) for i in helper_part})
        counts = {i: len(detector.detect(images[i])) for i in mine}
        counts.update(helped.result())
    return [counts[i] for i in range(len(images))]


def find_cascade() -> Path | None:
    """The frontal-face cascade file: ``$SHORTFILM_FACE_CASCADE``, then OpenCV's bundled data,
    then Debian's ``opencv-data`` folders; ``None`` when there is none."""
    import cv2

    named = os.environ.get(CASCADE_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    bundled = getattr(getattr(cv2, "data", None), "haarcascades", None)
    folders = ([bundled] if isinstance(bundled, str) else []) + list(_SYSTEM_DIRS)
    for folder in folders:
        candidate = Path(folder) / CASCADE_NAME
        if candidate.is_file():
            return candidate
    return None


def haar_supported() -> bool:
    """Whether this OpenCV build can run Haar cascades (4.x wheels can, 5.0 wheels cannot)."""
    import cv2

    return hasattr(cv2, "CascadeClassifier")


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade: no model download, tens of ms per frame.

    It finds upright faces turned less than about 30 degrees from the camera and at least
    ``min_face_fraction`` of the image's short side tall; profiles and heavily shadowed faces are
    missed. The cascade is loaded on first use in each thread that calls it (an OpenCV cascade
    object is not safe to call from two threads at once, so each thread has its own). Raises
    ``RuntimeError`` on first use when this OpenCV cannot run cascades or the file is missing;
    :func:`default_face_detector` checks first.
    """

    def __init__(
        self,
        cascade: Path | None = None,
        *,
        min_face_fraction: float = 0.08,
        min_neighbours: int = 5,
        work_short_side: int = 192,
    ) -> None:
        self.cascade = cascade
        self.min_face_fraction = min_face_fraction
        self.min_neighbours = min_neighbours
        self.work_short_side = work_short_side
        """Frames are searched at most this many pixels on their short side. A cascade's cost
        grows with the pixel count (about 120 ms at 288x512, 27 ms at 192x341 on one core),
        and a face worth handing on as a reference is at least an eighth of the short side,
        still 24 px (the cascade's own window) at this size."""
        self._local = threading.local()

    thread_safe = True
    """Each thread searches with its own cascade object (see :func:`detect_many`)."""

    def _load(self) -> Any:
        import cv2

        classifier = getattr(self._local, "classifier", None)
        if classifier is None:
            path = self.cascade or find_cascade()
            if not haar_supported() or path is None:
                raise RuntimeError(
                    f"this OpenCV ({cv2.__version__}) cannot run the Haar face cascade, or "
                    f"{CASCADE_NAME} was not found; set {CASCADE_ENV} or pass a detector"
                )
            opencv: Any = cv2  # CascadeClassifier is absent from OpenCV 5's type stubs
            classifier = opencv.CascadeClassifier(str(path))
            if classifier.empty():
                raise RuntimeError(f"cannot load the face cascade {path}")
            self._local.classifier = classifier
        return classifier

    def detect(self, grey: NDArray[np.uint8]) -> list[Box]:
        import cv2

        height, width = grey.shape[:2]
        scale = min(1.0, self.work_short_side / max(min(height, width), 1))
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            grey = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.uint8)
        side = max(int(min(grey.shape[:2]) * self.min_face_fraction), 24)
        found = self._load().detectMultiScale(
            cv2.equalizeHist(grey),
            scaleFactor=1.15,
            minNeighbors=self.min_neighbours,
            minSize=(side, side),
        )
        return [
            (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
            for x, y, w, h in found
        ]


@functools.cache
def default_face_detector() -> FaceDetector | None:
    """A shared :class:`HaarFaceDetector` when this machine can run one, else ``None``."""
    if not haar_supported():
        return None
    path = find_cascade()
    return HaarFaceDetector(path) if path is not None else None
