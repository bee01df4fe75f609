"""The storage tasks: ``save_workflow_execution_task`` and ``save_workflow_node_execution_task``.

Both are bound, JSON-only, ``acks_late`` with reject-on-worker-lost, on queue
``workflow_storage``; ``max_retries=3`` with ``default_retry_delay=60`` doubled per
retry.  One task carries one record (a mapping) or a batch (a list of mappings) in
``to_dict()`` form plus the caller context ``tenant_id, app_id, triggered_from,
creator_user_id, creator_user_role``.  They write through the ``seq``-guarded upserts
of :mod:`engine.persistence.sql`, so a redelivered, repeated or out-of-order task never
moves a record backwards: the database converges to the highest ``seq`` per record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.persistence.celery.names import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK, STORAGE_QUEUE

log = logging.getLogger(__name__)

MAX_RETRIES = 3
DEFAULT_RETRY_DELAY_S = 60
#: context keys copied into a run record when the record leaves them empty
_RUN_CONTEXT_FIELDS = {"tenant_id": "tenant_id", "app_id": "app_id", "triggered_from": "triggered_from"}

_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def database_engine(url: str) -> Any:
    """One SQLAlchemy engine per database URL and process (created lazily, after a fork)."""
    from engine.persistence.sql.database import create_engine_for

    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine_for(url)
            _engines[url] = engine
        return engine


def as_batch(records: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [records] if isinstance(records, dict) else list(records)


def with_run_context(
    records: list[dict[str, Any]],
    tenant_id: str | None,
    app_id: str | None,
    triggered_from: str | None,
    creator_user_id: str | None,
    creator_user_role: str | None = None,
) -> list[dict[str, Any]]:
    """Fill the caller context into run records that do not carry it themselves."""
    context = {"tenant_id": tenant_id, "app_id": app_id, "triggered_from": triggered_from}
    out: list[dict[str, Any]] = []
    for record in records:
        filled = dict(record)
        for key, field in _RUN_CONTEXT_FIELDS.items():
            if field in filled and not filled[field] and context[key]:
                filled[field] = context[key]
        if "created_by" in filled and not filled["created_by"] and creator_user_id:
            filled["created_by"] = creator_user_id
        if "created_by_role" in filled and not filled["created_by_role"] and creator_user_role:
            filled["created_by_role"] = creator_user_role
        out.append(filled)
    return out


def well_formed(records: list[dict[str, Any]], parse: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """The records ``parse`` accepts; a malformed one is logged and dropped (retrying cannot fix it)."""
    good: list[dict[str, Any]] = []
    for record in records:
        try:
            parse(record)
        except (ValueError, TypeError) as exc:
            log.error("dropping a malformed record %r: %s", record.get("id"), exc)
            continue
        good.append(record)
    return good


def retry_countdown(retries: int) -> int:
    """60 s, 120 s, 240 s: ``default_retry_delay`` doubled per retry."""
    return DEFAULT_RETRY_DELAY_S * (2**retries)


def register_storage_tasks(app: Celery, database_url: str) -> dict[str, Task]:
    """Register both storage tasks on ``app``, writing to ``database_url``; return them by name."""
    common: dict[str, Any] = {
        "bind": True,
        "shared": False,
        "queue": STORAGE_QUEUE,
        "max_retries": MAX_RETRIES,
        "default_retry_delay": DEFAULT_RETRY_DELAY_S,
        "acks_late": True,
        "reject_on_worker_lost": True,
        "ignore_result": True,
        "serializer": "json",
    }

    @app.task(name=SAVE_EXECUTION_TASK, **common)
    def save_workflow_execution_task(
        self: Task,
        execution_data: dict[str, Any] | list[dict[str, Any]],
        tenant_id: str | None = None,
        app_id: str | None = None,
        triggered_from: str | None = None,
        creator_user_id: str | None = None,
        creator_user_role: str | None = None,
    ) -> int:
        from engine.persistence.sql.upserts import upsert_runs

        rows = with_run_context(
            as_batch(execution_data), tenant_id, app_id, triggered_from, creator_user_id, creator_user_role
        )
        rows = well_formed(rows, WorkflowExecution.from_dict)
        try:
            upsert_runs(database_engine(database_url), rows)
        except Exception as exc:
            log.warning("saving %d run record(s) failed, retrying: %s", len(rows), exc)
            raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
        return len(rows)

    @app.task(name=SAVE_NODE_EXECUTION_TASK, **common)
    def save_workflow_node_execution_task(
        self: Task,
        execution_data: dict[str, Any] | list[dict[str, Any]],
        tenant_id: str | None = None,
        app_id: str | None = None,
        triggered_from: str | None = None,
        creator_user_id: str | None = None,
        creator_user_role: str | None = None,
    ) -> int:
        from engine.persistence.sql.upserts import upsert_node_executions

        rows = well_formed(as_batch(execution_data), NodeExecution.from_dict)
        try:
            upsert_node_executions(database_engine(database_url), rows)
        except Exception as exc:
            log.warning("saving %d node execution record(s) failed, retrying: %s", len(rows), exc)
            raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
        return len(rows)

    return {
        SAVE_EXECUTION_TASK: save_workflow_execution_task,
        SAVE_NODE_EXECUTION_TASK: save_workflow_node_execution_task,
    }
