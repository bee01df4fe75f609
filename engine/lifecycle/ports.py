"""What the lifecycle manager needs of a store: its ports.

Persistence (``engine.persistence``) implements them; the lifecycle never
imports persistence (an import-linter contract holds the rule).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from engine.lifecycle.records import NodeExecution, WorkflowExecution


@runtime_checkable
class RunRecordSink(Protocol):
    def save(self, execution: WorkflowExecution) -> None:
        """Store (asynchronously) the run record's current state; never blocks on I/O."""
        ...


@runtime_checkable
class NodeRecordSink(Protocol):
    def save(self, execution: NodeExecution) -> None:
        """Store (asynchronously) the node record's current state; never blocks on I/O."""
        ...
