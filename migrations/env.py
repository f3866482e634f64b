"""Alembic environment: both metadata sets (engine tables and web models) in one history."""
from __future__ import annotations

import os

from alembic import context

from engine.database import connect
from webapp.core.config import SETTINGS
from webapp.tables import METADATA

config = context.config
target_metadata = list(METADATA)


def _url() -> str:
    return (config.attributes.get("database_url")
            or os.environ.get("WELLS_DATABASE_URL")
            or SETTINGS["DATABASE_URL"][0])


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = connect(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most constraints; batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
