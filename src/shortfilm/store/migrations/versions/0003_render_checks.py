"""render checks: verification status, measured figures, caption sidecars and cover per render

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:40:00

Renders made before verification existed are marked ``unchecked`` with empty checks, so a report
can tell them from renders that passed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="unchecked")
        )
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("srt_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("vtt_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cover_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.drop_column("cover_sha256")
        batch_op.drop_column("vtt_sha256")
        batch_op.drop_column("srt_sha256")
        batch_op.drop_column("checks")
        batch_op.drop_column("status")
