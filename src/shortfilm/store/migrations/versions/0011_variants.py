"""variants: each variant of a production's approved film, one row per version

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:30:00

A variant (hook, end card, caption, hashtags, rhythm, preset; routed to one account) is declared
in the spec's ``campaign:`` or with ``shortfilm variant add``; every change is a new version, so
its review and its renders name the exact version they are of.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=63), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["production_id"], ["productions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("production_id", "name", "version"),
    )
    op.create_index("ix_variants_production_id", "variants", ["production_id"])


def downgrade() -> None:
    op.drop_index("ix_variants_production_id", table_name="variants")
    op.drop_table("variants")
