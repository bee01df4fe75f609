"""Typed, frozen engine events.

Every event carries the ``run_id``, a ``seq`` that strictly increases within a
run, and ``at`` (epoch seconds).  Events are JSON-serialisable through
:func:`event_to_dict` / :func:`event_from_dict` because they cross Redis and
Celery.  Exactly one terminal run event (:data:`TERMINAL_RUN_EVENTS`) closes a
run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.status import NodeStatus, RunStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineEvent:
    name: ClassVar[str] = "event"
    run_id: str
    seq: int
    at: float


# ----------------------------------------------------------------- run events
@dataclass(frozen=True, slots=True, kw_only=True)
class RunStartedEvent(EngineEvent):
    name: ClassVar[str] = "run_started"
    workflow_id: str
    workflow_name: str
    graph_hash: str
    inputs: dict[str, Any] = field(default_factory=dict)
    system: dict[str, Any] = field(default_factory=dict)
    replay_of: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunEndedEvent(EngineEvent):
    """Base of the terminal run events."""

    outputs: dict[str, Any] = field(default_factory=dict)
    total_steps: int = 0
    total_tokens: int = 0
    exceptions_count: int = 0
    elapsed_time: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSucceededEvent(RunEndedEvent):
    name: ClassVar[str] = "run_succeeded"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPartialSucceededEvent(RunEndedEvent):
    name: ClassVar[str] = "run_partial_succeeded"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFailedEvent(RunEndedEvent):
    name: ClassVar[str] = "run_failed"
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunTerminatedEvent(RunEndedEvent):
    name: ClassVar[str] = "run_terminated"
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInterruptedEvent(RunTerminatedEvent):
    """Its owner stopped reporting and was stopped by the orphan policy (engine.control.orphan_policy)."""

    name: ClassVar[str] = "run_interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPausedEvent(EngineEvent):
    """The run stopped dispatching; ``snapshot`` resumes it (a JSON mapping)."""

    name: ClassVar[str] = "run_paused"
    snapshot: dict[str, Any] = field(default_factory=dict)
    elapsed_time: float = 0.0
    total_steps: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResumedEvent(EngineEvent):
    name: ClassVar[str] = "run_resumed"


# ---------------------------------------------------------------- node events
@dataclass(frozen=True, slots=True, kw_only=True)
class NodeEvent(EngineEvent):
    node_execution_id: str
    node_id: str
    node_type: str
    title: str = ""
    # container context: set for nodes that run inside an iteration or loop
    container_id: str | None = None
    container_index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeStartedEvent(NodeEvent):
    name: ClassVar[str] = "node_started"
    index: int = 0
    predecessor_node_id: str | None = None
    ready_at: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeEndedEvent(NodeEvent):
    """Base of a node's terminal events: what it read, did and produced."""

    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    elapsed_time: float = 0.0
    retry_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSucceededEvent(NodeEndedEvent):
    name: ClassVar[str] = "node_succeeded"


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeFailedEvent(NodeEndedEvent):
    name: ClassVar[str] = "node_failed"
    error: str = ""
    error_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeExceptionEvent(NodeEndedEvent):
    """The node failed but its error strategy (default-value / fail-branch) handled it."""

    name: ClassVar[str] = "node_exception"
    error: str = ""
    error_type: str = ""
    strategy: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeTerminatedEvent(NodeEndedEvent):
    name: ClassVar[str] = "node_terminated"
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeReusedEvent(NodeEndedEvent):
    """Replay from failure: the node's outputs were restored, no work done."""

    name: ClassVar[str] = "node_reused"
    reused_from: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeRetryEvent(NodeEvent):
    """One failed attempt that will be retried after ``retry_interval`` ms."""

    name: ClassVar[str] = "node_retry"
    retry_index: int
    error: str
    error_type: str = ""
    start_at: float = 0.0
    finished_at: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSkippedEvent(EngineEvent):
    name: ClassVar[str] = "node_skipped"
    node_id: str
    node_type: str
    title: str = ""
    container_id: str | None = None
    container_index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeStreamChunkEvent(EngineEvent):
    """A piece of the response text, in the order the client sees it.

    ``node_id`` is the response node (answer/end) that streams it; ``from_selector``
    the variable the text comes from (``None`` for template literals).
    """

    name: ClassVar[str] = "node_stream_chunk"
    node_id: str
    chunk: str
    from_selector: list[str] | None = None
    is_final: bool = False


# ----------------------------------------------------- iteration / loop events
@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerEvent(EngineEvent):
    node_execution_id: str
    node_id: str
    node_type: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IterationStartedEvent(ContainerEvent):
    name: ClassVar[str] = "iteration_started"
    total: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class IterationNextEvent(ContainerEvent):
    name: ClassVar[str] = "iteration_next"
    index: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class IterationFinishedEvent(ContainerEvent):
    name: ClassVar[str] = "iteration_finished"
    rounds: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopStartedEvent(ContainerEvent):
    name: ClassVar[str] = "loop_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopNextEvent(ContainerEvent):
    name: ClassVar[str] = "loop_next"
    index: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopFinishedEvent(ContainerEvent):
    name: ClassVar[str] = "loop_finished"
    rounds: int = 0
    error: str = ""


TERMINAL_RUN_EVENTS: tuple[type[RunEndedEvent], ...] = (
    RunSucceededEvent,
    RunPartialSucceededEvent,
    RunFailedEvent,
    RunTerminatedEvent,
)

RUN_STATUS_OF_EVENT: dict[type[EngineEvent], RunStatus] = {
    RunSucceededEvent: RunStatus.SUCCEEDED,
    RunPartialSucceededEvent: RunStatus.PARTIAL_SUCCEEDED,
    RunFailedEvent: RunStatus.FAILED,
    RunTerminatedEvent: RunStatus.TERMINATED,
    RunInterruptedEvent: RunStatus.INTERRUPTED,
    RunPausedEvent: RunStatus.PAUSED,
}

NODE_STATUS_OF_EVENT: dict[type[EngineEvent], NodeStatus] = {
    NodeSucceededEvent: NodeStatus.SUCCEEDED,
    NodeFailedEvent: NodeStatus.FAILED,
    NodeExceptionEvent: NodeStatus.EXCEPTION,
    NodeTerminatedEvent: NodeStatus.TERMINATED,
    NodeReusedEvent: NodeStatus.SUCCEEDED,  # a replayed node's record is succeeded, with reused_from
    NodeSkippedEvent: NodeStatus.SKIPPED,
}


def _all_event_types() -> dict[str, type[EngineEvent]]:
    found: dict[str, type[EngineEvent]] = {}
    stack: list[type[EngineEvent]] = [EngineEvent]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if "name" in sub.__dict__:
                found[sub.name] = sub
    return found


_EVENT_TYPES = _all_event_types()


def is_terminal(event: EngineEvent) -> bool:
    return isinstance(event, TERMINAL_RUN_EVENTS)


def event_to_dict(event: EngineEvent) -> dict[str, Any]:
    """A JSON-ready mapping with the event's name under ``"event"``."""
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    data["event"] = event.name
    return data


def event_from_dict(data: dict[str, Any]) -> EngineEvent:
    """Inverse of :func:`event_to_dict`; unknown keys are ignored (newer producers)."""
    payload = dict(data)
    name = payload.pop("event", None)
    cls = _EVENT_TYPES.get(str(name))
    if cls is None:
        raise ValueError(f"unknown engine event {name!r}")
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in payload.items() if k in known})
