"""take runners: which run drives a take, so two runs started at once never both pay for it

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 02:30:00

``takes.runner`` names the run (``host:pid:token``) holding a take from its creation (or
re-attachment) to its stored keyframe, ``runner_seen`` when that run last renewed its hold.
Takes made before have no runner: any run may take them over, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("runner_seen", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # in place, never by copying the table: other rows point at ``takes`` (see 0005)
    with op.batch_alter_table("takes", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("runner_seen")
        batch_op.drop_column("runner")
