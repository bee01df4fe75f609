"""Events of a run rebuilt from its records, for watching a run owned by another local process.

A run started by another ``flowdeck`` process on the same database streams its
events to nobody here; its records do change as it goes.  :func:`record_events`
polls them and yields the node events the changes stand for (started, and then
succeeded / failed / exception / terminated / skipped / reused), ending with the
run's final record, so ``flowdeck watch`` renders the same progress lines as
``flowdeck run``.  Streamed text is not recorded and so not shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.api import NODE_TERMINAL, RUN_TERMINAL, NodeStatus

if TYPE_CHECKING:
    from engine.api import EngineEvent, Flowdeck, NodeExecution

POLL_S = 0.2


def _ended_event(n: NodeExecution, base: dict[str, Any]) -> EngineEvent | None:
    from engine import api

    ended = {**base, "started_at": n.created_at, "elapsed_time": n.elapsed_time or 0.0}
    ended["retry_count"] = n.retry_count
    if "reused_from" in n.metadata or n.status == NodeStatus.REUSED:
        return api.NodeReusedEvent(**ended, reused_from=str(n.metadata.get("reused_from", "")))
    if n.status == NodeStatus.SUCCEEDED:
        return api.NodeSucceededEvent(**ended)
    if n.status == NodeStatus.FAILED:
        return api.NodeFailedEvent(**ended, error=n.error or "")
    if n.status == NodeStatus.EXCEPTION:
        return api.NodeExceptionEvent(**ended, error=n.error or "")
    if n.status == NodeStatus.TERMINATED:
        return api.NodeTerminatedEvent(**ended, reason=n.error or "")
    return None


def node_changes(run_id: str, nodes: list[NodeExecution], seen: dict[str, str]) -> Iterator[EngineEvent]:
    """Events for the node records whose status changed since ``seen`` (updated in place)."""
    from engine import api

    for n in nodes:
        before = seen.get(n.id)
        if before == n.status:
            continue
        seen[n.id] = n.status
        now = time.time()
        if n.status == NodeStatus.SKIPPED:
            yield api.NodeSkippedEvent(
                run_id=run_id, seq=0, at=now, node_id=n.node_id, node_type=n.node_type, title=n.title
            )
            continue
        base = {
            "run_id": run_id,
            "seq": 0,
            "at": now,
            "node_execution_id": n.id,
            "node_id": n.node_id,
            "node_type": n.node_type,
            "title": n.title,
        }
        reused = "reused_from" in n.metadata or n.status == NodeStatus.REUSED
        if before is None and not reused:
            yield api.NodeStartedEvent(**base)
        if n.status in NODE_TERMINAL:
            ended = _ended_event(n, base)
            if ended is not None:
                yield ended


def record_events(service: Flowdeck, run_id: str, timeout: float | None = None) -> Iterator[EngineEvent]:
    """The run's node events from its records until its record is final (TimeoutError after ``timeout``)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    seen: dict[str, str] = {}
    while True:
        run = service.get_run(run_id)
        yield from node_changes(run_id, service.node_executions(run_id), seen)
        if run.status in RUN_TERMINAL:
            return
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"run {run_id} did not end within {timeout} s (it is {run.status})")
        time.sleep(POLL_S)
