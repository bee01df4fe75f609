"""SQLAlchemy persistence of run records (SQLite by default, PostgreSQL too)."""

from engine.persistence.sql.database import create_engine_for, normalize_url, upgrade_database
from engine.persistence.sql.store import SqlRunStore, open_run_store
from engine.persistence.sql.upserts import graph_content_hash, upsert_node_executions, upsert_runs

__all__ = [
    "SqlRunStore",
    "create_engine_for",
    "graph_content_hash",
    "normalize_url",
    "open_run_store",
    "upgrade_database",
    "upsert_node_executions",
    "upsert_runs",
]
