"""How node events change a :class:`NodeExecution` (pure functions, no I/O).

The caller (:class:`~engine.lifecycle.WorkflowCycleManager`) has already asked the
state machine (:mod:`engine.status`) whether the change is allowed and passes the
status it returned; nothing here decides a node's status.
"""

from __future__ import annotations

import uuid
from typing import Any

from engine import events as ev
from engine.lifecycle.node_execution import NodeAttempt, NodeExecution
from engine.status import NodeStatus

#: namespace of the ids of skipped-node records (uuid5 of run, node, container index, occurrence)
SKIPPED_ID_NAMESPACE = uuid.UUID("5f0c3e2a-9b1d-4c6e-8a7f-2d4b6c8e0a13")


def _container_metadata(event: ev.NodeEvent | ev.NodeSkippedEvent) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if event.container_id is not None:
        metadata["container_id"] = event.container_id
    if event.container_index is not None:
        metadata["container_index"] = event.container_index
    return metadata


def skipped_execution_id(run_id: str, node_id: str, container_index: int | None, occurrence: int = 0) -> str:
    """The stable id of the record of a skipped node: the same event stream always gives the same id.

    ``occurrence`` tells apart skips of one node with the same container index
    (a container nested in another one's rounds): 0 for the first.
    """
    name = f"{run_id}\x1f{node_id}\x1f{'' if container_index is None else container_index}\x1f{occurrence}"
    return uuid.uuid5(SKIPPED_ID_NAMESPACE, name).hex


def skipped_node_execution(
    event: ev.NodeSkippedEvent, *, index: int, status: NodeStatus, occurrence: int = 0
) -> NodeExecution:
    """A node that never ran (``status``: skipped), no attempts, no time spent, at the event's time."""
    return NodeExecution(
        id=skipped_execution_id(event.run_id, event.node_id, event.container_index, occurrence),
        run_id=event.run_id,
        index=index,
        node_id=event.node_id,
        node_type=event.node_type,
        title=event.title,
        created_at=event.at,
        status=status,
        finished_at=event.at,
        elapsed_time=0.0,
        metadata=_container_metadata(event),
        seq=event.seq,
    )


def new_node_execution(event: ev.NodeEvent, *, index: int, created_at: float) -> NodeExecution:
    metadata = _container_metadata(event)
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


def apply_started(node: NodeExecution, event: ev.NodeStartedEvent, status: NodeStatus) -> None:
    if event.index:
        node.index = event.index
    node.predecessor_node_id = event.predecessor_node_id
    node.queue_wait = max(0.0, event.at - event.ready_at) if event.ready_at else 0.0
    node.status = status
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


def apply_ended(node: NodeExecution, event: ev.NodeEndedEvent, status: NodeStatus) -> None:
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
    node: NodeExecution, *, at: float, seq: int, status: NodeStatus, error: str, started_at: float = 0.0
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
