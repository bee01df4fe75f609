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
- Every status change goes through the state machine (:func:`engine.status.accept`):
  an event the table refuses (a resume after the run succeeded, a node's end after
  the run closed it) changes and saves nothing, and is logged.  Final is final.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine import events as ev
from engine.lifecycle.node_records import (
    apply_ended,
    apply_retry,
    apply_started,
    close_node,
    new_node_execution,
    skipped_node_execution,
)
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.lifecycle.run_changes import Caller, WorkflowInfo, end_run, new_run, pause_run, resume_run
from engine.status import NodeStatus, RunStatus, accept, allowed, transition

if TYPE_CHECKING:
    from engine.lifecycle.ports import NodeRecordSink, RunRecordSink

log = logging.getLogger(__name__)

__all__ = ["WorkflowCycleManager", "WorkflowInfo"]

_Handler = Callable[["WorkflowCycleManager", Any], None]
_RUN_ENDED = "the run ended while the node was running"


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
        self._caller = Caller(triggered_from, created_by, created_by_role, tenant_id, app_id)
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
    def _run_to(self, event: ev.EngineEvent, target: RunStatus) -> WorkflowExecution | None:
        """The run record if it may become ``target`` (created if its start was missed), else None."""
        run = self._execution
        if run is None:
            self._execution = run = new_run(
                self._info,
                event,
                self._caller,
                transition(None, RunStatus.RUNNING, subject=f"run {event.run_id}"),
            )
        return run if _may(run.status, target, "run", event.run_id) else None

    def _on_run_started(self, event: ev.RunStartedEvent) -> None:
        current = self._execution
        if current is not None and not _may(current.status, RunStatus.RUNNING, "run", event.run_id):
            return
        self._execution = new_run(self._info, event, self._caller, RunStatus.RUNNING)
        self._runs.save(self._execution)

    def _on_run_ended(self, event: ev.RunEndedEvent) -> None:
        status = ev.RUN_STATUS_OF_EVENT[type(event)]
        run = self._run_to(event, status)
        if run is None:
            return
        for node in self._node_executions.values():
            if node.status == NodeStatus.RUNNING:
                closed = transition(node.status, NodeStatus.TERMINATED, subject=f"node execution {node.id}")
                close_node(node, at=event.at, seq=event.seq, status=closed, error=_RUN_ENDED)
                self._nodes.save(node)
        end_run(run, event, status, list(self._node_executions.values()))
        self._runs.save(run)

    def _on_run_paused(self, event: ev.RunPausedEvent) -> None:
        run = self._run_to(event, RunStatus.PAUSED)
        if run is not None:
            pause_run(run, event, RunStatus.PAUSED, len(self._node_executions))
            self._runs.save(run)

    def _on_run_resumed(self, event: ev.RunResumedEvent) -> None:
        run = self._run_to(event, RunStatus.RUNNING)
        if run is not None:
            resume_run(run, event, RunStatus.RUNNING)
            self._runs.save(run)

    # ----------------------------------------------------------- node events
    def _node_to(self, event: ev.NodeEvent, target: NodeStatus, created_at: float) -> NodeExecution | None:
        """The node's record if it may become ``target`` (created when new), else None."""
        node = self._node_executions.get(event.node_execution_id)
        if not _may(None if node is None else node.status, target, "node execution", event.node_execution_id):
            return None
        if node is None:
            node = new_node_execution(event, index=len(self._node_executions) + 1, created_at=created_at)
            self._node_executions[node.id] = node
            self._max_index = max(self._max_index, node.index)
        return node

    def _on_node_started(self, event: ev.NodeStartedEvent) -> None:
        node = self._node_to(event, NodeStatus.RUNNING, event.at)
        if node is not None:
            apply_started(node, event, NodeStatus.RUNNING)
            self._max_index = max(self._max_index, node.index)
            self._nodes.save(node)

    def _on_node_retry(self, event: ev.NodeRetryEvent) -> None:
        # a failed try to be retried: the execution stays running (its attempt is closed)
        node = self._node_to(event, NodeStatus.RUNNING, event.start_at or event.at)
        if node is not None:
            apply_retry(node, event)
            self._nodes.save(node)

    def _on_node_ended(self, event: ev.NodeEndedEvent) -> None:
        status = ev.NODE_STATUS_OF_EVENT[type(event)]
        node = self._node_to(event, status, event.started_at or event.at)
        if node is not None:
            apply_ended(node, event, status)
            self._nodes.save(node)

    def _on_node_skipped(self, event: ev.NodeSkippedEvent) -> None:
        self._skipped.append(event.node_id)
        key = (event.node_id, event.container_index)
        occurrence = self._skip_counts.get(key, 0)
        self._skip_counts[key] = occurrence + 1
        status = transition(None, NodeStatus.SKIPPED, subject=f"skipped node {event.node_id}")
        record = skipped_node_execution(event, index=self._max_index, status=status, occurrence=occurrence)
        self._skipped_records[record.id] = record
        self._skipped_by_seq[event.seq] = record.id
        self._nodes.save(record)


def _may(current: Any, target: Any, kind: str, record_id: str) -> bool:
    """:func:`engine.status.accept`, naming the record only when the change is refused (and logged)."""
    return allowed(current, target) or accept(current, target, subject=f"{kind} {record_id}")


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
