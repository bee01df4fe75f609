"""What happens when a node attempt fails: retry on a timer, or the error strategy.

``retry_config`` retries first (one :class:`NodeRetryEvent` per failed attempt,
the interval a timer so the dispatcher never sleeps); after the last attempt
the node's ``error_strategy`` decides: none -> the node fails and so does its
frame (the run, or the container round); ``default-value`` -> the defaults plus
``error_message``/``error_type``, status ``exception``; ``fail-branch`` -> the
error fields, routed through the ``fail-branch`` handle, status ``exception``.
"""

from __future__ import annotations

import threading
from typing import Any

from engine.events import NodeExceptionEvent, NodeFailedEvent, NodeRetryEvent
from engine.nodes.base import NodeResult
from engine.scheduler.attempt import Attempt
from engine.scheduler.completion import emit_ended, route
from engine.scheduler.frame import Frame
from engine.scheduler.outcome import Outcome
from engine.scheduler.protocol import Scheduler
from engine.status import NodeStatus, RunStatus


def handle_failure(
    d: Scheduler, frame: Frame, attempt: Attempt, message: str, error_type: str, finished_at: float
) -> None:
    node_id = attempt.node_id
    spec = frame.graph.nodes[node_id]
    retry = spec.data.retry_config
    failed = frame.failed_attempts.setdefault(node_id, [])
    if retry.retry_enabled and len(failed) < retry.max_retries:
        failed.append(
            {
                "execution_id": attempt.execution_id,
                "index": attempt.number,
                "started_at": attempt.started_at,
                "finished_at": finished_at,
                "error": message,
                "error_type": error_type,
            }
        )
        d.run.emitter.emit(
            NodeRetryEvent,
            node_execution_id=attempt.execution_id,
            node_id=node_id,
            node_type=spec.type,
            title=spec.title,
            container_id=frame.container_id,
            container_index=frame.container_index,
            retry_index=len(failed),
            error=message,
            error_type=error_type,
            start_at=attempt.started_at,
            finished_at=finished_at,
        )
        frame.coordinator.discard_chunks(node_id)
        frame.state.set(node_id, NodeStatus.RETRYING)
        schedule_retry(d, frame, node_id, retry.retry_interval / 1000.0)
        return
    strategy = spec.data.error_strategy
    error_fields = {"error_message": message, "error_type": error_type}
    if strategy is None:
        emit_ended(
            d,
            frame,
            NodeFailedEvent,
            attempt,
            NodeResult(),
            finished_at,
            error=message,
            error_type=error_type,
        )
        frame.state.set(node_id, NodeStatus.FAILED)
        frame.failure = Outcome(RunStatus.FAILED, message, error_type, node_id)
        frame.coordinator.resolved(node_id)
        return
    node = spec.node
    outputs = {**node.default_outputs(), **error_fields} if strategy == "default-value" else error_fields
    handle = "source" if strategy == "default-value" else "fail-branch"
    result = NodeResult(outputs=outputs)
    frame.pool.set_outputs(node_id, outputs)
    d.run.counters.exceptions += 1
    if spec.type == "end" and frame.top_level:
        d.run.outputs.update(outputs)
    emit_ended(
        d,
        frame,
        NodeExceptionEvent,
        attempt,
        result,
        finished_at,
        error=message,
        error_type=error_type,
        strategy=strategy,
    )
    frame.state.set(node_id, NodeStatus.EXCEPTION)
    route(d, frame, node_id, handle)


def schedule_retry(d: Scheduler, frame: Frame, node_id: str, delay: float) -> None:
    """The next attempt becomes ready after ``delay`` s: a timer posts ``("retry", frame, node_id)``."""
    d.timers_open += 1
    message = ("retry", frame, node_id)
    if delay <= 0:
        frame.timers[node_id] = _NO_TIMER
        d.inbox.put(message)
        return
    timer = threading.Timer(delay, d.inbox.put, args=(message,))
    timer.daemon = True
    frame.timers[node_id] = timer
    timer.start()


class _NoTimer:
    """Stands for a retry that is due at once (already posted to the inbox)."""

    def cancel(self) -> None:
        pass


_NO_TIMER: Any = _NoTimer()
