"""A fake BytePlus ModelArk / Volcengine Ark content-generation API, over real HTTP on 127.0.0.1.

It implements the contract collected in ``shared/research/video-model-apis.md`` §1 (checklist
§1.11) closely enough that the adapter's tests and the official SDK both run against it:

- ``POST /api/v3/contents/generations/tasks`` -> ``{"id": "cgt-<yyyymmddhhmmss>-<5>"}`` after
  Bearer auth (401 ``AuthenticationError``), the model allow-list (404
  ``InvalidEndpointOrModel.NotFound``), required fields (400 ``MissingParameter``), content
  types and roles, the mode rules with the messages seen in live probes (400
  ``InvalidParameter``), image limits on data URLs, and the range of every top-level field.
  JSON fields win over legacy ``--rs/--rt/--dur/...`` prompt flags.
- ``GET .../tasks/{id}``: ``queued`` -> ``running`` -> ``succeeded`` (or ``failed`` when
  scripted; ``expired`` past ``execution_expires_after``), computed from the clock on every
  read, so a :class:`ManualClock` makes progression instant and exact. Like the real API, a
  task echoes only ``id``, ``model``, ``status``, timestamps, ``service_tier``,
  ``execution_expires_after``, ``generate_audio`` (and ``safety_identifier`` when sent), plus
  ``seed``/``resolution``/``ratio``/``duration``/``framespersecond``, ``content`` and ``usage``
  once succeeded. It never echoes the prompt or the images.
- ``usage`` follows the observed formula ``W*H/1024 * (24 * seconds + 1)`` on the output size.
- ``GET .../tasks`` with ``page_num``, ``page_size``, ``filter.status``, ``filter.model``,
  ``filter.task_ids`` (repeatable), ``filter.service_tier`` -> ``{"total", "items"}``, newest
  first.
- ``DELETE .../tasks/{id}``: queued -> ``cancelled``; succeeded/failed/expired -> deleted
  (404 afterwards); running or cancelled -> refused.
- Result URLs point back at this server (``/tos/<task>/video.mp4?X-Tos-...``): a real H.264
  MP4 (AAC when ``generate_audio``) of the task's duration and a PNG of its last frame,
  encoded once per duration/size with the wheel's ffmpeg, expiring ``result_ttl_s`` after the
  task finished (then 404).
- Error envelopes ``{"error": {"code", "message", "param", "type"}}`` with "Request id: ..." in
  the message and an ``x-request-id`` header.
- ``POST /api/v3/images/generations`` (Seedream): see :mod:`.fake_seedream`.

The parts live beside this module: what a create must hold in :mod:`.fake_seedance_tasks`,
the service's state in :mod:`.fake_modelark_state` (one task's timeline and JSON in
:mod:`.fake_ark_task`), the HTTP layer in :mod:`.fake_modelark_http`, the routes and error
envelope in
:mod:`.fake_ark_api`, the output sizes (by the research notes, not by the adapter) in
:mod:`.seedance_output`.

Decisions where the public record is silent (⚠ in the research) are marked ⚠ below.

Faults are injected per operation (``create``, ``get``, ``list``, ``delete``, ``download``,
``images``), scripted (:meth:`FakeModelArk.inject`) or at random
(:meth:`FakeModelArk.set_fault_rate`): ``429``, ``500``, ``502``, ``503`` (an error envelope;
nothing happens), ``timeout`` (held ``timeout_sleep_s``, past the client's timeout, then
dropped; nothing happens), ``reset`` (dropped at once), ``timeout-created`` /
``reset-created`` / ``500-created`` (create: the task is made first, then the answer is lost,
as when a gateway fails after the backend accepted the request), ``malformed`` (a 200 whose
JSON is cut short; for create after the task was made; for a download, a body broken off
halfway) and ``404`` (for a download: the result URL has "expired").

Counters (:attr:`FakeModelArk.create_calls`, ``tasks_created``, ``image_calls``,
``images_generated``, ``downloads`` per URL path, ``calls`` per operation; all of them from
:meth:`FakeModelArk.stats` or ``GET /_fake/stats``) say what really happened on the server.
Everything is thread-safe.

``python -m shortfilm.testing.fake_modelark`` runs it standalone (for a client process that a
test kills and restarts): it prints ``{"base_url": ...}`` as its first line, serves until
SIGTERM/SIGINT, then prints the counters as a JSON line.
"""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

from shortfilm.testing.fake_ark_api import API_PREFIX, OPS
from shortfilm.testing.fake_modelark_http import new_server
from shortfilm.testing.fake_modelark_state import ModelArkState
from shortfilm.testing.server import TrackingServer


class FakeModelArk(ModelArkState):
    """The fake server. Use as a context manager, or :meth:`start` / :meth:`stop`.

    The arguments are :class:`~.fake_modelark_state.ModelArkState`'s.
    """

    def _new_server(self, address: tuple[str, int]) -> TrackingServer[ModelArkState]:
        return new_server(address)

    @property
    def base_url(self) -> str:
        """The API base, as the adapter and the SDK take it (``.../api/v3``)."""
        return self.origin + API_PREFIX


# --- standalone -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the fake until SIGTERM/SIGINT; first stdout line ``{"base_url": ...}``, last the
    counters."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m shortfilm.testing.fake_modelark")
    parser.add_argument("--api-key", action="append", help="accepted key (repeatable; any)")
    parser.add_argument("--latency", type=float, default=3.0, help="mean run seconds")
    parser.add_argument("--jitter", type=float, default=0.0, help="+- seconds, uniform")
    parser.add_argument("--queue", type=float, default=0.0, help="seconds queued first")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default="429,500,timeout")
    parser.add_argument("--fault-ops", default=",".join(OPS))
    parser.add_argument("--timeout-sleep", type=float, default=3.0)
    parser.add_argument("--media-dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    mean: float = args.latency
    jitter: float = args.jitter

    def latency() -> float:
        return max(0.0, mean + rng.uniform(-jitter, jitter))

    fake = FakeModelArk(
        api_keys=args.api_key,
        latency=latency,
        queue_s=args.queue,
        timeout_sleep_s=args.timeout_sleep,
        media_dir=args.media_dir,
        keep_bodies=False,
        seed=args.seed,
    )
    if args.fault_rate > 0:
        fake.set_fault_rate(
            args.fault_rate,
            kinds=args.fault_kinds.split(","),
            ops=args.fault_ops.split(","),
            seed=args.seed,
        )
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with fake:
        print(json.dumps({"base_url": fake.base_url, "origin": fake.origin}), flush=True)
        done.wait()
        print(json.dumps(fake.stats()), flush=True)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
