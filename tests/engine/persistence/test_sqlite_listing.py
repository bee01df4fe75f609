"""The standard-library SQLite listing answers every RunQuery exactly as the SQLAlchemy reads do."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from engine.persistence import sqlite_listing
from engine.persistence.protocols import RunQuery
from engine.persistence.sql import SqlRunStore, create_engine_for, upgrade_database
from engine.persistence.sql.database import alembic_config
from tests.engine.persistence.sql.sample_records import node, run

QUERIES = [
    RunQuery(),
    RunQuery(limit=2),
    RunQuery(limit=2, page=2),
    RunQuery(status="succeeded"),
    RunQuery(status=["failed", "running"]),
    RunQuery(workflow_id="wf-a"),
    RunQuery(workflow_name="Beta"),
    RunQuery(started_from=200.0, started_to=400.0),
    RunQuery(text="timeout"),
    RunQuery(text="100%_"),
    RunQuery(text="zürich"),
    RunQuery(text="BETA"),
    RunQuery(text="a/b"),
    RunQuery(workflow_id="wf-a", status="succeeded", text="alpha"),
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("listing") / "runs.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    store = SqlRunStore(create_engine_for(url), owns_engine=True)
    records = [
        run("r-1", workflow_id="wf-a", workflow_name="Alpha", started_at=100.0, status="succeeded", seq=3),
        run("r-2", workflow_id="wf-a", workflow_name="Alpha", started_at=200.0, status="failed", seq=3,
            error="Timeout talking to 100%_model"),
        run("r-3", workflow_id="wf-b", workflow_name="Beta", started_at=300.0, status="succeeded", seq=3,
            inputs={"city": "Zürich", "path": "a/b"}),
        run("r-4", workflow_id="wf-a", workflow_name="Alpha", started_at=400.0, status="running", seq=1),
    ]  # fmt: skip
    for record in records:
        store.save(record)
    store.save(
        node("n-1", run_id="r-2", index=1, node_id="a", seq=4, status="failed", attempts=3, retry_count=2)
    )
    store.save(node("n-2", run_id="r-3", index=1, node_id="a", seq=4, status="succeeded", retry_count=1))
    assert store.flush(10)
    store.close()
    return url


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_the_same_page_as_the_sqlalchemy_reads(database: str, query: RunQuery) -> None:
    store = SqlRunStore(create_engine_for(database), owns_engine=True)
    try:
        expected = store.list_runs(query)
    finally:
        store.close()
    fast = sqlite_listing.list_runs(database, query)
    assert fast is not None
    assert [r.to_dict() for r in fast.items] == [r.to_dict() for r in expected.items]
    assert (fast.total, fast.page, fast.limit, fast.retries) == (
        expected.total,
        expected.page,
        expected.limit,
        expected.retries,
    )


def test_the_revision_it_reads_is_the_migrations_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == sqlite_listing.SCHEMA_REVISION


def test_it_declines_what_it_cannot_read(database: str, tmp_path: Path) -> None:
    assert sqlite_listing.list_runs("postgresql+psycopg://u@h/db", RunQuery()) is None
    assert sqlite_listing.list_runs("sqlite:///:memory:", RunQuery()) is None
    assert sqlite_listing.list_runs(f"sqlite:///{tmp_path / 'missing.db'}", RunQuery()) is None
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    assert sqlite_listing.list_runs(f"sqlite:///{garbage}", RunQuery()) is None
    older = tmp_path / "older.db"
    shutil.copy(database.removeprefix("sqlite:///"), older)
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
    assert sqlite_listing.list_runs(f"sqlite:///{older}", RunQuery()) is None
