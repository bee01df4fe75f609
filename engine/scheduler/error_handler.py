"""What happens when a node attempt fails: retry on a timer, or the error strategy.

``retry_config`` retries first (one :class:`NodeRetryEvent` per failed attempt,
the interval a timer so the dispatcher never sleeps); after the last attempt
the node's ``error_strategy`` decides: none -> the node fails and so does the
run; ``default-value`` -> the defaults plus ``error_message``/``error_type``,
status ``exception``; ``fail-branch`` -> the error fields, routed through the
``fail-branch`` handle, status ``exception``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from engine.events import NodeExceptionEvent, NodeFailedEvent, NodeRetryEvent
from engine.nodes.base import NodeResult
from engine.scheduler import graph_state as gs
from engine.scheduler.node_runner import Attempt
from engine.scheduler.outcome import Outcome

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher


def handle_failure(
    d: Dispatcher, attempt: Attempt, message: str, error_type: str, finished_at: float
) -> None:
    node_id = attempt.node_id
    spec = d.graph.nodes[node_id]
    retry = spec.data.retry_config
    failed = d.failed_attempts.setdefault(node_id, [])
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
            container_id=d.container_id,
            container_index=d.container_index,
            retry_index=len(failed),
            error=message,
            error_type=error_type,
            start_at=attempt.started_at,
            finished_at=finished_at,
        )
        d.coordinator.discard_chunks(node_id)
        d.state.node[node_id] = gs.RETRYING
        schedule_retry(d, node_id, retry.retry_interval / 1000.0)
        return
    strategy = spec.data.error_strategy
    error_fields = {"error_message": message, "error_type": error_type}
    if strategy is None:
        result = NodeResult()
        d.emit_ended(NodeFailedEvent, attempt, result, finished_at, error=message, error_type=error_type)
        d.state.node[node_id] = gs.FAILED
        d.failure = Outcome("failed", message, error_type, node_id)
        d.coordinator.resolved(node_id)
        return
    node = spec.node
    outputs = {**node.default_outputs(), **error_fields} if strategy == "default-value" else error_fields
    handle = "source" if strategy == "default-value" else "fail-branch"
    result = NodeResult(outputs=outputs)
    d.pool.set_outputs(node_id, outputs)
    with d.run.lock:
        d.run.counters.exceptions += 1
    if spec.type == "end" and d.top_level:
        d.run.outputs.update(outputs)
    d.emit_ended(
        NodeExceptionEvent,
        attempt,
        result,
        finished_at,
        error=message,
        error_type=error_type,
        strategy=strategy,
    )
    d.state.node[node_id] = gs.EXCEPTION
    d.route(node_id, handle)


def schedule_retry(d: Dispatcher, node_id: str, delay: float) -> None:
    if delay <= 0:
        d.timers[node_id] = _NO_TIMER
        d.inbox.put(("retry", node_id))
        return
    timer = threading.Timer(delay, d.inbox.put, args=(("retry", node_id),))
    timer.daemon = True
    d.timers[node_id] = timer
    timer.start()


class _NoTimer:
    """Stands for a retry that is due at once (already posted to the inbox)."""

    def cancel(self) -> None:
        pass


_NO_TIMER: Any = _NoTimer()
