"""Reading Replicate predictions back: which one a lost create made, and what a finished one keeps.

**Recognising a lost prediction.** Replicate echoes a prediction's ``input`` in the list, so a
prediction of this model whose echoed input is the one sent (by digest, or field by field when
the echo rewrote or dropped the data-URL files: :func:`~.replicate_api.input_matches`) is the
request's (:func:`matching_predictions`); the first one made is the one to keep.

**What a take keeps** (:func:`prediction_metadata`): the input without its files (counted
instead), the metrics and the predict time it is billed by, the output URL without its query.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Set

from shortfilm.providers.replicate_api import FILE_FIELDS, Prediction, input_matches
from shortfilm.providers.replicate_request import PreparedPrediction

log = logging.getLogger("shortfilm.providers.replicate")
"""The adapter's logger: these are steps of its reconciliation."""


def matching_predictions(
    predictions: Iterable[Prediction], prepared: PreparedPrediction, model: str, taken: Set[str]
) -> list[str]:
    """Ids of ``predictions`` of ``model`` whose echoed input is the one ``prepared`` sent,
    oldest first, leaving out ``taken``."""
    fresh = [
        p
        for p in predictions
        if p.id not in taken
        and (not p.model or p.model == model)
        and input_matches(prepared.input, prepared.digest, p.input)
    ]
    fresh.sort(key=lambda p: p.created or 0.0)  # the first one made is the one to keep
    if len(fresh) > 1:
        log.warning(
            "replicate: %d predictions match one request (%s); keeping the oldest",
            len(fresh),
            ", ".join(p.id for p in fresh),
        )
    return [p.id for p in fresh]


def prediction_metadata(
    remote: Prediction,
    video_url: str,
    *,
    provider: str,
    model: str,
    cost_unit: str,
    last_frame_source: str,
) -> dict[str, object]:
    """Facts worth keeping with a finished take (no presigned URL, no token)."""
    sent = dict(remote.input or {})
    counts = {}
    for key in FILE_FIELDS:
        value = sent.pop(key, None)
        if isinstance(value, list):
            counts[key] = len(value)
        elif value:
            counts[key] = 1
    return {
        "provider": provider,
        "prediction_id": remote.id,
        "model": remote.model or model,
        "version": remote.version,
        "status": remote.status,
        "metrics": dict(remote.metrics or {}),
        "predict_time_s": remote.predict_time,
        "cost": {
            "unit": cost_unit,
            "amount": remote.predict_time,
            "source": "metrics.predict_time; the invoice is authoritative",
        },
        "input": sent,
        "input_files": counts,
        "output_s": sent.get("duration"),
        "output_url": video_url.split("?", 1)[0],
        "created_at": remote.created_at,
        "started_at": remote.started_at,
        "completed_at": remote.completed_at,
        "last_frame_source": last_frame_source,
    }


__all__ = ["matching_predictions", "prediction_metadata"]
