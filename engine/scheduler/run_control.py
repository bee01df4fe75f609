"""Stopping and pausing: terminate or fail a frame (and the rounds open inside it), pause the run."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable
from typing import Any

from engine.events import NodeTerminatedEvent, RunPausedEvent, RunResumedEvent
from engine.nodes.base import NodeResult
from engine.scheduler.completion import emit_ended
from engine.scheduler.frame import Frame
from engine.scheduler.outcome import Outcome
from engine.scheduler.protocol import Scheduler
from engine.status import NodeStatus, RunStatus


def stop_frame(d: Scheduler, frame: Frame, reason: str | None = None) -> Outcome:
    """End every attempt of ``frame`` still in flight as terminated (and every round open inside it).

    ``reason`` None: the frame failed (``"run failed"``) or the run is being
    terminated (its reason).  The frame is closed: its queued nodes and late
    outcomes are dropped.
    """
    run = d.run
    if reason is not None:
        outcome = Outcome(RunStatus.TERMINATED, reason)
    elif frame.failure is not None and run.terminate_reason is None:
        reason, outcome = "run failed", frame.failure
    else:
        reason = run.terminate_reason or str(RunStatus.TERMINATED)
        outcome = Outcome(RunStatus.TERMINATED, reason)
    frame.closed = True
    now = time.time()
    for node_id, attempt in frame.in_flight(now):  # running attempts, then retrying ones
        attempt.token.cancel(reason)
        if attempt.pooled:
            d.leaf_running -= 1
        emit_ended(d, frame, NodeTerminatedEvent, attempt, NodeResult(), now, reason=reason)
        frame.state.set(node_id, NodeStatus.TERMINATED)
        container = frame.containers.pop(node_id, None)
        if container is not None:
            container.cancel(reason)
    for timer in frame.timers.values():
        timer.cancel()
    d.timers_open -= len(frame.timers)
    frame.timers.clear()
    frame.attempts.clear()
    return outcome


def quiet(d: Scheduler) -> bool:
    """No node is working anywhere in the run (containers may be open, their rounds idle)."""
    return d.leaf_running == 0 and d.timers_open == 0


def pause(
    d: Scheduler,
    snapshot: dict[str, Any],
    handle: Callable[[tuple[Any, ...]], None],
    take_commands: Callable[[], None],
) -> None:
    """Nothing is working: publish ``snapshot`` (every frame), then wait for resume or terminate."""
    run = d.run
    run.emitter.emit(
        RunPausedEvent,
        snapshot=snapshot,
        elapsed_time=run.elapsed(),
        total_steps=run.counters.steps,
    )
    paused_at = time.monotonic()
    poll = run.channel.poll_interval  # a channel that cannot wake us is polled
    while run.pause_requested and run.terminate_reason is None:
        with contextlib.suppress(queue.Empty):
            handle(d.inbox.get(timeout=poll))
        take_commands()
    run.started_monotonic += time.monotonic() - paused_at  # paused time is not run time
    if run.terminate_reason is None:
        run.emitter.emit(RunResumedEvent)
