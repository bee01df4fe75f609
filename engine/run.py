"""The Python API: run a workflow and wait, or start it and steer it.

``run_workflow`` blocks and returns a :class:`RunResult`; ``start_workflow``
returns a :class:`RunHandle` at once (events, terminate, pause, resume,
wait).  Nothing is persisted unless repositories are passed
(``execution_repository`` / ``node_execution_repository``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.dsl import load_workflow
from engine.events import (
    RUN_STATUS_OF_EVENT,
    EngineEvent,
    NodeStreamChunkEvent,
    RunEndedEvent,
    RunFailedEvent,
    RunPausedEvent,
    RunTerminatedEvent,
)
from engine.graph import Workflow
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.nodes.base import RunServices
from engine.nodes.services import Services
from engine.scheduler.commands import (
    CommandChannel,
    CommandSender,
    InMemoryCommandChannel,
)
from engine.scheduler.config import EngineConfig
from engine.scheduler.emitter import Listener
from engine.scheduler.engine import GraphEngine
from engine.scheduler.mocks import load_mocks
from engine.settings import Settings, default_settings

WorkflowSource = str | Path | Mapping[str, Any] | Workflow
FLUSH_TIMEOUT_S = 30.0
log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunResult:
    run_id: str
    status: str
    outputs: dict[str, Any]
    error: str
    stream: str
    total_steps: int
    total_tokens: int
    exceptions_count: int
    elapsed_time: float
    node_executions: list[NodeExecution] = field(default_factory=list)
    skipped_node_ids: tuple[str, ...] = ()
    execution: WorkflowExecution | None = None
    snapshot: dict[str, Any] | None = None  # set when the run is paused

    def node_status(self) -> dict[str, str]:
        """Last status of every node that ran, plus ``skipped`` for skipped ones."""
        statuses = {n.node_id: n.status for n in self.node_executions}
        for node_id in self.skipped_node_ids:
            statuses.setdefault(node_id, "skipped")
        return statuses

    def retries(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in self.node_executions:
            if n.retry_count:
                counts[n.node_id] = counts.get(n.node_id, 0) + n.retry_count
        return counts


def result_from_terminal(
    run_id: str,
    ended: RunEndedEvent | None,
    manager: WorkflowCycleManager | None,
    stream: str,
    *,
    unended_error: str = "",
) -> RunResult:
    """The result of a run from its terminal event and the manager that followed its events.

    ``ended`` None: the run never ended, so it counts as ``failed`` with ``unended_error``.
    ``manager`` None: no node records (the run's workflow is not known here).
    """
    status = RUN_STATUS_OF_EVENT[type(ended)] if ended is not None else "failed"
    error = unended_error if ended is None else ""
    if isinstance(ended, RunFailedEvent):
        error = ended.error
    elif isinstance(ended, RunTerminatedEvent):
        error = ended.reason
    return RunResult(
        run_id=run_id,
        status=status,
        outputs=dict(ended.outputs) if ended is not None and status != "failed" else {},
        error=error,
        stream=stream,
        total_steps=ended.total_steps if ended else 0,
        total_tokens=ended.total_tokens if ended else 0,
        exceptions_count=ended.exceptions_count if ended else 0,
        elapsed_time=ended.elapsed_time if ended else 0.0,
        node_executions=manager.node_executions if manager is not None else [],
        skipped_node_ids=manager.skipped_node_ids if manager is not None else (),
        execution=manager.execution if manager is not None else None,
    )


class _DiscardRepository:
    """Keeps nothing: the Python API persists only when asked to."""

    def save(self, record: Any) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True


class RunHandle(CommandSender):
    """A run in progress, on a thread of its own."""

    def __init__(
        self, engine: GraphEngine, manager: WorkflowCycleManager, *, synchronous: bool = True
    ) -> None:
        self._engine = engine
        self._manager = manager
        self._synchronous = synchronous
        self.run_id = engine.run_id
        self.channel: CommandChannel = engine.channel
        self._events: list[EngineEvent] = []
        self._stream: list[str] = []
        self._cond = threading.Condition()
        self._watchers = 0  # event iterators waiting: only then is a new event announced
        self._done = threading.Event()
        self._ended: RunEndedEvent | None = None
        self._paused: RunPausedEvent | None = None
        self._result: RunResult | None = None
        engine.add_listener(self._on_event)
        self._thread = threading.Thread(target=self._run, name=f"flowdeck-run-{self.run_id[:8]}", daemon=True)

    def _start(self) -> RunHandle:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._engine.run_to_end()
        finally:
            # a synchronous store has the records in the database when the run returns;
            # asynchronous ones (Celery) keep delivering after it, fire-and-forget
            if self._synchronous and not self._manager.flush(FLUSH_TIMEOUT_S):
                log.warning(
                    "run %s: the run records were not all stored within %s s", self.run_id, FLUSH_TIMEOUT_S
                )
            with self._cond:
                self._result = self._build_result()
                self._done.set()
                self._cond.notify_all()

    def _on_event(self, event: EngineEvent) -> None:
        self._manager.handle(event)
        if isinstance(event, NodeStreamChunkEvent):
            self._stream.append(event.chunk)
        self._events.append(event)  # list.append is atomic; readers take len() under the lock
        if isinstance(event, RunEndedEvent):
            self._ended = event
        elif isinstance(event, RunPausedEvent):
            self._paused = event
        elif self._paused is not None and event.name == "run_resumed":
            self._paused = None
        else:
            if not self._watchers:
                return
        with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------ watching
    @property
    def workflow(self) -> Workflow:
        """The workflow this run executes."""
        return self._engine.workflow

    @property
    def status(self) -> str:
        with self._cond:
            if self._ended is not None:
                return RUN_STATUS_OF_EVENT[type(self._ended)]
            return "paused" if self._paused is not None else "running"

    def events(self, timeout: float | None = None) -> Iterator[EngineEvent]:
        """Every event of the run from the first, live; ends after the terminal one."""
        index = 0
        while True:
            with self._cond:
                while index >= len(self._events):
                    if self._result is not None:
                        return
                    self._watchers += 1
                    try:
                        woke = self._cond.wait(timeout)
                    finally:
                        self._watchers -= 1
                    if not woke:
                        raise TimeoutError(f"no event from run {self.run_id} within {timeout} s")
                batch = self._events[index:]
            index += len(batch)
            yield from batch

    def history(self) -> list[EngineEvent]:
        """The events so far (does not wait)."""
        with self._cond:
            return list(self._events)

    def wait_paused(self, timeout: float | None = None) -> dict[str, Any]:
        """Block until the run is paused; returns its snapshot."""
        with self._cond:
            self._watchers += 1
            try:
                paused = self._cond.wait_for(
                    lambda: self._paused is not None or self._result is not None, timeout
                )
            finally:
                self._watchers -= 1
            if not paused:
                raise TimeoutError(f"run {self.run_id} did not pause within {timeout} s")
            if self._paused is None:
                raise RuntimeError(f"run {self.run_id} ended before it paused")
            return self._paused.snapshot

    def wait(self, timeout: float | None = None) -> RunResult:
        if not self._done.wait(timeout):
            raise TimeoutError(f"run {self.run_id} did not end within {timeout} s")
        assert self._result is not None
        return self._result

    def _build_result(self) -> RunResult:
        return result_from_terminal(self.run_id, self._ended, self._manager, "".join(self._stream))


_last_services: Services | None = None


def _services_for(settings: Settings) -> Services:
    """Reuse the services of the last run with the same settings (providers, tool registries)."""
    global _last_services
    services = _last_services
    if services is None or services.settings is not settings:
        services = _last_services = Services(settings)
    return services


def start_workflow(
    workflow: WorkflowSource,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | str | Path | None = None,
    *,
    settings: Settings | None = None,
    services: RunServices | None = None,
    listeners: list[Listener] | None = None,
    channel: CommandChannel | None = None,
    run_id: str | None = None,
    snapshot: dict[str, Any] | None = None,
    replay_of: str | None = None,
    reused: Mapping[str, dict[str, Any]] | None = None,
    execution_repository: Any = None,
    node_execution_repository: Any = None,
    triggered_from: str = "app-run",
    **options: Any,
) -> RunHandle:
    """Start a run on a thread of its own and return its handle at once.

    ``options`` are :class:`EngineConfig` fields (``worker_threads``,
    ``max_steps``, ``max_wall_time_s``, ``max_output_bytes``,
    ``inline_pure_nodes``).  Bad input raises before the run starts.
    """
    wf = load_workflow(workflow)
    settings = settings or (services.settings if services is not None else default_settings())
    config = EngineConfig.from_settings(settings.engine, **options)
    engine = GraphEngine(
        wf,
        services=services or _services_for(settings),
        config=config,
        run_id=run_id,
        inputs=inputs,
        system=system,
        mocks=load_mocks(mocks),
        channel=channel or InMemoryCommandChannel(),
        listeners=listeners,
        snapshot=snapshot,
        replay_of=replay_of,
        reused=reused,
    )
    runs = execution_repository or _DiscardRepository()
    nodes = node_execution_repository or (runs if execution_repository is not None else _DiscardRepository())
    manager = WorkflowCycleManager(wf, runs, nodes, triggered_from=triggered_from)
    synchronous = all(getattr(repo, "synchronous", True) for repo in (runs, nodes))
    return RunHandle(engine, manager, synchronous=synchronous)._start()


def run_workflow(
    workflow: WorkflowSource,
    inputs: Mapping[str, Any] | None = None,
    system: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | str | Path | None = None,
    *,
    timeout: float | None = None,
    **options: Any,
) -> RunResult:
    """Run to the end and return the result (blocks)."""
    return start_workflow(workflow, inputs, system, mocks, **options).wait(timeout)


def resume_workflow(workflow: WorkflowSource, snapshot: dict[str, Any], **options: Any) -> RunHandle:
    """Continue a paused run from its snapshot (also in another process)."""
    return start_workflow(workflow, snapshot=snapshot, **options)
