"""Which run drives a take: two runs started at once (two terminals, two workers, a retry while
the first is still going) must not both pay for the same request.

A take is *held* by one run from its creation (or re-attachment) until its keyframe is stored:
``takes.runner`` names the run as ``host:pid:token`` (the host with its process namespace) and
``takes.runner_seen`` says when it last renewed the hold (by that host's clock: hosts sharing a
database keep their clocks within seconds, or the lease is that much shorter or longer). Another
run that needs the same take waits until the hold is released, then carries on from what the first
run left (a finished take is reused, an interrupted one is re-attached). A hold is taken over
without waiting when its run is known to be gone: a process of this host that no longer exists
(killed, crashed), or a run of any host that has not renewed its hold for :data:`LEASE_S` seconds.

Creating a take is the other half: :func:`shortfilm.store.repo.lock_clip` makes the creating
transaction the only writer of that clip's takes, so the second run finds the first run's take
instead of making its own.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shortfilm.store import takes as stored
from shortfilm.store.repo import Store

LEASE_S = 90.0
"""A hold not renewed for this long belongs to a run that is gone (another host's crash)."""

RENEW_S = 20.0
"""How often a run renews its holds; well inside :data:`LEASE_S`."""


def _host() -> str:
    """This machine's name, plus its process-id namespace where there is one: two containers
    may share a host name (``--network host``) but never a namespace, and a process id means
    something only inside its namespace."""
    name = socket.gethostname().replace(":", "-")
    try:
        space = "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
    except OSError:
        return name
    return f"{name}.{space}" if space else name


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # somebody else's live process
        return False
    return False


class Runner:
    """This run's name on the takes it holds, and the thread that keeps those holds alive."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.host = _host()
        self.name = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the hold ---------------------------------------------------------------------------

    def claim(self, take_id: int) -> bool:
        """Hold ``take_id`` if nobody else does (or its holder is gone); ``True`` when held."""
        now = datetime.now(UTC)
        with self.store.session() as tx:
            if stored.hold(tx, take_id, self.name, now, now - timedelta(seconds=LEASE_S)):
                return True
            holder = stored.holder(tx, take_id)
            if holder is None or not self._gone(holder):
                return False
            # the holder was a process of this host that no longer exists: take it over
            return stored.take_over(tx, take_id, self.name, holder, now)

    def wait_for(
        self, take_id: int, poll_s: float, waiting: Callable[[str], None] | None = None
    ) -> None:
        """Block until this run holds ``take_id`` (at once when nobody else does); when it has
        to wait, ``waiting`` is told once whom for (the holding run's name)."""
        told = False
        while not self.claim(take_id):
            if not told and waiting is not None:
                with self.store.session() as tx:
                    holder = stored.holder(tx, take_id)
                waiting(holder or "another run")
                told = True
            time.sleep(poll_s)

    def release(self, take_id: int | None = None) -> None:
        """Let go of ``take_id``, or of every take this run holds; never of another run's."""
        with self.store.session() as tx:
            stored.release(tx, self.name, take_id)

    def _gone(self, holder: str) -> bool:
        host, _, rest = holder.partition(":")
        pid_text = rest.partition(":")[0]
        if host != self.host or not pid_text.isdigit():
            return False  # another host's run: only its lease says it is gone
        pid = int(pid_text)
        return pid != os.getpid() and _pid_gone(pid)

    # -- staying alive ----------------------------------------------------------------------

    def renew(self) -> None:
        """Renew every hold of this run at once (one statement)."""
        with self.store.session() as tx:
            stored.renew(tx, self.name)

    def __enter__(self) -> Runner:
        self._thread = threading.Thread(target=self._keep_alive, name="take-holds", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.release()  # a run ending by an error leaves nothing held: the next need not wait

    def _keep_alive(self) -> None:
        while not self._stop.wait(RENEW_S):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                continue
