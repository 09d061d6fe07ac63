"""Every production as ``status``, the report and the cost report show it, read in one session.

Returns :class:`~shortfilm.domain.production_state.ProductionState`: the clips the spec plans
with every take, the latest edit with its renders (and their readable paths), the budget and the
checkpoint snapshot (:func:`~shortfilm.store.read_model.checkpoints.production_snapshot`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shortfilm.domain.mirror import mirror
from shortfilm.domain.production_state import (
    BoardReferenceState,
    BoardState,
    BudgetState,
    ClipState,
    ProductionState,
    RenderState,
    TakeState,
)
from shortfilm.errors import StoreError
from shortfilm.spec.stored import spec_from_dict
from shortfilm.store import naming, repo
from shortfilm.store.boards import newest_board_row
from shortfilm.store.read_model.checkpoints import production_snapshot
from shortfilm.store.repo import Store
from shortfilm.store.tables import (
    BoardRow,
    ClipRow,
    EditRow,
    ProductionRow,
    PromptRow,
    RenderRow,
    ScriptRow,
    TakeRow,
)


def production_states(store: Store) -> list[ProductionState]:
    """Every production of the store, oldest first."""
    with store.session() as s:
        return [_state(store, s, prod) for prod in repo.productions(s)]


def production_state(store: Store, slug: str) -> ProductionState:
    """The production ``slug``."""
    with store.session() as s:
        prod = repo.production_by_slug(s, slug)
        if prod is None:
            raise StoreError(f"no production {slug!r}")
        return _state(store, s, prod)


def _state(store: Store, s: Session, prod: ProductionRow) -> ProductionState:
    production = spec_from_dict(prod.spec)
    script = repo.latest(s, ScriptRow, ScriptRow.production_id, prod.id)
    board = newest_board_row(s, prod.id)
    edit = repo.latest(s, EditRow, EditRow.production_id, prod.id)
    renders = repo.renders(s, edit.id) if edit is not None else []
    budget = production.budget
    return ProductionState(
        slug=prod.slug,
        title=prod.title,
        campaign_role=prod.campaign_role,
        owner=prod.owner,
        target_duration_s=prod.target_duration_s,
        channels=tuple(prod.spec["channels"]),
        logline=prod.spec["script"]["logline"],
        script_version=script.version if script else None,
        board=_board(board) if board is not None else None,
        events=len(repo.events(s, prod.id)),
        clips=tuple(_clip(s, c) for c in repo.clips(s, prod.id)[: len(production.clips)]),
        edit_version=edit.version if edit is not None else None,
        edit_timeline=dict(edit.timeline) if edit is not None else {},
        renders=tuple(_render(store, s, prod.slug, edit, r) for r in renders if edit is not None),
        budget=(
            BudgetState(budget.limit, budget.unit, repo.committed_cost(s, prod.id, budget.unit))
            if budget is not None
            else None
        ),
        snapshot=production_snapshot(s, prod),
    )


def _board(board: BoardRow) -> BoardState:
    refs = tuple(
        BoardReferenceState(str(ref["role"]), str(ref["label"]), str(ref["path"]))
        for ref in board.references
    )
    return BoardState(board.version, board.status, refs)


def _clip(s: Session, clip: ClipRow) -> ClipState:
    prompt = repo.latest(s, PromptRow, PromptRow.clip_id, clip.id)
    takes = repo.takes(s, clip.id)
    kf = repo.chosen_keyframe(s, clip.selected_take_id) if clip.selected_take_id else None
    return ClipState(
        position=clip.position,
        name=clip.name,
        job=clip.job,
        duration_s=clip.duration_s,
        prompt_version=prompt.version if prompt else None,
        takes=tuple(_take(t) for t in takes),
        selected_take_id=clip.selected_take_id,
        keyframe_ms=kf.time_ms if kf else None,
    )


def _take(take: TakeRow) -> TakeState:
    asked = take.params.get("duration_s")
    return mirror(TakeState, take, duration_s=float(asked) if asked is not None else None)


def _render(store: Store, s: Session, slug: str, edit: EditRow | None, r: RenderRow) -> RenderState:
    assert edit is not None
    # by the render's own name: a draft of the same bytes may have been stored first, and it
    # is no render
    path = store.named_path(s, naming.render(slug, edit.version, r.preset), r.sha256)
    return RenderState(
        preset=r.preset,
        sha256=r.sha256,
        status=r.status,
        reasons=tuple(str(x) for x in ((r.checks or {}).get("reasons") or [])),
        path=path,
        duration_s=r.duration_s,
        width=r.width,
        height=r.height,
        integrated_lufs=r.integrated_lufs,
        true_peak_dbtp=r.true_peak_dbtp,
    )
