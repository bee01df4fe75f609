"""What a finished run returns: :class:`RunResult`, built from its terminal event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.events import RUN_STATUS_OF_EVENT, RunEndedEvent, RunFailedEvent, RunTerminatedEvent
from engine.lifecycle.cycle_manager import WorkflowCycleManager
from engine.lifecycle.records import NodeExecution, WorkflowExecution
from engine.status import NodeStatus, RunStatus


@dataclass(slots=True)
class RunResult:
    run_id: str
    status: RunStatus
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
            statuses.setdefault(node_id, NodeStatus.SKIPPED)
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
    status = RunStatus(RUN_STATUS_OF_EVENT[type(ended)]) if ended is not None else RunStatus.FAILED
    error = unended_error if ended is None else ""
    if isinstance(ended, RunFailedEvent):
        error = ended.error
    elif isinstance(ended, RunTerminatedEvent):
        error = ended.reason
    return RunResult(
        run_id=run_id,
        status=status,
        outputs=dict(ended.outputs) if ended is not None and status != RunStatus.FAILED else {},
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
