"""review checkpoints: what a review attaches to, comments, revisions and who made each version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 18:40:00

Reviews name the kind of subject they attach to (board, take, edit, render), the reviewer's role
and the changes asked for; ``comments`` holds remarks, time-coded on takes and renders. Boards,
clips, edits and renders get an integer ``revision`` every decision bumps with a compare-and-swap,
so two reviewers deciding at once never lose an update; boards and takes record who made them
(``NULL`` for rows made before, whose maker is unknown).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REVISIONED = ("asset_boards", "clips", "edits", "renders")


def upgrade() -> None:
    for table in REVISIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
            )
    for table in ("asset_boards", "takes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("created_by", sa.String(length=200), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject_kind", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("role", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("changes", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index("ix_reviews_subject", ["subject_kind", "subject_id"], unique=False)
    # reviews made before kinds existed: each checkpoint looked at one kind of subject
    op.execute(
        "UPDATE reviews SET subject_kind = CASE checkpoint WHEN 'board' THEN 'board' "
        "WHEN 'clip' THEN 'take' ELSE 'render' END"
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("at_ms", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["production_id"], ["productions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comments_production_id"), ["production_id"], unique=False
        )
        batch_op.create_index("ix_comments_subject", ["subject_kind", "subject_id"], unique=False)


def downgrade() -> None:
    # in place, never by copying a table: on SQLite a copy of ``takes`` (or of a table it points
    # at) would be dropped while other rows point at it (SQLite drops columns itself since 3.35)
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_subject")
        batch_op.drop_index(batch_op.f("ix_comments_production_id"))
    op.drop_table("comments")
    with op.batch_alter_table("reviews", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_reviews_subject")
        batch_op.drop_column("changes")
        batch_op.drop_column("role")
        batch_op.drop_column("subject_kind")
    for table in ("takes", "asset_boards"):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("created_by")
    for table in REVISIONED:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("revision")
