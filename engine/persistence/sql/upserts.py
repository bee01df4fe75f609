"""Idempotent, order-proof bulk writes of run records.

:func:`upsert_runs` and :func:`upsert_node_executions` take records in their
``to_dict()`` form (what the Celery tasks carry) and write them in one
statement per table.  Each row is an ``INSERT ... ON CONFLICT DO UPDATE ...
WHERE stored.seq < excluded.seq``: a stale, repeated or out-of-order write never
moves a record backwards, so the functions can be called any number of times,
in any order, and converge to the record with the highest ``seq``.

``target`` is an ``Engine`` (one transaction is opened and committed), or a
``Connection`` / ``Session`` (the caller owns the transaction).  Both return
how many rows changed a stored record (attempt rows are not counted).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.sql.models import NodeAttemptRow, NodeExecutionRow, WorkflowRow, WorkflowRunRow

Target = Engine | Connection | Session

_RUNS: Table = WorkflowRunRow.__table__  # type: ignore[assignment]
_NODES: Table = NodeExecutionRow.__table__  # type: ignore[assignment]
_ATTEMPTS: Table = NodeAttemptRow.__table__  # type: ignore[assignment]
_WORKFLOWS: Table = WorkflowRow.__table__  # type: ignore[assignment]


def graph_content_hash(graph: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a graph snapshot."""
    text = json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def upsert_runs(
    target: Target,
    records: Iterable[Mapping[str, Any] | WorkflowExecution],
    *,
    validate: bool = True,
) -> int:
    """Upsert runs (and their graph snapshots) guarded by ``seq``.

    ``validate=False`` skips the field checks for dicts known to come from
    ``WorkflowExecution.to_dict()`` in this process (the write-behind thread).
    """
    runs = _latest(_as_dict(r, WorkflowExecution, validate) for r in records)
    if not runs:
        return 0
    workflows: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    now = time.time()
    for run in runs:
        row = dict(run)
        graph = row.pop("graph")
        graph_hash = row["graph_hash"] or (graph_content_hash(graph) if graph else "")
        row["graph_hash"] = graph_hash
        if graph and graph_hash not in workflows:
            workflows[graph_hash] = {
                "graph_hash": graph_hash,
                "workflow_id": row["workflow_id"],
                "name": row["workflow_name"],
                "version": row["version"],
                "graph": graph,
                "created_at": now,
            }
        rows.append(row)

    def write(conn: Connection | Session) -> int:
        insert = _insert_for(conn)
        if workflows:
            stmt = insert(_WORKFLOWS).on_conflict_do_nothing(index_elements=["graph_hash"])
            conn.execute(stmt, list(workflows.values()))
        return _guarded_upsert(conn, _RUNS, rows)

    return _in_transaction(target, write)


def upsert_node_executions(
    target: Target,
    records: Iterable[Mapping[str, Any] | NodeExecution],
    *,
    validate: bool = True,
) -> int:
    """Upsert node executions and their attempts guarded by ``seq`` (see :func:`upsert_runs`)."""
    nodes = _latest(_as_dict(r, NodeExecution, validate) for r in records)
    if not nodes:
        return 0
    rows: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    for node in nodes:
        row = dict(node)
        row["execution_metadata"] = row.pop("metadata")
        for attempt in row.pop("attempts"):
            attempts.append(
                {**attempt, "node_execution_id": row["id"], "run_id": row["run_id"], "seq": row["seq"]}
            )
        rows.append(row)

    def write(conn: Connection | Session) -> int:
        changed = _guarded_upsert(conn, _NODES, rows)
        if attempts:
            _guarded_upsert(conn, _ATTEMPTS, attempts)
        return changed

    return _in_transaction(target, write)


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


def _insert_for(conn: Connection | Session) -> Callable[[Table], Any]:
    name = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
    raise NotImplementedError(f"guarded upserts are not implemented for {name!r}")


def _guarded_upsert(conn: Connection | Session, table: Table, rows: list[dict[str, Any]]) -> int:
    insert = _insert_for(conn)
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys},
        where=table.c.seq < stmt.excluded.seq,
    ).returning(*(table.c[k] for k in keys))
    # RETURNING yields only the rows written: an ignored upsert reports no row
    # (its rowcount would be -1 on PostgreSQL)
    result = conn.execute(stmt, rows)
    return len(result.all())


def _in_transaction(target: Target, write: Callable[[Connection | Session], int]) -> int:
    if isinstance(target, Engine):
        with target.begin() as conn:
            return write(conn)
    return write(target)
