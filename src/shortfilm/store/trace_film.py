"""The film half of lineage (:mod:`shortfilm.store.trace`): which edit versions contain a take,
the renders of an edit, and the variant renders and publications made from those renders.

An edit's timeline is JSON (its segments name take ids), so the edits containing a take are
found by reading the production's edit versions: a production has a handful, not thousands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from shortfilm.domain.trace import ThingKind, TraceNode
from shortfilm.store.campaign_tables import PublicationRow
from shortfilm.store.repo import Tx
from shortfilm.store.tables import ClipRow, EditRow, EventRow, RenderRow, TakeRow
from shortfilm.store.variants import VARIANT_RENDER


def timeline_take_ids(timeline: Mapping[str, Any]) -> list[int]:
    """The take ids an edit's timeline plays, in order (current and first stored shapes)."""
    parts = timeline.get("segments") or timeline.get("clips") or ()
    return [int(p["take_id"]) for p in parts if isinstance(p, dict) and "take_id" in p]


def edit_node(slug: str, edit: EditRow, relation: str) -> TraceNode:
    return TraceNode(
        ThingKind.EDIT.value,
        slug,
        f"edit:{edit.version}",
        relation,
        f"{len(timeline_take_ids(edit.timeline))} segments",
    )


def edits_containing(tx: Tx, production_id: int, take_id: int) -> list[EditRow]:
    """The production's edit versions whose timeline plays take ``take_id``, oldest first."""
    rows = tx.scalars(
        select(EditRow).where(EditRow.production_id == production_id).order_by(EditRow.version)
    )
    return [e for e in rows if take_id in timeline_take_ids(e.timeline)]


def takes_of_edit(tx: Tx, slug: str, edit: EditRow) -> list[TraceNode]:
    """The takes an edit version plays, as nodes (one query)."""
    ids = timeline_take_ids(edit.timeline)
    found = {
        take_id: (position, number, status)
        for take_id, position, number, status in tx.execute(
            select(TakeRow.id, ClipRow.position, TakeRow.number, TakeRow.status)
            .join(ClipRow, TakeRow.clip_id == ClipRow.id)
            .where(TakeRow.id.in_(ids))
        )
    }
    return [
        TraceNode(ThingKind.TAKE.value, slug, f"clip-{p:02d}:take:{n}", "plays take", status)
        for p, n, status in (found[i] for i in dict.fromkeys(ids) if i in found)
    ]


def render_node(slug: str, edit_version: int, render: RenderRow, relation: str) -> TraceNode:
    return TraceNode(
        ThingKind.RENDER.value,
        slug,
        f"edit:{edit_version}:render:{render.preset}",
        relation,
        f"{render.status}, {render.width}x{render.height}, {render.duration_s:g} s",
    )


def film_users(
    tx: Tx, production_id: int, slug: str, edits: Iterable[EditRow], *, with_edits: bool = True
) -> list[TraceNode]:
    """What depends on ``edits``: the edits themselves (``with_edits``), their renders, and the
    variant renders and publications made from those renders."""
    nodes: list[TraceNode] = []
    versions: set[int] = set()
    for edit in edits:
        versions.add(edit.version)
        if with_edits:
            nodes.append(edit_node(slug, edit, "plays it"))
        renders = tx.scalars(
            select(RenderRow).where(RenderRow.edit_id == edit.id).order_by(RenderRow.preset)
        )
        nodes += [render_node(slug, edit.version, r, "render") for r in renders]
    return nodes + variant_users(tx, production_id, slug, versions)


def variant_users(
    tx: Tx, production_id: int, slug: str, edit_versions: set[int]
) -> list[TraceNode]:
    """The variant renders made from those edit versions' films and the publications of the
    variant versions rendered."""
    if not edit_versions:
        return []
    nodes: list[TraceNode] = []
    rendered: set[tuple[str, int]] = set()
    events = tx.scalars(
        select(EventRow)
        .where(EventRow.production_id == production_id, EventRow.kind == VARIANT_RENDER)
        .order_by(EventRow.id)
    )
    for event in events:
        data = event.data
        if data.get("edit_version") not in edit_versions:
            continue
        key = (str(data.get("variant")), int(data.get("version") or 0))
        if key in rendered:
            continue
        rendered.add(key)
        nodes.append(
            TraceNode(
                "variant-render",
                slug,
                f"variant {key[0]} v{key[1]}",
                "variant rendered from it",
                f"{data.get('preset')}, {data.get('status')}",
            )
        )
    posts = tx.scalars(
        select(PublicationRow)
        .where(PublicationRow.production_id == production_id)
        .order_by(PublicationRow.id)
    )
    nodes += [
        TraceNode(
            "publication",
            slug,
            f"variant {p.variant} v{p.variant_version} to {p.account}",
            "published",
            p.state + (f", {p.remote_url}" if p.remote_url else ""),
        )
        for p in posts
        if (p.variant, p.variant_version) in rendered
    ]
    return nodes
