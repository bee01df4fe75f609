from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from engine.persistence.memory import InMemoryRunStore
from engine.persistence.sql import SqlRunStore, create_engine_for, upgrade_database


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An empty database at the head revision (SQLite file and PostgreSQL)."""
    upgrade_database(database_url)
    eng = create_engine_for(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[InMemoryRunStore | SqlRunStore]:
    """The same repository contract on every implementation."""
    if request.param == "memory":
        yield InMemoryRunStore()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    upgrade_database(url)
    sql_store = SqlRunStore(create_engine_for(url), owns_engine=True)
    yield sql_store
    sql_store.close()
