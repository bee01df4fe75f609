"""The runtime state of a paused run as JSON, and a dispatcher rebuilt from it.

A snapshot holds the variable pool, node and edge states, the ready queue,
counters, failed attempts, accumulated answers and outputs, and the response
streamer's position, so resuming (also in another process) produces the same
outputs and stream as an uninterrupted run.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from engine.scheduler import graph_state as gs

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher
    from engine.scheduler.run_context import RunContext

SNAPSHOT_VERSION = 1


def take_snapshot(dispatcher: Dispatcher) -> dict[str, Any]:
    run = dispatcher.run
    if dispatcher.running or dispatcher.timers:
        raise RuntimeError("a snapshot needs a quiet dispatcher (no node in flight)")
    return {
        "version": SNAPSHOT_VERSION,
        "run_id": run.run_id,
        "workflow_hash": run.workflow.graph_hash,
        "pool": dispatcher.pool.to_dict(),
        "graph": dispatcher.state.to_dict(),
        "ready": list(dispatcher.ready),
        "ready_at": dict(dispatcher.ready_at),
        "failed_attempts": {k: list(v) for k, v in dispatcher.failed_attempts.items()},
        "counters": run.counters.to_dict(),
        "answers": list(run.answers),
        "outputs": dict(run.outputs),
        "elapsed": run.elapsed(),
        "last_seq": run.emitter.last_seq,
        "mock_calls": dict(run.mock_calls._calls),
        "responses": dispatcher.coordinator.to_dict(),
    }


def restore(dispatcher: Dispatcher, snapshot: dict[str, Any]) -> None:
    """Load ``snapshot`` into a fresh top-level dispatcher (and its run context)."""
    if snapshot.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"unsupported snapshot version {snapshot.get('version')!r}")
    run: RunContext = dispatcher.run
    if snapshot.get("workflow_hash") != run.workflow.graph_hash:
        raise ValueError("the snapshot belongs to a different workflow graph")
    dispatcher.state.load(snapshot["graph"])
    dispatcher.ready = deque(snapshot["ready"])
    dispatcher.ready_at = dict(snapshot.get("ready_at", {}))
    for node_id in dispatcher.ready:
        dispatcher.state.node[node_id] = gs.READY
    dispatcher.failed_attempts = {k: list(v) for k, v in snapshot.get("failed_attempts", {}).items()}
    counters = snapshot["counters"]
    run.counters.steps = counters["steps"]
    run.counters.tokens = counters["tokens"]
    run.counters.exceptions = counters["exceptions"]
    run.counters.index = counters["index"]
    run.answers[:] = snapshot.get("answers", [])
    run.outputs.update(snapshot.get("outputs", {}))
    run.elapsed_before = float(snapshot.get("elapsed", 0.0))
    run.mock_calls._calls.update(snapshot.get("mock_calls", {}))
    dispatcher.coordinator.load(snapshot.get("responses", {}))
    dispatcher._started = True
