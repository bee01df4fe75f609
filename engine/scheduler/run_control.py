"""Stopping and pausing a dispatcher: terminate, fail, pause and resume."""

from __future__ import annotations

import contextlib
import queue
import time
from typing import TYPE_CHECKING

from engine.events import NodeTerminatedEvent, RunPausedEvent, RunResumedEvent
from engine.nodes.base import NodeResult
from engine.nodes.cancel import CancelToken
from engine.scheduler import graph_state as gs
from engine.scheduler.node_runner import Attempt
from engine.scheduler.outcome import Outcome
from engine.scheduler.run_context import RunContext
from engine.scheduler.snapshot import take_snapshot

if TYPE_CHECKING:
    from engine.scheduler.dispatcher import Dispatcher


def stop(d: Dispatcher) -> Outcome:
    """Terminate (command, limit, cancelled container) or fail: end every node in flight."""
    if d.failure is not None and d.run.terminate_reason is None:
        reason, outcome = "run failed", d.failure
    else:
        reason = d.run.terminate_reason or (d.cancel.reason if d.cancel else "") or "terminated"
        outcome = Outcome("terminated", reason)
    now = time.time()
    for node_id, attempt in list(d.running.items()):
        attempt.token.cancel(reason)
        d.emit_ended(NodeTerminatedEvent, attempt, NodeResult(), now, reason=reason)
        d.state.node[node_id] = gs.TERMINATED
    d.running.clear()
    d.leaf_running = 0
    for node_id, timer in list(d.timers.items()):
        timer.cancel()
        failed = d.failed_attempts[node_id]
        attempt = Attempt(node_id, failed[0]["execution_id"], len(failed), CancelToken(), now)
        d.emit_ended(NodeTerminatedEvent, attempt, NodeResult(), now, reason=reason)
        d.state.node[node_id] = gs.TERMINATED
    d.timers.clear()
    return outcome


def quiet_everywhere(run: RunContext) -> bool:
    """No node is working anywhere in the run (containers may be open, their bodies idle)."""
    return all(d.leaf_running == 0 and not d.timers for d in list(run.dispatchers))


def pause(d: Dispatcher) -> None:
    """Nothing is working: publish a snapshot, then wait for resume or terminate.

    With a container open (its body paused inside) the state spans threads and
    cannot be written out: the pause holds in this process and the event's
    snapshot is empty.
    """
    snapshot = take_snapshot(d) if not d.running else {}
    d.run.emitter.emit(
        RunPausedEvent,
        snapshot=snapshot,
        elapsed_time=d.run.elapsed(),
        total_steps=d.run.counters.steps,
    )
    paused_at = time.monotonic()
    poll = d.run.channel.poll_interval  # a channel that cannot wake us is polled
    while d.run.pause_requested and d.run.terminate_reason is None:
        with contextlib.suppress(queue.Empty):
            d.handle(d.inbox.get(timeout=poll))  # a container may still close its last round
        d.take_commands()
    d.run.started_monotonic += time.monotonic() - paused_at  # paused time is not run time
    if d.run.terminate_reason is None:
        d.run.emitter.emit(RunResumedEvent)
