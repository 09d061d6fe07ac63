"""publications: each variant version sent to its account, with the state it reached

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 13:00:00

A publication is a row per (variant version, account) whose state moves pending -> uploading ->
created -> scheduled/published (or failed); what the target answered (its upload, its post's id
and address) is kept, so a process killed mid-way reconciles instead of posting twice. The post's
figures (metrics) are stored on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=63), nullable=False),
        sa.Column("variant_version", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=63), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mark", sa.String(length=200), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=True),
        sa.Column("upload", sa.JSON(), nullable=True),
        sa.Column("remote_id", sa.String(length=200), nullable=True),
        sa.Column("remote_url", sa.String(length=2000), nullable=True),
        sa.Column("reason", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("metrics_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["production_id"], ["productions.id"]),
        sa.ForeignKeyConstraint(["variant_id"], ["variants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("variant_id", "account"),
    )
    op.create_index("ix_publications_production_id", "publications", ["production_id"])


def downgrade() -> None:
    op.drop_index("ix_publications_production_id", table_name="publications")
    op.drop_table("publications")
