"""The repositories of run records: the lifecycle's ports plus the reads persistence offers.

The lifecycle manager writes to :class:`~engine.lifecycle.ports.RunRecordSink` and
:class:`~engine.lifecycle.ports.NodeRecordSink` (``save`` returns at once, ``flush``
waits); those ports live in :mod:`engine.lifecycle.ports` and are re-exported here.
:class:`WorkflowExecutionRepository` and :class:`WorkflowNodeExecutionRepository` are
the same sinks with the reads the console and the CLI need; every store here (SQL,
Celery, in memory) implements them.

Stores apply a record only when its ``seq`` is higher than the stored one and its
status may follow the stored one (:mod:`engine.persistence.status_guard`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, runtime_checkable

from engine.lifecycle.ports import DiscardRecords, NodeRecordSink, RunRecordSink
from engine.lifecycle.records import NodeExecution, WorkflowExecution

__all__ = [
    "DiscardRecords",
    "DurationPoint",
    "NodeRecordSink",
    "RunPage",
    "RunQuery",
    "RunRecordSink",
    "RunSummaries",
    "WorkflowExecutionRepository",
    "WorkflowNodeExecutionRepository",
]


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
class WorkflowExecutionRepository(RunRecordSink, Protocol):
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
class WorkflowNodeExecutionRepository(NodeRecordSink, Protocol):
    def get_node_executions(self, run_id: str) -> list[NodeExecution]:
        """A run's node executions with their attempts, by ``index``."""
        ...
