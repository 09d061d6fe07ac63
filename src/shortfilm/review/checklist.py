"""The production checklist of a production, as the command line, ``run`` and the tests ask for it.

The rules are :func:`shortfilm.domain.checklist.production_checklist`; the production they judge
is read by the store's read model (:mod:`shortfilm.store.read_model.checkpoints`) in one session.
"""

from __future__ import annotations

from shortfilm.domain.checklist import ChecklistStep, production_checklist
from shortfilm.domain.staleness import Staleness
from shortfilm.store.read_model.checkpoints import production_row, production_snapshot
from shortfilm.store.repo import Store


def checklist_and_staleness(store: Store, slug: str) -> tuple[list[ChecklistStep], Staleness]:
    """The checklist of ``slug`` and what is stale in it and why, from one read."""
    with store.session() as s:
        snap = production_snapshot(s, production_row(s, slug))
    assert snap.stale is not None, "production_snapshot always reads staleness"
    return production_checklist(snap), snap.stale


def checklist(store: Store, slug: str) -> list[ChecklistStep]:
    """The production checklist of ``slug``: each step's owner, output, review check, state and
    who it waits for (:func:`shortfilm.domain.checklist.production_checklist`)."""
    return checklist_and_staleness(store, slug)[0]
