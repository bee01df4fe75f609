"""List runs from a SQLite database with the standard library only (``flowdeck runs`` starts fast).

Importing SQLAlchemy and the ORM models costs ~0.25 s, longer than the listing itself.
:func:`list_runs` answers the same :class:`RunQuery` as
``engine.persistence.sql.reads.list_runs`` with the same SQL (filters, LIKE escaping, order,
paging, retries per run), on a database at :data:`SCHEMA_REVISION`.  It returns ``None``
(the caller then takes the SQLAlchemy path, which also upgrades the schema and reports
errors) when the file is missing, another revision, or not readable as a Flowdeck database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from engine.lifecycle.records import WorkflowExecution
from engine.persistence.protocols import RunPage, RunQuery

#: the Alembic head these reads were written for (tests/engine/persistence/test_sqlite_listing.py
#: checks it against engine/persistence/sql/migrations)
SCHEMA_REVISION = "0003"
_JSON_COLUMNS = ("inputs", "outputs")
_TEXT_COLUMNS = ("id", "workflow_id", "workflow_name", "error", "inputs")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory ones)."""
    for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = unquote(url[len(prefix) :].split("?", 1)[0])
            return Path(path) if path and path != ":memory:" else None
    return None


def list_runs(url: str, query: RunQuery) -> RunPage | None:
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return None
    try:
        conn.row_factory = sqlite3.Row
        if _revision(conn) != SCHEMA_REVISION:
            return None
        where, params = _where(query)
        total = conn.execute(f"SELECT count(*) FROM workflow_runs{where}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM workflow_runs{where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        ).fetchall()
        items = [_run(row) for row in rows]
        retries = _retries(conn, [r.id for r in items])
    except (sqlite3.Error, ValueError):
        return None
    finally:
        conn.close()
    return RunPage(items=items, total=total, page=query.page, limit=query.limit, retries=retries)


def _revision(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _where(query: RunQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.statuses:
        clauses.append(f"status IN ({', '.join('?' for _ in query.statuses)})")
        params.extend(query.statuses)
    for column, value in (("workflow_id", query.workflow_id), ("workflow_name", query.workflow_name)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.started_from is not None:
        clauses.append("started_at >= ?")
        params.append(query.started_from)
    if query.started_to is not None:
        clauses.append("started_at < ?")
        params.append(query.started_to)
    if query.text:
        # as SQLAlchemy's contains(..., autoescape=True): "/" escapes "%", "_" and itself
        needle = query.text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
        clauses.append(
            "("
            + " OR ".join(f"lower(CAST({c} AS TEXT)) LIKE '%' || ? || '%' ESCAPE '/'" for c in _TEXT_COLUMNS)
            + ")"
        )
        params.extend([needle] * len(_TEXT_COLUMNS))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _run(row: sqlite3.Row) -> WorkflowExecution:
    data = dict(row)
    for column in _JSON_COLUMNS:
        value = data.get(column)
        data[column] = json.loads(value) if isinstance(value, str) else (value or {})
        if data[column] is None:
            data[column] = {}
    data["graph"] = {}
    return WorkflowExecution.from_dict(data)


def _retries(conn: sqlite3.Connection, run_ids: list[str]) -> dict[str, int]:
    if not run_ids:
        return {}
    marks = ", ".join("?" for _ in run_ids)
    rows = conn.execute(
        "SELECT run_id, sum(retry_count) FROM workflow_node_executions "
        f"WHERE run_id IN ({marks}) AND retry_count > 0 GROUP BY run_id",
        run_ids,
    ).fetchall()
    return {run_id: int(total) for run_id, total in rows if total}
