"""jobs.seen_at: a running job's heartbeat

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:10:00

The worker carrying a job out writes the time into its row every few seconds. A delivery of a
job that another worker is still carrying out (a broker hands an unacknowledged job on after its
visibility timeout, whether or not the first worker died) waits for it instead of running it a
second time; a job whose heartbeat stopped is taken over. Existing rows get none: a running job
without one is treated as stopped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("seen_at")
