"""GraphEngine: the composition root of one run.

Builds the run context, the top-level dispatcher and the worker pool from a
frozen config, emits the run's first and exactly one terminal event, and
returns when the run has ended.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from engine.events import (
    RunFailedEvent,
    RunPartialSucceededEvent,
    RunStartedEvent,
    RunSucceededEvent,
    RunTerminatedEvent,
)
from engine.graph import Workflow
from engine.nodes.base import RunServices
from engine.scheduler.commands import CommandChannel, InMemoryCommandChannel
from engine.scheduler.config import EngineConfig
from engine.scheduler.dispatcher import Dispatcher
from engine.scheduler.emitter import EventEmitter, Listener
from engine.scheduler.run_context import RunContext
from engine.scheduler.snapshot import restore
from engine.scheduler.worker_pool import WorkerPool
from engine.status import RunStatus
from engine.variables import VariablePool
from engine.variables.setup import build_pool


class GraphEngine:
    def __init__(
        self,
        workflow: Workflow,
        *,
        services: RunServices,
        config: EngineConfig | None = None,
        run_id: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        mocks: Mapping[str, dict[str, Any]] | None = None,
        channel: CommandChannel | None = None,
        listeners: list[Listener] | None = None,
        snapshot: dict[str, Any] | None = None,
        replay_of: str | None = None,
        reused: Mapping[str, dict[str, Any]] | None = None,
        pool: VariablePool | None = None,
    ) -> None:
        self.workflow = workflow
        self.config = config or EngineConfig()
        self.run_id = run_id or (snapshot["run_id"] if snapshot else uuid.uuid4().hex)
        self.channel: CommandChannel = channel or InMemoryCommandChannel()
        self.inputs = dict(inputs or {})
        self.replay_of = replay_of
        self._snapshot = snapshot
        first_seq = int(snapshot.get("last_seq", 0)) + 1 if snapshot else 1
        self.emitter = EventEmitter(self.run_id, listeners, first_seq=first_seq)
        if snapshot is not None:
            self.pool = VariablePool.from_dict(snapshot["pool"])
        elif pool is not None:
            self.pool = pool
        else:
            system_values = dict(system or {})
            system_values.setdefault("workflow_run_id", self.run_id)
            secrets = {k: v.get_secret_value() for k, v in getattr(services.settings, "secrets", {}).items()}
            self.pool = build_pool(workflow, self.inputs, system_values, secrets=secrets)
        self.run = RunContext(
            run_id=self.run_id,
            workflow=workflow,
            config=self.config,
            services=services,
            emitter=self.emitter,
            channel=self.channel,
            workers=WorkerPool(self.config.worker_threads),
            mocks=dict(mocks or {}),
            reused=dict(reused or {}),
        )
        self.dispatcher = Dispatcher(self.run, workflow.graph, self.pool)
        if snapshot is not None:
            restore(self.dispatcher, snapshot)

    def add_listener(self, listener: Listener) -> None:
        self.emitter.add_listener(listener)

    def run_to_end(self) -> None:
        """Run in the calling thread until the run ends (terminal event emitted)."""
        run = self.run
        if self._snapshot is None:
            self.emitter.emit(
                RunStartedEvent,
                workflow_id=self.workflow.id,
                workflow_name=self.workflow.name,
                graph_hash=self.workflow.graph_hash,
                inputs=self.pool.mask(self.inputs),
                system=self.pool.mask(self.pool.namespace("sys")),
                replay_of=self.replay_of,
            )
        run.started_monotonic = time.monotonic()
        try:
            outcome = self.dispatcher.execute()
        except Exception as exc:  # a bug in the engine must still end the run
            outcome = None
            error = f"internal engine error: {type(exc).__name__}: {exc}"
        finally:
            run.workers.close()
        totals = {
            "total_steps": run.counters.steps,
            "total_tokens": run.counters.tokens,
            "exceptions_count": run.counters.exceptions,
            "elapsed_time": run.elapsed(),
        }
        if outcome is None:
            self.emitter.emit(RunFailedEvent, error=error, **totals)
        elif outcome.status is RunStatus.TERMINATED:
            self.emitter.emit(RunTerminatedEvent, reason=outcome.error, outputs=self._outputs(), **totals)
        elif outcome.status is RunStatus.FAILED:
            self.emitter.emit(RunFailedEvent, error=outcome.error, **totals)
        elif run.counters.exceptions:
            self.emitter.emit(RunPartialSucceededEvent, outputs=self._outputs(), **totals)
        else:
            self.emitter.emit(RunSucceededEvent, outputs=self._outputs(), **totals)

    def _outputs(self) -> dict[str, Any]:
        if self.workflow.is_chatflow:
            return {"answer": "".join(self.run.answers), "files": []}
        return self.pool.mask(dict(self.run.outputs))
