"""Celery-backed run record repositories (the ``persistence = celery`` mode).

``save()`` snapshots the record (``to_dict()`` with its containers copied, because the
lifecycle manager keeps mutating the same object) and hands it to a shared
:class:`RecordFlusher`; it never touches the broker.  ``flush()`` returns once every
saved record was taken by the broker or is in the durable outbox.

Reads: a run in progress is answered from ``_execution_cache`` (the latest snapshot by
``seq``); everything else is delegated to ``reader``, normally the SQL repository on
the same database the workers write to.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from engine.lifecycle.records import NodeExecution, RunStatus, WorkflowExecution
from engine.persistence.celery.app import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK
from engine.persistence.celery.flusher import CallerContext, RecordFlusher
from engine.persistence.protocols import (
    DurationPoint,
    RunPage,
    RunQuery,
    WorkflowExecutionRepository,
    WorkflowNodeExecutionRepository,
)

DEFAULT_CACHE_RUNS = 256


def snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every dict/list value copied one level deep (safe to serialise later)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = dict(value)
        elif isinstance(value, list):
            out[key] = [dict(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


class _BoundedCache:
    """Latest snapshot per key by ``seq``, at most ``capacity`` keys (least recently saved out)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def put(self, key: str, data: dict[str, Any]) -> None:
        with self._lock:
            current = self._items.get(key)
            if current is not None and int(current.get("seq") or 0) > int(data.get("seq") or 0):
                return
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(key)

    def values(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items.values())


class CeleryWorkflowExecutionRepository:
    """Sends run records as ``save_workflow_execution_task`` batches."""

    def __init__(
        self,
        flusher: RecordFlusher,
        context: CallerContext | None = None,
        *,
        reader: WorkflowExecutionRepository | None = None,
        cache_runs: int = DEFAULT_CACHE_RUNS,
    ) -> None:
        self._flusher = flusher
        self._context = context or CallerContext()
        self._reader = reader
        self._execution_cache = _BoundedCache(cache_runs)

    def save(self, execution: WorkflowExecution) -> None:
        data = snapshot(execution.to_dict())
        self._execution_cache.put(execution.id, data)
        self._flusher.submit(SAVE_EXECUTION_TASK, self._context, data)

    def flush(self, timeout: float | None = None) -> bool:
        return self._flusher.flush(timeout)

    def get_run(self, run_id: str) -> WorkflowExecution | None:
        cached = self._execution_cache.get(run_id)
        if cached is not None and not _is_final_run(cached):
            return WorkflowExecution.from_dict(cached)
        stored = self._reader.get_run(run_id) if self._reader is not None else None
        if cached is not None and (stored is None or stored.seq < int(cached["seq"])):
            return WorkflowExecution.from_dict(cached)  # the worker has not written it yet
        return stored

    def list_runs(self, query: RunQuery) -> RunPage:
        if self._reader is None:
            return RunPage(page=query.page, limit=query.limit)
        return self._reader.list_runs(query)

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        if self._reader is None:
            return []
        return self._reader.duration_history(workflow_id, limit)


class CeleryWorkflowNodeExecutionRepository:
    """Sends node execution records as ``save_workflow_node_execution_task`` batches."""

    def __init__(
        self,
        flusher: RecordFlusher,
        context: CallerContext | None = None,
        *,
        reader: WorkflowNodeExecutionRepository | None = None,
        cache_nodes: int = DEFAULT_CACHE_RUNS * 64,
    ) -> None:
        self._flusher = flusher
        self._context = context or CallerContext()
        self._reader = reader
        self._execution_cache = _BoundedCache(cache_nodes)

    def save(self, execution: NodeExecution) -> None:
        data = snapshot(execution.to_dict())
        self._execution_cache.put(execution.id, data)
        self._flusher.submit(SAVE_NODE_EXECUTION_TASK, self._context, data)

    def flush(self, timeout: float | None = None) -> bool:
        return self._flusher.flush(timeout)

    def get_node_executions(self, run_id: str) -> list[NodeExecution]:
        """Stored records merged with newer in-memory ones (highest ``seq`` wins), by index."""
        merged: dict[str, NodeExecution] = {}
        if self._reader is not None:
            merged = {n.id: n for n in self._reader.get_node_executions(run_id)}
        for data in self._execution_cache.values():
            if data.get("run_id") != run_id:
                continue
            stored = merged.get(data["id"])
            if stored is None or stored.seq < int(data["seq"]):
                merged[data["id"]] = NodeExecution.from_dict(data)
        return sorted(merged.values(), key=lambda n: (n.index, n.created_at))


def _is_final_run(data: dict[str, Any]) -> bool:
    return data.get("status") in RunStatus.TERMINAL
