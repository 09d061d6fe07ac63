"""user deactivation: when an account was locked out

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:40:00

``users.deactivated_at`` is set by ``shortfilm user deactivate`` together with ``active`` false
and cleared by ``user activate``, so ``user list`` can say since when a person is locked out.
Accounts already inactive before this revision get the time of the upgrade (their real date is
not known).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table(
        "users",
        sa.column("active", sa.Boolean()),
        sa.column("deactivated_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        users.update()
        .where(users.c.active.is_(False))
        .values(deactivated_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    # in place, never by copying the table: web sessions point at ``users``
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("deactivated_at")
