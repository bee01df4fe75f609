"""Run records: what a run and each of its node executions did.

:class:`WorkflowExecution` is one run, :class:`NodeExecution` one execution of a
node inside it, :class:`NodeAttempt` one try of that execution (a node retried
twice has three attempts).  Every record carries the ``seq`` of the engine event
that last changed it; stores apply a write only when their stored ``seq`` is
lower, so stale or repeated writes never move a record backwards.

``to_dict()`` gives the JSON-ready form that crosses Celery and feeds the SQL
upserts; ``from_dict()`` is its inverse and raises a :class:`ValueError` naming
the field when a record is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.lifecycle.statuses import (
    TERMINAL,
    TERMINAL_NODE_STATUSES,
    TERMINAL_RUN_STATUSES,
    NodeStatus,
    RunStatus,
    is_final,
)
from engine.lifecycle.validation import check_fields

__all__ = [
    "TERMINAL",
    "TERMINAL_NODE_STATUSES",
    "TERMINAL_RUN_STATUSES",
    "NodeAttempt",
    "NodeExecution",
    "NodeStatus",
    "RunStatus",
    "WorkflowExecution",
    "is_final",
]


_NUM = (int, float)


@dataclass(slots=True)
class NodeAttempt:
    """One try of a node execution."""

    index: int
    started_at: float
    finished_at: float | None = None
    error: str = ""
    status: str = NodeStatus.RUNNING

    @property
    def elapsed_time(self) -> float | None:
        return None if self.finished_at is None else max(0.0, self.finished_at - self.started_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
            "status": self.status,
        }

    _SPEC: ClassVar[dict[str, tuple[tuple[type, ...], bool]]] = {
        "index": ((int,), False),
        "started_at": (_NUM, False),
        "finished_at": (_NUM, True),
        "error": ((str,), False),
        "status": ((str,), False),
    }

    @classmethod
    def from_dict(cls, data: Any) -> NodeAttempt:
        values = check_fields("NodeAttempt", data, cls._SPEC, optional={"finished_at", "error"})
        return cls(**values)


@dataclass(slots=True)
class WorkflowExecution:
    """One run of a workflow."""

    id: str
    workflow_id: str
    version: str
    graph: dict[str, Any]
    graph_hash: str
    inputs: dict[str, Any]
    started_at: float
    workflow_name: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    status: str = RunStatus.RUNNING
    error: str = ""
    finished_at: float | None = None
    elapsed_time: float = 0.0
    total_steps: int = 0
    total_tokens: int = 0
    exceptions_count: int = 0
    triggered_from: str = "app-run"
    created_by: str | None = None
    created_by_role: str | None = None
    tenant_id: str | None = None
    app_id: str | None = None
    replay_of: str | None = None
    seq: int = 0

    @classmethod
    def new(
        cls,
        *,
        id: str,
        workflow_id: str,
        version: str,
        graph: dict[str, Any],
        graph_hash: str,
        inputs: dict[str, Any],
        started_at: float,
        seq: int,
        workflow_name: str = "",
        triggered_from: str = "app-run",
        created_by: str | None = None,
        created_by_role: str | None = None,
        tenant_id: str | None = None,
        app_id: str | None = None,
        replay_of: str | None = None,
    ) -> WorkflowExecution:
        """A run that has just started (status ``running``)."""
        return cls(
            id=id,
            workflow_id=workflow_id,
            version=version,
            graph=graph,
            graph_hash=graph_hash,
            inputs=dict(inputs),
            started_at=started_at,
            workflow_name=workflow_name,
            status=RunStatus.RUNNING,
            triggered_from=triggered_from,
            created_by=created_by,
            created_by_role=created_by_role,
            tenant_id=tenant_id,
            app_id=app_id,
            replay_of=replay_of,
            seq=seq,
        )

    @property
    def is_final(self) -> bool:
        return self.status in RunStatus.TERMINAL

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot: top-level mappings are copied, the graph is shared.

        Spelled out field by field: it runs in the engine's dispatcher thread.
        """
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "version": self.version,
            "graph": self.graph,
            "graph_hash": self.graph_hash,
            "inputs": dict(self.inputs),
            "started_at": self.started_at,
            "workflow_name": self.workflow_name,
            "outputs": dict(self.outputs),
            "status": self.status,
            "error": self.error,
            "finished_at": self.finished_at,
            "elapsed_time": self.elapsed_time,
            "total_steps": self.total_steps,
            "total_tokens": self.total_tokens,
            "exceptions_count": self.exceptions_count,
            "triggered_from": self.triggered_from,
            "created_by": self.created_by,
            "created_by_role": self.created_by_role,
            "tenant_id": self.tenant_id,
            "app_id": self.app_id,
            "replay_of": self.replay_of,
            "seq": self.seq,
        }

    _SPEC: ClassVar[dict[str, tuple[tuple[type, ...], bool]]] = {
        "id": ((str,), False),
        "workflow_id": ((str,), False),
        "version": ((str,), False),
        "graph": ((dict,), False),
        "graph_hash": ((str,), False),
        "inputs": ((dict,), False),
        "started_at": (_NUM, False),
        "workflow_name": ((str,), False),
        "outputs": ((dict,), False),
        "status": ((str,), False),
        "error": ((str,), False),
        "finished_at": (_NUM, True),
        "elapsed_time": (_NUM, False),
        "total_steps": ((int,), False),
        "total_tokens": ((int,), False),
        "exceptions_count": ((int,), False),
        "triggered_from": ((str,), False),
        "created_by": ((str,), True),
        "created_by_role": ((str,), True),
        "tenant_id": ((str,), True),
        "app_id": ((str,), True),
        "replay_of": ((str,), True),
        "seq": ((int,), False),
    }
    _REQUIRED: ClassVar[frozenset[str]] = frozenset({"id", "workflow_id", "status", "started_at", "seq"})

    @classmethod
    def from_dict(cls, data: Any) -> WorkflowExecution:
        optional = set(cls._SPEC) - cls._REQUIRED
        values = check_fields("WorkflowExecution", data, cls._SPEC, optional=optional)
        if values["status"] not in RunStatus.ALL:
            raise ValueError(f"WorkflowExecution: field 'status' has unknown value {values['status']!r}")
        values.setdefault("version", "")
        values.setdefault("graph", {})
        values.setdefault("graph_hash", "")
        values.setdefault("inputs", {})
        return cls(**values)


@dataclass(slots=True)
class NodeExecution:
    """One execution of one node in a run, with one attempt per try."""

    id: str
    run_id: str
    index: int
    node_id: str
    node_type: str
    created_at: float
    title: str = ""
    predecessor_node_id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    status: str = NodeStatus.RUNNING
    error: str = ""
    retry_count: int = 0
    finished_at: float | None = None
    elapsed_time: float = 0.0
    queue_wait: float = 0.0  # ready -> started, seconds
    metadata: dict[str, Any] = field(default_factory=dict)
    attempts: list[NodeAttempt] = field(default_factory=list)
    seq: int = 0

    @property
    def is_final(self) -> bool:
        return self.status in NodeStatus.TERMINAL

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot: top-level mappings and the attempts are copied."""
        return {
            "id": self.id,
            "run_id": self.run_id,
            "index": self.index,
            "node_id": self.node_id,
            "node_type": self.node_type,
            "created_at": self.created_at,
            "title": self.title,
            "predecessor_node_id": self.predecessor_node_id,
            "inputs": dict(self.inputs),
            "process_data": dict(self.process_data),
            "outputs": dict(self.outputs),
            "status": self.status,
            "error": self.error,
            "retry_count": self.retry_count,
            "finished_at": self.finished_at,
            "elapsed_time": self.elapsed_time,
            "queue_wait": self.queue_wait,
            "metadata": dict(self.metadata),
            "attempts": [a.to_dict() for a in self.attempts],
            "seq": self.seq,
        }

    _SPEC: ClassVar[dict[str, tuple[tuple[type, ...], bool]]] = {
        "id": ((str,), False),
        "run_id": ((str,), False),
        "index": ((int,), False),
        "node_id": ((str,), False),
        "node_type": ((str,), False),
        "created_at": (_NUM, False),
        "title": ((str,), False),
        "predecessor_node_id": ((str,), True),
        "inputs": ((dict,), False),
        "process_data": ((dict,), False),
        "outputs": ((dict,), False),
        "status": ((str,), False),
        "error": ((str,), False),
        "retry_count": ((int,), False),
        "finished_at": (_NUM, True),
        "elapsed_time": (_NUM, False),
        "queue_wait": (_NUM, False),
        "metadata": ((dict,), False),
        "attempts": ((list,), False),
        "seq": ((int,), False),
    }
    _REQUIRED: ClassVar[frozenset[str]] = frozenset(
        {"id", "run_id", "node_id", "node_type", "created_at", "status", "seq"}
    )

    @classmethod
    def from_dict(cls, data: Any) -> NodeExecution:
        optional = set(cls._SPEC) - cls._REQUIRED
        values = check_fields("NodeExecution", data, cls._SPEC, optional=optional)
        if values["status"] not in NodeStatus.ALL:
            raise ValueError(f"NodeExecution: field 'status' has unknown value {values['status']!r}")
        attempts: list[NodeAttempt] = []
        for i, raw in enumerate(values.get("attempts", [])):
            try:
                attempts.append(NodeAttempt.from_dict(raw))
            except ValueError as exc:
                raise ValueError(f"NodeExecution: field 'attempts[{i}]': {exc}") from None
        values["attempts"] = attempts
        values.setdefault("index", 0)
        return cls(**values)
