"""How node events change a :class:`NodeExecution` (pure functions, no I/O)."""

from __future__ import annotations

from typing import Any

from engine import events as ev
from engine.lifecycle.records import NodeAttempt, NodeExecution, NodeStatus


def new_node_execution(event: ev.NodeEvent, *, index: int, created_at: float) -> NodeExecution:
    metadata: dict[str, Any] = {}
    if event.container_id is not None:
        metadata["container_id"] = event.container_id
    if event.container_index is not None:
        metadata["container_index"] = event.container_index
    return NodeExecution(
        id=event.node_execution_id,
        run_id=event.run_id,
        index=index,
        node_id=event.node_id,
        node_type=event.node_type,
        title=event.title,
        created_at=created_at,
        metadata=metadata,
        seq=event.seq,
    )


def apply_started(node: NodeExecution, event: ev.NodeStartedEvent) -> None:
    if event.index:
        node.index = event.index
    node.predecessor_node_id = event.predecessor_node_id
    node.queue_wait = max(0.0, event.at - event.ready_at) if event.ready_at else 0.0
    node.status = NodeStatus.RUNNING
    node.seq = event.seq


def apply_retry(node: NodeExecution, event: ev.NodeRetryEvent) -> None:
    """One failed try that will be retried: a closed, failed attempt."""
    node.attempts.append(
        NodeAttempt(
            index=len(node.attempts),
            started_at=event.start_at or next_attempt_start(node),
            finished_at=event.finished_at or event.at,
            error=event.error,
            status=NodeStatus.FAILED,
        )
    )
    node.retry_count = len(node.attempts)
    node.error = event.error
    if event.error_type:
        node.metadata["error_type"] = event.error_type
    node.seq = event.seq


def apply_ended(node: NodeExecution, event: ev.NodeEndedEvent) -> None:
    status = ev.NODE_STATUS_OF_EVENT[type(event)]
    node.inputs = dict(event.inputs)
    node.process_data = dict(event.process_data)
    node.outputs = dict(event.outputs)
    node.metadata.update(event.metadata)
    if isinstance(event, ev.NodeFailedEvent | ev.NodeExceptionEvent) and event.error_type:
        node.metadata["error_type"] = event.error_type
    if isinstance(event, ev.NodeExceptionEvent) and event.strategy:
        node.metadata["error_strategy"] = event.strategy
    if isinstance(event, ev.NodeReusedEvent):  # restored outputs, no work: no attempt
        node.metadata["reused_from"] = event.reused_from
        node.status = status
        node.error = ""
        node.finished_at = event.at
        node.elapsed_time = 0.0
    else:
        error = getattr(event, "error", "") or getattr(event, "reason", "")
        close_node(node, at=event.at, seq=event.seq, status=status, error=error, started_at=event.started_at)
    node.retry_count = max(event.retry_count, len(node.attempts) - 1 if node.attempts else 0)
    node.seq = event.seq


def next_attempt_start(node: NodeExecution) -> float:
    if node.attempts and node.attempts[-1].finished_at is not None:
        return node.attempts[-1].finished_at
    return node.created_at


def close_node(
    node: NodeExecution, *, at: float, seq: int, status: str, error: str, started_at: float = 0.0
) -> None:
    """Finish the node and its last attempt (which starts no earlier than the previous one ended)."""
    floor = next_attempt_start(node)
    node.attempts.append(
        NodeAttempt(
            index=len(node.attempts),
            started_at=started_at if started_at >= floor else floor,
            finished_at=at,
            error=error,
            status=status,
        )
    )
    node.status = status
    node.error = error
    node.finished_at = at
    node.elapsed_time = max(0.0, at - node.created_at)
    node.seq = seq
