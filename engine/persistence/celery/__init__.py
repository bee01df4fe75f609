"""Asynchronous persistence of run records through Celery (queue ``workflow_storage``).

- :mod:`.names` — the queue and task names (a leaf: app and tasks import it, not each other);
- :mod:`.app` — the Celery app factory (JSON only, acks_late + reject-on-worker-lost,
  prefetch 1, bounded broker sockets, visibility timeout);
- :mod:`.tasks` — ``save_workflow_execution_task`` / ``save_workflow_node_execution_task``;
- :mod:`.flusher` — batches records off the caller's thread (:mod:`.batching`);
- :mod:`.delivery` — publishes the batches behind a circuit breaker, outbox for the rest;
- :mod:`.failed_records` — records that cannot be serialised, kept with their error;
- :mod:`.outbox` — the durable SQLite outbox;
- :mod:`.repositories` — the two repositories the lifecycle manager writes to;
- :mod:`.local` — the in-process worker on the memory transport (no server);
- :mod:`.worker_app` — the app object for ``celery -A ... worker``.

Build everything from settings with :func:`engine.persistence.factory.build_repositories`.
"""

from engine.persistence.celery.app import celery_app_from_settings, create_celery_app
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.flusher import CallerContext, RecordFlusher
from engine.persistence.celery.local import LocalCeleryBackend
from engine.persistence.celery.names import SAVE_EXECUTION_TASK, SAVE_NODE_EXECUTION_TASK, STORAGE_QUEUE
from engine.persistence.celery.outbox import SqliteOutbox
from engine.persistence.celery.repositories import (
    CeleryWorkflowExecutionRepository,
    CeleryWorkflowNodeExecutionRepository,
)

__all__ = [
    "SAVE_EXECUTION_TASK",
    "SAVE_NODE_EXECUTION_TASK",
    "STORAGE_QUEUE",
    "CallerContext",
    "CeleryWorkflowExecutionRepository",
    "CeleryWorkflowNodeExecutionRepository",
    "CircuitBreaker",
    "LocalCeleryBackend",
    "RecordFlusher",
    "SqliteOutbox",
    "celery_app_from_settings",
    "create_celery_app",
]
