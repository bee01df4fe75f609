"""The record of one node execution (:class:`NodeExecution`) and of each of its tries (:class:`NodeAttempt`).

Statuses are :class:`engine.status.NodeStatus` members; ``from_dict`` parses a stored
one with :func:`engine.status.node_status` and raises a :class:`ValueError` naming the
record and field when it is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.lifecycle.validation import check_fields
from engine.status import NODE_TERMINAL, NodeStatus, node_status

_NUM = (int, float)


def parsed_node_status(record: str, value: Any) -> NodeStatus:
    try:
        status = node_status(value)
    except ValueError as exc:
        raise ValueError(f"{record}: field 'status' has {exc}") from None
    assert status is not None  # check_fields refused a null status
    return status


@dataclass(slots=True)
class NodeAttempt:
    """One try of a node execution."""

    index: int
    started_at: float
    finished_at: float | None = None
    error: str = ""
    status: NodeStatus = NodeStatus.RUNNING

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
        values["status"] = parsed_node_status("NodeAttempt", values["status"])
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
    status: NodeStatus = NodeStatus.RUNNING
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
        return self.status in NODE_TERMINAL

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
        values["status"] = parsed_node_status("NodeExecution", values["status"])
        attempts: list[NodeAttempt] = []
        for i, raw in enumerate(values.get("attempts", [])):
            try:
                attempts.append(NodeAttempt.from_dict(raw))
            except ValueError as exc:
                raise ValueError(f"NodeExecution: field 'attempts[{i}]': {exc}") from None
        values["attempts"] = attempts
        values.setdefault("index", 0)
        return cls(**values)
