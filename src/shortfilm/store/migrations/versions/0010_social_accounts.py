"""social_accounts: the accounts a home's films are posted to

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:30:00

An account belongs to the home (every production posts to the same few), with its platform,
handle, locale, preset and publish target (kind and settings as JSON; secrets are never stored,
only the name of the environment variable holding one). Removing an account keeps its row for the
publications that name it; only live rows must have distinct names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "social_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=80), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("preset", sa.String(length=40), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_social_accounts_live_name",
        "social_accounts",
        ["name"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_social_accounts_live_name", table_name="social_accounts")
    op.drop_table("social_accounts")
