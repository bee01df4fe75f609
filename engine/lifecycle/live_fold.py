"""One run's events folded into the records the engine stores, in memory, for a reader.

A watcher (the console following a run live) feeds :class:`RunFold` the events it
receives, in ``seq`` order, and reads back the very :class:`WorkflowExecution` and
:class:`NodeExecution` records that the run's own :class:`WorkflowCycleManager`
stores: the fold is that manager with repositories that keep nothing.  It writes
nothing anywhere; redelivered events (``seq`` not above the last) change nothing.
"""

from __future__ import annotations

from engine import events as ev
from engine.lifecycle.cycle_manager import WorkflowCycleManager, WorkflowInfo
from engine.lifecycle.ports import DiscardRecords
from engine.lifecycle.records import NodeExecution, WorkflowExecution


class RunFold:
    """Read-only records of one run, built from its events."""

    def __init__(self, workflow: WorkflowInfo) -> None:
        keep_nothing = DiscardRecords()  # the records live in the fold only
        self._manager = WorkflowCycleManager(workflow, keep_nothing, keep_nothing)

    def apply(self, event: ev.EngineEvent) -> NodeExecution | None:
        """Fold ``event`` in; the node record it created or changed (None for run-level events)."""
        self._manager.handle(event)
        return self._manager.record_for(event)

    @property
    def execution(self) -> WorkflowExecution | None:
        """The run's record (None until an event of the run was folded)."""
        return self._manager.execution

    def node_execution(self, node_execution_id: str) -> NodeExecution | None:
        """A node's record by id (skipped records included)."""
        return self._manager.node_execution(node_execution_id)
