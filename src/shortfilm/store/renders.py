"""The renders table as the edit stage reads and writes it: :class:`~shortfilm.domain.render.Render`
in, :class:`~shortfilm.domain.render.Render` out, the SQL kept here."""

from __future__ import annotations

from sqlalchemy import delete, select

from shortfilm.domain.mirror import mirror
from shortfilm.domain.render import Render
from shortfilm.store.repo import Tx
from shortfilm.store.tables import RenderRow


def render_of(row: RenderRow) -> Render:
    """The domain render a ``renders`` row holds (review and publishing read it too)."""
    return mirror(Render, row, checks=dict(row.checks or {}))


def render_for(tx: Tx, edit_id: int, preset: str) -> Render | None:
    """The stored render of Edit ``edit_id`` for ``preset``, if one was made."""
    stmt = select(RenderRow).where(RenderRow.edit_id == edit_id, RenderRow.preset == preset)
    row = tx.scalars(stmt).first()
    return None if row is None else render_of(row)


def put_render(tx: Tx, render: Render) -> Render:
    """Store ``render`` as the one render of its edit and preset, replacing the one stored before
    (a failed render, or one whose file is gone); returns it with its new id."""
    tx.execute(
        delete(RenderRow).where(
            RenderRow.edit_id == render.edit_id, RenderRow.preset == render.preset
        )
    )
    tx.flush()
    row = RenderRow(
        edit_id=render.edit_id,
        preset=render.preset,
        sha256=render.sha256,
        duration_s=render.duration_s,
        width=render.width,
        height=render.height,
        integrated_lufs=render.integrated_lufs,
        true_peak_dbtp=render.true_peak_dbtp,
        status=render.status,
        checks=dict(render.checks),
        srt_sha256=render.srt_sha256,
        vtt_sha256=render.vtt_sha256,
        cover_sha256=render.cover_sha256,
    )
    tx.add(row)
    tx.flush()
    return render_of(row)
