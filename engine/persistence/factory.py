"""Build the run record repositories that :class:`~engine.settings.Settings` asks for.

``persistence = "sync"``: one :class:`~engine.persistence.sql.store.SqlRunStore` on
``database_url`` serves both protocols.

``persistence = "celery"``: the Celery repositories, sharing one background flusher.
``celery.backend = "local"`` runs a Celery worker inside this process (memory
transport, fed from a durable outbox, no server); ``"remote"`` publishes to
``celery.broker_url`` for ``flowdeck worker`` processes, with an outbox for the times
the broker is away.  Reads go to the SQL store on the same database.

    repos = build_repositories(settings)
    manager = WorkflowCycleManager(..., repos.executions, repos.node_executions)
    ...
    repos.close()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.persistence.protocols import WorkflowExecutionRepository, WorkflowNodeExecutionRepository
from engine.settings import Settings, user_data_dir


@dataclass
class Repositories:
    """The pair of repositories plus whatever must be closed with them."""

    executions: WorkflowExecutionRepository
    node_executions: WorkflowNodeExecutionRepository
    closers: list[Callable[[float], Any]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.executions, self.node_executions))

    def flush(self, timeout: float | None = None) -> bool:
        ok = self.executions.flush(timeout)
        return self.node_executions.flush(timeout) and ok

    def close(self, timeout: float = 10.0) -> None:
        for close in self.closers:
            close(timeout)
        self.closers.clear()


def outbox_path(settings: Settings, backend: str) -> Path:
    """Where the outbox of ``backend`` lives (next to the default database)."""
    return user_data_dir() / f"celery-outbox-{backend}.sqlite"


def build_repositories(
    settings: Settings,
    context: Any = None,
    *,
    outbox: str | Path | None = None,
) -> Repositories:
    """Repositories for ``settings``; ``context`` is a :class:`CallerContext` (tenant, app, creator)."""
    from engine.persistence.sql.store import open_run_store

    store = open_run_store(settings.database_url)
    if settings.persistence == "sync":
        return Repositories(store, store, [store.close])

    from engine.persistence.celery.app import celery_app_from_settings
    from engine.persistence.celery.breaker import CircuitBreaker
    from engine.persistence.celery.flusher import RecordFlusher
    from engine.persistence.celery.local import LocalCeleryBackend
    from engine.persistence.celery.outbox import SqliteOutbox
    from engine.persistence.celery.repositories import (
        CeleryWorkflowExecutionRepository,
        CeleryWorkflowNodeExecutionRepository,
    )

    cfg = settings.celery
    # while an engine keeps saving, a batch waits at most this long (default 250 ms)
    max_delay_s = cfg.flush_max_delay_ms / 1000
    path = Path(outbox) if outbox is not None else outbox_path(settings, cfg.backend)
    closers: list[Callable[[float], Any]] = []
    if cfg.backend == "local":
        local = LocalCeleryBackend(
            settings.database_url,
            path,
            flush_interval_s=cfg.flush_interval_ms / 1000,
            flush_max_records=cfg.flush_max_records,
            max_delay_s=max_delay_s,
        )
        flusher = local.flusher
        closers.append(local.close)
    else:
        box = SqliteOutbox(path)
        flusher = RecordFlusher(
            celery_app_from_settings(settings),
            box,
            flush_interval_s=cfg.flush_interval_ms / 1000,
            flush_max_records=cfg.flush_max_records,
            max_delay_s=max_delay_s,
            breaker=CircuitBreaker(),
        )
        closers.extend([flusher.close, lambda _timeout: box.close()])
    closers.append(store.close)
    return Repositories(
        CeleryWorkflowExecutionRepository(flusher, context, reader=store),
        CeleryWorkflowNodeExecutionRepository(flusher, context, reader=store),
        closers,
    )
