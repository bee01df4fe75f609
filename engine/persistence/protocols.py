"""The seams between the lifecycle manager and the stores of run records.

:class:`WorkflowExecutionRepository` and :class:`WorkflowNodeExecutionRepository`
are what :class:`engine.lifecycle.WorkflowCycleManager` writes to.  ``save`` is
called from the engine's dispatcher thread, so an implementation must return
at once (queue or batch the write) and must capture the record's state at call
time: the manager keeps mutating the same object.  ``flush`` blocks until
everything saved so far is stored (the caller runs it when a run has ended).

Stores apply a record only when its ``seq`` is higher than the stored one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, runtime_checkable

from engine.lifecycle.records import NodeExecution, WorkflowExecution


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Filters for a page of runs, newest first.

    ``status`` is one status or several; ``workflow_id`` and ``workflow_name``
    match exactly; ``started_from``/``started_to`` bound ``started_at`` (epoch
    seconds, inclusive/exclusive); ``text`` is a case-insensitive substring of the
    run id, workflow id or name, error, or the JSON of the inputs.  ``page`` is
    1-based.
    """

    status: str | Sequence[str] | None = None
    workflow_id: str | None = None
    workflow_name: str | None = None
    started_from: float | None = None
    started_to: float | None = None
    text: str | None = None
    page: int = 1
    limit: int = 50

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError(f"RunQuery.page must be >= 1, got {self.page}")
        if self.limit < 1:
            raise ValueError(f"RunQuery.limit must be >= 1, got {self.limit}")

    @property
    def statuses(self) -> tuple[str, ...]:
        if self.status is None:
            return ()
        if isinstance(self.status, str):
            return (self.status,)
        return tuple(self.status)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs.  Listed runs carry no graph (``graph == {}``).

    ``retries`` holds, per listed run with any, the retries of all its node executions.
    """

    items: list[WorkflowExecution] = field(default_factory=list)
    total: int = 0
    page: int = 1
    limit: int = 50
    retries: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


class DurationPoint(NamedTuple):
    started_at: float
    elapsed_time: float
    status: str


@runtime_checkable
class WorkflowExecutionRepository(Protocol):
    def save(self, execution: WorkflowExecution) -> None:
        """Store (asynchronously) the record's current state; never blocks on I/O."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every saved record is stored; ``False`` on timeout."""
        ...

    def get_run(self, run_id: str) -> WorkflowExecution | None:
        """One run with its graph snapshot, or ``None``."""
        ...

    def list_runs(self, query: RunQuery) -> RunPage: ...

    def duration_history(self, workflow_id: str, limit: int = 200) -> list[DurationPoint]:
        """The latest ``limit`` runs of a workflow, oldest first."""
        ...


@runtime_checkable
class RunSummaries(Protocol):
    """Cheap aggregates over the runs table, for the console's filters."""

    def workflow_names(self) -> list[str]:
        """Distinct workflow names of the recorded runs, sorted."""
        ...

    def status_counts(self, query: RunQuery) -> dict[str, int]:
        """Runs per status among those ``query`` matches, its status filter ignored."""
        ...


@runtime_checkable
class WorkflowNodeExecutionRepository(Protocol):
    def save(self, execution: NodeExecution) -> None:
        """Store (asynchronously) the record's current state; never blocks on I/O."""
        ...

    def flush(self, timeout: float | None = None) -> bool: ...

    def get_node_executions(self, run_id: str) -> list[NodeExecution]:
        """A run's node executions with their attempts, by ``index``."""
        ...
