"""What the lifecycle manager needs of a store: its ports.

:class:`RunRecordSink` and :class:`NodeRecordSink` are what
:class:`~engine.lifecycle.WorkflowCycleManager` writes to.  ``save`` is called from
the engine's dispatcher thread, so an implementation must return at once (queue or
batch the write) and must capture the record's state at call time: the manager keeps
mutating the same object.  ``flush`` blocks until everything saved so far is stored
(the caller runs it when a run has ended).

Persistence (``engine.persistence``: SQL, Celery, in memory) implements them and adds
its reads; the lifecycle never imports persistence (an import-linter contract holds
the rule).  :class:`DiscardRecords` is the one sink that keeps nothing.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from engine.lifecycle.records import NodeExecution, WorkflowExecution


@runtime_checkable
class RunRecordSink(Protocol):
    def save(self, execution: WorkflowExecution) -> None:
        """Store (asynchronously) the run record's current state; never blocks on I/O."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every saved record is stored; ``False`` on timeout."""
        ...


@runtime_checkable
class NodeRecordSink(Protocol):
    def save(self, execution: NodeExecution) -> None:
        """Store (asynchronously) the node record's current state; never blocks on I/O."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every saved record is stored; ``False`` on timeout."""
        ...


class DiscardRecords:
    """A sink of both kinds that keeps nothing (records live in the manager only).

    For a run nobody asked to persist (the Python API), a follower folding a remote
    run's events, and the console's live fold.
    """

    def save(self, record: Any) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True
