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

from engine.lifecycle.node_execution import NodeAttempt, NodeExecution
from engine.lifecycle.validation import check_fields
from engine.status import RUN_TERMINAL, NodeStatus, RunStatus, run_status

__all__ = ["NodeAttempt", "NodeExecution", "NodeStatus", "RunStatus", "WorkflowExecution"]


_NUM = (int, float)


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
    status: RunStatus = RunStatus.RUNNING
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
        return self.status in RUN_TERMINAL

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
        try:
            values["status"] = run_status(values["status"])
        except ValueError as exc:
            raise ValueError(f"WorkflowExecution: field 'status' has {exc}") from None
        values.setdefault("version", "")
        values.setdefault("graph", {})
        values.setdefault("graph_hash", "")
        values.setdefault("inputs", {})
        return cls(**values)
