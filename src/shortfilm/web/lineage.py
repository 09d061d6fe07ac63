"""Lineage on the pages: each board version, take, edit version and render shows what made it
and what uses it (:mod:`shortfilm.store.trace`), each thing linked to the page that shows it."""

from __future__ import annotations

from collections.abc import Iterable

from shortfilm.domain.trace import ThingKind, ThingRef, Trace, TraceNode, parse_thing
from shortfilm.store.repo import Tx
from shortfilm.store.trace import trace


def traces(s: Tx, slug: str, refs: Iterable[ThingRef]) -> dict[str, Trace]:
    """The lineage of each thing, by its canonical name (``clip-02:take:3``)."""
    return {ref.name(): trace(s, slug, ref) for ref in refs}


def node_link(node: TraceNode) -> str | None:
    """The page showing ``node`` (with the anchor of its card), or ``None`` for what has no
    page of its own (a reference image)."""
    base = f"/p/{node.production}"
    if node.kind == "production":
        return base
    if node.kind in ("variant-render", "publication"):
        return f"{base}/campaign"
    if node.kind not in {k.value for k in ThingKind}:
        return None
    ref = parse_thing(node.name)
    if ref.kind is ThingKind.BOARD:
        return f"{base}/board#board-v{ref.number}"
    if ref.kind in (ThingKind.EDIT, ThingKind.RENDER):
        return f"{base}/edit#edit-v{ref.number}" if ref.number else f"{base}/edit"
    anchor = f"#take-{ref.number}" if ref.kind is not ThingKind.PROMPT and ref.number else ""
    return f"{base}/clips/{ref.clip}{anchor}"
