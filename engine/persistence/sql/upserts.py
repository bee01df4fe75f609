"""Idempotent, order-proof bulk writes of run records.

:func:`upsert_runs` and :func:`upsert_node_executions` take records in their
``to_dict()`` form (what the Celery tasks carry) and write them with one
``executemany`` per table.  Each row is an ``INSERT ... ON CONFLICT DO UPDATE
... WHERE stored.seq < excluded.seq AND <the stored status may be followed by the
new one>``: a stale, repeated or out-of-order write never moves a record
backwards, so the functions can be called any number of times, in any order, and
converge to the record with the highest ``seq``; and a final status is final
whatever the ``seq`` of a later write (:mod:`engine.persistence.status_guard`).
A newer write the guard refused is logged.

``target`` is an ``Engine`` (one transaction is opened and committed), or a
``Connection`` / ``Session`` (the caller owns the transaction).  Both return
how many rows changed a stored record.

Rows go to the driver as tuples with their JSON pre-serialised
(:mod:`engine.persistence.sql.row_encoding`): SQLAlchemy's per-row parameter
processing cost more than the database itself.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.sql import row_encoding as enc
from engine.persistence.status_guard import refused

Target = Engine | Connection | Session


def graph_content_hash(graph: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a graph snapshot."""
    text = json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def upsert_runs(
    target: Target,
    records: Iterable[Mapping[str, Any] | WorkflowExecution],
    *,
    validate: bool = True,
    known_graphs: set[str] | None = None,
) -> int:
    """Upsert runs (and their graph snapshots) guarded by ``seq``.

    ``validate=False`` skips the field checks for dicts known to come from
    ``WorkflowExecution.to_dict()`` in this process (the write-behind thread).
    ``known_graphs`` holds the graph hashes this caller already stored: their
    snapshots (often the largest JSON of a run) are not encoded again.  The
    caller adds the new hashes once the transaction has committed.
    """
    runs = _latest(_as_dict(r, WorkflowExecution, validate) for r in records)
    if not runs:
        return 0
    workflows: dict[str, tuple[Any, ...]] = {}
    rows: list[tuple[Any, ...]] = []
    now = time.time()
    for run in runs:
        graph = run["graph"]
        graph_hash = run["graph_hash"] or (graph_content_hash(graph) if graph else "")
        if graph and graph_hash not in workflows and (known_graphs is None or graph_hash not in known_graphs):
            workflows[graph_hash] = enc.workflow_row(graph_hash, run, graph, now)
        rows.append(enc.run_row(run, graph_hash))

    def write(conn: Connection) -> int:
        if workflows:
            _execute(
                conn,
                enc.insert_ignore_sql,
                enc.WORKFLOWS.name,
                enc.WORKFLOW_COLUMNS,
                list(workflows.values()),
            )
        return _upsert(conn, enc.RUNS.name, enc.RUN_COLUMNS, rows)

    return _in_transaction(target, write)


def upsert_node_executions(
    target: Target,
    records: Iterable[Mapping[str, Any] | NodeExecution],
    *,
    validate: bool = True,
) -> int:
    """Upsert node executions (their attempts included) guarded by ``seq`` (see :func:`upsert_runs`)."""
    nodes = _latest(_as_dict(r, NodeExecution, validate) for r in records)
    if not nodes:
        return 0
    rows = [enc.node_row(n) for n in nodes]
    return _in_transaction(target, lambda conn: upsert_node_rows(conn, rows))


def upsert_node_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """Upsert node rows already encoded (:func:`row_encoding.node_record_row`), one per id."""
    return _upsert(conn, enc.NODES.name, enc.NODE_COLUMNS, rows)


# ---------------------------------------------------------------- internals
def _as_dict(
    record: Mapping[str, Any] | WorkflowExecution | NodeExecution,
    kind: type[WorkflowExecution] | type[NodeExecution],
    validate: bool,
) -> Mapping[str, Any]:
    if isinstance(record, kind):
        return record.to_dict()
    if isinstance(record, WorkflowExecution | NodeExecution):
        raise TypeError(f"expected {kind.__name__}, got {type(record).__name__}")
    return kind.from_dict(record).to_dict() if validate else record


def _latest(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One record per id, the one with the highest seq (a statement may touch a row once)."""
    best: dict[str, Mapping[str, Any]] = {}
    for record in records:
        seen = best.get(record["id"])
        if seen is None or record["seq"] > seen["seq"]:
            best[record["id"]] = record
    return list(best.values())


def _upsert(conn: Connection, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> int:
    """The guarded upsert of ``rows`` (one per id); newer rows the status guard refused are logged."""
    changed = _execute(conn, enc.upsert_sql, table, columns, rows)
    if changed < len(rows):
        _log_refused(conn, table, columns, rows)
    return changed


def _log_refused(
    conn: Connection, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Log the rows that were newer than the stored record and still not applied (a final status).

    Read in the writing transaction, after the upsert: a row left out with a lower
    stored ``seq`` was refused by the status guard, not by the ``seq`` (a redelivery).
    """
    kind = enc.GUARDED_KIND[table]
    status_at, seq_at = columns.index("status"), columns.index("seq")
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(rows), _LOOKUP_CHUNK):
        chunk = rows[start : start + _LOOKUP_CHUNK]
        sql = f'SELECT id, status, seq FROM "{table}" WHERE id IN ({", ".join([mark] * len(chunk))})'
        stored = {r[0]: (r[1], r[2]) for r in conn.exec_driver_sql(sql, tuple(row[0] for row in chunk))}
        for row in chunk:
            found = stored.get(row[0])
            if found is not None and found[1] < row[seq_at]:
                refused(kind, row[0], found[0], row[status_at])


_LOOKUP_CHUNK = 500
# SQLite rows per statement: a few sizes, so the statement cache keeps them prepared
_CHUNKS = (256, 32, 4, 1)


def _execute(
    conn: Connection,
    sql_of: Callable[[str, str, str, tuple[str, ...], int], str],
    table: str,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> int:
    """Write ``rows``; the number of rows inserted or updated.

    PostgreSQL: one ``executemany`` (psycopg pipelines it; measured 3x faster
    than multi-row ``VALUES``).  SQLite: multi-row statements, each run with the
    GIL released throughout, where ``executemany`` takes it back after every row.
    """
    dialect = conn.dialect
    name, paramstyle = dialect.name, dialect.paramstyle
    if name != "sqlite":
        sql = sql_of(name, paramstyle, table, columns, 1)
        return max(0, conn.exec_driver_sql(sql, list(rows)).rowcount)
    changed = 0
    start, total = 0, len(rows)
    for size in _CHUNKS:
        sql = None
        while total - start >= size:
            sql = sql or sql_of(name, paramstyle, table, columns, size)
            params = tuple([v for row in rows[start : start + size] for v in row])
            changed += max(0, conn.exec_driver_sql(sql, params).rowcount)
            start += size
    return changed


def _in_transaction(target: Target, write: Callable[[Connection], int]) -> int:
    if isinstance(target, Engine):
        with target.begin() as conn:
            return write(conn)
    if isinstance(target, Session):
        return write(target.connection())
    return write(target)
