"""Alembic environment of Flowdeck's run-record schema.

Run through :func:`engine.persistence.sql.database.upgrade_database`, which
passes an open connection in ``config.attributes["connection"]``; with the
``alembic`` command line, ``sqlalchemy.url`` in the config is used instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from engine.persistence.sql.database import create_engine_for
from engine.persistence.sql.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
