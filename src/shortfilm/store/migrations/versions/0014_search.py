"""search: the library's index of every production's texts, full-text searchable

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00

One row per searchable text (``search_entries``, kept current by the store's flush listener,
:mod:`shortfilm.store.search_index`), and each database's full-text structure over its words:
on SQLite an FTS5 external-content table (``ascii`` tokenizer: the words were already folded and
joined by spaces) with the triggers that keep it in step; on PostgreSQL a stored generated
``tsv`` column holding the same words as a ``tsvector`` (``array_to_tsvector``: no text-search
parser, so no disagreement with SQLite about what a word is; stored, so a row is tested without
rebuilding it) plus each word's first 3 and 4 characters as marked lexemes (the prefix indexes
FTS5 keeps), with a GIN index. Existing homes are backfilled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shortfilm.store.search_tables import TSV_COLUMN, TSV_EXPRESSION, TSV_INDEX_DDL

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_entries', "
    "content_rowid='id', tokenize='ascii', detail='none', columnsize=0, "
    "prefix='2 3 4')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
_POSTGRESQL = (
    f"ALTER TABLE search_entries ADD COLUMN {TSV_COLUMN} tsvector GENERATED ALWAYS AS "
    f"({TSV_EXPRESSION}) STORED",
    TSV_INDEX_DDL,
)


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=60), nullable=False),
        sa.Column("clip_position", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["production_id"], ["productions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_kind", "subject_id", "part"),
    )
    op.create_index("ix_search_entries_production_id", "search_entries", ["production_id"])
    bind = op.get_bind()
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(bind.dialect.name, ())
    for statement in statements:
        op.execute(statement)
    # the backfill reads the tables as the models at this revision describe them
    from shortfilm.store.search_index import rebuild

    rebuild(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_entries_production_id", table_name="search_entries")
    op.drop_table("search_entries")
