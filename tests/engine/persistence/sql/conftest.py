"""Migrated databases for the SQL tests.

SQLite: a copy of a database migrated once per session.  PostgreSQL: one
database migrated once per session, emptied after every test.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from engine.persistence.memory import InMemoryRunStore
from engine.persistence.sql import SqlRunStore, create_engine_for, upgrade_database

TABLES = ("workflows", "workflow_runs", "workflow_node_executions")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "flowdeck.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_migrated(postgres_session_url: str) -> str:
    upgrade_database(postgres_session_url)
    return postgres_session_url


@contextlib.contextmanager
def _migrated(request: pytest.FixtureRequest, kind: str) -> Iterator[str]:
    if kind == "sqlite":
        db = request.getfixturevalue("tmp_path") / "flowdeck.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), db)
        yield f"sqlite:///{db}"
        return
    url = request.getfixturevalue("_postgres_migrated")
    try:
        yield url
    finally:
        engine = create_engine_for(url)
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
        finally:
            engine.dispose()


POSTGRES = pytest.param("postgresql", marks=pytest.mark.postgres)


@pytest.fixture(params=["sqlite", POSTGRES])
def migrated_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database at the head revision with no rows, on SQLite and on PostgreSQL."""
    with _migrated(request, request.param) as url:
        yield url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = create_engine_for(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def store(request: pytest.FixtureRequest) -> Iterator[InMemoryRunStore | SqlRunStore]:
    """The same repository contract on every implementation."""
    if request.param == "memory":
        yield InMemoryRunStore()
        return
    with _migrated(request, request.param) as url:
        sql_store = SqlRunStore(create_engine_for(url), owns_engine=True)
        yield sql_store
        sql_store.close()
