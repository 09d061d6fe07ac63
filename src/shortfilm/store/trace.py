"""Lineage queries: :func:`trace` walks from one stored thing to what made it and to what
depends on it, across every production of the home (a board version a template references is
used by the takes of each production made from it).

Each step is one indexed query (takes by ``board_id``, ``keyframe_id``, ``prompt_id``; the
film's half is in :mod:`shortfilm.store.trace_film`), so a board used by hundreds of takes
traces in a few queries, not one per take.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select

from shortfilm.domain.trace import ThingKind, ThingRef, Trace, TraceNode
from shortfilm.errors import InputError
from shortfilm.store import repo
from shortfilm.store.boards import board_row_numbered
from shortfilm.store.repo import Tx
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    EditRow,
    KeyframeRow,
    ProductionRow,
    PromptRow,
    RenderRow,
    TakeRow,
)
from shortfilm.store.template_tables import TemplateRow
from shortfilm.store.templates import productions_using_board
from shortfilm.store.trace_film import (
    edit_node,
    edits_containing,
    film_users,
    render_node,
    takes_of_edit,
    variant_users,
)


def trace(tx: Tx, slug: str, ref: ThingRef) -> Trace:
    """The lineage of ``ref`` in production ``slug``; :class:`InputError` naming what is
    missing (the production, the clip, the version, the take)."""
    prod = repo.production_by_slug(tx, slug)
    if prod is None:
        raise InputError(f"no production {slug!r} in this home")
    if ref.kind is ThingKind.BOARD:
        return _board(tx, prod, ref)
    if ref.kind is ThingKind.EDIT or ref.kind is ThingKind.RENDER:
        return _film(tx, prod, ref)
    assert ref.clip is not None
    clip = tx.scalars(
        select(ClipRow).where(ClipRow.production_id == prod.id, ClipRow.position == ref.clip)
    ).first()
    if clip is None:
        raise InputError(f"{slug} has no clip-{ref.clip:02d}")
    if ref.kind is ThingKind.PROMPT:
        return _prompt(tx, prod, clip, ref)
    if ref.kind is ThingKind.TAKE:
        return _take(tx, prod, clip, _take_row(tx, slug, clip, ref.number))
    return _keyframe(tx, prod, clip, ref)


# -- boards and prompts --------------------------------------------------------------------------


def _board(tx: Tx, prod: ProductionRow, ref: ThingRef) -> Trace:
    row = board_row_numbered(tx, prod.id, ref.number)
    if row is None:
        which = f"board v{ref.number}" if ref.number is not None else "board"
        raise InputError(f"{prod.slug} has no {which}")
    owner = prod if row.production_id == prod.id else tx.get_one(ProductionRow, row.production_id)
    made_from = _references(owner.slug, row.references)
    used_by = [
        TraceNode("production", other, other, "uses it by reference (made from a template)")
        for other in productions_using_board(tx, row.id)
    ]
    used_by += _takes_where(tx, TakeRow.board_id == row.id, "made from it")
    facts = {
        "version": row.version,
        "status": row.status,
        "owner": owner.slug,
        "created_by": row.created_by,
        "references": len(row.references),
    }
    thing = TraceNode(
        ThingKind.BOARD.value, owner.slug, f"board:{row.version}", "traced", row.status
    )
    return Trace(thing, facts, tuple(made_from), tuple(used_by))


def _prompt(tx: Tx, prod: ProductionRow, clip: ClipRow, ref: ThingRef) -> Trace:
    stmt = select(PromptRow).where(PromptRow.clip_id == clip.id)
    if ref.number is not None:
        stmt = stmt.where(PromptRow.version == ref.number)
    row = tx.scalars(stmt.order_by(PromptRow.version.desc())).first()
    if row is None:
        raise InputError(f"{prod.slug} clip-{clip.position:02d} has no such prompt version")
    name = f"clip-{clip.position:02d}:prompt:{row.version}"
    made_from = [TraceNode("clip", prod.slug, f"clip-{clip.position:02d}", "plan", clip.job)]
    frames = row.sections.get("frames") or {}
    made_from += [
        TraceNode(
            "reference",
            prod.slug,
            str(v.get("path", "")),
            f"{key} frame",
            str(v.get("sha256", ""))[:12],
        )
        for key, v in frames.items()
        if isinstance(v, dict)
    ]
    takes = tx.execute(
        select(TakeRow.number, TakeRow.status)
        .where(TakeRow.clip_id == clip.id, TakeRow.prompt_id == row.id)
        .order_by(TakeRow.number)
    )
    used_by = [
        TraceNode(
            ThingKind.TAKE.value,
            prod.slug,
            f"clip-{clip.position:02d}:take:{n}",
            "made from it",
            status,
        )
        for n, status in takes
    ]
    facts = {"version": row.version, "content_hash": row.content_hash}
    thing = TraceNode(ThingKind.PROMPT.value, prod.slug, name, "traced")
    return Trace(thing, facts, tuple(made_from), tuple(used_by))


# -- takes and keyframes -------------------------------------------------------------------------


def _take_row(tx: Tx, slug: str, clip: ClipRow, number: int | None) -> TakeRow:
    if number is None:
        take = tx.get(TakeRow, clip.selected_take_id) if clip.selected_take_id else None
        if take is None:
            raise InputError(f"{slug} clip-{clip.position:02d} has no selected take")
        return take
    take = tx.scalars(
        select(TakeRow).where(TakeRow.clip_id == clip.id, TakeRow.number == number)
    ).first()
    if take is None:
        raise InputError(f"{slug} clip-{clip.position:02d} has no take {number}")
    return take


def _take(tx: Tx, prod: ProductionRow, clip: ClipRow, take: TakeRow) -> Trace:
    place = f"clip-{clip.position:02d}"
    prompt = tx.get_one(PromptRow, take.prompt_id)
    board = tx.get_one(BoardRow, take.board_id)
    board_owner = (
        prod.slug
        if board.production_id == prod.id
        else tx.get_one(ProductionRow, board.production_id).slug
    )
    made_from = [
        TraceNode(ThingKind.PROMPT.value, prod.slug, f"{place}:prompt:{prompt.version}", "prompt"),
        TraceNode(
            ThingKind.BOARD.value, board_owner, f"board:{board.version}", "board", board.status
        ),
    ]
    if take.keyframe_id is not None:
        made_from.append(_keyframe_node(tx, prod.slug, take.keyframe_id, "continued keyframe"))
    made_from += _references(prod.slug, take.references)
    frames = tx.scalars(
        select(KeyframeRow).where(KeyframeRow.take_id == take.id, KeyframeRow.chosen.is_(True))
    ).all()
    used_by = [
        TraceNode(
            ThingKind.KEYFRAME.value,
            prod.slug,
            f"{place}:keyframe:{take.number}",
            "its keyframe",
            f"at {kf.time_ms} ms",
        )
        for kf in frames
    ]
    used_by += _continuing(tx, [kf.id for kf in frames])
    used_by += film_users(tx, prod.id, prod.slug, edits_containing(tx, prod.id, take.id))
    facts: dict[str, Any] = {
        "provider": take.provider,
        "model": take.model,
        "seed": take.params.get("seed"),
        "status": take.status,
        "cost": take.cost,
        "cost_unit": take.cost_unit,
        "job_id": take.job_id,
        "created_by": take.created_by,
        "selected": clip.selected_take_id == take.id,
        "video_sha256": take.video_sha256,
    }
    thing = TraceNode(
        ThingKind.TAKE.value, prod.slug, f"{place}:take:{take.number}", "traced", take.status
    )
    return Trace(thing, facts, tuple(made_from), tuple(used_by))


def _keyframe(tx: Tx, prod: ProductionRow, clip: ClipRow, ref: ThingRef) -> Trace:
    take = _take_row(tx, prod.slug, clip, ref.number)
    kf = repo.chosen_keyframe(tx, take.id)
    place = f"clip-{clip.position:02d}"
    if kf is None:
        raise InputError(f"{prod.slug} {place} take {take.number} has no keyframe")
    made_from = [
        TraceNode(
            ThingKind.TAKE.value, prod.slug, f"{place}:take:{take.number}", "frame of", take.status
        )
    ]
    facts = {
        "time_ms": kf.time_ms,
        "score": kf.score,
        "chosen_by": kf.chosen_by,
        "sha256": kf.sha256,
    }
    thing = _keyframe_node(tx, prod.slug, kf.id, "traced")
    return Trace(thing, facts, tuple(made_from), tuple(_continuing(tx, [kf.id])))


def _keyframe_node(tx: Tx, slug: str, keyframe_id: int, relation: str) -> TraceNode:
    position, number, time_ms = tx.execute(
        select(ClipRow.position, TakeRow.number, KeyframeRow.time_ms)
        .join(TakeRow, KeyframeRow.take_id == TakeRow.id)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .where(KeyframeRow.id == keyframe_id)
    ).one()
    name = f"clip-{position:02d}:keyframe:{number}"
    return TraceNode(ThingKind.KEYFRAME.value, slug, name, relation, f"at {time_ms} ms")


def _continuing(tx: Tx, keyframe_ids: list[int]) -> list[TraceNode]:
    """The takes given one of these keyframes as their reference: clips continuing it."""
    if not keyframe_ids:
        return []
    return _takes_where(tx, TakeRow.keyframe_id.in_(keyframe_ids), "continues it")


def _takes_where(tx: Tx, condition: ColumnElement[bool], relation: str) -> list[TraceNode]:
    """The takes meeting ``condition`` in every production of the home, as nodes, in one
    query (its index: ``takes.board_id`` / ``takes.keyframe_id``)."""
    rows = tx.execute(
        select(ProductionRow.slug, ClipRow.position, TakeRow.number, TakeRow.status)
        .join(ClipRow, TakeRow.clip_id == ClipRow.id)
        .join(ProductionRow, ClipRow.production_id == ProductionRow.id)
        .where(condition)
        .order_by(ProductionRow.id, ClipRow.position, TakeRow.number)
    )
    return [
        TraceNode(ThingKind.TAKE.value, slug, f"clip-{p:02d}:take:{n}", relation, status)
        for slug, p, n, status in rows
    ]


def _references(slug: str, refs: Iterable[Any]) -> list[TraceNode]:
    """Reference images (``{"label", "role", "sha256"}`` each) as nodes."""
    return [
        TraceNode(
            "reference",
            slug,
            str(r.get("label", "")),
            str(r.get("role", "")),
            str(r.get("sha256", ""))[:12],
        )
        for r in refs
        if isinstance(r, dict)
    ]


# -- the film ------------------------------------------------------------------------------------


def _film(tx: Tx, prod: ProductionRow, ref: ThingRef) -> Trace:
    stmt = select(EditRow).where(EditRow.production_id == prod.id)
    if ref.number is not None:
        stmt = stmt.where(EditRow.version == ref.number)
    edit = tx.scalars(stmt.order_by(EditRow.version.desc())).first()
    if edit is None:
        which = f"edit v{ref.number}" if ref.number is not None else "edit"
        raise InputError(f"{prod.slug} has no {which}")
    takes = takes_of_edit(tx, prod.slug, edit)
    if ref.kind is ThingKind.EDIT:
        thing = edit_node(prod.slug, edit, "traced")
        used = film_users(tx, prod.id, prod.slug, [edit], with_edits=False)
        return Trace(thing, {"version": edit.version}, tuple(takes), tuple(used))
    render = tx.scalars(
        select(RenderRow).where(RenderRow.edit_id == edit.id, RenderRow.preset == ref.preset)
    ).first()
    if render is None:
        raise InputError(f"{prod.slug} edit v{edit.version} has no {ref.preset} render")
    thing = render_node(prod.slug, edit.version, render, "traced")
    made_from = [edit_node(prod.slug, edit, "renders"), *takes]
    used = variant_users(tx, prod.id, prod.slug, {edit.version})
    facts = {
        "preset": render.preset,
        "status": render.status,
        "sha256": render.sha256,
        "duration_s": render.duration_s,
    }
    return Trace(thing, facts, tuple(made_from), tuple(used))


def home_mark(tx: Tx) -> tuple[int, int]:
    """``(newest take id, productions made from templates)`` of the whole home: changes when a
    board could have gained a user in another production (a page showing a board's users is
    cached per production, whose own events do not see those)."""
    newest = tx.scalar(select(func.max(TakeRow.id))) or 0
    made = tx.scalar(select(func.count()).select_from(TemplateRow)) or 0
    return int(newest), int(made)
