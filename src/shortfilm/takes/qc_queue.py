"""Take QC in the background of a server: an upload is answered before its QC (seconds of
decoding) is done, and a few QCs run at once."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from shortfilm.domain.qc_report import QCReport
from shortfilm.errors import InputError
from shortfilm.store.repo import Store
from shortfilm.takes.qc_judge import review_take

_log = logging.getLogger(__name__)


class QCQueue:
    """:func:`review_take` on background threads of this process, at most ``workers`` at once.

    Each take waits its turn in memory: taking a take's id costs nothing, while at most
    ``workers`` decodes run. A take whose QC was queued when the process stopped simply has no
    report: ``qc show``, ``run`` and ``keyframe pick`` analyse a take without one when they
    first need it, and its page says QC is pending meanwhile. A failure inside QC is stored as
    the report (see :func:`review_take`); anything else is logged, never raised to the uploader.
    """

    def __init__(self, store: Store, workers: int = 1) -> None:
        if workers < 1:
            raise InputError(f"QC workers: at least 1, not {workers}")
        self.store = store
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="take-qc")
        self._lock = threading.Lock()
        self._running: set[Future[QCReport]] = set()

    def submit(self, take_id: int) -> Future[QCReport]:
        """Queue the QC of stored take ``take_id``; returns at once."""
        future = self._pool.submit(review_take, self.store, take_id)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[QCReport]) -> None:
        with self._lock:
            self._running.discard(future)
        exc = future.exception()
        if exc is not None:
            _log.error("take QC failed: %s", exc, exc_info=exc)

    def pending(self) -> int:
        """How many queued or running QCs are not finished yet."""
        with self._lock:
            return len(self._running)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every QC queued so far has finished (``False`` if ``timeout`` seconds
        passed first)."""
        with self._lock:
            running = list(self._running)
        return not wait(running, timeout=timeout).not_done

    def close(self) -> None:
        """Finish what is queued, then stop the threads."""
        self._pool.shutdown(wait=True)
