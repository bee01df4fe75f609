"""Engines and schema: ``create_engine_for(url)`` and ``upgrade_database(url)``.

SQLite files are opened in WAL mode with a busy timeout (readers never block
the writer thread), their parent directory is created; ``postgresql://`` URLs
get the psycopg 3 driver.  The schema comes from the Alembic migrations inside
this package (``migrations/``), applied by :func:`upgrade_database`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:  # Alembic is imported only when a schema is upgraded: it is slow to load
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


# readable non-ASCII text in JSON columns (text search works on it); odd values as strings
_json_serializer = functools.partial(json.dumps, ensure_ascii=False, default=str)


def create_engine_for(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` set up for Flowdeck (WAL SQLite, psycopg PostgreSQL)."""
    parsed = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_serializer)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)

    if _is_memory_sqlite(parsed):
        # one shared connection, or every thread would see its own empty database
        kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    else:
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    engine = create_engine(parsed, **kwargs)
    memory = _is_memory_sqlite(parsed)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return engine


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade_database(url_or_engine: str | URL | Engine, revision: str = "head") -> None:
    """Bring the schema of the database up to ``revision`` (idempotent)."""
    from alembic import command

    engine = url_or_engine if isinstance(url_or_engine, Engine) else create_engine_for(url_or_engine)
    try:
        cfg = alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        if engine is not url_or_engine:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
