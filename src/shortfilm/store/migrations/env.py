"""Alembic environment: runs on the connection ``shortfilm.store.db`` hands it (or a URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from shortfilm.store.search_tables import declared_in_models
from shortfilm.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=declared_in_models,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=declared_in_models,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
