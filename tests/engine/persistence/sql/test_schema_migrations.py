"""Alembic migrations: head matches the models; engines are set up right."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from engine.persistence.sql import create_engine_for, normalize_url, upgrade_database
from engine.persistence.sql.database import alembic_config, current_revision
from engine.persistence.sql.models import Base


def test_empty_database_upgraded_to_head_has_no_autogenerate_diff(database_url: str) -> None:
    upgrade_database(database_url)
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert current_revision(engine) == head
        assert set(inspect(engine).get_table_names()) >= {
            "workflows",
            "workflow_runs",
            "workflow_node_executions",
        }
        node_columns = {c["name"] for c in inspect(engine).get_columns("workflow_node_executions")}
        assert "attempts" in node_columns
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)
    engine = create_engine_for(database_url)
    try:
        assert current_revision(engine) is not None
    finally:
        engine.dispose()


def test_sqlite_file_gets_its_directory_and_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "flowdeck.db"
    engine = create_engine_for(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert db.parent.is_dir()
    finally:
        engine.dispose()


def test_postgresql_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_node_attempts_view_lists_one_row_per_try(database_url: str) -> None:
    from sqlalchemy import text

    from engine.lifecycle import NodeAttempt, NodeExecution
    from engine.persistence.sql import create_engine_for, upgrade_database, upsert_node_executions

    upgrade_database(database_url)
    engine = create_engine_for(database_url)
    try:
        node = NodeExecution(
            id="n-1",
            run_id="run-1",
            index=1,
            node_id="fetch",
            node_type="http-request",
            created_at=1_000.0,
            status="succeeded",
            retry_count=1,
            attempts=[
                NodeAttempt(0, 1_000.0, 1_001.0, "timeout", "failed"),
                NodeAttempt(1, 1_002.0, 1_003.5, "", "succeeded"),
            ],
            seq=5,
        )
        upsert_node_executions(engine, [node.to_dict()])
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT attempt_index, started_at, finished_at, error, status FROM node_attempts"
                    " WHERE node_execution_id = 'n-1' ORDER BY attempt_index"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (0, 1_000.0, 1_001.0, "timeout", "failed"),
            (1, 1_002.0, 1_003.5, "", "succeeded"),
        ]
    finally:
        engine.dispose()
