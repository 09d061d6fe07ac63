"""A fake Replicate predictions API, over real HTTP on 127.0.0.1.

It implements the documented contract (``replicate.com/docs/reference/http``, the topics pages
on predictions, rate limits and deadlines, and the ``bytedance/seedance-2.0`` input schema)
closely enough that the adapter's tests exercise real requests, retries and reconciliation:

- ``POST /v1/models/{owner}/{name}/predictions`` with ``{"input": {...}}`` -> 201 and the
  prediction (``starting``), after Bearer auth (401 ``Unauthenticated``) and the model
  allow-list (404). The input is validated against the model's schema the way Replicate does:
  422 ``Input validation failed`` with a ``detail`` of ``- field: description`` lines and
  ``invalid_fields`` ``[{"type", "field", "description"}]``. Rules a JSON schema cannot say
  (reference images mixed with first/last frames, a last frame without a first, audio without
  an image or video) end the prediction ``failed`` instead, as a model does. ``Prefer: wait``
  holds the request until the prediction finishes (at most 60 s, or ``wait=n``);
  ``Cancel-After`` sets a deadline (``aborted`` before it starts, ``canceled`` after).
- ``GET /v1/predictions/{id}``: ``starting`` -> ``processing`` -> ``succeeded`` (or
  ``failed`` when scripted), computed from the clock on every read. ``metrics.predict_time``
  is the processing time; ``output`` is the URL of a real H.264 MP4 of the requested duration
  served by this server (a list of one URL for models so configured). Inputs, output and logs
  are removed ``data_ttl_s`` after completion (``data_removed: true``), and the output URL
  answers 404 ``output_ttl_s`` after it. It honours ``Range: bytes=N-`` (206, or 416 past the
  end) as object stores do (⚠ undocumented for Replicate's file host).
- ``GET /v1/predictions`` newest first, ``page_size`` a page, ``{"previous", "next",
  "results"}`` with cursor URLs, ``created_after`` / ``created_before`` filters.
- ``POST /v1/predictions/{id}/cancel``: ``canceled`` unless already finished (then unchanged).
- 429 answers carry the documented ``{"detail": "Request was throttled. Your rate limit resets
  in ~Ns."}`` plus ``retry_after`` and a ``Retry-After`` header (⚠ the docs show neither).

Faults are injected per operation (``create``, ``get``, ``list``, ``cancel``, ``download``),
scripted (:meth:`FakeReplicate.inject`) or at random (:meth:`FakeReplicate.set_fault_rate`):
``429``, ``500``, ``502``, ``503`` (nothing happens), ``timeout`` (held ``timeout_sleep_s``,
then dropped), ``reset`` (dropped at once), ``timeout-created`` / ``reset-created`` /
``500-created`` (create: the prediction is made first, then the answer is lost), ``malformed``
(a 200/201 whose JSON is cut short; for create after creating) and ``404`` (download: the
output "expired").

Counters (:attr:`FakeReplicate.create_calls`, ``predictions_created``, ``downloads`` per
prediction, ``calls`` per operation, ``faults_served``) say what really happened; every create
request is kept in :attr:`FakeReplicate.requests` (headers without ``Authorization``, body).
Everything is thread-safe. Decisions where the public record is silent are marked ⚠.

The parts live beside this module: the schema checks and error shapes in
:mod:`.fake_replicate_api`, the service's state in :mod:`.fake_replicate_state` (one
prediction's timeline and JSON in :mod:`.fake_replicate_prediction`), the HTTP layer in
:mod:`.fake_replicate_http`.
"""

from __future__ import annotations

from shortfilm.testing.fake_replicate_api import API_PREFIX
from shortfilm.testing.fake_replicate_http import new_server
from shortfilm.testing.fake_replicate_state import ReplicateState
from shortfilm.testing.server import TrackingServer


class FakeReplicate(ReplicateState):
    """The fake server. Use as a context manager, or :meth:`start` / :meth:`stop`.

    The arguments are :class:`~.fake_replicate_state.ReplicateState`'s.
    """

    def _new_server(self, address: tuple[str, int]) -> TrackingServer[ReplicateState]:
        return new_server(address)

    @property
    def base_url(self) -> str:
        """The API base the adapter takes (``.../v1``)."""
        return self.origin + API_PREFIX


__all__ = ["FakeReplicate"]
