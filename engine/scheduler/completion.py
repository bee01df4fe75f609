"""A node attempt that succeeded: outputs into the frame's pool, its event, its out-edges routed."""

from __future__ import annotations

import json
import time
from typing import Any

from engine.events import NodeReusedEvent, NodeSkippedEvent, NodeSucceededEvent
from engine.nodes.base import NodeResult
from engine.scheduler import graph_state as gs
from engine.scheduler.attempt import Attempt
from engine.scheduler.frame import Frame
from engine.scheduler.protocol import Scheduler
from engine.status import NodeStatus


def succeed(
    d: Scheduler,
    frame: Frame,
    attempt: Attempt,
    result: NodeResult,
    finished_at: float,
    event: type = NodeSucceededEvent,
    **extra: Any,
) -> None:
    node_id = attempt.node_id
    spec = frame.graph.nodes[node_id]
    outputs = result.outputs
    run = d.run
    limit = run.config.max_output_bytes
    if limit is not None and _size(outputs) > limit:
        frame.attempts[node_id] = attempt  # still in flight: terminate marks it
        run.request_terminate(f"node {node_id!r} output exceeds {limit} bytes")
        return
    pool = frame.pool
    pool.set_outputs(node_id, outputs)
    for selector, value in result.variable_writes:
        pool.add(selector, value)
    if result.total_tokens:
        run.counters.tokens += result.total_tokens
    node_type = spec.type
    if node_type == "answer":
        run.answers.append(str(outputs.get("answer", "")))
    elif node_type == "end" and frame.top_level:
        run.outputs.update(outputs)
    elif node_type == "loop-end":
        frame.loop_break = True
    if result.edge_handle != "source":  # replay needs the branch a node took
        result.metadata["edge_handle"] = result.edge_handle
    emit_ended(d, frame, event, attempt, result, finished_at, **extra)
    frame.state.set(node_id, NodeStatus.SUCCEEDED)
    route(d, frame, node_id, result.edge_handle)


def reuse(d: Scheduler, frame: Frame, attempt: Attempt, record: dict[str, Any]) -> None:
    """Replay from failure: restore what the original run produced; no work is done."""
    del frame.attempts[attempt.node_id]
    attempt.started_at = time.time()
    handle = str(record.get("edge_handle") or "source")
    result = NodeResult(outputs=dict(record.get("outputs") or {}), edge_handle=handle)
    succeed(d, frame, attempt, result, attempt.started_at, event=NodeReusedEvent, reused_from=record["id"])


def route(d: Scheduler, frame: Frame, node_id: str, handle: str) -> None:
    ready: list[str] = []
    skipped: list[str] = []
    frame.state.resolve_out(node_id, handle, ready, skipped)
    coordinator = frame.coordinator
    coordinator.resolved(node_id)
    if coordinator.active and coordinator.is_gate(node_id):
        edges = frame.state.edge
        for edge in frame.graph.out_edges[node_id]:
            if edges[edge.id] == gs.EDGE_TAKEN:
                coordinator.edge_taken(node_id, edge.target)
    if skipped:
        emit = d.run.emitter.emit
        for skipped_id in skipped:
            spec = frame.graph.nodes[skipped_id]
            emit(
                NodeSkippedEvent,
                node_id=skipped_id,
                node_type=spec.type,
                title=spec.title,
                container_id=frame.container_id,
                container_index=frame.container_index,
            )
            coordinator.resolved(skipped_id)
    if ready:
        d.enqueue(frame, ready)


def emit_ended(
    d: Scheduler,
    frame: Frame,
    cls: type,
    attempt: Attempt,
    result: NodeResult,
    finished_at: float,
    **extra: Any,
) -> None:
    spec = frame.graph.nodes[attempt.node_id]
    pool = frame.pool
    mask = pool.mask if pool.has_secrets else _same
    metadata = dict(result.metadata)
    if result.total_tokens:
        metadata["total_tokens"] = result.total_tokens
    d.run.emitter.emit(
        cls,
        node_execution_id=attempt.execution_id,
        node_id=attempt.node_id,
        node_type=spec.type,
        title=spec.title,
        container_id=frame.container_id,
        container_index=frame.container_index,
        inputs=mask(result.inputs),
        process_data=mask(result.process_data),
        outputs=mask(result.outputs),
        started_at=attempt.started_at,
        # an attempt stopped between dispatch and start never started: it took no time
        elapsed_time=max(0.0, finished_at - attempt.started_at) if attempt.started_at else 0.0,
        retry_count=len(frame.failed_attempts.get(attempt.node_id, ())),
        metadata=metadata,
        **extra,
    )


def _same(value: Any) -> Any:
    return value


def _size(outputs: dict[str, Any]) -> int:
    return len(json.dumps(outputs, ensure_ascii=False, default=str).encode())
