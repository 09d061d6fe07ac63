"""templates: a production made from another (its board version by reference), and the
indexes lineage queries walk

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:00:00

``production_templates`` holds one row per production made with ``shortfilm new SLUG --from
OTHER``: the source, the board version reused by reference (no copy), what was kept. Takes get
indexes on ``board_id`` and ``keyframe_id`` so "which takes were made from this board / continue
this keyframe" (``shortfilm trace``) reads an index, not the whole table. Self-contained: the
lead may renumber it at merge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "production_templates",
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("source_production_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["production_id"], ["productions.id"]),
        sa.ForeignKeyConstraint(["source_production_id"], ["productions.id"]),
        sa.ForeignKeyConstraint(["board_id"], ["asset_boards.id"]),
        sa.PrimaryKeyConstraint("production_id"),
    )
    op.create_index(
        "ix_production_templates_source_production_id",
        "production_templates",
        ["source_production_id"],
    )
    op.create_index("ix_production_templates_board_id", "production_templates", ["board_id"])
    op.create_index("ix_takes_board_id", "takes", ["board_id"])
    op.create_index("ix_takes_keyframe_id", "takes", ["keyframe_id"])


def downgrade() -> None:
    op.drop_index("ix_takes_keyframe_id", table_name="takes")
    op.drop_index("ix_takes_board_id", table_name="takes")
    op.drop_index("ix_production_templates_board_id", table_name="production_templates")
    op.drop_index("ix_production_templates_source_production_id", table_name="production_templates")
    op.drop_table("production_templates")
