"""Engine events -> run records.

:class:`WorkflowCycleManager` is fed every event of one run, in ``seq`` order,
in the engine's dispatcher thread.  It keeps the run's :class:`WorkflowExecution`
and its :class:`NodeExecution` records (with one :class:`NodeAttempt` per try)
up to date and hands each changed record to the repositories, whose ``save``
returns at once.  It does no I/O itself.

Choices worth knowing:

- ``NodeSkippedEvent`` saves a ``skipped`` record (no attempts, elapsed 0,
  created and finished at the event's time, container metadata as for other
  nodes) whose id is derived from run id, node id and container index, so the
  same events always give the same record.  Its index is the highest index
  handed out so far: sorted by ``(index, created_at)`` the records read in
  event order (the engine numbers only nodes that start).  Skipped records are
  in :attr:`~WorkflowCycleManager.skipped_executions`, not in
  :attr:`~WorkflowCycleManager.node_executions`; their node ids also in
  :attr:`~WorkflowCycleManager.skipped_node_ids`.
- Iteration/loop progress events record nothing: the container node has its
  own node execution, and nodes inside it carry ``container_id`` /
  ``container_index`` in their metadata.
- A node's ``elapsed_time`` runs from its start to its end, retries included;
  each attempt has its own start and end.  The final attempt starts at the
  ended event's ``started_at`` when that is after the previous attempt ended.
- A replayed node (``NodeReusedEvent``) is ``succeeded`` with
  ``metadata["reused_from"]`` and no attempt (no work was done).
- When the run ends, any node still ``running`` is closed as ``terminated``.
- Events of another run, and events whose ``seq`` is not above the last one
  handled (a redelivery), are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from engine import events as ev
from engine.lifecycle.node_records import (
    apply_ended,
    apply_retry,
    apply_started,
    close_node,
    new_node_execution,
    skipped_node_execution,
)
from engine.lifecycle.records import (
    NodeExecution,
    NodeStatus,
    RunStatus,
    WorkflowExecution,
)

if TYPE_CHECKING:
    from engine.lifecycle.ports import NodeRecordSink, RunRecordSink

log = logging.getLogger(__name__)


class WorkflowInfo(Protocol):
    """What the manager needs to know about the workflow being run."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def graph_dict(self) -> dict[str, Any]: ...
    @property
    def graph_hash(self) -> str: ...


_Handler = Callable[["WorkflowCycleManager", Any], None]


class WorkflowCycleManager:
    def __init__(
        self,
        workflow_info: WorkflowInfo,
        execution_repository: RunRecordSink,
        node_execution_repository: NodeRecordSink,
        *,
        triggered_from: str = "app-run",
        created_by: str | None = None,
        created_by_role: str | None = None,
        tenant_id: str | None = None,
        app_id: str | None = None,
    ) -> None:
        self._info = workflow_info
        self._runs = execution_repository
        self._nodes = node_execution_repository
        self._triggered_from = triggered_from
        self._created_by = created_by
        self._created_by_role = created_by_role
        self._tenant_id = tenant_id
        self._app_id = app_id
        self._execution: WorkflowExecution | None = None
        self._node_executions: dict[str, NodeExecution] = {}
        self._skipped: list[str] = []
        self._skipped_records: dict[str, NodeExecution] = {}
        self._skip_counts: dict[tuple[str, int | None], int] = {}  # (node, container index) -> skips
        self._skipped_by_seq: dict[int, str] = {}  # seq of a NodeSkippedEvent -> its record's id
        self._max_index = 0
        self._run_id: str | None = None
        self._last_seq = -1

    # ------------------------------------------------------------ read view
    @property
    def execution(self) -> WorkflowExecution | None:
        return self._execution

    @property
    def node_executions(self) -> list[NodeExecution]:
        """Node executions in the order they started."""
        return list(self._node_executions.values())

    def node_execution(self, node_execution_id: str) -> NodeExecution | None:
        """A node's record by id (skipped records included)."""
        record = self._node_executions.get(node_execution_id)
        return record if record is not None else self._skipped_records.get(node_execution_id)

    def record_for(self, event: ev.EngineEvent) -> NodeExecution | None:
        """The node record ``event`` (handled already) created or changed; None for run events."""
        if isinstance(event, ev.NodeSkippedEvent):
            record_id = self._skipped_by_seq.get(event.seq)
            return self._skipped_records.get(record_id) if record_id is not None else None
        execution_id = getattr(event, "node_execution_id", None)
        return self._node_executions.get(execution_id) if isinstance(execution_id, str) else None

    @property
    def skipped_executions(self) -> list[NodeExecution]:
        """The records of skipped nodes, in event order."""
        return list(self._skipped_records.values())

    @property
    def skipped_node_ids(self) -> tuple[str, ...]:
        return tuple(self._skipped)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until both repositories stored everything (call after the run)."""
        ok = self._runs.flush(timeout)
        if self._nodes is not self._runs:
            ok = self._nodes.flush(timeout) and ok
        return ok

    # ---------------------------------------------------------------- input
    def handle(self, event: ev.EngineEvent) -> None:
        if self._run_id is None:
            self._run_id = event.run_id
        elif event.run_id != self._run_id:
            log.warning("ignoring event of run %s in the manager of run %s", event.run_id, self._run_id)
            return
        if event.seq <= self._last_seq:
            return
        self._last_seq = event.seq
        handler = _handler_for(type(event))
        if handler is not None:
            handler(self, event)

    # ------------------------------------------------------------ run events
    def _new_run(self, event: ev.EngineEvent) -> WorkflowExecution:
        info = self._info
        started = event if isinstance(event, ev.RunStartedEvent) else None
        return WorkflowExecution.new(
            id=event.run_id,
            workflow_id=info.id or (started.workflow_id if started else ""),
            workflow_name=info.name or (started.workflow_name if started else ""),
            version=info.version,
            graph=info.graph_dict,
            graph_hash=info.graph_hash or (started.graph_hash if started else ""),
            inputs=started.inputs if started else {},
            started_at=event.at,
            seq=event.seq,
            triggered_from=self._triggered_from,
            created_by=self._created_by,
            created_by_role=self._created_by_role,
            tenant_id=self._tenant_id,
            app_id=self._app_id,
            replay_of=started.replay_of if started else None,
        )

    def _on_run_started(self, event: ev.RunStartedEvent) -> None:
        self._execution = self._new_run(event)
        self._runs.save(self._execution)

    def _run_record(self, event: ev.EngineEvent) -> WorkflowExecution:
        """The run record, created from the workflow info if the start was missed."""
        if self._execution is None:
            self._execution = self._new_run(event)
        return self._execution

    def _on_run_ended(self, event: ev.RunEndedEvent) -> None:
        run = self._run_record(event)
        status = ev.RUN_STATUS_OF_EVENT[type(event)]
        for node in self._node_executions.values():
            if node.status == NodeStatus.RUNNING:
                close_node(
                    node,
                    at=event.at,
                    seq=event.seq,
                    status=NodeStatus.TERMINATED,
                    error="the run ended while the node was running",
                )
                self._nodes.save(node)
        nodes = list(self._node_executions.values())
        run.status = status
        run.outputs = dict(event.outputs)
        if isinstance(event, ev.RunFailedEvent):
            run.error = event.error
        elif isinstance(event, ev.RunTerminatedEvent):
            run.error = event.reason
        run.finished_at = event.at
        run.elapsed_time = event.elapsed_time or max(0.0, event.at - run.started_at)
        run.total_steps = event.total_steps or len(nodes)
        run.total_tokens = event.total_tokens or sum(_tokens(n.metadata) for n in nodes)
        run.exceptions_count = event.exceptions_count or sum(
            1 for n in nodes if n.status == NodeStatus.EXCEPTION
        )
        run.seq = event.seq
        self._runs.save(run)

    def _on_run_paused(self, event: ev.RunPausedEvent) -> None:
        run = self._run_record(event)
        run.status = RunStatus.PAUSED
        run.elapsed_time = event.elapsed_time or max(0.0, event.at - run.started_at)
        run.total_steps = event.total_steps or len(self._node_executions)
        run.seq = event.seq
        self._runs.save(run)

    def _on_run_resumed(self, event: ev.RunResumedEvent) -> None:
        run = self._run_record(event)
        run.status = RunStatus.RUNNING
        run.seq = event.seq
        self._runs.save(run)

    # ----------------------------------------------------------- node events
    def _node(self, event: ev.NodeEvent, created_at: float) -> NodeExecution:
        node = self._node_executions.get(event.node_execution_id)
        if node is None:
            index = len(self._node_executions) + 1
            node = new_node_execution(event, index=index, created_at=created_at)
            self._node_executions[node.id] = node
            self._max_index = max(self._max_index, node.index)
        return node

    def _on_node_started(self, event: ev.NodeStartedEvent) -> None:
        node = self._node(event, event.at)
        apply_started(node, event)
        self._max_index = max(self._max_index, node.index)
        self._nodes.save(node)

    def _on_node_retry(self, event: ev.NodeRetryEvent) -> None:
        node = self._node(event, event.start_at or event.at)
        apply_retry(node, event)
        self._nodes.save(node)

    def _on_node_ended(self, event: ev.NodeEndedEvent) -> None:
        node = self._node(event, event.started_at or event.at)
        apply_ended(node, event)
        self._nodes.save(node)

    def _on_node_skipped(self, event: ev.NodeSkippedEvent) -> None:
        self._skipped.append(event.node_id)
        key = (event.node_id, event.container_index)
        occurrence = self._skip_counts.get(key, 0)
        self._skip_counts[key] = occurrence + 1
        record = skipped_node_execution(event, index=self._max_index, occurrence=occurrence)
        self._skipped_records[record.id] = record
        self._skipped_by_seq[event.seq] = record.id
        self._nodes.save(record)


def _tokens(metadata: dict[str, Any]) -> int:
    value = metadata.get("total_tokens", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


_HANDLERS: dict[type, _Handler | None] = {
    ev.RunStartedEvent: WorkflowCycleManager._on_run_started,
    ev.RunEndedEvent: WorkflowCycleManager._on_run_ended,
    ev.RunPausedEvent: WorkflowCycleManager._on_run_paused,
    ev.RunResumedEvent: WorkflowCycleManager._on_run_resumed,
    ev.NodeStartedEvent: WorkflowCycleManager._on_node_started,
    ev.NodeRetryEvent: WorkflowCycleManager._on_node_retry,
    ev.NodeEndedEvent: WorkflowCycleManager._on_node_ended,
    ev.NodeSkippedEvent: WorkflowCycleManager._on_node_skipped,
}


def _handler_for(event_type: type) -> _Handler | None:
    """The handler of the closest registered base class (cached per type)."""
    try:
        return _HANDLERS[event_type]
    except KeyError:
        handler = next((_HANDLERS[c] for c in event_type.__mro__ if c in _HANDLERS), None)
        _HANDLERS[event_type] = handler
        return handler
