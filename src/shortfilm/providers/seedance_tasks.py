"""Reading Seedance tasks back: which task a lost create made, and what a finished one keeps.

**Recognising a lost task.** The get/list payload does **not** echo the prompt or the images
(only ``id``, ``model``, ``status``, timestamps, ``execution_expires_after``, ``generate_audio``,
``service_tier``, and ``seed``/``resolution``/``ratio``/``duration`` once finished), so content
cannot be matched directly. Each request carries a marker derived from its content instead
(``execution_expires_after``, see :func:`~.seedance_request.marker_for`): a task matches when it
has the same model and marker and agrees on every other echoed field (:func:`matching_tasks`).

**What a take keeps** (:func:`task_metadata`): the task as echoed (presigned URLs cut to their
paths: they are bearer credentials for 24 h), the tokens and the list price they come to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Set

from shortfilm.providers.ark import ArkTask, ArkUsage
from shortfilm.providers.seedance_request import ModelSpec, PreparedRequest

log = logging.getLogger("shortfilm.providers.seedance")
"""The adapter's logger: these are steps of its reconciliation."""


def matching_tasks(
    tasks: Iterable[ArkTask], prepared: PreparedRequest, model: str, taken: Set[str]
) -> list[str]:
    """Ids of ``tasks`` that carry ``prepared``'s marker and agree with every echoed field,
    oldest first, leaving out ``taken`` and tasks that cannot become a take; a lone task that
    echoes no marker at all stands in when no marked one does. ``model`` is the adapter's (an
    endpoint id ``ep-...`` matches any model the task names)."""
    body = prepared.body
    strong: list[ArkTask] = []
    weak: list[ArkTask] = []
    for task in tasks:
        if task.id in taken or task.status not in ("queued", "running", "succeeded"):
            continue
        if task.model and not model.startswith("ep-") and task.model != model:
            continue
        echoes = {
            "generate_audio": task.generate_audio,
            "duration": task.duration,
            "resolution": task.resolution,
            "ratio": task.ratio,
            "seed": task.seed if body["seed"] != -1 else None,
        }
        if any(v is not None and v != body[k] for k, v in echoes.items()):
            continue
        if task.execution_expires_after is None:
            weak.append(task)
        elif task.execution_expires_after == prepared.marker:
            strong.append(task)
    if len(strong) > 1:
        log.warning(
            "seedance: %d tasks carry the marker of %s; taking the oldest unclaimed",
            len(strong),
            prepared.fingerprint[:12],
        )
    if not strong and len(weak) == 1:
        log.warning("seedance: task %s matched without its marker echoed", weak[0].id)
        return [weak[0].id]
    return [t.id for t in sorted(strong, key=lambda t: (t.created_at, t.id))]


def task_metadata(
    task: ArkTask, spec: ModelSpec, *, provider: str, model: str, last_frame_source: str
) -> dict[str, object]:
    """Facts worth keeping with a finished take (no presigned URL, no key)."""
    usage = task.usage or ArkUsage()
    tokens = usage.tokens
    per_million = spec.price_per_million.get(task.resolution or "")
    echo = task.model_dump(mode="json", exclude_none=True)
    if "content" in echo:  # presigned URLs are bearer credentials for 24 h: keep the paths
        echo["content"] = {
            k: v.split("?", 1)[0] if isinstance(v, str) else v for k, v in echo["content"].items()
        }
    return {
        "provider": provider,
        "task_id": task.id,
        "task": echo,
        "model": task.model or model,
        "usage": usage.model_dump(mode="json"),
        "tokens": tokens,
        "price": {
            "per_million_tokens": per_million,
            "currency": spec.currency,
            "estimated_cost": None if per_million is None else round(tokens * per_million / 1e6, 6),
            "source": "published list price (secondhand); the invoice is authoritative",
        },
        "seed": task.seed,
        "resolution": task.resolution,
        "ratio": task.ratio,
        "duration": task.duration,
        "framespersecond": task.framespersecond,
        "generate_audio": task.generate_audio,
        "last_frame_source": last_frame_source,
    }


__all__ = ["matching_tasks", "task_metadata"]
