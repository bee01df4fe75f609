"""Database fixtures for persistence tests.

``postgres_url`` creates a uniquely named database on 127.0.0.1:5432 (user
postgres, trust auth) and drops it afterwards.  When PostgreSQL is unreachable
the test is skipped with the reason, unless ``CI=true``: then it fails.
``database_url`` runs a test once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
_URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}


@functools.cache
def _postgres_unavailable() -> str | None:
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL unreachable on {PG_HOST}:{PG_PORT} as {PG_USER}: {' '.join(str(exc).split())}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


def _require_postgres() -> None:
    reason = _postgres_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)


@contextlib.contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A new, empty, uniquely named database; dropped (even if still in use) on exit."""
    _require_postgres()
    name = f"flowdeck_test_{uuid.uuid4().hex[:16]}"
    with _admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database of its own for one test."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """One PostgreSQL database for the whole session (tests clean up what they write)."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'flowdeck.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(_URL_FIXTURES[request.param])
