"""Record dicts -> DBAPI parameter tuples, and the guarded-upsert SQL per dialect.

The writes skip SQLAlchemy's per-row parameter processing: each row becomes one
tuple in table column order, with its JSON columns serialised here once
(``ensure_ascii=False``: readable non-ASCII text; odd values as strings, like
the engine's ``json_serializer``), and goes to the driver's ``executemany``.
The SQL text is built once per dialect and table from the ORM table, so a
column added to the models cannot be forgotten here (see :func:`_check_columns`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import Table

from engine.lifecycle.records import NodeAttempt, NodeExecution
from engine.persistence.sql.models import NodeExecutionRow, WorkflowRow, WorkflowRunRow
from engine.persistence.status_guard import NODE, RUN, reachable_sql

RUNS: Table = WorkflowRunRow.__table__  # type: ignore[assignment]
NODES: Table = NodeExecutionRow.__table__  # type: ignore[assignment]
WORKFLOWS: Table = WorkflowRow.__table__  # type: ignore[assignment]

# json.dumps(value, ensure_ascii=False, default=str) without building an encoder per
# call (that was half its cost on small values).  No circular-reference bookkeeping:
# a record that contains itself fails with RecursionError instead of ValueError.
_iterencode = c_make_encoder(None, str, encode_basestring, None, ": ", ", ", False, False, True)


def json_text(value: Any) -> str:
    """The JSON of a column value, as ``json.dumps(value, ensure_ascii=False, default=str)``."""
    if not value:
        if value == {}:
            return "{}"
        if value == []:
            return "[]"
    return "".join(_iterencode(value, 0))


# column order of the tuples below; checked against the tables at import
RUN_COLUMNS = (
    "id",
    "workflow_id",
    "workflow_name",
    "version",
    "graph_hash",
    "inputs",
    "outputs",
    "status",
    "error",
    "started_at",
    "finished_at",
    "elapsed_time",
    "total_steps",
    "total_tokens",
    "exceptions_count",
    "triggered_from",
    "created_by",
    "created_by_role",
    "tenant_id",
    "app_id",
    "replay_of",
    "seq",
)
NODE_COLUMNS = (
    "id",
    "run_id",
    "index",
    "node_id",
    "node_type",
    "title",
    "predecessor_node_id",
    "inputs",
    "process_data",
    "outputs",
    "status",
    "error",
    "retry_count",
    "created_at",
    "finished_at",
    "elapsed_time",
    "queue_wait",
    "execution_metadata",
    "attempts",
    "seq",
)
WORKFLOW_COLUMNS = ("graph_hash", "workflow_id", "name", "version", "graph", "created_at")


def run_row(r: Mapping[str, Any], graph_hash: str) -> tuple[Any, ...]:
    return (
        r["id"],
        r["workflow_id"],
        r["workflow_name"],
        r["version"],
        graph_hash,
        json_text(r["inputs"]),
        json_text(r["outputs"]),
        r["status"],
        r["error"],
        r["started_at"],
        r["finished_at"],
        r["elapsed_time"],
        r["total_steps"],
        r["total_tokens"],
        r["exceptions_count"],
        r["triggered_from"],
        r["created_by"],
        r["created_by_role"],
        r["tenant_id"],
        r["app_id"],
        r["replay_of"],
        r["seq"],
    )


def node_row(n: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        n["id"],
        n["run_id"],
        n["index"],
        n["node_id"],
        n["node_type"],
        n["title"],
        n["predecessor_node_id"],
        json_text(n["inputs"]),
        json_text(n["process_data"]),
        json_text(n["outputs"]),
        n["status"],
        n["error"],
        n["retry_count"],
        n["created_at"],
        n["finished_at"],
        n["elapsed_time"],
        n["queue_wait"],
        json_text(n["metadata"]),
        json_text(n["attempts"]),
        n["seq"],
    )


def node_record_row(n: NodeExecution, seq: int | None = None) -> tuple[Any, ...]:
    """:func:`node_row` straight from the record: a snapshot without ``to_dict()``.

    Nothing in it is a container the manager could mutate later (the JSON
    columns are strings), and no dict is allocated for it.
    """
    return (
        n.id,
        n.run_id,
        n.index,
        n.node_id,
        n.node_type,
        n.title,
        n.predecessor_node_id,
        json_text(n.inputs),
        json_text(n.process_data),
        json_text(n.outputs),
        n.status,
        n.error,
        n.retry_count,
        n.created_at,
        n.finished_at,
        n.elapsed_time,
        n.queue_wait,
        json_text(n.metadata),
        attempts_json(n.attempts),
        n.seq if seq is None else seq,
    )


def attempts_json(attempts: list[NodeAttempt]) -> str:
    """The JSON of ``[a.to_dict() for a in attempts]``, without building the dicts."""
    if not attempts:
        return "[]"
    return (
        "["
        + ", ".join(
            [
                f'{{"index": {_number(a.index)}, "started_at": {_number(a.started_at)}, '
                f'"finished_at": {_number(a.finished_at)}, "error": {encode_basestring(a.error)}, '
                f'"status": {encode_basestring(a.status)}}}'
                for a in attempts
            ]
        )
        + "]"
    )


def _number(value: Any) -> str:
    if type(value) is float and value - value == 0.0:  # finite: repr is its JSON
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return "".join(_iterencode(value, 0))  # None, NaN, infinities, odd types


def workflow_row(graph_hash: str, r: Mapping[str, Any], graph: Any, now: float) -> tuple[Any, ...]:
    return (graph_hash, r["workflow_id"], r["workflow_name"], r["version"], json_text(graph), now)


def _check_columns() -> None:
    for table, columns in (
        (RUNS, RUN_COLUMNS),
        (NODES, NODE_COLUMNS),
        (WORKFLOWS, WORKFLOW_COLUMNS),
    ):
        names = {c.name for c in table.columns}
        if names != set(columns):
            raise RuntimeError(
                f"row_encoding is out of date for {table.name}: {sorted(names ^ set(columns))}"
            )


_check_columns()


@functools.cache
def upsert_sql(
    dialect_name: str, paramstyle: str, table_name: str, columns: tuple[str, ...], rows: int
) -> str:
    """``INSERT ... VALUES (..) x rows ON CONFLICT (pk) DO UPDATE SET ... WHERE <guard>``.

    The guard: the stored ``seq`` is lower and the stored status may be followed by the
    new one (:func:`engine.persistence.status_guard.reachable_sql`: never after a final
    status, whatever the ``seq``).  It is part of the statement, so concurrent writers
    cannot race past it.
    """
    table = _TABLES[table_name]
    keys = [c.name for c in table.primary_key.columns]
    updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in keys)
    guard = f"{_q(table.name)}.seq < excluded.seq"
    kind = GUARDED_KIND.get(table_name)
    if kind is not None:
        guard += f" AND {reachable_sql(kind, f'{_q(table.name)}.status', 'excluded.status')}"
    return (
        f"{_insert(dialect_name, paramstyle, table, columns, rows)} "
        f"ON CONFLICT ({', '.join(_q(k) for k in keys)}) DO UPDATE SET {updates} "
        f"WHERE {guard}"
    )


@functools.cache
def insert_ignore_sql(
    dialect_name: str, paramstyle: str, table_name: str, columns: tuple[str, ...], rows: int
) -> str:
    """``INSERT ... ON CONFLICT (pk) DO NOTHING`` (graph snapshots: content-addressed)."""
    table = _TABLES[table_name]
    keys = ", ".join(_q(c.name) for c in table.primary_key.columns)
    return f"{_insert(dialect_name, paramstyle, table, columns, rows)} ON CONFLICT ({keys}) DO NOTHING"


_TABLES = {t.name: t for t in (RUNS, NODES, WORKFLOWS)}
#: the record tables whose status the upserts guard, and the kind of record in each
GUARDED_KIND = {RUNS.name: RUN, NODES.name: NODE}


def _q(name: str) -> str:
    return f'"{name}"'  # both SQLite and PostgreSQL quote identifiers with double quotes


def _insert(dialect_name: str, paramstyle: str, table: Table, columns: tuple[str, ...], rows: int) -> str:
    if dialect_name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"guarded upserts are not implemented for {dialect_name!r}")
    mark = "?" if paramstyle == "qmark" else "%s"
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    marks = ", ".join(
        f"CAST({mark} AS JSON)" if dialect_name == "postgresql" and c in json_columns else mark
        for c in columns
    )
    values = ", ".join([f"({marks})"] * rows)
    return f"INSERT INTO {_q(table.name)} ({', '.join(_q(c) for c in columns)}) VALUES {values}"
