"""take analyses: a QC report per take, and who picked each keyframe

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:38:16.904281

``take_analyses`` holds one QC report per take. ``keyframes.chosen_by`` tells the keyframe picked
automatically (``auto``) from a person's pick, and both from a candidate (``NULL``); keyframes
chosen before this revision were all picked automatically, so they are marked ``auto``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "take_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("take_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["take_id"],
            ["takes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("take_id"),
    )
    with op.batch_alter_table("keyframes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chosen_by", sa.String(length=200), nullable=True))
    keyframes = sa.table("keyframes", sa.column("chosen", sa.Boolean), sa.column("chosen_by"))
    op.execute(keyframes.update().where(keyframes.c.chosen.is_(True)).values(chosen_by="auto"))


def downgrade() -> None:
    # in place, never by copying the table: on SQLite a copy would drop ``keyframes`` while
    # ``takes.keyframe_id`` points at it (SQLite drops columns itself since 3.35)
    with op.batch_alter_table("keyframes", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("chosen_by")
    op.drop_table("take_analyses")
