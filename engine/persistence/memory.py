"""Run records kept in memory: for tests and the Python API without a database.

:class:`InMemoryRunStore` implements both repository protocols with the same
guards as the SQL store: a record replaces the stored one only when its ``seq`` is
higher and its status may follow the stored one (never after a final status:
:mod:`engine.persistence.status_guard`); a newer write refused is logged.
``save`` snapshots the record (``to_dict``) at once, so it is safe to call from the
engine's dispatcher thread.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.protocols import DurationPoint, RunPage, RunQuery
from engine.persistence.status_guard import NODE, RUN, may_replace, refused


class InMemoryRunStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, dict[str, Any]] = {}
        self._nodes: dict[str, dict[str, Any]] = {}

    # ---------------------------------------------------------------- writes
    def save(self, record: WorkflowExecution | NodeExecution) -> None:
        data = record.to_dict()
        kind, table = (RUN, self._runs) if isinstance(record, WorkflowExecution) else (NODE, self._nodes)
        with self._lock:
            _apply(kind, table, data)

    def upsert_runs(self, records: list[dict[str, Any]]) -> int:
        """Apply serialised runs (validated); returns how many changed a record."""
        checked = [WorkflowExecution.from_dict(r).to_dict() for r in records]
        with self._lock:
            return sum(_apply(RUN, self._runs, r) for r in checked)

    def upsert_node_executions(self, records: list[dict[str, Any]]) -> int:
        checked = [NodeExecution.from_dict(r).to_dict() for r in records]
        with self._lock:
            return sum(_apply(NODE, self._nodes, r) for r in checked)

    def flush(self, timeout: float | None = None) -> bool:
        return True

    # ----------------------------------------------------------------- reads
    def get_run(self, run_id: str) -> WorkflowExecution | None:
        with self._lock:
            data = self._runs.get(run_id)
        return None if data is None else WorkflowExecution.from_dict(data)

    def list_runs(self, query: RunQuery) -> RunPage:
        with self._lock:
            rows = [r for r in self._runs.values() if _matches(r, query)]
        rows.sort(key=lambda r: (r["started_at"], r["id"]), reverse=True)
        items = [
            WorkflowExecution.from_dict({**r, "graph": {}})
            for r in rows[query.offset : query.offset + query.limit]
        ]
        listed = {r.id for r in items}
        retries: dict[str, int] = {}
        with self._lock:
            for n in self._nodes.values():
                if n["run_id"] in listed and n.get("retry_count"):
                    retries[n["run_id"]] = retries.get(n["run_id"], 0) + n["retry_count"]
        return RunPage(items=items, total=len(rows), page=query.page, limit=query.limit, retries=retries)

    def workflow_names(self) -> list[str]:
        with self._lock:
            return sorted({r["workflow_name"] for r in self._runs.values() if r.get("workflow_name")})

    def status_counts(self, query: RunQuery) -> dict[str, int]:
        unfiltered = dataclasses.replace(query, status=None, page=1)
        counts: dict[str, int] = {}
        with self._lock:
            for r in self._runs.values():
                if _matches(r, unfiltered):
                    counts[r["status"]] = counts.get(r["status"], 0) + 1
        return counts

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        with self._lock:
            rows = [r for r in self._runs.values() if r["workflow_id"] == workflow_id]
        rows.sort(key=lambda r: (r["started_at"], r["id"]))
        return [DurationPoint(r["started_at"], r["elapsed_time"], r["status"]) for r in rows[-limit:]]

    def get_node_executions(self, run_id: str) -> list[NodeExecution]:
        with self._lock:
            rows = [n for n in self._nodes.values() if n["run_id"] == run_id]
        rows.sort(key=lambda n: (n["index"], n["created_at"], n["id"]))
        return [NodeExecution.from_dict(n) for n in rows]


def _apply(kind: str, table: dict[str, dict[str, Any]], data: dict[str, Any]) -> bool:
    stored = table.get(data["id"])
    if stored is not None:
        if stored["seq"] >= data["seq"]:
            return False
        if not may_replace(kind, stored["status"], data["status"]):
            refused(kind, data["id"], stored["status"], data["status"])
            return False
    table[data["id"]] = data
    return True


def _matches(run: dict[str, Any], query: RunQuery) -> bool:
    if query.statuses and run["status"] not in query.statuses:
        return False
    if query.workflow_id is not None and run["workflow_id"] != query.workflow_id:
        return False
    if query.workflow_name is not None and run["workflow_name"] != query.workflow_name:
        return False
    if query.started_from is not None and run["started_at"] < query.started_from:
        return False
    if query.started_to is not None and run["started_at"] >= query.started_to:
        return False
    if query.text:
        needle = query.text.lower()
        haystack = (
            run["id"],
            run["workflow_id"],
            run["workflow_name"],
            run["error"],
            json.dumps(run["inputs"], ensure_ascii=False, sort_keys=True),
        )
        if not any(needle in h.lower() for h in haystack):
            return False
    return True
