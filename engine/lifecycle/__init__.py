"""Run records and the manager that keeps them from engine events (statuses: :mod:`engine.status`)."""

from engine.lifecycle.cycle_manager import WorkflowCycleManager, WorkflowInfo
from engine.lifecycle.records import NodeAttempt, NodeExecution, WorkflowExecution
from engine.status import NodeStatus, RunStatus

__all__ = [
    "NodeAttempt",
    "NodeExecution",
    "NodeStatus",
    "RunStatus",
    "WorkflowCycleManager",
    "WorkflowExecution",
    "WorkflowInfo",
]
