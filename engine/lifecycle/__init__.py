"""Run records and the manager that keeps them from engine events."""

from engine.lifecycle.cycle_manager import WorkflowCycleManager, WorkflowInfo
from engine.lifecycle.records import (
    TERMINAL,
    TERMINAL_NODE_STATUSES,
    TERMINAL_RUN_STATUSES,
    NodeAttempt,
    NodeExecution,
    NodeStatus,
    RunStatus,
    WorkflowExecution,
    is_final,
)

__all__ = [
    "TERMINAL",
    "TERMINAL_NODE_STATUSES",
    "TERMINAL_RUN_STATUSES",
    "NodeAttempt",
    "NodeExecution",
    "NodeStatus",
    "RunStatus",
    "WorkflowCycleManager",
    "WorkflowExecution",
    "WorkflowInfo",
    "is_final",
]
